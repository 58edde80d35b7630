"""The feed of grants' events, `GET /events` (kit/event_feed.py), each shown as its record is."""

from __future__ import annotations

import uuid

from identity.principal import Principal
from kit.event_feed import event_feed_router
from kit.outbox import Event
from kit.unit_of_work import UnitOfWork
from services.grants.conventions.use_cases.access import readable_conventions
from services.grants.events.domain import sees_event
from services.grants.persistence import ledger
from services.grants.policies import READ_GRANTS


def _visible(actor: Principal, event: Event) -> bool:
    return sees_event(actor, event.contract_code, event.resource_type, event.related)


async def _readable(uow: UnitOfWork, actor: Principal, events: list[Event]) -> list[Event]:
    """A convention's events for those who read it: its parties (a financer of none of its amounts read its
    signature in the feed, though the convention itself answered it 404)."""
    conventions = {uuid.UUID(event.resource_id) for event in events if event.resource_type == "convention"}
    if not conventions:
        return events
    readable = await readable_conventions(uow, actor, conventions)
    return [
        event for event in events if event.resource_type != "convention" or uuid.UUID(event.resource_id) in readable
    ]


router = event_feed_router(ledger, READ_GRANTS, _visible, _readable)
