"""All queries of the participation service."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, and_, delete, func, or_, select, true, type_coerce
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.dialects.postgresql import insert as pg_insert

from kit.pagination import PageRequest, fetch_page
from kit.tenancy import within_contracts
from services.participation.bodies.models import BodyRow
from services.participation.db.models import (
    ConsultationAnswerRow,
    ConsultationContactRow,
    ConsultationRow,
)
from services.participation.meetings.models import AttendanceRow, MeetingRow
from services.participation.members.models import MandateRow, PersonRow
from services.participation.members.repository import running_on
from services.participation.opinions.models import OpinionRow, ReferralRow
from services.participation.opinions.repository import first_answers
from services.participation.persistence import SessionRepository, within_year


class IndicatorRepository(SessionRepository):
    """Aggregates for the contract's evaluation; each is one query over the contract's rows."""

    async def members_on(self, contract_code: str, kinds: Collection[str], days: Collection[date]) -> dict[date, int]:
        """Distinct people holding a mandate in a body of these kinds, on each day (one statement)."""
        day = func.unnest(array(list(days), type_=Date)).table_valued("day").render_derived()
        in_office = and_(
            MandateRow.starts_on <= day.c.day,
            or_(MandateRow.ends_on.is_(None), MandateRow.ends_on >= day.c.day),
            MandateRow.body_id.in_(
                select(BodyRow.body_id).where(BodyRow.contract_code == contract_code, BodyRow.kind.in_(list(kinds)))
            ),
        )
        query = (
            select(day.c.day, func.count(func.distinct(MandateRow.person_id)))
            .select_from(day)
            .outerjoin(MandateRow, in_office)
            .group_by(day.c.day)
        )
        return {row[0]: int(row[1]) for row in (await self.session.execute(query)).all()}

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


class ConsultationRepository(SessionRepository):
    async def find(self, consultation_id: uuid.UUID) -> ConsultationRow | None:
        return await self.session.get(ConsultationRow, consultation_id)

    async def of_contracts(
        self, contracts: Collection[str] | None, page: PageRequest
    ) -> tuple[list[ConsultationRow], int]:
        query = select(ConsultationRow)
        query = query.where(within_contracts(ConsultationRow.contract_code, contracts))
        order = (ConsultationRow.starts_on, ConsultationRow.consultation_id)
        return await fetch_page(self.session, query.order_by(*order), page)

    async def store_answers(self, rows: Collection[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert the answers not synced before; the client ids of those stored now."""
        if not rows:
            return set()
        inserted = await self.session.execute(
            pg_insert(ConsultationAnswerRow)
            .values(list(rows))
            .on_conflict_do_nothing()
            .returning(ConsultationAnswerRow.client_id)
        )
        return set(inserted.scalars().all())

    async def store_contacts(self, rows: Collection[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(pg_insert(ConsultationContactRow).values(list(rows)).on_conflict_do_nothing())

    async def progress(self, consultation_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int, int]]:
        """Interviews, distinct events and distinct neighbourhoods (QPV, else the label given) per consultation."""
        query = (
            select(
                ConsultationAnswerRow.consultation_id,
                func.count(),
                func.count(func.distinct(ConsultationAnswerRow.event)),
                func.count(
                    func.distinct(func.coalesce(ConsultationAnswerRow.qpv_code, ConsultationAnswerRow.neighbourhood))
                ),
            )
            .where(ConsultationAnswerRow.consultation_id.in_(list(consultation_ids)))
            .group_by(ConsultationAnswerRow.consultation_id)
        )
        return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in (await self.session.execute(query)).all()}

    async def answer_counts(self, consultation_id: uuid.UUID) -> list[tuple[str, str, int]]:
        """(question code, answer, how many) over the consultation's answers."""
        pairs = func.jsonb_each_text(ConsultationAnswerRow.answers).table_valued("key", "value").lateral()
        query = (
            select(pairs.c.key, pairs.c.value, func.count())
            .select_from(ConsultationAnswerRow)
            .join(pairs, true())
            .where(ConsultationAnswerRow.consultation_id == consultation_id)
            .group_by(pairs.c.key, pairs.c.value)
        )
        return [(row[0], row[1], int(row[2])) for row in (await self.session.execute(query)).all()]

    async def contacts(self, consultation_id: uuid.UUID) -> list[ConsultationContactRow]:
        query = select(ConsultationContactRow).where(ConsultationContactRow.consultation_id == consultation_id)
        return list((await self.session.execute(query.order_by(ConsultationContactRow.consented_on))).scalars().all())

    async def of_contract_year(self, contract_code: str, year: int) -> list[ConsultationRow]:
        query = select(ConsultationRow).where(
            ConsultationRow.contract_code == contract_code, *within_year(ConsultationRow.starts_on, year)
        )
        return list((await self.session.execute(query.order_by(ConsultationRow.starts_on))).scalars().all())

    async def delete_contacts_of_campaigns_ended_before(self, day: date) -> int:
        ended = select(ConsultationRow.consultation_id).where(ConsultationRow.ends_on < day)
        removed = await self.session.execute(
            delete(ConsultationContactRow)
            .where(ConsultationContactRow.consultation_id.in_(ended))
            .returning(ConsultationContactRow.contact_client_id)
        )
        return len(removed.all())
