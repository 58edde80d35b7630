"""Conventions (annual or multi-year), their yearly amounts per financer, the application of each year, and
their history; the new tables announce their changes like every other.

Revision ID: gran0009
Revises: gran0008
Create Date: 2026-11-22 18:46:59.531422
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kit.change_feed import announce_changes_sql

revision: str = "gran0009"
down_revision: str | None = "gran0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conventions",
        sa.Column("convention_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["grants.operators.operator_id"], name=op.f("fk_conventions_operator_id_operators")
        ),
        sa.PrimaryKeyConstraint("convention_id", name=op.f("pk_conventions")),
        sa.UniqueConstraint("contract_code", "reference", name=op.f("uq_conventions_contract_code_reference")),
        schema="grants",
    )
    op.create_index(
        op.f("ix_conventions_contract_code"), "conventions", ["contract_code"], unique=False, schema="grants"
    )
    op.create_index(op.f("ix_conventions_operator_id"), "conventions", ["operator_id"], unique=False, schema="grants")
    op.create_table(
        "convention_amounts",
        sa.Column("convention_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["convention_id"],
            ["grants.conventions.convention_id"],
            name=op.f("fk_convention_amounts_convention_id_conventions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["grants.institutions.institution_id"],
            name=op.f("fk_convention_amounts_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("convention_id", "year", "institution_id", name=op.f("pk_convention_amounts")),
        schema="grants",
    )
    op.create_table(
        "convention_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("convention_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("actor_institution", sa.Text(), nullable=True),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=False),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["convention_id"],
            ["grants.conventions.convention_id"],
            name=op.f("fk_convention_events_convention_id_conventions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_convention_events")),
        schema="grants",
    )
    op.create_index(
        op.f("ix_convention_events_convention_id"),
        "convention_events",
        ["convention_id"],
        unique=False,
        schema="grants",
    )
    op.create_table(
        "convention_applications",
        sa.Column("convention_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_convention_applications_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["convention_id"],
            ["grants.conventions.convention_id"],
            name=op.f("fk_convention_applications_convention_id_conventions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("convention_id", "year", name=op.f("pk_convention_applications")),
        sa.UniqueConstraint("application_id", name=op.f("uq_convention_applications_application_id")),
        schema="grants",
    )
    for statement in announce_changes_sql("grants"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("convention_applications", schema="grants")
    op.drop_index(op.f("ix_convention_events_convention_id"), table_name="convention_events", schema="grants")
    op.drop_table("convention_events", schema="grants")
    op.drop_table("convention_amounts", schema="grants")
    op.drop_index(op.f("ix_conventions_operator_id"), table_name="conventions", schema="grants")
    op.drop_index(op.f("ix_conventions_contract_code"), table_name="conventions", schema="grants")
    op.drop_table("conventions", schema="grants")
