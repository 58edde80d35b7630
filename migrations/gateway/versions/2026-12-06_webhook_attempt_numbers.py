"""Webhook attempts tell their number and the retry they scheduled: `attempt_number` (1 for a delivery's first
try, 2 for its first retry…, counted again from 1 after a replay, like the delivery's `failed_attempts`) and
`retry_at` (when the next try of that delivery is due after this failed one; none after a success or the
last try). Attempts kept before are numbered in their order per delivery; their retry time is not known.

Revision ID: gate0007
Revises: gate0006
Create Date: 2026-12-06 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gate0007"
down_revision: str | None = "gate0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("webhook_attempts", sa.Column("attempt_number", sa.Integer()), schema="gateway")
    op.add_column("webhook_attempts", sa.Column("retry_at", sa.DateTime(timezone=True)), schema="gateway")
    op.execute(
        sa.text(
            "UPDATE gateway.webhook_attempts AS a SET attempt_number = n.number FROM ("
            " SELECT attempt_id, row_number() OVER (PARTITION BY subscription_id, event_id ORDER BY attempt_id)"
            " AS number FROM gateway.webhook_attempts) AS n WHERE n.attempt_id = a.attempt_id"
        )
    )
    # A default: a worker still on the code before this revision (a rolling deploy) records its attempts.
    op.alter_column("webhook_attempts", "attempt_number", nullable=False, server_default=sa.text("1"), schema="gateway")


def downgrade() -> None:
    op.drop_column("webhook_attempts", "retry_at", schema="gateway")
    op.drop_column("webhook_attempts", "attempt_number", schema="gateway")
