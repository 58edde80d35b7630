"""An application's history in the order it was recorded: events of one instant (a unit of work records the
application's move with the line decided before it, and a service clock may give two requests the same
instant) were ordered by whatever order PostgreSQL's sort left them in. `recorded_order` numbers the events as
they are inserted; the history reads (at, recorded_order).

Existing rows are numbered in the order the table's rewrite reads them: the order they were inserted in as
far as PostgreSQL keeps it (the table is only appended to, an application's events going with it), which
nothing guarantees; a best effort for the events recorded before. The column is added by rewriting the
table under an exclusive lock: seconds for a national history, to run in a quiet window.

Revision ID: gran0032
Revises: gran0031
Create Date: 2026-12-07 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gran0032"
down_revision: str | None = "gran0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "grants"


def upgrade() -> None:
    op.add_column(
        "application_events",
        sa.Column("recorded_order", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("application_events", "recorded_order", schema=SCHEMA)
