"""What every write records besides its own rows: the audit event and, for creations, the response
stored under the caller's Idempotency-Key — in the same transaction as the write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession

from kit.audit import audit_events_table, record_audit
from kit.auth.principal import Principal
from kit.idempotency import IdempotentRequest, StoredResponse, claim, idempotency_keys_table, remember


@dataclass(frozen=True, slots=True)
class Ledger:
    audit_events: Table
    idempotency_keys: Table

    @classmethod
    def on(cls, metadata: MetaData) -> Ledger:
        """Declare the ledger's two tables in a service's metadata."""
        return cls(audit_events_table(metadata), idempotency_keys_table(metadata))

    async def replay(self, session: AsyncSession, request: IdempotentRequest | None) -> StoredResponse | None:
        """Reserve the key, or give the response stored under it (None: go on with the write)."""
        return await claim(session, self.idempotency_keys, request) if request is not None else None

    async def created(
        self,
        session: AsyncSession,
        actor: Principal,
        request: IdempotentRequest | None,
        *,
        action: str,
        entity_type: str,
        entity_id: str,
        after: dict[str, Any],
        response: dict[str, Any],
    ) -> None:
        """Audit a creation and keep its 201 response for replays."""
        await record_audit(
            session,
            self.audit_events,
            actor,
            action,
            entity_type,
            entity_id,
            after=after,
            idempotency_key=request.key if request is not None else None,
        )
        if request is not None:
            await remember(session, self.idempotency_keys, request, 201, response)

    async def changed(
        self,
        session: AsyncSession,
        actor: Principal,
        *,
        action: str,
        entity_type: str,
        entity_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
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
