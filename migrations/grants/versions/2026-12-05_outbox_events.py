"""Events: the outbox each write appends to in its own transaction (kit/outbox.py), read back as the feed
in (transaction id, position) order.

Revision ID: gran0017
Revises: gran0016
Create Date: 2026-12-20 10:00:00
"""

from collections.abc import Sequence

from alembic import op

from kit.outbox import create_outbox_sql, drop_outbox_sql

revision: str = "gran0017"
down_revision: str | None = "gran0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "grants"


def upgrade() -> None:
    for statement in create_outbox_sql(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_outbox_sql(SCHEMA):
        op.execute(statement)
