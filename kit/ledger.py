"""What every write records besides its own rows: its audit event, in the same transaction as the write.

The ledger also declares the service's idempotency keys table, which the write pipeline fills
(kit/write_pipeline.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession

from identity.principal import Principal
from kit.audit import audit_events_table, record_audit
from kit.idempotency import idempotency_keys_table


@dataclass(frozen=True, slots=True)
class Ledger:
    audit_events: Table
    idempotency_keys: Table

    @classmethod
    def on(cls, metadata: MetaData) -> Ledger:
        """Declare the ledger's two tables in a service's metadata."""
        return cls(audit_events_table(metadata), idempotency_keys_table(metadata))

    async def created(
        self,
        session: AsyncSession,
        actor: Principal,
        *,
        action: str,
        entity_type: str,
        entity_id: str,
        after: dict[str, Any],
        reason: str | None = None,
    ) -> None:
        """Audit a creation: no `before`, the whole new record `after`."""
        await record_audit(
            session, self.audit_events, actor, action, entity_type, entity_id, after=after, reason=reason
        )

    async def changed(
        self,
        session: AsyncSession,
        actor: Principal,
        *,
        action: str,
        entity_type: str,
        entity_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reason: str | None = None,
    ) -> None:
        """Audit a change: what the record held `before` and holds `after` (amounts included); `after` is
        None for a deletion."""
        await record_audit(
            session,
            self.audit_events,
            actor,
            action,
            entity_type,
            entity_id,
            before=before,
            after=after,
            reason=reason,
        )
