"""All queries of the webhook subscriptions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gateway.db.models import OAuthClientRow
from gateway.webhooks.domain import Outcome, PendingDelivery
from gateway.webhooks.models import WebhookAttemptRow, WebhookDeliveryRow, WebhookSubscriptionRow
from kit.pagination import PageRequest, fetch_page, fetch_rows_page

# A delivery pending again (replayed, or its subscription enabled again) starts a new retry schedule at once.
_PENDING_AGAIN: dict[str, Any] = {"failed_at": None, "failed_attempts": 0, "retry_at": None}
# One batch of attempts (gateway/webhooks/dispatch.py), as arrays of the same length: the attempts inserted
# and the deliveries updated in one statement (every data-modifying WITH runs, read or not). Both parts see
# the deliveries as they were before: an attempt's number is its delivery's failed attempts before it, + 1.
_RECORD = text("""
WITH outcome AS (
    SELECT * FROM unnest(
        CAST(:event_ids AS text[]), CAST(:attempted_at AS timestamptz[]), CAST(:status_codes AS integer[]),
        CAST(:durations AS integer[]), CAST(:errors AS text[]), CAST(:successes AS boolean[]),
        CAST(:retry_at AS timestamptz[])
    ) AS o (event_id, attempted_at, status_code, duration_ms, error, is_success, retry_at)
), recorded AS (
    INSERT INTO webhook_attempts (
        subscription_id, event_id, attempted_at, status_code, duration_ms, error, is_success, attempt_number, retry_at
    )
    SELECT CAST(:subscription_id AS uuid), o.event_id, o.attempted_at, o.status_code, o.duration_ms, o.error,
        o.is_success, coalesce(d.failed_attempts, 0) + 1, o.retry_at
    FROM outcome AS o
    LEFT JOIN webhook_deliveries AS d
        ON d.subscription_id = CAST(:subscription_id AS uuid) AND d.event_id = o.event_id
)
UPDATE webhook_deliveries AS d SET
    delivered_at = CASE WHEN o.is_success THEN CAST(:now AS timestamptz) END,
    failed_attempts = d.failed_attempts + CASE WHEN o.is_success THEN 0 ELSE 1 END,
    retry_at = o.retry_at,
    failed_at = CASE WHEN NOT o.is_success AND o.retry_at IS NULL THEN CAST(:now AS timestamptz) END
