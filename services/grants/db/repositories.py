"""All queries of the grants service."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.pagination import PageRequest
from services.grants.db.models import CallRow


class CallRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_in_contracts(
        self, contracts: Collection[str] | None, year: int | None, page: PageRequest
    ) -> tuple[list[CallRow], int]:
        """Calls of the given contracts (None: all), newest year first."""
        query = select(CallRow)
        if contracts is not None:
            query = query.where(CallRow.contract_code.in_(list(contracts)))
        if year is not None:
            query = query.where(CallRow.year == year)
        total = (await self.session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
        ordered = query.order_by(CallRow.year.desc(), CallRow.call_id).limit(page.limit).offset(page.offset)
        return list((await self.session.execute(ordered)).scalars().all()), int(total)

    async def get(self, call_id: uuid.UUID, *, for_update: bool = False) -> CallRow | None:
        query = select(CallRow).where(CallRow.call_id == call_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def exists(self, contract_code: str, year: int, scheme: str) -> bool:
        query = select(CallRow.call_id).where(
            CallRow.contract_code == contract_code, CallRow.year == year, CallRow.scheme == scheme
        )
        return (await self.session.execute(query)).first() is not None

    async def add(self, row: CallRow) -> None:
        self.session.add(row)
        await self.session.flush()
