"""The queries of people, their mandates, consents and declarations, and the bodies' rules."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select

from services.participation.members import domain
from services.participation.members.models import (
    BodyRulesRow,
    IndependenceDeclarationRow,
    MandateRow,
    PersonConsentRow,
    PersonIdentityRow,
    PersonRow,
)
from services.participation.persistence import SessionRepository, record_of


def rules_from_row(row: BodyRulesRow) -> domain.BodyRules:
    return record_of(domain.BodyRules, row)


def person_from_row(row: PersonRow) -> domain.Person:
    return record_of(domain.Person, row)


def mandate_from_row(row: MandateRow) -> domain.Mandate:
    return record_of(domain.Mandate, row)


def running_on(day: Any) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """A mandate running on that day: started, and not ended before it."""
    return MandateRow.starts_on <= day, or_(MandateRow.ends_on.is_(None), MandateRow.ends_on >= day)


class MemberRepository(SessionRepository):
    async def rules(self, body_id: uuid.UUID) -> list[domain.BodyRules]:
        """Every version of the body's rules, oldest first."""
        query = select(BodyRulesRow).where(BodyRulesRow.body_id == body_id).order_by(BodyRulesRow.version)
        return [rules_from_row(row) for row in await self.all(query)]

    async def person(self, person_id: uuid.UUID) -> domain.Person | None:
        row = await self.session.get(PersonRow, person_id)
        return None if row is None else person_from_row(row)

    async def identity(self, person_id: uuid.UUID) -> domain.Identity | None:
        row = await self.session.get(PersonIdentityRow, person_id)
        return None if row is None else record_of(domain.Identity, row)

    async def people_of_contract(self, contract_code: str, person_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        query = select(PersonRow.person_id).where(
            PersonRow.contract_code == contract_code, PersonRow.person_id.in_(list(person_ids))
        )
        return set(await self.all(query))

    async def erase_identities(self, person_ids: Collection[uuid.UUID]) -> int:
        """Delete these people's identities; how many there were."""
        removed = await self.session.execute(
            delete(PersonIdentityRow)
            .where(PersonIdentityRow.person_id.in_(list(person_ids)))
            .returning(PersonIdentityRow.person_id)
        )
        return len(removed.all())

    async def former_members(self, ended_before: date) -> list[uuid.UUID]:
        """People with an identity whose every mandate ended before the day (people with none are kept:
        they may be on their way in)."""
        latest = (
            select(MandateRow.person_id)
            .group_by(MandateRow.person_id)
            .having(func.bool_and(MandateRow.ends_on.is_not(None)))
            .having(func.max(MandateRow.ends_on) < ended_before)
        )
        return await self.all(select(PersonIdentityRow.person_id).where(PersonIdentityRow.person_id.in_(latest)))

    async def mandate(self, mandate_id: uuid.UUID, *, lock: bool = False) -> domain.Mandate | None:
        row = await self.one(select(MandateRow).where(MandateRow.mandate_id == mandate_id), lock=lock)
        return None if row is None else mandate_from_row(row)

    async def end(self, mandate_id: uuid.UUID, ends_on: date, reason: str) -> None:
        row = await self.session.get_one(MandateRow, mandate_id)
        row.ends_on, row.end_reason = ends_on, reason

    async def terms(self, body_id: uuid.UUID, person_id: uuid.UUID) -> list[tuple[date, date | None]]:
        query = select(MandateRow.starts_on, MandateRow.ends_on).where(
            MandateRow.body_id == body_id, MandateRow.person_id == person_id
        )
        return [(row[0], row[1]) for row in (await self.session.execute(query)).all()]

    async def mandates_in(self, body_id: uuid.UUID, *, on: date | None = None) -> list[domain.Mandate]:
        """The body's mandates (those running on `on`, when given), oldest first."""
        query = select(MandateRow).where(MandateRow.body_id == body_id)
        if on is not None:
            query = query.where(*running_on(on))
        rows = await self.all(query.order_by(MandateRow.starts_on, MandateRow.mandate_id))
        return [mandate_from_row(row) for row in rows]

    async def mandates_of(self, person_id: uuid.UUID) -> list[domain.Mandate]:
        query = select(MandateRow).where(MandateRow.person_id == person_id).order_by(MandateRow.starts_on)
        return [mandate_from_row(row) for row in await self.all(query)]

    async def representatives_on(self, body_id: uuid.UUID, represented_body_id: uuid.UUID, day: date) -> int:
        query = select(func.count()).where(
            MandateRow.body_id == body_id,
            MandateRow.represented_body_id == represented_body_id,
            *running_on(day),
        )
        return int((await self.session.execute(query)).scalar_one())

    async def members_on(self, body_id: uuid.UUID, day: date) -> list[domain.Person]:
        """The people holding a mandate in the body on that day."""
        query = (
            select(PersonRow)
            .join(MandateRow, MandateRow.person_id == PersonRow.person_id)
            .where(MandateRow.body_id == body_id, *running_on(day))
        )
        return [person_from_row(row) for row in await self.all(query)]

    async def mandated_on(self, body_id: uuid.UUID, day: date) -> set[uuid.UUID]:
        """The ids of the people holding a mandate in the body on that day."""
        return set(await self.all(select(MandateRow.person_id).where(MandateRow.body_id == body_id, *running_on(day))))

    async def consents(self, person_id: uuid.UUID) -> list[domain.Consent]:
        query = select(PersonConsentRow).where(PersonConsentRow.person_id == person_id)
        rows = await self.all(query.order_by(PersonConsentRow.recorded_on, PersonConsentRow.consent_id))
        return [record_of(domain.Consent, row, on=row.recorded_on) for row in rows]

    async def declarations(self, person_id: uuid.UUID) -> list[domain.Declaration]:
        query = select(IndependenceDeclarationRow).where(IndependenceDeclarationRow.person_id == person_id)
        order = (IndependenceDeclarationRow.declared_on, IndependenceDeclarationRow.declaration_id)
        return [record_of(domain.Declaration, row) for row in await self.all(query.order_by(*order))]
