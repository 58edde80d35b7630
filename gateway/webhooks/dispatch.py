"""The delivery job's work (gateway/webhooks/jobs.py runs it, one job per subscription at a time): the
subscription's pending deliveries drained in batches, until none is due.

A batch is read in one query (in the subscription's order, without the deliveries held back by an earlier
one of their resource waiting for its retry), POSTed resource by resource, side by side (PARALLEL chains
at once, each chain in order, a failure ending its chain), then every attempt and every delivery's new
state recorded in one statement. A failed delivery keeps its retry state in its row: it is due again at its
`retry_at`, and holds back only its own resource's later events. Delivery is at least once: a worker that
dies mid-batch recorded nothing of it, and its job runs again (the same webhook-id for each event)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from gateway.webhooks.delivery import Attempt, attempt, refused, target_refusal
from gateway.webhooks.domain import Outcome, PendingDelivery, chains, exhausted_reason, next_step, signing_secrets
from gateway.webhooks.models import WebhookSubscriptionRow
from gateway.webhooks.repository import DeliveryRepository, SubscriptionRepository
from gateway.webhooks.sealing import SecretBox
from kit.unit_of_work import UnitOfWork

BATCH = 500
PARALLEL = 16  # requests in flight to one endpoint


@dataclass(frozen=True, slots=True)
class Delivering:
    """What a delivery job needs besides the database: the HTTP client, the retry schedule, the guard's
    setting, the secrets' box, and a draw in [0, 1) for each retry's jitter."""

    client: httpx.AsyncClient
    delays: Sequence[float]
    allow_local: bool
    box: SecretBox
    draw: Callable[[], float]
    batch: int = BATCH


async def deliver_pending(uow: UnitOfWork, subscription_id: uuid.UUID, delivering: Delivering) -> int:
    """Drain the subscription's due deliveries; returns how many were delivered. Stops when none is due, or
    the subscription is disabled (by its owner, or by a delivery's schedule ending here)."""
    delivered = 0
    while True:
        async with uow.reading():
            found = await DeliveryRepository(uow.session).due(subscription_id, uow.now(), delivering.batch)
        if found is None or not found[0].is_enabled:
            return delivered
        subscription, pending = found
        outcomes = await _attempt_batch(uow, subscription, pending, delivering)
        delivered += sum(1 for outcome in outcomes if outcome.succeeded)
        given_up = next((outcome for outcome in outcomes if outcome.given_up), None)
        if given_up is None:
            async with uow.alone():  # one statement, atomic by itself: no BEGIN nor COMMIT round trip
                await DeliveryRepository(uow.session).record(subscription_id, outcomes, uow.now())
            continue
        async with uow:  # the schedule is over: the delivery fails and its subscription is disabled, together
            await DeliveryRepository(uow.session).record(subscription_id, outcomes, uow.now())
            failures = next(item.failed_attempts for item in pending if item.event_id == given_up.event_id) + 1
            reason = exhausted_reason(failures, given_up.error)
            await SubscriptionRepository(uow.session).disable(subscription_id, reason, uow.now())
            await uow.commit()
        return delivered


async def _attempt_batch(
    uow: UnitOfWork, subscription: WebhookSubscriptionRow, pending: Sequence[PendingDelivery], delivering: Delivering
) -> list[Outcome]:
    box = delivering.box
    previous = box.open(subscription.previous_secret) if subscription.previous_secret is not None else None
    secrets = signing_secrets(box.open(subscription.secret), previous, subscription.previous_secret_until, uow.now())
    refusal = await target_refusal(subscription.url, delivering.allow_local)
    outcomes: list[Outcome] = []
    slots = asyncio.Semaphore(PARALLEL)

    async def deliver_chain(chain: list[PendingDelivery]) -> None:
        async with slots:
            for delivery in chain:
                attempted_at = uow.now()
                if refusal is not None:
                    done: Attempt = refused(refusal)
                else:
                    done = await attempt(delivering.client, subscription.url, delivery.payload, secrets)
                retry_at = next_step(delivery, done.succeeded, attempted_at, delivering.delays, delivering.draw())
                outcomes.append(
                    Outcome(
                        delivery.event_id,
                        attempted_at,
                        done.status_code,
                        done.duration_ms,
                        done.error,
                        done.succeeded,
                        retry_at,
                    )
                )
                if not done.succeeded:
                    return

    await asyncio.gather(*(deliver_chain(chain) for chain in chains(pending)))
    return outcomes
