"""The evaluation's aggregates: each one query over the contract's rows of several features."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import Date, Integer, and_, func, select, type_coerce
from sqlalchemy.dialects.postgresql import array

from services.participation.bodies.models import BodyRow
from services.participation.meetings.models import AttendanceRow, MeetingRow
from services.participation.members.models import MandateRow, PersonRow
from services.participation.members.repository import running_on
from services.participation.opinions.models import OpinionRow, ReferralRow
from services.participation.opinions.repository import first_answers
from services.participation.persistence import SessionRepository, within_year


class IndicatorRepository(SessionRepository):
    """Aggregates for the contract's evaluation; each is one query over the contract's rows."""

    async def members_on(
        self, contract_code: str, kinds: Collection[str], days: Collection[date]
    ) -> dict[date, tuple[int, int]]:
        """Distinct people holding a mandate in a body of these kinds on each day, and how many of them are
        fictitious (demo people), in one statement."""
        day = func.unnest(array(list(days), type_=Date)).table_valued("day").render_derived()
        in_office = and_(
            *running_on(day.c.day),
            MandateRow.body_id.in_(
                select(BodyRow.body_id).where(BodyRow.contract_code == contract_code, BodyRow.kind.in_(list(kinds)))
            ),
        )
        fictitious = func.count(func.distinct(MandateRow.person_id)).filter(PersonRow.fictitious.is_(True))
        query = (
            select(day.c.day, func.count(func.distinct(MandateRow.person_id)), fictitious)
            .select_from(day)
            .outerjoin(MandateRow, in_office)
            .outerjoin(PersonRow, PersonRow.person_id == MandateRow.person_id)
            .group_by(day.c.day)
        )
        return {row[0]: (int(row[1]), int(row[2])) for row in (await self.session.execute(query)).all()}

    async def member_profiles(
        self, contract_code: str, kinds: Collection[str], day: date
    ) -> list[tuple[str, str, str]]:
        """(gender, age band, member kind) of each person in office on the day."""
        in_office = (
            select(MandateRow.person_id)
            .join(BodyRow, BodyRow.body_id == MandateRow.body_id)
            .where(
                BodyRow.contract_code == contract_code,
                BodyRow.kind.in_(list(kinds)),
                *running_on(day),
            )
        )
        query = select(PersonRow.gender, PersonRow.age_band, PersonRow.member_kind).where(
            PersonRow.person_id.in_(in_office)
        )
        return [(row[0], row[1], row[2]) for row in (await self.session.execute(query)).all()]

    async def meetings(self, contract_code: str, year: int) -> list[tuple[str, int]]:
        """(body kind, meetings held that year) per kind."""
        query = (
            select(BodyRow.kind, func.count())
            .select_from(MeetingRow)
            .join(BodyRow, BodyRow.body_id == MeetingRow.body_id)
            .where(MeetingRow.contract_code == contract_code, *within_year(MeetingRow.meeting_day, year))
            .group_by(BodyRow.kind)
        )
        return [(row[0], int(row[1])) for row in (await self.session.execute(query)).all()]

    async def attendance(self, contract_code: str, year: int) -> tuple[int, int, list[str]]:
        """Attendances of people present, distinct participants, institutions represented."""
        present = (
            select(AttendanceRow.person_id, AttendanceRow.institution)
            .join(MeetingRow, MeetingRow.meeting_id == AttendanceRow.meeting_id)
            .where(
                MeetingRow.contract_code == contract_code,
                *within_year(MeetingRow.meeting_day, year),
                AttendanceRow.presence == "present",
            )
            .subquery()
        )
        totals = select(func.count(), func.count(func.distinct(present.c.person_id))).select_from(present)
        attendances, participants = (await self.session.execute(totals)).one()
        institutions = select(present.c.institution).where(present.c.institution.is_not(None)).distinct()
        names = sorted((await self.session.execute(institutions)).scalars().all())
        return int(attendances), int(participants), names

    async def opinions(self, contract_code: str, year: int) -> list[tuple[str, str | None, int | None]]:
        """(kind, outcome, days to answer) of each opinion adopted that year."""
        days = type_coerce(OpinionRow.responded_on - OpinionRow.adopted_on, Integer)  # date - date: days in PostgreSQL
        query = select(OpinionRow.kind, OpinionRow.outcome, days).where(
            OpinionRow.contract_code == contract_code, *within_year(OpinionRow.adopted_on, year)
        )
        return [(row[0], row[1], row[2]) for row in (await self.session.execute(query)).all()]

    async def referrals(self, contract_code: str, year: int) -> list[tuple[date, date | None]]:
        """(due date, first answer) of each referral made that year."""
        answered = first_answers(OpinionRow.contract_code == contract_code)
        query = (
            select(ReferralRow.due_on, answered.c.adopted_on)
            .outerjoin(answered, answered.c.referral_id == ReferralRow.referral_id)
            .where(ReferralRow.contract_code == contract_code, *within_year(ReferralRow.asked_on, year))
        )
        return [(row[0], row[1]) for row in (await self.session.execute(query)).all()]
