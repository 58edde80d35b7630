"""The programmation's XLSX as a second reader reads it: openpyxl (not our writer) opens the workbook the
gateway answers and finds each column typed as what it holds: codes as text (leading zeros kept), amounts
as numbers, dates as dates, counts as numbers, yes/no as booleans; no cell blank where the year holds the
figure; the summary and the columns' dictionary in French."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any

import httpx
from openpyxl import load_workbook

from tests.clock import TravellingClock
from tests.grants.playbook import Year
from tests.grants.prefecture import EJ, ZEROS_SIRET, a_year_to_decide, exported
from tests.running_stack import RunningStack

CODES = {
    "id_application",
    "numero_dossier_dauphin",
    "code_action_dauphin",
    "siret",
    "rna",
    "cpo_reference",
    "cpo_annee",
    "qpv_codes",
    "chorus_ej",
    "tranches_age",
}
DATES = {"date_debut", "date_fin", "date_decision"}
COUNTS = {"exercice", "cotation_egalite_fh"} | {
    f"beneficiaires_prevus_{part}" for part in ("total", "femmes", "hommes")
}
BOOLEANS = {"hors_qpv"}
DECIDED_ON = date(2025, 3, 14)  # the comité des financeurs


def kind_of(key: str) -> type | tuple[type, ...]:
    """The Python type openpyxl gives a column's cells, from the column's key."""
    if key in CODES:
        return str
    if key in DATES:
        return datetime
    if key in BOOLEANS:
        return bool
    if key in COUNTS or key == "beneficiaires_prevus_pct_qpv":
        return (int, float)
    if key.startswith(("montant_", "cofin_", "cout_")) or key in {"autofinancement", "contributions_nature"}:
        return (int, float)
    return str


async def test_the_workbook_reads_back_typed_column_by_column(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year, clock: TravellingClock
) -> None:
    clock.travel_to(DECIDED_ON)
    decided = await a_year_to_decide(stack, gateway, year)
    book = load_workbook(io.BytesIO((await exported(gateway, year, format="xlsx")).content))
    assert book.sheetnames == ["P147", "Synthèse", "Colonnes"]
    keys = {str(label): str(key) for label, key in book["Colonnes"].iter_rows(min_row=2, values_only=True)}
    sheet = book["P147"]
    header = [str(cell.value) for cell in sheet[1]]
    assert all(label in keys for label in header), "every column is in the dictionary"
    rows: dict[str, dict[str, Any]] = {}
    for cells in sheet.iter_rows(min_row=2):
        typed = {keys[label]: cell for label, cell in zip(header, cells, strict=True)}
        for key, cell in typed.items():
            kind = kind_of(key)
            assert cell.value is None or isinstance(cell.value, kind), (key, cell.value)
            assert not (kind == (int, float) and isinstance(cell.value, bool)), key
            if key in DATES and cell.value is not None:
                assert cell.is_date, key
        rows[str(typed["id_application"].value)] = {key: cell.value for key, cell in typed.items()}
    assert set(rows) == {decided.granted, decided.refused, decided.waiting}
    granted, refused, waiting = rows[decided.granted], rows[decided.refused], rows[decided.waiting]
    assert (granted["montant_decide_p147"], granted["decision_p147"], granted["chorus_ej"]) == (7000.01, "Accordée", EJ)
    assert granted["date_decision"] == datetime.combine(DECIDED_ON, time()), "the day it was decided"
    assert (granted["numero_dossier_dauphin"], granted["code_action_dauphin"]) == ("DA20250001-1", "20250001")
    assert (
        granted["tranches_age"],
        granted["beneficiaires_prevus_pct_qpv"],
        granted["beneficiaires_prevus_total"],
    ) == (
        "6-11:40",
        80,
        120,
    )
    assert (refused["montant_propose_p147"], refused["montant_decide_p147"], refused["decision_p147"]) == (
        0,
        0,
        "Refusée",
    ), "0 € proposed and decided: 0, not blank"
    assert refused["date_decision"] == datetime.combine(DECIDED_ON, time())
    assert (waiting["siret"], waiting["qpv_codes"], waiting["statut"]) == (ZEROS_SIRET, "QN06258M;QN06261M", "Déposée")
    assert (waiting["montant_sollicite_p147"], waiting["montant_decide_p147"], waiting["date_decision"]) == (
        8000,
        None,
        None,
    )
    for values in rows.values():
        for key in ("exercice", "siret", "raison_sociale", "intitule_action", "cout_total", "statut", "hors_qpv"):
            assert values[key] is not None, key
    summary = list(book["Synthèse"].iter_rows(values_only=True))
    assert summary[0] == ("Rubrique", "Clé", "Sollicité (€)", "Proposé (€)", "Décidé (€)", "Enveloppe (€)")
    (state,) = [line for line in summary if line[:2] == ("Financeur", "ETAT-P147")]
    assert state[2:] == (24000, 0, 7000.01, 500000), "requested, proposed (0 € for one), decided, envelope"
