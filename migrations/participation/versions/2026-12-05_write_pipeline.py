"""The write pipeline: an idempotent request's first response is stored whole (status, headers, body
bytes), so any response can be replayed, not only JSON.

Revision ID: part0011
Revises: part0010
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit.idempotency import store_json_responses_sql, store_whole_responses_sql

revision: str = "part0011"
down_revision: str | None = "part0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "participation"


def upgrade() -> None:
    for statement in store_whole_responses_sql(SCHEMA):
        op.execute(statement)
    # Attendance, decisions and minutes change a meeting: its version gives the ETag that guards them.
    op.add_column("meetings", sa.Column("version", sa.Integer(), server_default="1", nullable=False), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("meetings", "version", schema=SCHEMA)
    for statement in store_json_responses_sql(SCHEMA):
        op.execute(statement)
