"""Draws by lot: published inputs and results, pseudonymous pool, identities kept apart.

Revision ID: part0002
Revises: part0001
Create Date: 2026-11-22 13:54:47.872614
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "part0002"
down_revision: str | None = "part0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "draws",
        sa.Column("draw_id", sa.Uuid(), nullable=False),
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("seats", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("pool_hash", sa.Text(), nullable=False),
        sa.Column("commitment", sa.Text(), nullable=False),
        sa.Column("seed", sa.Text(), nullable=True),
        sa.Column("titulars", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("reserves", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("result_hash", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("challenge_ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["participation.bodies.body_id"], name=op.f("fk_draws_body_id_bodies")),
        sa.PrimaryKeyConstraint("draw_id", name=op.f("pk_draws")),
        schema="participation",
    )
    op.create_index(op.f("ix_draws_body_id"), "draws", ["body_id"], unique=False, schema="participation")
    op.create_index(op.f("ix_draws_contract_code"), "draws", ["contract_code"], unique=False, schema="participation")
    op.create_table(
        "draw_candidates",
        sa.Column("draw_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("gender", sa.Text(), nullable=False),
        sa.Column("age_band", sa.Text(), nullable=False),
        sa.Column("in_qpv", sa.Boolean(), nullable=False),
        sa.Column("household", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["participation.draws.draw_id"],
            name=op.f("fk_draw_candidates_draw_id_draws"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("draw_id", "reference", name=op.f("pk_draw_candidates")),
        schema="participation",
    )
    op.create_table(
        "draw_identities",
        sa.Column("draw_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("family_name", sa.Text(), nullable=False),
        sa.Column("given_name", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["participation.draws.draw_id"],
            name=op.f("fk_draw_identities_draw_id_draws"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("draw_id", "reference", name=op.f("pk_draw_identities")),
        schema="participation",
    )


def downgrade() -> None:
    op.drop_table("draw_identities", schema="participation")
    op.drop_table("draw_candidates", schema="participation")
    op.drop_index(op.f("ix_draws_contract_code"), table_name="draws", schema="participation")
    op.drop_index(op.f("ix_draws_body_id"), table_name="draws", schema="participation")
    op.drop_table("draws", schema="participation")
