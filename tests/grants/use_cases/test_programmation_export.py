"""The programmation export's use case on the real database, in a transaction rolled back at the test's end:
each file it writes (XLSX, the exchange CSV, the tableur-fr CSV) gives every figure the year holds, and
returned untouched as a decisions file it changes nothing and fails nothing."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import pytest

from services.grants.applications.domain.workflow import Transition
from services.grants.applications.use_cases.access import get_application
from services.grants.applications.use_cases.financing import decide_line, set_financing_line
from services.grants.applications.use_cases.workflow import move
from services.grants.errors import RuleViolationError
from services.grants.exchange.domain.decisions import LineStatus
from services.grants.exchange.domain.dialects import Dialect
from services.grants.exchange.use_cases.decision_imports import import_decisions
from services.grants.exchange.use_cases.programmation_export import ExportFormat, export_programmation
from services.grants.payments.domain import PlannedTranche, TrancheKind
from services.grants.payments.use_cases import Payment, pay_tranche, plan_tranches
from tests.grants.use_cases.records import NOW, Year, act_of, notified, notify, submitted, vote
from tests.grants.use_cases.test_decision_files import XLSX

EJ = "2103814945"


async def a_year_to_decide(year: Year) -> dict[str, uuid.UUID]:
    """Notified and paid under an EJ (7,000.01 € of the State); refused by the State (it proposed 0 €),
    granted by the CUA, notified; submitted and not decided yet."""
    granted = await notified(year, dauphin_number="DA20250001-1")
    state = year.institutions["etat-p147"]
    await vote(year, "etat-p147")
    (tranche,) = await plan_tranches(
        year.uow, year.state, granted, state, [(PlannedTranche(TrancheKind.SINGLE, None, 700_001), None)]
    )
    await pay_tranche(year.uow, year.state, tranche.tranche_id, Payment(700_001, date(2025, 3, 15), EJ, "DP-1", None))
    refused = await submitted(year, title="Chantiers jeunes", dauphin_number="DA20250002-1")
    for transition in (Transition.DECLARE_RECEIVABLE, Transition.INSTRUCT):
        await move(year.uow, year.state, refused, transition, None)
    await set_financing_line(year.uow, year.state, refused, state, {"proposed_cents": 0})
    await move(year.uow, year.pilot, refused, Transition.PROPOSE, None)
    day = year.clock.instant.date()
    await decide_line(year.uow, year.state, refused, state, act_of("etat-p147", 0, day))
    await decide_line(year.uow, year.pilot, refused, year.institutions["cua"], act_of("cua", 400_000, day))
    await notify(year, refused)
    waiting = await submitted(year, year.other_operator, title="Café des parents")
    return {"granted": granted, "refused": refused, "waiting": waiting}


async def exported(year: Year, chosen_format: ExportFormat, dialect: Dialect = Dialect.EXCHANGE) -> bytes:
    file = await export_programmation(year.uow, year.state, year.contract, 2025, chosen_format, dialect)
    with file.file:
        return file.file.read()


async def test_the_exchange_csv_gives_every_figure_the_year_holds(year: Year) -> None:
    applications = await a_year_to_decide(year)
    content = await exported(year, "csv")
    rows = {
        row["id_application"]: row for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
    }
    granted, refused = rows[str(applications["granted"])], rows[str(applications["refused"])]
    decided_on = NOW.date().isoformat()  # the day of the financers' acts, on the use cases' clock
    assert (
        granted["montant_decide_p147"],
        granted["decision_p147"],
        granted["date_decision"],
        granted["chorus_ej"],
    ) == (
        "7000.01",
        "granted",
        decided_on,
        EJ,
    ), "the EJ its payment was made under"
    assert (refused["montant_propose_p147"], refused["montant_decide_p147"], refused["decision_p147"]) == (
        "0.00",
        "0.00",
        "refused",
    ), "0 € proposed and decided: 0.00"
    assert (refused["date_decision"], refused["chorus_ej"]) == (decided_on, "")
    waiting = rows[str(applications["waiting"])]
    assert (waiting["montant_propose_p147"], waiting["decision_p147"], waiting["date_decision"]) == ("", "", "")


@pytest.mark.parametrize(
    ("chosen_format", "dialect", "media_type"),
    [("xlsx", Dialect.EXCHANGE, XLSX), ("csv", Dialect.EXCHANGE, "text/csv"), ("csv", Dialect.TABLEUR_FR, "text/csv")],
)
async def test_an_export_returned_untouched_changes_nothing_and_fails_nothing(
    year: Year, chosen_format: ExportFormat, dialect: Dialect, media_type: str
) -> None:
    applications = await a_year_to_decide(year)
    versions = {
        name: (await get_application(year.uow, year.pilot, application)).application.version
        for name, application in applications.items()
    }
    content = await exported(year, chosen_format, dialect)
    expected = {
        applications["granted"]: LineStatus.UNCHANGED,
        applications["refused"]: LineStatus.UNCHANGED,
        applications["waiting"]: LineStatus.NOTHING_TO_DECIDE,
    }
    for dry_run in (True, False):
        report = await import_decisions(
            year.uow, year.state, year.contract, content, media_type, "programmation", dry_run, dialect
        )
        assert {line.application_id: line.status for line in report.lines} == expected
        assert [(line.changes, line.errors) for line in report.lines] == [([], [])] * 3
        assert report.counts() == {"unchanged": 2, "nothing_to_decide": 1}
    assert report.batch_id is not None, "the file is kept as received"
    for name, application in applications.items():
        assert (await get_application(year.uow, year.pilot, application)).application.version == versions[name]


async def test_a_dialect_is_a_csvs(year: Year) -> None:
    with pytest.raises(RuleViolationError) as refused:
        await export_programmation(year.uow, year.state, year.contract, 2025, "xlsx", Dialect.TABLEUR_FR)
    assert (refused.value.field, refused.value.rule) == ("dialect", "csv-dialect")
