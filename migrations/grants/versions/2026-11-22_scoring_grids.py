"""Scoring grids (versioned per call, owned by an institution) and private marks.

Revision ID: gran0006
Revises: gran0005
Create Date: 2026-11-22 13:36:51.325901
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "gran0006"
down_revision: str | None = "gran0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scoring_grids",
        sa.Column("grid_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("owner_institution", sa.Text(), nullable=False),
        sa.Column("criteria", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["grants.calls_for_projects.call_id"], name=op.f("fk_scoring_grids_call_id_calls_for_projects")
        ),
        sa.PrimaryKeyConstraint("grid_id", name=op.f("pk_scoring_grids")),
        sa.UniqueConstraint("call_id", "code", "version", name=op.f("uq_scoring_grids_call_id_code_version")),
        schema="grants",
    )
    op.create_index(op.f("ix_scoring_grids_call_id"), "scoring_grids", ["call_id"], unique=False, schema="grants")
    op.create_table(
        "scores",
        sa.Column("score_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("grid_id", sa.Uuid(), nullable=False),
        sa.Column("criterion", sa.Text(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("institution_code", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_scores_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grants.scoring_grids.grid_id"], name=op.f("fk_scores_grid_id_scoring_grids")
        ),
        sa.PrimaryKeyConstraint("score_id", name=op.f("pk_scores")),
        sa.UniqueConstraint(
            "application_id",
            "grid_id",
            "criterion",
            "institution_code",
            name=op.f("uq_scores_application_id_grid_id_criterion_institution_code"),
        ),
        schema="grants",
    )
    op.create_index(op.f("ix_scores_application_id"), "scores", ["application_id"], unique=False, schema="grants")


def downgrade() -> None:
    op.drop_index(op.f("ix_scores_application_id"), table_name="scores", schema="grants")
    op.drop_table("scores", schema="grants")
    op.drop_index(op.f("ix_scoring_grids_call_id"), table_name="scoring_grids", schema="grants")
    op.drop_table("scoring_grids", schema="grants")
