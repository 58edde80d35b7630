"""All queries of the webhook subscriptions."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.webhooks.models import WebhookSubscriptionRow


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_client(self, client_id: str) -> list[WebhookSubscriptionRow]:
        rows = await self.session.execute(
            select(WebhookSubscriptionRow)
            .where(WebhookSubscriptionRow.client_id == client_id)
            .order_by(WebhookSubscriptionRow.created_at, WebhookSubscriptionRow.subscription_id)
        )
        return list(rows.scalars().all())

    async def owned(
        self, client_id: str, subscription_id: uuid.UUID, *, lock: bool = False
    ) -> WebhookSubscriptionRow | None:
        query = select(WebhookSubscriptionRow).where(
            WebhookSubscriptionRow.subscription_id == subscription_id, WebhookSubscriptionRow.client_id == client_id
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, row: WebhookSubscriptionRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def delete(self, row: WebhookSubscriptionRow) -> None:
        await self.session.delete(row)
        await self.session.flush()
