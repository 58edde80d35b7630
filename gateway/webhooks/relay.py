"""The relay and the delivery, the two jobs of the webhooks (gateway/webhooks/jobs.py runs them).

The relay reads the merged feed for each enabled subscription AS ITS CLIENT: a short token minted for the
client with its own roles, scopes and bindings, so each service shows it exactly what it may read (the
rules of `GET /api/events`). It stores each new event once per subscription (`webhook_deliveries`) with
the subscription's new cursor in one transaction, then defers its delivery; a delivery stored but not
deferred (a crash between the two) is deferred at the next run: delivery is at least once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import httpx

from gateway.db.models import OAuthClientRow
from gateway.events import EventFeeds
from gateway.webhooks.delivery import attempt
from gateway.webhooks.domain import exhausted_reason, retry_delay, signing_secrets
from gateway.webhooks.models import WebhookSubscriptionRow
from gateway.webhooks.repository import DeliveryRepository, SubscriptionRepository
from gateway.webhooks.sealing import SecretBox
from kit.auth.tokens import TokenGrant, TokenIssuer
from kit.problems import ProblemError
from kit.unit_of_work import UnitOfWork

logger = logging.getLogger("gateway.webhooks")

PAGE = 100
PAGES_PER_RUN = 20
# Defers the delivery jobs of a subscription's events, each given as (event id, resource key), in one go.
Defer = Callable[[uuid.UUID, Sequence[tuple[str, str]]], Awaitable[None]]


def resource_key(event: dict[str, Any]) -> str:
    return f"{event['service']}:{event['resourceType']}:{event['resourceId']}"


def client_grant(client: OAuthClientRow) -> TokenGrant:
    """What the client's own token would say: each service decides with it what the subscription sees."""
    return TokenGrant(
        subject=client.client_id,
        kind="client",
        institution=client.institution,
        roles=client.roles,
        scopes=client.scopes,
        contracts=client.contracts,
        organisations=client.organisations,
        communes=client.communes,
        bodies=client.bodies,
    )


async def relay(uow: UnitOfWork, feeds: EventFeeds, issuer: TokenIssuer, defer: Defer) -> int:
    """One pass over the enabled subscriptions; returns how many deliveries it deferred."""
    async with uow.reading():
        subscribed = await SubscriptionRepository(uow.session).enabled_with_clients()
    deferred = 0
    for subscription, client in subscribed:
        deferred += await _defer_stored(uow, subscription.subscription_id, defer)
        deferred += await _relay_subscription(uow, feeds, issuer, subscription, client, defer)
    return deferred


async def _defer_stored(uow: UnitOfWork, subscription_id: uuid.UUID, defer: Defer) -> int:
    """Defer the deliveries stored but not deferred yet (after a crash, or asked again by a replay)."""
    async with uow.reading():
        waiting = await DeliveryRepository(uow.session).not_enqueued(subscription_id)
    if waiting:
        await defer(subscription_id, waiting)
        async with uow:
            await DeliveryRepository(uow.session).mark_enqueued(subscription_id, [event_id for event_id, _ in waiting])
            await uow.commit()
    return len(waiting)


async def _relay_subscription(
    uow: UnitOfWork,
    feeds: EventFeeds,
    issuer: TokenIssuer,
    subscription: WebhookSubscriptionRow,
    client: OAuthClientRow,
    defer: Defer,
) -> int:
    authorization = "Bearer " + issuer.mint(client_grant(client))
    cursor = subscription.cursor
    deferred = 0
    for _ in range(PAGES_PER_RUN):
        try:
            page = await feeds.read(authorization, cursor, None, subscription.contract_code, PAGE)
        except ProblemError as error:
            if error.status == 410 and "oldestCursor" in error.extra:
                cursor = str(error.extra["oldestCursor"])  # events no longer kept: read on from the oldest
                continue
            logger.warning("webhook relay: feed unreadable for %s: %s", subscription.subscription_id, error.status)
            break
        wanted = [event for event in page["items"] if event["type"] in subscription.event_types]
        async with uow:
            deliveries = DeliveryRepository(uow.session)
            await deliveries.store(subscription.subscription_id, [(event, resource_key(event)) for event in wanted])
            await SubscriptionRepository(uow.session).move_cursor(subscription.subscription_id, page["nextCursor"])
            await uow.commit()
        if wanted:  # each page's deliveries start at once, while the next page is read
            deferred += await _defer_stored(uow, subscription.subscription_id, defer)
        cursor = page["nextCursor"]
        if not page["hasMore"]:
            break
    return deferred


async def deliver(
    uow: UnitOfWork,
    client: httpx.AsyncClient,
    subscription_id: uuid.UUID,
    event_id: str,
    *,
    failed_before: int,
    delays: Sequence[float],
    allow_local: bool,
    draw: float,
    box: SecretBox,
) -> float | None:
    """One attempt to deliver an event; returns the delay before the next one (None: delivered, dropped, or
    the schedule is over and the subscription disabled)."""
    async with uow.reading():
        found = await DeliveryRepository(uow.session).with_subscription(subscription_id, event_id)
    if found is None:
        return None
    subscription, delivery = found
    if not subscription.is_enabled or delivery.delivered_at is not None:
        return None
    started: datetime = uow.now()
    previous = box.open(subscription.previous_secret) if subscription.previous_secret is not None else None
    secrets = signing_secrets(box.open(subscription.secret), previous, subscription.previous_secret_until, started)
    outcome = await attempt(client, subscription.url, delivery.payload, secrets, allow_local)
    delay = None if outcome.succeeded else retry_delay(failed_before + 1, delays, draw)
    recorded = {
        "subscription_id": subscription_id,
        "event_id": event_id,
        "attempted_at": started,
        "status_code": outcome.status_code,
        "duration_ms": outcome.duration_ms,
        "error": outcome.error,
        "is_success": outcome.succeeded,
    }
    if outcome.succeeded or delay is not None:
        # The common case, delivered or to retry: one statement, atomic by itself (no BEGIN nor COMMIT trip).
        async with uow.alone():
            done = {"delivered_at": uow.now()} if outcome.succeeded else {}
            await DeliveryRepository(uow.session).record(recorded, **done)
        return delay
    async with uow:  # the schedule is over: the delivery fails and its subscription is disabled, together
        await DeliveryRepository(uow.session).record(recorded, failed_at=uow.now())
        reason = exhausted_reason(failed_before + 1, outcome.error)
        await SubscriptionRepository(uow.session).disable(subscription_id, reason, uow.now())
        await uow.commit()
    return None
