"""One application read in one statement (ApplicationRepository.view, also what a write answers) reads back
what the repository's own queries read of the same rows, assembled here as the five statements did: its
columns, its CERFA budget in its order, each financer's line with its financer in the order of their codes,
its history in time order; and the same JSON on the wire. Another operator's application answers like a
missing one."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from kit.api_models import model_response
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import ApplicationView, LineView, Venue
from services.grants.applications.models import ApplicationRow
from services.grants.applications.repository import ApplicationRepository, application_of, financing_line_of
from services.grants.applications.routes import _read
from services.grants.applications.use_cases.access import application_etag, application_json, get_application
from services.grants.errors import NotFoundError
from services.grants.institutions.repository import InstitutionRepository
from tests.grants.use_cases.records import Year, budget, notified, submitted


async def five_statements(uow: UnitOfWork, row: ApplicationRow) -> ApplicationView:
    """The application as the five statements read it before (the reference the one statement must equal)."""
    repository = ApplicationRepository(uow.session)
    institutions = await InstitutionRepository(uow.session).of_contract(row.contract_code)
    lines = [financing_line_of(line) for line in await repository.financing(row.application_id)]
    return ApplicationView(
        application=application_of(row),
        budget=await repository.budget(row.application_id),
        lines=sorted(
            (LineView(line, institutions[line.institution_id]) for line in lines),
            key=lambda view: view.institution.code,
        ),
        events=await repository.events(row.application_id),
    )


TRICKY = 'Atelier « Cœur » — "quotes" \\ back\nslash\ttab \x01 ☀'


async def test_the_one_statement_reads_back_what_the_five_read(year: Year) -> None:
    application = await notified(
        year,
        title=TRICKY,
        description=None,
        other_objective_ids=(year.objective_id,),
        venues=(Venue("QN06258M", None, None), Venue(None, None, TRICKY)),
        codes_communes=("62041",),
        dauphin_number="DA 2025 0001-1",
    )
    async with year.uow.reading():
        row = await ApplicationRepository(year.uow.session).get(application)
        assert row is not None
        former = await five_statements(year.uow, row)
    read = await get_application(year.uow, year.pilot, application)
    assert read == former
    assert [line.institution.code for line in read.lines] == ["cua", "etat-p147"]
    assert len(read.budget) == len(budget(year))
    assert [event.to_state.value for event in read.events][-1] == "notified"
    assert [event.at for event in read.events] == sorted(event.at for event in read.events)
    assert model_response(_read(read)).body == model_response(_read(former)).body
    record, etag = await application_json(year.uow, year.pilot, application)
    assert json.loads(record) == json.loads(bytes(model_response(_read(read)).body)), (
        "PostgreSQL writes what the model does"
    )
    assert etag == application_etag(read.application)
    assert await get_application(year.uow, year.operator, application) == former


async def test_another_operator_or_a_missing_application_is_not_found(year: Year) -> None:
    application = await notified(year)
    for caller, asked in ((year.other_operator, application), (year.pilot, uuid.uuid4())):
        with pytest.raises(NotFoundError):
            await get_application(year.uow, caller, asked)
        with pytest.raises(NotFoundError):
            await application_json(year.uow, caller, asked)


async def written_by_postgres_and_by_the_model(year: Year, application: uuid.UUID) -> tuple[Any, Any]:
    """The application as its read sends it (JSON PostgreSQL writes) and as a write answers it (the model)."""
    record, _ = await application_json(year.uow, year.pilot, application)
    view = await get_application(year.uow, year.pilot, application)
    return json.loads(record), json.loads(bytes(model_response(_read(view)).body))


async def test_events_of_one_instant_read_in_the_order_they_were_recorded(year: Year) -> None:
    application = await notified(year)
    recorded = [
        event["transition"] for event in (await written_by_postgres_and_by_the_model(year, application))[0]["events"]
    ]
    instants = [event.at for event in (await get_application(year.uow, year.pilot, application)).events]
    assert len(set(instants)) < len(instants), "the services' fixed clock records several events at one instant"
    # A new identifier for the first event of a shared instant: its row (and index entries) move after the others.
    async with year.uow.alone():
        await year.uow.session.execute(
            text(
                "UPDATE grants.application_events SET event_id = gen_random_uuid() WHERE recorded_order = ("
                " SELECT min(recorded_order) FROM grants.application_events WHERE application_id = :application"
                " AND at = (SELECT at FROM grants.application_events WHERE application_id = :application"
                " GROUP BY at HAVING count(*) > 1 ORDER BY at LIMIT 1))"
            ),
            {"application": application},
        )
    written, modelled = await written_by_postgres_and_by_the_model(year, application)
    assert [event["transition"] for event in written["events"]] == recorded
    assert [event["transition"] for event in modelled["events"]] == recorded
    assert recorded[:3] == ["submit", "declare_receivable", "instruct"]


async def test_an_undecided_line_has_no_act_whatever_its_row_holds(year: Year) -> None:
    application = await submitted(year)
    async with year.uow.alone():  # what no use case writes: an act on a line not decided
        await year.uow.session.execute(
            text(
                "UPDATE grants.financing_lines SET decision_act_kind = 'deliberation', decision_act_number = 'B-1',"
                " decided_on = DATE '2025-02-01' WHERE application_id = :application"
            ),
            {"application": application},
        )
    written, modelled = await written_by_postgres_and_by_the_model(year, application)
    assert written == modelled
    assert {
        (line["decided"], line["actKind"], line["actNumber"], line["decidedOn"]) for line in written["financingLines"]
    } == {(None, None, None, None)}