FROM outcome AS o
WHERE d.subscription_id = CAST(:subscription_id AS uuid) AND d.event_id = o.event_id
""")


def _of_client(client_id: str) -> Select[WebhookSubscriptionRow]:
    return (
        select(WebhookSubscriptionRow)
        .where(WebhookSubscriptionRow.client_id == client_id)
        .order_by(WebhookSubscriptionRow.created_at, WebhookSubscriptionRow.subscription_id)
    )


def _due(subscription_id: uuid.UUID, now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A delivery of the subscription, pending (neither delivered nor given up), and not before its retry."""
    delivery = WebhookDeliveryRow
    return (
        delivery.subscription_id == subscription_id,
        delivery.delivered_at.is_(None),
        delivery.failed_at.is_(None),
        or_(delivery.retry_at.is_(None), delivery.retry_at <= now),
    )


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_client(self, client_id: str) -> list[WebhookSubscriptionRow]:
        return list((await self.session.execute(_of_client(client_id))).scalars().all())

    async def page_of_client(self, client_id: str, page: PageRequest) -> tuple[list[WebhookSubscriptionRow], int]:
        return await fetch_page(self.session, _of_client(client_id), page)

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

    async def due(
        self, subscription_id: uuid.UUID, now: datetime, limit: int
    ) -> tuple[WebhookSubscriptionRow, list[PendingDelivery]] | None:
        """The subscription and the first `limit` of its pending deliveries due at `now`, in order, in one
        query: a delivery waits while an earlier one of its resource waits for its retry (order per
        resource); None: nothing is due."""
        earlier = aliased(WebhookDeliveryRow)
        delivery = WebhookDeliveryRow
        held_back = exists().where(
            earlier.subscription_id == delivery.subscription_id,
            earlier.resource_key == delivery.resource_key,
            earlier.position < delivery.position,
            earlier.delivered_at.is_(None),
            earlier.failed_at.is_(None),
            earlier.retry_at > now,
        )
        rows = (
            await self.session.execute(
                select(
                    WebhookSubscriptionRow,
                    delivery.event_id,
                    delivery.resource_key,
                    delivery.payload,
                    delivery.failed_attempts,
                )
                .join(delivery, delivery.subscription_id == WebhookSubscriptionRow.subscription_id)
                .where(*_due(subscription_id, now), ~held_back)
                .order_by(delivery.position)
                .limit(limit)
            )
        ).all()
        if not rows:
            return None
        return rows[0][0], [PendingDelivery(*row[1:]) for row in rows]

    async def has_due(self, subscription_id: uuid.UUID, now: datetime) -> bool:
        """Whether a delivery of the subscription is pending and due (new, replayed, or its retry's time)."""
        return bool(await self.session.scalar(select(exists().where(*_due(subscription_id, now)))))

    async def record(self, subscription_id: uuid.UUID, outcomes: Sequence[Outcome], now: datetime) -> None:
        """A batch's attempts, and each delivery's new state, in ONE statement (a data-modifying WITH):
        delivered; or to retry at its `retry_at`; or given up (`failed_at`) when it has none."""
        await self.session.execute(
            _RECORD,
            {
                "subscription_id": subscription_id,
                "now": now,
                "event_ids": [outcome.event_id for outcome in outcomes],
                "attempted_at": [outcome.attempted_at for outcome in outcomes],
                "status_codes": [outcome.status_code for outcome in outcomes],
                "durations": [outcome.duration_ms for outcome in outcomes],
                "errors": [outcome.error for outcome in outcomes],
                "successes": [outcome.succeeded for outcome in outcomes],
                "retry_at": [outcome.retry_at for outcome in outcomes],
            },
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

    async def replay(
        self, subscription_id: uuid.UUID, event_id: str | None, since: datetime | None, until: datetime | None
    ) -> int:
        """Deliver again (the relay defers the delivery job at its next run): one event, or those that occurred
        in a range."""
        query = update(WebhookDeliveryRow).where(WebhookDeliveryRow.subscription_id == subscription_id)
        if event_id is not None:
            query = query.where(WebhookDeliveryRow.event_id == event_id)
        if since is not None:
            query = query.where(WebhookDeliveryRow.occurred_at >= since)
        if until is not None:
            query = query.where(WebhookDeliveryRow.occurred_at < until)
        result = await self.session.execute(
            query.values(**_PENDING_AGAIN, delivered_at=None).returning(WebhookDeliveryRow.event_id)
        )
        return len(result.all())

    async def requeue_undelivered(self, subscription_id: uuid.UUID) -> None:
        """The events not delivered (dropped while the subscription was disabled) go out again."""
        await self.session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.subscription_id == subscription_id, WebhookDeliveryRow.delivered_at.is_(None))
            .values(**_PENDING_AGAIN)
        )

    async def attempts(
        self, subscription_id: uuid.UUID, page: PageRequest
    ) -> tuple[list[tuple[WebhookAttemptRow, datetime | None]], int]:
        """A page of the subscription's attempts, newest first, each with when its delivery's next try is due:
        its own `retry_at` while the delivery still waits for that retry (not delivered, not given up, not
        replayed or tried since)."""
        attempt, delivery = WebhookAttemptRow, WebhookDeliveryRow
        waiting = and_(
            delivery.delivered_at.is_(None), delivery.failed_at.is_(None), delivery.retry_at == attempt.retry_at
        )
        query = (
            select(attempt, case((waiting, attempt.retry_at)))
            .outerjoin(
                delivery,
                and_(delivery.subscription_id == attempt.subscription_id, delivery.event_id == attempt.event_id),
            )
            .where(attempt.subscription_id == subscription_id)
            .order_by(attempt.attempt_id.desc())
        )
        rows, total = await fetch_rows_page(self.session, query, page)
        return [(row[0], row[1]) for row in rows], total
