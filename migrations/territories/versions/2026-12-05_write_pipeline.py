"""The write pipeline: an idempotent request's first response is stored whole (status, headers, body
bytes), so any response can be replayed, not only JSON.

Revision ID: terr0007
Revises: terr0006
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

from alembic import op

from kit.idempotency import store_json_responses_sql, store_whole_responses_sql

revision: str = "terr0007"
down_revision: str | None = "terr0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "territories"


def upgrade() -> None:
    for statement in store_whole_responses_sql(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    for statement in store_json_responses_sql(SCHEMA):
        op.execute(statement)
