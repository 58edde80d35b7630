"""The spreadsheet writer's CSVs, cell by cell (services/grants/spreadsheet.py): the exchange CSV as other
systems read it, and the CSV a French spreadsheet opens by a double click."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from services.grants.spreadsheet import Cell, Code, write_csv, write_spreadsheet_csv

ROW: list[Cell] = [
    Code("00552013500137"),
    Decimal("7000.01"),
    Decimal("0.00"),
    date(2025, 3, 14),
    True,
    None,
    2025,
    "Ateliers ; « jeunes »",
    '=HYPERLINK("http://exemple.invalid")',
    Code("QN06258M;QN06261M"),
]


def written(write: object) -> str:
    text = io.StringIO(newline="")
    if write is write_csv:
        write_csv(text, [ROW])
    else:
        write_spreadsheet_csv(text, [ROW])
    return text.getvalue()


def test_the_exchange_csv_gives_dot_decimals_iso_dates_and_every_field_quoted_and_runs_no_formula() -> None:
    # Its byte-order mark and `;` make a spreadsheet open it by a double click: a typed text that would run
    # as a formula is led by an apostrophe there too.
    assert written(write_csv) == (
        '"00552013500137";"7000.01";"0.00";"2025-03-14";"oui";"";"2025";"Ateliers ; « jeunes »";'
        '"\'=HYPERLINK(""http://exemple.invalid"")";"QN06258M;QN06261M"\r\n'
    )


def test_the_french_spreadsheets_csv_keeps_codes_text_numbers_unquoted_and_runs_no_formula() -> None:
    line = written(write_spreadsheet_csv)
    assert line == (
        '="00552013500137";7000,01;0,00;14/03/2025;oui;;2025;"Ateliers ; « jeunes »";'
        '"\'=HYPERLINK(""http://exemple.invalid"")";"=""QN06258M;QN06261M"""\r\n'
    )
    cells = next(csv.reader(io.StringIO(line), delimiter=";"))
    assert (cells[0], cells[-1]) == ('="00552013500137"', '="QN06258M;QN06261M"'), "as a CSV reader splits it"


def test_a_code_too_long_for_a_formula_is_written_as_text() -> None:
    text = io.StringIO(newline="")
    write_spreadsheet_csv(text, [[Code("Q" * 256), Code("QN06258M")]])
    assert text.getvalue() == "Q" * 256 + ';="QN06258M"\r\n'


def test_a_code_typed_as_a_formula_is_no_formula_in_the_exchange_csv() -> None:
    text = io.StringIO(newline="")
    write_csv(text, [[Code("=cmd|' /C calc'!A0"), Code("2103814945")]])
    assert text.getvalue() == '"\'=cmd|\' /C calc\'!A0";"2103814945"\r\n'
