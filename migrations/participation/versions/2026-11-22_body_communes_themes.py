"""body_communes_themes

Revision ID: part0009
Revises: part0008
Create Date: 2026-11-22 15:34:34.481355
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "part0009"
down_revision: str | None = "part0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "body_themes",
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("declared_level", sa.Text(), nullable=False),
        sa.Column("observed_level", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["body_id"], ["participation.bodies.body_id"], name=op.f("fk_body_themes_body_id_bodies")
        ),
        sa.PrimaryKeyConstraint("body_id", "theme", name=op.f("pk_body_themes")),
        schema="participation",
    )
    op.add_column(
        "bodies",
        sa.Column("commune_codes", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        schema="participation",
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_column("bodies", "commune_codes", schema="participation")
    op.drop_table("body_themes", schema="participation")
    # ### end Alembic commands ###
