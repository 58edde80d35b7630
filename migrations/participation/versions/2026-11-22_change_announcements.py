"""Every table of the schema announces its committed changes on `participation_changed` (kit.change_feed):
the service's remembered answers are dropped whatever process or job wrote.

Revision ID: part0010
Revises: part0009
Create Date: 2026-11-22 18:50:00
"""

from collections.abc import Sequence

from alembic import op

from kit.change_feed import announce_changes_sql, forget_changes_sql

revision: str = "part0010"
down_revision: str | None = "part0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in announce_changes_sql("participation"):
        op.execute(statement)


def downgrade() -> None:
    op.execute(forget_changes_sql("participation"))
