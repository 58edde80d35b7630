"""Changes announced with their contract (the transaction's `cdq.change_scope`), and none by the ledger's
tables: a write in one contract leaves the other contracts' remembered answers standing, and an audited
read drops nothing (kit.change_feed).

Revision ID: terr0014
Revises: terr0013
Create Date: 2026-12-06 00:30:00
"""

from collections.abc import Sequence

from alembic import op

from kit.change_feed import announce_changes_sql, quiet_ledger_sql, unscoped_announcements_sql

revision: str = "terr0014"
down_revision: str | None = "terr0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in [*announce_changes_sql("territories"), *quiet_ledger_sql("territories")]:
        op.execute(statement)


def downgrade() -> None:
    for statement in unscoped_announcements_sql("territories"):
        op.execute(statement)
