"""All queries of the participation service."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.pagination import PageRequest
from services.participation.db.models import BodyRow


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
        count = select(func.count()).select_from(query.subquery())
        total = int((await self.session.execute(count)).scalar_one())
        rows = await self.session.execute(
            query.order_by(BodyRow.name, BodyRow.body_id).limit(page.limit).offset(page.offset)
        )
        return list(rows.scalars().all()), total

    async def find(self, body_id: uuid.UUID, *, lock: bool = False) -> BodyRow | None:
        query = select(BodyRow).where(BodyRow.body_id == body_id)
        return (await self.session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()

    async def add(self, row: BodyRow) -> None:
        self.session.add(row)
        await self.session.flush()
