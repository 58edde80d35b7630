"""The queries of meetings, their attendance, decisions and minutes."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import ClauseElement, Date, Text, Uuid, bindparam, cast, delete, select

from kit.compiled_statements import (
    EMPTY_JSON_ARRAY,
    CompiledOnce,
    JsonPages,
    camel_json,
    json_array,
    kept_or_built,
)
from kit.pagination import PageRequest
from services.participation.meetings import domain
from services.participation.meetings.models import AttendanceRow, DecisionRow, MeetingRow, MinutesRow
from services.participation.persistence import SessionRepository, columns_of, record_of, scope_values, scoped


def meeting_from_row(row: MeetingRow) -> domain.Meeting:
    return record_of(domain.Meeting, row)


class MeetingRepository(SessionRepository):
    async def find(self, meeting_id: uuid.UUID, *, lock: bool = False) -> MeetingRow | None:
        return await self.one(select(MeetingRow).where(MeetingRow.meeting_id == meeting_id), lock=lock)

    async def of_body_json(
        self, body_id: uuid.UUID, contracts: Collection[str] | None, year: int | None, page: PageRequest
    ) -> tuple[str, int]:
        """The body's meetings if it belongs to one of `contracts` (None: any contract), by day: the page's
        items as the JSON PostgreSQL writes of them (MeetingSummary), and the total."""
        shape, values = scope_values(contracts)
        values["body_id"] = body_id
        if year is not None:
            shape |= {"year"}
            values |= {"first_day": date(year, 1, 1), "last_day": date(year, 12, 31)}
        return await _MEETING_PAGES(self.session, shape, values, page)

    async def record_json(self, meeting_id: uuid.UUID) -> tuple[str, str, int] | None:
        """The meeting as MeetingRead writes it (with its attendance, decisions and minutes, no warning:
        they are told at the convocation only), its contract and its version; None: no such meeting. One
        statement, compiled once."""
        found = await _MEETING_RECORD(frozenset()).rows(self.session, {"meeting_id": meeting_id})
        return None if not found else (found[0][0], found[0][1], found[0][2])

    async def attendance(self, meeting_id: uuid.UUID) -> list[domain.Attendee]:
        query = select(AttendanceRow).where(AttendanceRow.meeting_id == meeting_id)
        return [record_of(domain.Attendee, row) for row in await self.all(query.order_by(AttendanceRow.person_id))]

    async def replace_attendance(self, meeting_id: uuid.UUID, attendees: Collection[domain.Attendee]) -> None:
        await self.session.execute(delete(AttendanceRow).where(AttendanceRow.meeting_id == meeting_id))
        await self.add(*(AttendanceRow(meeting_id=meeting_id, **columns_of(item)) for item in attendees))

    async def decisions(self, meeting_id: uuid.UUID) -> list[domain.Decision]:
        query = select(DecisionRow).where(DecisionRow.meeting_id == meeting_id)
        return [record_of(domain.Decision, row) for row in await self.all(query.order_by(DecisionRow.created_at))]

    async def minutes(self, meeting_id: uuid.UUID) -> list[domain.Minutes]:
        query = select(MinutesRow).where(MinutesRow.meeting_id == meeting_id).order_by(MinutesRow.version)
        return [record_of(domain.Minutes, row) for row in await self.all(query)]

    async def adopt_minutes(self, meeting_id: uuid.UUID, version: int, adopted_on: date) -> None:
        row = await self.session.get_one(MinutesRow, (meeting_id, version))
        row.adopted_on = adopted_on


def _meetings(shape: frozenset[str]) -> Any:
    """The body's meetings, in the caller's contracts and of one year when the shape says so (a range of
    days, which the index on the body and the day serves)."""
    query = select(MeetingRow.__table__).where(MeetingRow.body_id == bindparam("body_id", type_=Uuid))
    if "scoped" in shape:
        query = query.where(scoped(MeetingRow.contract_code))
    if "year" in shape:
        query = query.where(
            MeetingRow.meeting_day >= bindparam("first_day", type_=Date),
            MeetingRow.meeting_day <= bindparam("last_day", type_=Date),
        )
    return query


def _summary_json(row: Any, **more: Any) -> Any:
    """A meeting as MeetingSummary writes it (`more`: MeetingRead's other fields, after these)."""
    summary = {
        "id": row.meeting_id,
        "body_id": row.body_id,
        "title": row.title,
        "meeting_day": row.meeting_day,
        "place": row.place,
        "convened_on": row.convened_on,
        "agenda": row.agenda,
    }
    return camel_json(summary | more)


def _meeting_record(_: frozenset[str]) -> tuple[ClauseElement, frozenset[str]]:
    """The meeting with its attendance (by person), decisions (as recorded) and minutes (by version)."""
    meeting = MeetingRow.meeting_id

    def nested(row: Any, columns: dict[str, Any], *order: Any) -> Any:
        return select(json_array(camel_json(columns), *order)).where(row.meeting_id == meeting).scalar_subquery()

    attendance = nested(
        AttendanceRow,
        {
            name: getattr(AttendanceRow, name)
            for name in ("person_id", "capacity", "presence", "institution", "proxy_to")
        },
        AttendanceRow.person_id,
    )
    decisions = nested(
        DecisionRow,
        {"id": DecisionRow.decision_id}
        | {
            name: getattr(DecisionRow, name)
            for name in ("subject", "votes_for", "votes_against", "abstentions", "voters", "quorum", "adopted")
        },
        DecisionRow.created_at,
    )
    minutes = nested(
        MinutesRow,
        {"version": MinutesRow.version, "text": MinutesRow.text, "adopted_on": MinutesRow.adopted_on},
        MinutesRow.version,
    )
    record = _summary_json(
        MeetingRow, attendance=attendance, decisions=decisions, minutes=minutes, warnings=EMPTY_JSON_ARRAY
    )
    statement = select(cast(record, Text), MeetingRow.contract_code, MeetingRow.version).where(
        meeting == bindparam("meeting_id", type_=Uuid)
    )
    return statement, frozenset({"meeting_id"})


def _kept_summary(row: Any) -> Any:
    """A meeting's item of its body's list as its row keeps it (migration part0015), or as _summary_json
    writes it."""
    return kept_or_built(row.item, _summary_json(row))


_MEETING_PAGES = JsonPages(
    _meetings, _kept_summary, lambda row, _shape: (row.meeting_day, row.meeting_id), items_written=True
)
_MEETING_RECORD = CompiledOnce(_meeting_record)
