"""The feed of participation's events, `GET /events` (kit/event_feed.py), each shown as its body's records are."""

from __future__ import annotations

from identity.principal import Principal
from kit.event_feed import event_feed_router
from kit.outbox import Event
from services.participation.events.domain import sees_event
from services.participation.persistence import ledger
from services.participation.policies import READ_BODIES


def _visible(actor: Principal, event: Event) -> bool:
    return sees_event(actor, event.contract_code, event.related)


router = event_feed_router(ledger, READ_BODIES, _visible)
