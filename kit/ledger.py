"""What every write records besides its own rows: its audit event and, as the service's event catalogue
says, the event partners read (kit/outbox.py), in the same transaction as the write.

The ledger also declares the service's idempotency keys table, which the write pipeline fills
(kit/write_pipeline.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, Unpack

from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession

from identity.principal import Principal
from kit.audit import audit_events_table, record_audit
from kit.idempotency import idempotency_keys_table
from kit.outbox import EventCatalogue, note_event, outbox_events_table
from kit.unit_of_work import clock_of


class AuditedWrite(TypedDict):
    """What names an audited write: its action, the entity it touched, and the reason a person gave."""

    action: str
    entity_type: str
    entity_id: str
    reason: NotRequired[str | None]


@dataclass(frozen=True, slots=True)
class Ledger:
    audit_events: Table
    idempotency_keys: Table
    outbox_events: Table
    catalogue: EventCatalogue

    @classmethod
    def on(cls, metadata: MetaData, catalogue: EventCatalogue) -> Ledger:
        """Declare the ledger's tables in a service's metadata; `catalogue` says which event each action is."""
        return cls(
            audit_events_table(metadata), idempotency_keys_table(metadata), outbox_events_table(metadata), catalogue
        )

    async def created(
        self, session: AsyncSession, actor: Principal, *, after: dict[str, Any], **write: Unpack[AuditedWrite]
    ) -> None:
        """Audit a creation: no `before`, the whole new record `after`."""
        await self.changed(session, actor, before=None, after=after, **write)

    async def changed(
        self,
        session: AsyncSession,
        actor: Principal,
        *,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        **write: Unpack[AuditedWrite],
    ) -> None:
        """Audit a change: what the record held `before` and holds `after` (amounts included); `after` is
        None for a deletion. Its event (if the catalogue publishes one for the action) is written at commit."""
        await record_audit(
            session,
            self.audit_events,
            actor,
            write["action"],
            write["entity_type"],
            write["entity_id"],
            before=before,
            after=after,
            reason=write.get("reason"),
        )
        note_event(
            session,
            self.outbox_events,
            self.catalogue,
            action=write["action"],
            entity_type=write["entity_type"],
            entity_id=write["entity_id"],
            occurred_at=clock_of(session).now(),
        )
