"""Webhook deliveries and attempts, the subscriptions' feed cursor, and the job engine's tables: procrastinate's
own schema SQL (`procrastinate.schema.SchemaManager.get_schema()`, procrastinate 3.10), created in the gateway
schema; its later versions ship migration files of their own (`SchemaManager.get_migrations_path()`) to
apply in revisions after this one.

Revision ID: gate0004
Revises: gate0003
Create Date: 2026-12-05 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.dialects import postgresql
from sqlalchemy.util import await_

revision: str = "gate0004"
down_revision: str | None = "gate0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every routine procrastinate created (their names carry versions), then its tables and types.
_DROP_ENGINE = """
DO $$
DECLARE routine regprocedure;
BEGIN
    FOR routine IN SELECT p.oid::regprocedure FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'gateway' AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE 'DROP FUNCTION ' || routine::text || ' CASCADE';
    END LOOP;
END;
$$;
DROP TABLE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, procrastinate_workers CASCADE;
DROP TYPE procrastinate_job_to_defer_v1, procrastinate_job_event_type, procrastinate_job_status;
"""


def _in_gateway_schema(statements: str) -> None:
    """Run SQL that names its objects without a schema: they are created in the gateway schema."""
    op.execute(sa.text("SELECT set_config('cdq.search_path', current_setting('search_path'), true)"))
    op.execute(sa.text("SELECT set_config('search_path', 'gateway', true)"))
    # Several statements with dollar-quoted bodies: asyncpg's simple query protocol (its `execute` without
    # arguments), in the migration's transaction, not a prepared statement.
    driver_connection = op.get_bind().connection.driver_connection
    await_(driver_connection.execute(statements))
    op.execute(sa.text("SELECT set_config('search_path', current_setting('cdq.search_path'), true)"))


def upgrade() -> None:
    op.add_column("webhook_subscriptions", sa.Column("cursor", sa.Text(), nullable=True), schema="gateway")
    op.create_table(
        "webhook_deliveries",
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("resource_key", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["gateway.webhook_subscriptions.subscription_id"],
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscription_id", "event_id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("position", name=op.f("uq_webhook_deliveries_position")),
        schema="gateway",
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("attempt_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("is_success", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["gateway.webhook_subscriptions.subscription_id"],
            name=op.f("fk_webhook_attempts_subscription_id_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_webhook_attempts")),
        schema="gateway",
    )
    op.create_index(
        op.f("ix_webhook_attempts_subscription_id"), "webhook_attempts", ["subscription_id"], schema="gateway"
    )
    _in_gateway_schema(SchemaManager.get_schema())


def downgrade() -> None:
    _in_gateway_schema(_DROP_ENGINE)
    op.drop_index(op.f("ix_webhook_attempts_subscription_id"), table_name="webhook_attempts", schema="gateway")
    op.drop_table("webhook_attempts", schema="gateway")
    op.drop_table("webhook_deliveries", schema="gateway")
    op.drop_column("webhook_subscriptions", "cursor", schema="gateway")
