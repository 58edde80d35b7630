"""The queries of meetings, their attendance, decisions and minutes."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy import delete, select

from identity.contracts import within_contracts
from kit.pagination import PageRequest, fetch_page
from services.participation.meetings import domain
from services.participation.meetings.models import AttendanceRow, DecisionRow, MeetingRow, MinutesRow
from services.participation.persistence import SessionRepository, columns_of, record_of, within_year


def meeting_from_row(row: MeetingRow) -> domain.Meeting:
    return record_of(domain.Meeting, row)


class MeetingRepository(SessionRepository):
    async def find(self, meeting_id: uuid.UUID, *, lock: bool = False) -> MeetingRow | None:
        return await self.one(select(MeetingRow).where(MeetingRow.meeting_id == meeting_id), lock=lock)

    async def of_body(
        self, body_id: uuid.UUID, contracts: Collection[str] | None, year: int | None, page: PageRequest
    ) -> tuple[list[domain.Meeting], int]:
        """The body's meetings if it belongs to one of `contracts` (None: any contract)."""
        query = select(MeetingRow).where(MeetingRow.body_id == body_id)
        query = query.where(within_contracts(MeetingRow.contract_code, contracts))
        if year is not None:
            query = query.where(*within_year(MeetingRow.meeting_day, year))
        order = (MeetingRow.meeting_day, MeetingRow.meeting_id)
        rows, total = await fetch_page(self.session, query.order_by(*order), page)
        return [meeting_from_row(row) for row in rows], total

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
