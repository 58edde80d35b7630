"""The financial reports announced overdue (`report.overdue`), each once: the daily job announces the others.

Revision ID: gran0027
Revises: gran0026
Create Date: 2026-12-06 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit.change_feed import announce_changes_sql

revision: str = "gran0027"
down_revision: str | None = "gran0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "grants"


def upgrade() -> None:
    op.create_table(
        "overdue_report_announcements",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            [f"{SCHEMA}.applications.application_id"],
            name=op.f("fk_overdue_report_announcements_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_overdue_report_announcements")),
        schema=SCHEMA,
    )
    for statement in announce_changes_sql(SCHEMA):  # the new table announces its changes, as every table does
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("overdue_report_announcements", schema=SCHEMA)
