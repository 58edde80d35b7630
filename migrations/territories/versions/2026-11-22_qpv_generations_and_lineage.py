"""qpv generations and lineage

Revision ID: terr0002
Revises: terr0001
Create Date: 2026-11-22 11:25:56.069204
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "terr0002"
down_revision: str | None = "terr0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qpv_generations",
        sa.Column("generation", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("legal_act", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("generation", name=op.f("pk_qpv_generations")),
        schema="territories",
    )
    op.create_table(
        "qpv_lineage",
        sa.Column("predecessor_id", sa.Uuid(), nullable=False),
        sa.Column("successor_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("is_inferred", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["predecessor_id"], ["territories.qpvs.qpv_id"], name=op.f("fk_qpv_lineage_predecessor_id_qpvs")
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"], ["territories.qpvs.qpv_id"], name=op.f("fk_qpv_lineage_successor_id_qpvs")
        ),
        sa.PrimaryKeyConstraint("predecessor_id", "successor_id", name=op.f("pk_qpv_lineage")),
        schema="territories",
    )
    op.alter_column("qpvs", "code", existing_type=sa.TEXT(), nullable=True, schema="territories")


def downgrade() -> None:
    op.drop_table("qpv_lineage", schema="territories")
    op.drop_table("qpv_generations", schema="territories")
    # The previous schema cannot hold records without a code (the 2015 CUA QPV).
    op.execute("DELETE FROM territories.qpvs WHERE code IS NULL")
    op.alter_column("qpvs", "code", existing_type=sa.TEXT(), nullable=False, schema="territories")
