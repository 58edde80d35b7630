"""The tableur-fr CSV as a French spreadsheet makes cells of it when it is opened by a double click (Excel
in French; LibreOffice in French with its Text Import dialog's defaults): the byte-order mark says UTF-8,
`;` splits the cells, a number with a decimal comma is a number, DD/MM/YYYY a date, a formula ="…" the
text it gives, anything else text. Every code stays text, every amount is a number, and the amounts add
up to the export's own totals. The exchange CSV read the same way shows what the dialect is for."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import httpx
from openpyxl import load_workbook

from tests.clock import TravellingClock
from tests.grants.playbook import Year
from tests.grants.prefecture import EJ, ZEROS_SIRET, a_year_to_decide, exported
from tests.running_stack import RunningStack

BOM = b"\xef\xbb\xbf"
NUMBER = re.compile(r"^-?[0-9]+(,[0-9]+)?$")  # a French locale's number: digits, a decimal comma
DAY = re.compile(r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$")
FORMULA_TEXT = re.compile(r'^="(.*)"$', re.DOTALL)
Cell = str | Decimal | date | None
CODES = (
    "Identifiant de la demande",
    "Numéro dossier Dauphin",
    "Code action Dauphin",
    "SIRET",
    "Codes QPV",
    "EJ Chorus",
    "Tranches d'âge",
)
DECIDED_ON = date(2025, 3, 14)


def cell_of(written: str) -> Cell:
    if not written:
        return None
    if formula := FORMULA_TEXT.fullmatch(written):
        return formula.group(1).replace('""', '"')
    if NUMBER.fullmatch(written):
        return Decimal(written.replace(",", "."))
    if day := DAY.fullmatch(written):
        return date(int(day.group(3)), int(day.group(2)), int(day.group(1)))
    return written


def as_a_french_spreadsheet_reads(content: bytes) -> list[dict[str, Cell]]:
    assert content.startswith(BOM), "UTF-8 said by its byte-order mark"
    header, *rows = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";")
    return [dict(zip(header, map(cell_of, row), strict=True)) for row in rows]


def total(rows: list[dict[str, Cell]], column: str) -> Decimal:
    amounts = [row[column] for row in rows if row[column] is not None]
    assert all(isinstance(amount, Decimal) for amount in amounts), (column, amounts)
    return sum((amount for amount in amounts if isinstance(amount, Decimal)), Decimal(0))


async def test_the_french_csv_opens_with_codes_as_text_and_amounts_that_add_up(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year, clock: TravellingClock
) -> None:
    clock.travel_to(DECIDED_ON)
    decided = await a_year_to_decide(stack, gateway, year)
    content = (await exported(gateway, year, format="csv", dialect="tableur-fr")).content
    assert b";7000,01;" in content, "an amount written unquoted: a number, never a quoted text"
    rows = {str(row["Identifiant de la demande"]): row for row in as_a_french_spreadsheet_reads(content)}
    assert set(rows) == {decided.granted, decided.refused, decided.waiting}
    for row in rows.values():
        assert all(row[code] is None or isinstance(row[code], str) for code in CODES), row
        assert all(isinstance(row[column], Decimal | None) for column in row if column.endswith("(€)")), row
    granted, refused, waiting = rows[decided.granted], rows[decided.refused], rows[decided.waiting]
    assert (waiting["SIRET"], waiting["Codes QPV"], waiting["Statut"]) == (ZEROS_SIRET, "QN06258M;QN06261M", "Déposée")
    assert (granted["Numéro dossier Dauphin"], granted["Code action Dauphin"], granted["EJ Chorus"]) == (
        "DA20250001-1",
        "20250001",
        EJ,
    )
    assert (granted["Montant décidé P147 (€)"], granted["Décision P147"], granted["Date de décision"]) == (
        Decimal("7000.01"),
        "Accordée",
        DECIDED_ON,
    )
    assert (
        refused["Montant proposé P147 (€)"],
        refused["Décision P147"],
        refused["Zones de vulnérabilité hors QPV (plafond 2,5 %)"],
    ) == (
        Decimal(0),
        "Refusée",
        "non",
    )

    book = load_workbook(io.BytesIO((await exported(gateway, year, format="xlsx")).content), read_only=True)
    summary = {(line[0], line[1]): line[2:] for line in book["Synthèse"].iter_rows(values_only=True)}
    state, cua = summary[("Financeur", "ETAT-P147")], summary[("Financeur", "CUA")]
    every = list(rows.values())
    assert total(every, "Montant sollicité P147 (€)") == Decimal(str(state[0])) == Decimal(24000)
    assert total(every, "Montant proposé P147 (€)") == Decimal(str(state[1])) == Decimal(0)
    assert total(every, "Montant décidé P147 (€)") == Decimal(str(state[2])) == Decimal("7000.01")
    assert total(every, "Cofinancement CUA décidé (€)") == Decimal(str(cua[2])) == Decimal(8000)
    assert total(every, "Coût total (€)") == Decimal(str(summary[("Actions", "Coût total (€)")][0]))


async def test_the_exchange_csv_is_for_tools_a_french_spreadsheet_misreads_it(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year
) -> None:
    decided = await a_year_to_decide(stack, gateway, year)
    content = (await exported(gateway, year, format="csv")).content
    rows = {str(row["id_application"]): row for row in as_a_french_spreadsheet_reads(content)}
    assert rows[decided.waiting]["siret"] == Decimal(552013500137), "its zeros lost"
    assert rows[decided.granted]["montant_decide_p147"] == "7000.01", "a text, that no sum counts"
