"""The relay, the first of the webhooks' two jobs (gateway/webhooks/jobs.py runs them; the delivery job's
work is gateway/webhooks/dispatch.py).

The relay reads the merged feed for each enabled subscription AS ITS CLIENT: a short token minted for the
client with its own roles, scopes and bindings, so each service shows it exactly what it may read (the
rules of `GET /api/events`). It stores each new event once per subscription (`webhook_deliveries`) with
the subscription's new cursor in one transaction, then defers the subscription's delivery job. At each run
it also defers that job for a subscription whose deliveries are due without one waiting (stored but not
deferred after a crash, replayed, enabled again, or at their retry's time): delivery is at least once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.db.models import OAuthClientRow
from gateway.events import EventFeeds
from gateway.webhooks.models import WebhookSubscriptionRow
from gateway.webhooks.repository import DeliveryRepository, SubscriptionRepository
from kit.auth.tokens import TokenGrant, TokenIssuer
from kit.problems import ProblemError
from kit.unit_of_work import UnitOfWork

logger = logging.getLogger("gateway.webhooks")

PAGE = 100
PAGES_PER_RUN = 20
# Defers the delivery job of a subscription (at most one waits per subscription: deferring again is a no-op).
Defer = Callable[[uuid.UUID], Awaitable[None]]


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
    """One pass over the enabled subscriptions; returns how many new deliveries it stored."""
    async with uow.reading():
        subscribed = await SubscriptionRepository(uow.session).enabled_with_clients()
    stored = 0
    for subscription, client in subscribed:
        async with uow.reading():
            due = await DeliveryRepository(uow.session).has_due(subscription.subscription_id, uow.now())
        if due:
            await defer(subscription.subscription_id)
        stored += await _relay_subscription(uow, feeds, issuer, subscription, client, defer)
    return stored


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
    stored = 0
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
            await defer(subscription.subscription_id)
            stored += len(wanted)
        cursor = page["nextCursor"]
        if not page["hasMore"]:
            break
    return stored
