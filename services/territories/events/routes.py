"""The feed of territories' events, `GET /events` (kit/event_feed.py)."""

from __future__ import annotations

from identity.principal import Principal
from kit.event_feed import event_feed_router
from kit.outbox import Event
from services.territories.events.domain import sees_event
from services.territories.persistence import ledger
from services.territories.policies import READ_EVENTS


def _visible(actor: Principal, event: Event) -> bool:
    return sees_event(actor, event.contract_code)


router = event_feed_router(ledger, READ_EVENTS, _visible)
