"""Events: the outbox each write appends to in its own transaction (kit/outbox.py), read back as the feed
in (transaction id, position) order.

Revision ID: part0012
Revises: part0011
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

from alembic import op

from kit.outbox import create_outbox_sql, drop_outbox_sql

revision: str = "part0012"
down_revision: str | None = "part0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "participation"


def upgrade() -> None:
    for statement in create_outbox_sql(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_outbox_sql(SCHEMA):
        op.execute(statement)
