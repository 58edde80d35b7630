"""Reading a decisions file (services/grants/exchange/use_cases/decision_files.py), no database needed: CSV
as the prefecture's tools write it, XLSX workbooks sheet by sheet, every data line checked, the file refused
whole when it cannot be read or names none of the columns needed."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from services.grants.errors import RuleViolationError
from services.grants.exchange.use_cases import tables
from services.grants.exchange.use_cases.decision_files import read_file, readable_tables

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def test_a_csv_is_read_line_by_line_by_its_headers_blank_lines_skipped() -> None:
    content = (
        "Code SIRET;Exercice;Intitulé;Montant voté;Date de décision\r\n"
        "73282932000074;2025;Chantiers éducatifs;4200;2025-02-10\r\n"
        ";;;;\r\n"
        "35600000049837;2025;Café des parents;3000.50;\r\n"
    ).encode()
    read = read_file(content, "text/csv", {})
    assert read.headers == ["Code SIRET", "Exercice", "Intitulé", "Montant voté", "Date de décision"]
    assert read.columns == {"siret": 0, "year": 1, "title": 2, "decided_amount": 3, "decision_date": 4}
    assert [(line.line, line.row, line.siret, line.decided_cents) for line in read.lines] == [
        (1, 2, "73282932000074", 420_000),
        (2, 4, "35600000049837", 300_050),
    ]
    assert read.lines[0].raw == {
        "Code SIRET": "73282932000074",
        "Exercice": "2025",
        "Intitulé": "Chantiers éducatifs",
        "Montant voté": "4200",
        "Date de décision": "2025-02-10",
    }


def test_a_french_excel_csv_in_windows_1252_is_read() -> None:
    content = "N° dossier Dauphin;Montant accordé;Décision\nDA20250002-1;5000;Votée\n".encode("cp1252")
    (line,) = read_file(content, "text/plain", {}).lines
    assert (line.dauphin_number, line.decided_cents, line.decision) == ("DA20250002-1", 500_000, "granted")


def test_a_line_the_csv_reader_cannot_split_is_kept_as_an_error_of_its_own() -> None:
    content = b"numero_dossier_dauphin;montant_decide_p147\nDA20250002-1;100\nDA20250002-2;100;extra\n"
    first, broken = read_file(content, "text/csv", {}).lines
    assert first.errors == []
    assert (broken.line, broken.row, [(error.field, error.rule) for error in broken.errors]) == (
        2,
        3,
        [("line", "csv-syntax")],
    )


def test_a_workbooks_sheets_with_the_needed_columns_are_read_with_the_cells_as_typed() -> None:
    decided_on = datetime(2025, 2, 10)  # noqa: DTZ001 - a spreadsheet's date cell has no zone
    content = workbook(
        ("Synthèse", [["Total", 7500.5]]),
        (
            "p147",
            [["numero_dossier_dauphin", "montant_decide_p147", "date_decision"], ["DA20250002-1", 2500.5, decided_on]],
        ),
        ("p147 suite", [["numero_dossier_dauphin", "montant_decide_p147"], [None, None], ["20250003", 5000]]),
    )
    assert [table.sheet for table in readable_tables(content, XLSX, {})] == ["p147", "p147 suite"]
    read = read_file(content, XLSX, {})
    assert [(line.line, line.sheet, line.row) for line in read.lines] == [(1, "p147", 2), (2, "p147 suite", 3)]
    first, second = read.lines
    assert (first.decided_cents, first.decision_date, first.raw["date_decision"]) == (
        250_050,
        date(2025, 2, 10),
        "2025-02-10T00:00:00",
    )
    assert (second.dauphin_code, second.decided_cents) == ("20250003", 500_000)


def test_a_file_that_cannot_be_read_or_names_no_needed_column_is_refused_whole() -> None:
    for content, media_type, rule in (
        (b"PK\x03\x04garbage", XLSX, "xlsx-file"),
        (b"%PDF-1.7", "application/pdf", "media-type"),
        (b"Colonne A;Colonne B\na;b\n", "text/csv", "unknown-column-set"),
        (workbook(("Synthèse", [["Total", 1]]), ("Notes", [["Texte"]])), XLSX, "unknown-column-set"),
    ):
        with pytest.raises(RuleViolationError) as refused:
            read_file(content, media_type, {})
        assert (refused.value.field, refused.value.rule) == ("file", rule)
    spelled = {"decided_amount": ["Colonne B"], "dauphin_number": ["Colonne A"]}
    (table,) = readable_tables(b"Colonne A;Colonne B\na;b\n", "text/csv", spelled)
    assert table.columns == {"dauphin_number": 0, "decided_amount": 1}, "the contract's own spellings"


def test_a_file_holds_a_bounded_number_of_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "MAX_LINES", 2)

    def decisions(count: int) -> bytes:
        lines = "".join(f"DA2025000{rank}-1;100\n" for rank in range(1, count + 1))
        return f"numero_dossier_dauphin;montant_decide_p147\n{lines}".encode()

    assert len(read_file(decisions(2), "text/csv", {}).lines) == 2
    with pytest.raises(RuleViolationError) as refused:
        read_file(decisions(3), "text/csv", {})
    assert refused.value.rule == "too-many-lines"
