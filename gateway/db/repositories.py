"""All queries of the gateway."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.models import OAuthClientRow


class OAuthClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, client_id: str) -> OAuthClientRow | None:
        return await self.session.get(OAuthClientRow, client_id)

    async def all(self) -> list[OAuthClientRow]:
        rows = await self.session.execute(select(OAuthClientRow).order_by(OAuthClientRow.client_id))
        return list(rows.scalars().all())

    async def add(self, row: OAuthClientRow) -> None:
        self.session.add(row)
        await self.session.flush()
