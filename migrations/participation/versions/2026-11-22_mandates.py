"""Versioned body rules, people (identity kept apart) and mandates.

Revision ID: part0003
Revises: part0002
Create Date: 2026-11-22 14:11:17.893302
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "part0003"
down_revision: str | None = "part0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("gender", sa.Text(), nullable=False),
        sa.Column("age_band", sa.Text(), nullable=False),
        sa.Column("member_kind", sa.Text(), nullable=False),
        sa.Column("resident_in_qpv", sa.Boolean(), nullable=False),
        sa.Column("fictitious", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_people")),
        schema="participation",
    )
    op.create_index(op.f("ix_people_contract_code"), "people", ["contract_code"], unique=False, schema="participation")
    op.create_table(
        "body_rules",
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("parity", sa.Boolean(), nullable=False),
        sa.Column("residents_min_share", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("size_max", sa.Integer(), nullable=True),
        sa.Column("mandate_years", sa.Integer(), nullable=True),
        sa.Column("forbidden_member_kinds", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["participation.bodies.body_id"], name=op.f("fk_body_rules_body_id_bodies")
        ),
        sa.PrimaryKeyConstraint("body_id", "version", name=op.f("pk_body_rules")),
        schema="participation",
    )
    op.create_table(
        "mandates",
        sa.Column("mandate_id", sa.Uuid(), nullable=False),
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("college", sa.Text(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["participation.bodies.body_id"], name=op.f("fk_mandates_body_id_bodies")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["participation.people.person_id"], name=op.f("fk_mandates_person_id_people")
        ),
        sa.PrimaryKeyConstraint("mandate_id", name=op.f("pk_mandates")),
        schema="participation",
    )
    op.create_index(op.f("ix_mandates_body_id"), "mandates", ["body_id"], unique=False, schema="participation")
    op.create_index(op.f("ix_mandates_person_id"), "mandates", ["person_id"], unique=False, schema="participation")
    op.create_table(
        "person_identities",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("family_name", sa.Text(), nullable=False),
        sa.Column("given_name", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["participation.people.person_id"],
            name=op.f("fk_person_identities_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_identities")),
        schema="participation",
    )


def downgrade() -> None:
    op.drop_table("person_identities", schema="participation")
    op.drop_index(op.f("ix_mandates_person_id"), table_name="mandates", schema="participation")
    op.drop_index(op.f("ix_mandates_body_id"), table_name="mandates", schema="participation")
    op.drop_table("mandates", schema="participation")
    op.drop_table("body_rules", schema="participation")
    op.drop_index(op.f("ix_people_contract_code"), table_name="people", schema="participation")
    op.drop_table("people", schema="participation")
