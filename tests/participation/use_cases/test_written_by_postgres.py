"""The hot reads whose JSON PostgreSQL writes (bodies, meetings, opinions of a body, one meeting) answer what
the former path wrote of the same rows: each row read by the ORM, mapped to its domain record and written by
its read model (`read_of`, pydantic). Rows with what may differ: quotes, backslashes, line breaks, control
and non-ASCII characters, nulls, empty and filled arrays, dates, several commitments and minutes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kit.api_models import read_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import Body, BodyKind
from services.participation.bodies.models import BodyRow
from services.participation.bodies.repository import body_from_row
from services.participation.bodies.schemas import BodyRead
from services.participation.bodies.use_cases import list_bodies
from services.participation.errors import NotFoundError
from services.participation.meetings.domain import Attendee, Decision, Minutes
from services.participation.meetings.models import AttendanceRow, DecisionRow, MeetingRow, MinutesRow
from services.participation.meetings.repository import meeting_from_row
from services.participation.meetings.schemas import (
    AttendanceRead,
    DecisionRead,
    MeetingRead,
    MeetingSummary,
    MinutesRead,
)
from services.participation.meetings.use_cases import list_meetings, meeting_etag, meeting_json
from services.participation.opinions.models import CommitmentRow, OpinionRow
from services.participation.opinions.repository import commitment_from_row, opinion_from_row
from services.participation.opinions.schemas import CommitmentRead, OpinionRead
from services.participation.opinions.use_cases import opinions_of
from services.participation.persistence import record_of
from tests.participation.use_cases.callers import ADMIN, CONTRACT, PILOT, STRANGER
from tests.participation.use_cases.records import Territories, a_body, a_person

TRICKY = 'Conseil « Cœur » — "quotes" \\ back\nslash\ttab \x01 ☀ 🌳'
EVERYTHING = PageRequest(limit=100, offset=0)


def _wire(model: Any) -> Any:
    """What the former path sent of a read model: pydantic's JSON, by alias, read back."""
    return json.loads(model.__pydantic_serializer__.to_json(model, by_alias=True))


async def _rows(uow: UnitOfWork, query: Any) -> list[Any]:
    async with uow.reading():
        return list((await uow.session.execute(query)).scalars().all())


async def _meeting_with_everything(uow: UnitOfWork, territories: Territories) -> tuple[Body, uuid.UUID]:
    """A body named with every tricky character, three meetings (one with a place, agenda and nothing else;
    one with attendance, decisions and minutes), an opinion with two commitments and one without."""
    body = await a_body(uow, territories, name=TRICKY)
    people = [await a_person(uow) for _ in range(3)]
    meeting_id = uuid.uuid4()
    rows: list[Any] = [
        MeetingRow(
            meeting_id=meeting_id,
            body_id=body.body_id,
            contract_code=CONTRACT,
            title=TRICKY,
            meeting_day=date(2025, 3, 20),
            place=None,
            convened_on=date(2025, 3, 1),
            agenda=[TRICKY, "Budget 2025"],
        ),
        *(
            MeetingRow(
                meeting_id=uuid.uuid4(),
                body_id=body.body_id,
                contract_code=CONTRACT,
                title=f"Séance {day}",
                meeting_day=date(2024, 12, day),
                place="Salle « B »",
                convened_on=date(2024, 11, day),
                agenda=[],
            )
            for day in (3, 17)
        ),
    ]
    async with uow:
        uow_session = uow.session
        uow_session.add_all(rows)
        await uow_session.flush()
        uow_session.add_all(
            [
                AttendanceRow(
                    meeting_id=meeting_id,
                    person_id=person.person_id,
                    capacity="member",
                    presence=("present", "excused", "absent")[index],
                    institution=None if index else TRICKY,
                    proxy_to=people[0].person_id if index == 1 else None,
                )
                for index, person in enumerate(people)
            ]
        )
        created = datetime(2025, 3, 20, 18, tzinfo=UTC)
        uow_session.add_all(
            DecisionRow(
                decision_id=uuid.uuid4(),
                meeting_id=meeting_id,
                subject=f"{TRICKY} {index}",
                votes_for=5 - index,
                votes_against=index,
                abstentions=0,
                voters=5,
                quorum=3,
                adopted=index == 0,
                created_at=created + timedelta(minutes=index),
            )
            for index in range(2)
        )
        uow_session.add_all(
            MinutesRow(
                meeting_id=meeting_id,
                version=version,
                text=TRICKY * version,
                written_by="pilot",
                adopted_on=date(2025, 4, 2) if version == 2 else None,
            )
            for version in (1, 2)
        )
        opinions = [uuid.uuid4(), uuid.uuid4()]
        uow_session.add_all(
            OpinionRow(
                opinion_id=opinion_id,
                body_id=body.body_id,
                contract_code=CONTRACT,
                kind="opinion",
                title=TRICKY,
                text=TRICKY * 3,
                adopted_on=date(2025, 3, 20 + index),
                meeting_id=meeting_id if index == 0 else None,
                outcome="partially_accepted" if index == 0 else None,
                reason=TRICKY if index == 0 else None,
                redirected_to=None,
                responded_on=date(2025, 4, 1) if index == 0 else None,
                version=1,
            )
            for index, opinion_id in enumerate(opinions)
        )
        await uow_session.flush()
        uow_session.add_all(
            CommitmentRow(
                commitment_id=uuid.uuid4(),
                opinion_id=opinions[0],
                description=f"{TRICKY} {index}",
                owner="Ville d'Arras",
                due_on=None if index else date(2026, 1, 31),
                status="planned",
                status_on=date(2025, 4, 1),
                created_at=created + timedelta(days=index),
            )
            for index in range(2)
        )
        await uow_session.flush()
        await uow.commit()
    return body, meeting_id


