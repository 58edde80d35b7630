"""All queries of the participation service."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.pagination import PageRequest, fetch_page
from services.participation.db.models import (
    BodyRow,
    BodyRulesRow,
    DrawCandidateRow,
    DrawIdentityRow,
    DrawRow,
    MandateRow,
    PersonIdentityRow,
    PersonRow,
)


class BodyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def search(
        self, contracts: Collection[str] | None, kind: str | None, page: PageRequest
    ) -> tuple[list[BodyRow], int]:
        """Bodies of the given contracts (None: every contract), by name."""
        query = select(BodyRow)
        if contracts is not None:
            query = query.where(BodyRow.contract_code.in_(list(contracts)))
        if kind is not None:
            query = query.where(BodyRow.kind == kind)
        return await fetch_page(self.session, query.order_by(BodyRow.name, BodyRow.body_id), page)

    async def find(self, body_id: uuid.UUID, *, lock: bool = False) -> BodyRow | None:
        query = select(BodyRow).where(BodyRow.body_id == body_id)
        return (await self.session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()

    async def add(self, row: BodyRow) -> None:
        self.session.add(row)
        await self.session.flush()


class DrawRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *rows: Any) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def find(self, draw_id: uuid.UUID, *, lock: bool = False) -> DrawRow | None:
        query = select(DrawRow).where(DrawRow.draw_id == draw_id)
        return (await self.session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()

    async def candidates(self, draw_id: uuid.UUID) -> list[DrawCandidateRow]:
        query = select(DrawCandidateRow).where(DrawCandidateRow.draw_id == draw_id)
        return list((await self.session.execute(query.order_by(DrawCandidateRow.reference))).scalars().all())

    async def identities(self, draw_id: uuid.UUID, references: Collection[str]) -> list[DrawIdentityRow]:
        query = select(DrawIdentityRow).where(
            DrawIdentityRow.draw_id == draw_id, DrawIdentityRow.reference.in_(list(references))
        )
        return list((await self.session.execute(query)).scalars().all())

    async def purge_identities(self, draw_id: uuid.UUID) -> int:
        result = await self.session.execute(
            delete(DrawIdentityRow).where(DrawIdentityRow.draw_id == draw_id).returning(DrawIdentityRow.reference)
        )
        return len(result.all())


class MembershipRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *rows: Any) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def rules(self, body_id: uuid.UUID) -> list[BodyRulesRow]:
        query = select(BodyRulesRow).where(BodyRulesRow.body_id == body_id).order_by(BodyRulesRow.version)
        return list((await self.session.execute(query)).scalars().all())

    async def person(self, person_id: uuid.UUID) -> PersonRow | None:
        return await self.session.get(PersonRow, person_id)

    async def terms(self, body_id: uuid.UUID, person_id: uuid.UUID) -> list[tuple[date, date | None]]:
        query = select(MandateRow.starts_on, MandateRow.ends_on).where(
            MandateRow.body_id == body_id, MandateRow.person_id == person_id
        )
        return [(row[0], row[1]) for row in (await self.session.execute(query)).all()]

    async def members_on(self, body_id: uuid.UUID, day: date) -> list[PersonRow]:
        """The people holding a mandate in the body on that day."""
        query = (
            select(PersonRow)
            .join(MandateRow, MandateRow.person_id == PersonRow.person_id)
            .where(
                MandateRow.body_id == body_id,
                MandateRow.starts_on <= day,
                or_(MandateRow.ends_on.is_(None), MandateRow.ends_on >= day),
            )
        )
        return list((await self.session.execute(query)).scalars().all())

    async def identity(self, person_id: uuid.UUID) -> PersonIdentityRow | None:
        return await self.session.get(PersonIdentityRow, person_id)

    async def mandates_of(self, person_id: uuid.UUID) -> list[MandateRow]:
        query = select(MandateRow).where(MandateRow.person_id == person_id).order_by(MandateRow.starts_on)
        return list((await self.session.execute(query)).scalars().all())

    async def erase_identity(self, person_id: uuid.UUID) -> bool:
        removed = await self.session.execute(
            delete(PersonIdentityRow)
            .where(PersonIdentityRow.person_id == person_id)
            .returning(PersonIdentityRow.person_id)
        )
        return bool(removed.all())
