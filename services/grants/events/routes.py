"""The feed of grants' events, `GET /events` (kit/event_feed.py), each shown as its record is."""

from __future__ import annotations

from identity.principal import Principal
from kit.event_feed import event_feed_router
from kit.outbox import Event
from services.grants.events.domain import sees_event
from services.grants.persistence import ledger
from services.grants.policies import READ_GRANTS


def _visible(actor: Principal, event: Event) -> bool:
    return sees_event(actor, event.contract_code, event.resource_type, event.related)


router = event_feed_router(ledger, READ_GRANTS, _visible)
