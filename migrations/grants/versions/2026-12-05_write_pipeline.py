"""The write pipeline: an idempotent request's first response is stored whole (status, headers, body
bytes), so any response can be replayed, not only JSON.

Revision ID: gran0015
Revises: gran0014
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

from alembic import op

from kit.idempotency import store_json_responses_sql, store_whole_responses_sql

revision: str = "gran0015"
down_revision: str | None = "gran0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "grants"


def upgrade() -> None:
    for statement in store_whole_responses_sql(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    for statement in store_json_responses_sql(SCHEMA):
        op.execute(statement)
