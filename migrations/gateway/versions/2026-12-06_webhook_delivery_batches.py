"""Webhook deliveries in batches (gateway/webhooks/dispatch.py): each delivery keeps its own retry state
(`failed_attempts`, `retry_at`) instead of a queue job's, so that one job per subscription drains its
pending deliveries; `enqueued_at` goes (a delivery is pending until delivered or given up, whatever the
queue holds). A partial index serves the pending deliveries of a subscription, in order and per resource.
The queue's waiting jobs of the former task (one per subscription and event) are removed: their deliveries
are pending in the table and the relay defers the new job for them.

Revision ID: gate0006
Revises: gate0005
Create Date: 2026-12-06 03:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gate0006"
down_revision: str | None = "gate0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("delivered_at IS NULL AND failed_at IS NULL")
# A subscription's pending deliveries in order; and per resource, for the earlier ones holding a later back.
_INDEXES = {
    "ix_webhook_deliveries_pending": ["subscription_id", "position"],
    "ix_webhook_deliveries_pending_resource": ["subscription_id", "resource_key", "position"],
}


def upgrade() -> None:
    op.add_column(
        "webhook_deliveries",
        sa.Column("failed_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="gateway",
    )
    op.add_column("webhook_deliveries", sa.Column("retry_at", sa.DateTime(timezone=True)), schema="gateway")
    op.drop_column("webhook_deliveries", "enqueued_at", schema="gateway")
    for name, columns in _INDEXES.items():
        op.create_index(name, "webhook_deliveries", columns, schema="gateway", postgresql_where=_PENDING)
    op.execute(
        sa.text("DELETE FROM gateway.procrastinate_jobs WHERE task_name = 'webhook-delivery' AND status = 'todo'")
    )


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="webhook_deliveries", schema="gateway")
    op.add_column("webhook_deliveries", sa.Column("enqueued_at", sa.DateTime(timezone=True)), schema="gateway")
    # What is delivered or given up counts as enqueued; the rest is deferred again by the former relay.
    op.execute(
        sa.text(
            "UPDATE gateway.webhook_deliveries SET enqueued_at = coalesce(delivered_at, failed_at)"
            " WHERE delivered_at IS NOT NULL OR failed_at IS NOT NULL"
        )
    )
    op.drop_column("webhook_deliveries", "retry_at", schema="gateway")
    op.drop_column("webhook_deliveries", "failed_attempts", schema="gateway")
