"""The webhooks' two jobs run by hand, without a worker, on the stack's database: a relay pass (which
subscriptions' delivery jobs it defers, and what each has due), and a delivery job's drain."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.webhooks.domain import RETRY_DELAYS_SECONDS
from kit.clock import Clock
from tests.running_stack import RunningStack, gateway_settings


@asynccontextmanager
async def gateway_sessions(stack: RunningStack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    from kit.database import create_engine, create_sessionmaker

    engine = create_engine(stack.role_url("gateway"), "gateway", application_name="test")
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def due_deliveries(stack: RunningStack, subscription_id: uuid.UUID, clock: Clock) -> list[str]:
    """The event ids a delivery job of the subscription would attempt now, in order."""
    from gateway.webhooks.repository import DeliveryRepository
    from kit.unit_of_work import UnitOfWork

    async with gateway_sessions(stack) as sessions:
        uow = UnitOfWork(sessions, clock=clock)
        async with uow.reading():
            found = await DeliveryRepository(uow.session).due(subscription_id, uow.now(), 10_000)
    return [] if found is None else [delivery.event_id for delivery in found[1]]


async def relay_once(stack: RunningStack) -> dict[str, list[str]]:
    """One relay pass: for each subscription whose delivery job it defers, the events due for it."""
    from gateway.events import EventFeeds
    from gateway.webhooks import relay
    from kit.unit_of_work import UnitOfWork

    deferred: list[uuid.UUID] = []

    async def defer(subscription: uuid.UUID) -> None:
        deferred.append(subscription)

    feeds = EventFeeds(gateway_settings(stack).upstreams())
    try:
        async with gateway_sessions(stack) as sessions:
            await relay.relay(UnitOfWork(sessions), feeds, stack.issuer, defer)
    finally:
        await feeds.close()
    return {str(subscription): await due_deliveries(stack, subscription, stack.clock) for subscription in deferred}


async def drain(
    stack: RunningStack,
    subscription_id: uuid.UUID,
    clock: Clock,
    delays: Sequence[float] = RETRY_DELAYS_SECONDS,
    batch: int = 500,
) -> int:
    """One delivery job of the subscription, on `clock`; returns how many it delivered."""
    from gateway.webhooks.delivery import delivery_client
    from gateway.webhooks.dispatch import Delivering, deliver_pending
    from kit.unit_of_work import UnitOfWork

    async with gateway_sessions(stack) as sessions, delivery_client() as client:
        delivering = Delivering(
            client=client,
            delays=delays,
            allow_local=True,
            box=gateway_settings(stack).secret_box(),
            draw=lambda: 0.0,  # no jitter: the retries fall at their schedule's times
            batch=batch,
        )
        return await deliver_pending(UnitOfWork(sessions, clock=clock), subscription_id, delivering)
