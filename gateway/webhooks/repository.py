"""All queries of the webhook subscriptions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.models import OAuthClientRow
from gateway.webhooks.models import WebhookAttemptRow, WebhookDeliveryRow, WebhookSubscriptionRow

ATTEMPTS_SHOWN = 100


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

    async def enabled_with_clients(self) -> list[tuple[WebhookSubscriptionRow, OAuthClientRow]]:
        rows = await self.session.execute(
            select(WebhookSubscriptionRow, OAuthClientRow)
            .join(OAuthClientRow, OAuthClientRow.client_id == WebhookSubscriptionRow.client_id)
            .where(WebhookSubscriptionRow.is_enabled, OAuthClientRow.revoked_at.is_(None))
            .order_by(WebhookSubscriptionRow.created_at, WebhookSubscriptionRow.subscription_id)
        )
        return [(subscription, client) for subscription, client in rows.all()]

    async def move_cursor(self, subscription_id: uuid.UUID, cursor: str) -> None:
        await self.session.execute(
            update(WebhookSubscriptionRow)
            .where(WebhookSubscriptionRow.subscription_id == subscription_id)
            .values(cursor=cursor)
        )

    async def disable(self, subscription_id: uuid.UUID, reason: str, at: datetime) -> None:
        await self.session.execute(
            update(WebhookSubscriptionRow)
            .where(WebhookSubscriptionRow.subscription_id == subscription_id)
            .values(
                is_enabled=False,
                disabled_reason=reason,
                disabled_at=at,
                version=WebhookSubscriptionRow.version + 1,
            )
        )


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def with_subscription(
        self, subscription_id: uuid.UUID, event_id: str
    ) -> tuple[WebhookSubscriptionRow, WebhookDeliveryRow] | None:
        """A delivery and its subscription, in one query (a delivery's first round trip)."""
        row = (
            await self.session.execute(
                select(WebhookSubscriptionRow, WebhookDeliveryRow)
                .join(WebhookDeliveryRow, WebhookDeliveryRow.subscription_id == WebhookSubscriptionRow.subscription_id)
                .where(WebhookDeliveryRow.subscription_id == subscription_id, WebhookDeliveryRow.event_id == event_id)
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def record(self, attempt: dict[str, Any], **outcome: datetime) -> None:
        """An attempt, and the delivery's `outcome` if any (`delivered_at`, `failed_at`), in ONE statement (a
        data-modifying WITH): atomic by itself, so a delivery's second and last round trip needs no
        transaction around it."""
        recorded = insert(WebhookAttemptRow).values(**attempt).returning(WebhookAttemptRow.attempt_id)
        if not outcome:
            await self.session.execute(recorded)
            return
        written = recorded.cte("recorded")
        await self.session.execute(
            update(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.subscription_id == attempt["subscription_id"],
                WebhookDeliveryRow.event_id == attempt["event_id"],
                exists(select(written.c.attempt_id)),
            )
            .values(**outcome)
        )

    async def store(self, subscription_id: uuid.UUID, events: list[tuple[dict[str, Any], str]]) -> None:
        """Each event once per subscription (a page read again stores nothing twice)."""
        if not events:
            return
        await self.session.execute(
            insert(WebhookDeliveryRow)
            .values(
                [
                    {
                        "subscription_id": subscription_id,
                        "event_id": str(event["id"]),
                        "resource_key": key,
                        "occurred_at": datetime.fromisoformat(str(event["occurredAt"])),
                        "payload": event,
                    }
                    for event, key in events
                ]
            )
            .on_conflict_do_nothing(index_elements=["subscription_id", "event_id"])
        )

    async def not_enqueued(self, subscription_id: uuid.UUID) -> list[tuple[str, str]]:
        rows = await self.session.execute(
            select(WebhookDeliveryRow.event_id, WebhookDeliveryRow.resource_key)
            .where(WebhookDeliveryRow.subscription_id == subscription_id, WebhookDeliveryRow.enqueued_at.is_(None))
            .order_by(WebhookDeliveryRow.position)
        )
        return [(event_id, key) for event_id, key in rows.all()]

    async def mark_enqueued(self, subscription_id: uuid.UUID, event_ids: list[str]) -> None:
        await self.session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.subscription_id == subscription_id, WebhookDeliveryRow.event_id.in_(event_ids))
            .values(enqueued_at=func.now())
        )

    async def replay(
        self, subscription_id: uuid.UUID, event_id: str | None, since: datetime | None, until: datetime | None
    ) -> int:
        """Deliver again (the relay defers them at its next run): one event, or those that occurred in a range."""
        query = update(WebhookDeliveryRow).where(WebhookDeliveryRow.subscription_id == subscription_id)
        if event_id is not None:
            query = query.where(WebhookDeliveryRow.event_id == event_id)
        if since is not None:
            query = query.where(WebhookDeliveryRow.occurred_at >= since)
        if until is not None:
            query = query.where(WebhookDeliveryRow.occurred_at < until)
        result = await self.session.execute(
            query.values(enqueued_at=None, delivered_at=None, failed_at=None).returning(WebhookDeliveryRow.event_id)
        )
        return len(result.all())

    async def requeue_undelivered(self, subscription_id: uuid.UUID) -> None:
        """The events not delivered (dropped while the subscription was disabled) go out again."""
        await self.session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.subscription_id == subscription_id, WebhookDeliveryRow.delivered_at.is_(None))
            .values(enqueued_at=None, failed_at=None)
        )

    async def attempts(self, subscription_id: uuid.UUID) -> list[WebhookAttemptRow]:
        rows = await self.session.execute(
            select(WebhookAttemptRow)
            .where(WebhookAttemptRow.subscription_id == subscription_id)
            .order_by(WebhookAttemptRow.attempt_id.desc())
            .limit(ATTEMPTS_SHOWN)
        )
        return list(rows.scalars().all())