async def test_bodies_meetings_opinions_and_a_meeting_read_as_the_read_models_wrote_them(
    uow: UnitOfWork, territories: Territories
) -> None:
    body, meeting_id = await _meeting_with_everything(uow, territories)
    await a_body(uow, territories, kind=BodyKind.COMITE_DE_PILOTAGE, name="Comité de pilotage")

    bodies = await _rows(
        uow, select(BodyRow).where(BodyRow.contract_code == CONTRACT).order_by(BodyRow.name, BodyRow.body_id)
    )
    written_bodies = [_wire(read_of(BodyRead, body_from_row(row), id=row.body_id)) for row in bodies]
    items, total = await list_bodies(uow, PILOT, CONTRACT, None, EVERYTHING)
    assert (json.loads(items), total) == (written_bodies, len(bodies))
    assert TRICKY in [item["name"] for item in json.loads(items)]
    citizen, _ = await list_bodies(uow, PILOT, CONTRACT, BodyKind.CONSEIL_CITOYEN, EVERYTHING)
    assert json.loads(citizen) == [item for item in written_bodies if item["kind"] == "conseil_citoyen"]

    meetings = await _rows(
        uow, select(MeetingRow).where(MeetingRow.body_id == body.body_id).order_by(MeetingRow.meeting_day)
    )
    summaries = [_wire(read_of(MeetingSummary, meeting_from_row(row), id=row.meeting_id)) for row in meetings]
    for caller in (PILOT, ADMIN):  # a scope of contracts, and every contract
        items, total = await list_meetings(uow, caller, body.body_id, None, EVERYTHING)
        assert (json.loads(items), total) == (summaries, 3)
    items, total = await list_meetings(uow, PILOT, body.body_id, 2024, PageRequest(limit=1, offset=1))
    assert (json.loads(items), total) == (summaries[1:2], 2)

    opinions = await _rows(
        uow, select(OpinionRow).where(OpinionRow.body_id == body.body_id).order_by(OpinionRow.adopted_on)
    )
    commitments = await _rows(uow, select(CommitmentRow).order_by(CommitmentRow.created_at))
    written_opinions = [
        _wire(
            read_of(
                OpinionRead,
                opinion_from_row(row),
                id=row.opinion_id,
                commitments=[
                    read_of(CommitmentRead, commitment_from_row(line), id=line.commitment_id)
                    for line in commitments
                    if line.opinion_id == row.opinion_id
                ],
            )
        )
        for row in opinions
    ]
    items, total = await opinions_of(uow, PILOT, body.body_id, EVERYTHING)
    assert (json.loads(items), total) == (written_opinions, 2)
    assert [len(item["commitments"]) for item in json.loads(items)] == [2, 0]

    meeting = next(row for row in meetings if row.meeting_id == meeting_id)
    attendance = await _rows(
        uow, select(AttendanceRow).where(AttendanceRow.meeting_id == meeting_id).order_by(AttendanceRow.person_id)
    )
    decisions = await _rows(
        uow, select(DecisionRow).where(DecisionRow.meeting_id == meeting_id).order_by(DecisionRow.created_at)
    )
    minutes = await _rows(
        uow, select(MinutesRow).where(MinutesRow.meeting_id == meeting_id).order_by(MinutesRow.version)
    )
    written_meeting = _wire(
        read_of(
            MeetingRead,
            meeting_from_row(meeting),
            id=meeting_id,
            attendance=[read_of(AttendanceRead, record_of(Attendee, row)) for row in attendance],
            decisions=[read_of(DecisionRead, record_of(Decision, row), id=row.decision_id) for row in decisions],
            minutes=[read_of(MinutesRead, record_of(Minutes, row)) for row in minutes],
            warnings=[],
        )
    )
    record, etag = await meeting_json(uow, PILOT, meeting_id)
    assert json.loads(record) == written_meeting
    assert list(json.loads(record)) == list(written_meeting)  # the fields in the model's order
    assert etag == meeting_etag(meeting_from_row(meeting))


async def test_another_contracts_caller_finds_nothing_where_the_statements_filter(
    uow: UnitOfWork, territories: Territories
) -> None:
    body, meeting_id = await _meeting_with_everything(uow, territories)
    for read in (
        list_meetings(uow, STRANGER, body.body_id, None, EVERYTHING),
        opinions_of(uow, STRANGER, body.body_id, EVERYTHING),
        meeting_json(uow, STRANGER, meeting_id),
        list_bodies(uow, STRANGER, CONTRACT, None, EVERYTHING),
    ):
        with pytest.raises(NotFoundError):
            await read
