"""Rate limit counters shared by every gateway worker (the `limits` sliding window counter's storage).

Revision ID: gate0002
Revises: gate0001
Create Date: 2026-12-05 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gate0002"
down_revision: str | None = "gate0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counters")),
        schema="gateway",
    )


def downgrade() -> None:
    op.drop_table("rate_limit_counters", schema="gateway")
