"""mandate_details

Revision ID: part0007
Revises: part0006
Create Date: 2026-11-22 15:24:47.510578
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "part0007"
down_revision: str | None = "part0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "body_rules",
        sa.Column("college_seats", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        schema="participation",
    )
    op.add_column(
        "body_rules",
        sa.Column("representation_seats", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        schema="participation",
    )
    op.add_column("mandates", sa.Column("end_reason", sa.Text(), nullable=True), schema="participation")
    op.add_column("mandates", sa.Column("represented_organisation", sa.Text(), nullable=True), schema="participation")
    op.add_column("mandates", sa.Column("represented_body_id", sa.Uuid(), nullable=True), schema="participation")
    op.add_column("mandates", sa.Column("substitute_for", sa.Uuid(), nullable=True), schema="participation")
    op.add_column("mandates", sa.Column("replaces", sa.Uuid(), nullable=True), schema="participation")
    op.add_column("mandates", sa.Column("draw_id", sa.Uuid(), nullable=True), schema="participation")
    op.add_column("mandates", sa.Column("drawn_reference", sa.Text(), nullable=True), schema="participation")
    op.create_foreign_key(
        op.f("fk_mandates_represented_body_id_bodies"),
        "mandates",
        "bodies",
        ["represented_body_id"],
        ["body_id"],
        source_schema="participation",
        referent_schema="participation",
    )
    op.create_foreign_key(
        op.f("fk_mandates_draw_id_draws"),
        "mandates",
        "draws",
        ["draw_id"],
        ["draw_id"],
        source_schema="participation",
        referent_schema="participation",
    )
    op.create_foreign_key(
        op.f("fk_mandates_replaces_mandates"),
        "mandates",
        "mandates",
        ["replaces"],
        ["mandate_id"],
        source_schema="participation",
        referent_schema="participation",
    )
    op.create_foreign_key(
        op.f("fk_mandates_substitute_for_mandates"),
        "mandates",
        "mandates",
        ["substitute_for"],
        ["mandate_id"],
        source_schema="participation",
        referent_schema="participation",
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_mandates_substitute_for_mandates"), "mandates", schema="participation", type_="foreignkey"
    )
    op.drop_constraint(op.f("fk_mandates_replaces_mandates"), "mandates", schema="participation", type_="foreignkey")
    op.drop_constraint(op.f("fk_mandates_draw_id_draws"), "mandates", schema="participation", type_="foreignkey")
    op.drop_constraint(
        op.f("fk_mandates_represented_body_id_bodies"), "mandates", schema="participation", type_="foreignkey"
    )
    op.drop_column("mandates", "drawn_reference", schema="participation")
    op.drop_column("mandates", "draw_id", schema="participation")
    op.drop_column("mandates", "replaces", schema="participation")
    op.drop_column("mandates", "substitute_for", schema="participation")
    op.drop_column("mandates", "represented_body_id", schema="participation")
    op.drop_column("mandates", "represented_organisation", schema="participation")
    op.drop_column("mandates", "end_reason", schema="participation")
    op.drop_column("body_rules", "representation_seats", schema="participation")
    op.drop_column("body_rules", "college_seats", schema="participation")
    # ### end Alembic commands ###
