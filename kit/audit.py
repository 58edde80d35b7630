"""Append-only audit log, one per service, written in the transaction of the change it records (at its end)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Identity, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from identity.principal import Principal
from kit.ambient_transaction import ambient_transaction, note_audited
from kit.noted_audit import note_audit_row
from kit.request_ids import current_request_id


def audit_events_table(metadata: MetaData) -> Table:
    return Table(
        "audit_events",
        metadata,
        Column("audit_event_id", BigInteger, Identity(), primary_key=True),
        Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("actor_subject", Text, nullable=False),
        Column("actor_kind", Text, nullable=False),
        Column("actor_institution", Text),
        Column("action", Text, nullable=False),
        Column("entity_type", Text, nullable=False),
        Column("entity_id", Text, nullable=False),
        Column("before", JSONB),
        Column("after", JSONB),
        Column("reason", Text),
        Column("request_id", Text),
        Column("idempotency_key", Text),
    )


def append_only_trigger_sql(schema: str) -> list[str]:
    """DDL making `schema.audit_events` refuse UPDATE and DELETE (for the migration that creates it)."""
    return [
        f"""
        CREATE FUNCTION {schema}.audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_events is append-only';
        END;
        $$
        """,
        f"""
        CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
        ON {schema}.audit_events FOR EACH STATEMENT
        EXECUTE FUNCTION {schema}.audit_events_append_only()
        """,
    ]


def drop_append_only_trigger_sql(schema: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS audit_events_append_only ON {schema}.audit_events",
        f"DROP FUNCTION IF EXISTS {schema}.audit_events_append_only()",
    ]


async def record_audit(
    session: AsyncSession,
    table: Table,
    actor: Principal,
    action: str,
    entity_type: str,
    entity_id: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Record the event in the transaction of `session`: noted now, written just before it commits, in the
    statement of one of its outbox events when it has one (kit/noted_audit.py): no round trip of its own."""
    ambient = ambient_transaction()
    note_audit_row(
        session,
        table,
        {
            "actor_subject": actor.subject,
            "actor_kind": actor.kind,
            "actor_institution": actor.institution,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "before": before,
            "after": after,
            "reason": reason,
            "request_id": current_request_id(),
            "idempotency_key": ambient.idempotency_key if ambient is not None else None,
        },
    )
    note_audited()
