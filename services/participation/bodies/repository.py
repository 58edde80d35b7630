"""The queries of bodies and their themes."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import delete, select

from kit.pagination import PageRequest, fetch_page
from services.participation.bodies import domain
from services.participation.bodies.models import BodyRow, BodyThemeRow
from services.participation.persistence import SessionRepository, record_of


def body_from_row(row: BodyRow) -> domain.Body:
    return record_of(domain.Body, row)


def theme_level_from_row(row: BodyThemeRow) -> domain.ThemeLevel:
    observed = None if row.observed_level is None else domain.ParticipationLevel(row.observed_level)
    return domain.ThemeLevel(row.theme, domain.ParticipationLevel(row.declared_level), observed)


class BodyRepository(SessionRepository):
    async def search(self, contract_code: str, kind: str | None, page: PageRequest) -> tuple[list[BodyRow], int]:
        """Bodies of the contract, by name."""
        query = select(BodyRow).where(BodyRow.contract_code == contract_code)
        if kind is not None:
            query = query.where(BodyRow.kind == kind)
        return await fetch_page(self.session, query.order_by(BodyRow.name, BodyRow.body_id), page)

    async def find(self, body_id: uuid.UUID, *, lock: bool = False) -> BodyRow | None:
        return await self.one(select(BodyRow).where(BodyRow.body_id == body_id), lock=lock)

    async def themes(self, body_id: uuid.UUID) -> list[BodyThemeRow]:
        return await self.all(select(BodyThemeRow).where(BodyThemeRow.body_id == body_id).order_by(BodyThemeRow.theme))

    async def replace_themes(self, body_id: uuid.UUID, rows: Collection[BodyThemeRow]) -> None:
        await self.session.execute(delete(BodyThemeRow).where(BodyThemeRow.body_id == body_id))
        await self.add(*rows)

    async def theme_levels_of_contract(self, contract_code: str) -> list[tuple[str, str | None]]:
        """(declared, observed) levels of the themes of the contract's bodies that are not dissolved."""
        query = (
            select(BodyThemeRow.declared_level, BodyThemeRow.observed_level)
            .join(BodyRow, BodyRow.body_id == BodyThemeRow.body_id)
            .where(BodyRow.contract_code == contract_code, BodyRow.status != domain.BodyStatus.DISSOLVED.value)
        )
        return [(row[0], row[1]) for row in (await self.session.execute(query)).all()]

    async def of_contract(self, contract_code: str) -> list[domain.Body]:
        """Every body of the contract, whatever its status."""
        query = select(BodyRow).where(BodyRow.contract_code == contract_code).order_by(BodyRow.body_id)
        return [body_from_row(row) for row in (await self.session.execute(query)).scalars().all()]
