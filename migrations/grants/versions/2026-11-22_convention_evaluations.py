"""The final evaluation of a convention, which closes it.

Revision ID: gran0014
Revises: gran0013
Create Date: 2026-11-22 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit.change_feed import announce_changes_sql

revision: str = "gran0014"
down_revision: str | None = "gran0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "convention_evaluations",
        sa.Column("convention_id", sa.Uuid(), nullable=False),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("evaluated_by", sa.Text(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["convention_id"],
            ["grants.conventions.convention_id"],
            name=op.f("fk_convention_evaluations_convention_id_conventions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("convention_id", name=op.f("pk_convention_evaluations")),
        schema="grants",
    )
    for statement in announce_changes_sql("grants"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("convention_evaluations", schema="grants")
