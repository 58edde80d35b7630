"""The contract's signatories (named, or counted without a name) and their engagement sheets per year; the
contract's evaluation framework (indicators with baseline and target, values observed per year).

Revision ID: gran0019
Revises: gran0018
Create Date: 2026-12-06 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kit.change_feed import announce_changes_sql

revision: str = "gran0019"
down_revision: str | None = "gran0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "grants"


def upgrade() -> None:
    op.create_table(
        "signatories",
        sa.Column("signatory_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("source_lines", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=True),
        sa.Column("code_insee", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            [f"{SCHEMA}.institutions.institution_id"],
            name=op.f("fk_signatories_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("signatory_id", name=op.f("pk_signatories")),
        sa.UniqueConstraint("contract_code", "code", name=op.f("uq_signatories_contract_code_code")),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_signatories_contract_code"), "signatories", ["contract_code"], schema=SCHEMA)
    op.create_table(
        "engagement_sheets",
        sa.Column("sheet_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("signatory_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("is_fictitious", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signatory_id"],
            [f"{SCHEMA}.signatories.signatory_id"],
            name=op.f("fk_engagement_sheets_signatory_id_signatories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sheet_id", name=op.f("pk_engagement_sheets")),
        sa.UniqueConstraint("signatory_id", "year", name=op.f("uq_engagement_sheets_signatory_id_year")),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_engagement_sheets_contract_code"), "engagement_sheets", ["contract_code"], schema=SCHEMA)

    op.create_table(
        "contract_indicators",
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("evaluation_object", sa.Text(), nullable=False),
        sa.Column("baseline_value", sa.Numeric(18, 4), nullable=True),
        sa.Column("baseline_year", sa.Integer(), nullable=True),
        sa.Column("baseline_perimeter", sa.Text(), nullable=True),
        sa.Column("baseline_source", sa.Text(), nullable=True),
        sa.Column("baseline_is_fictitious", sa.Boolean(), nullable=False),
        sa.Column("target_value", sa.Numeric(18, 4), nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.Column("target_direction", sa.Text(), nullable=False),
        sa.Column("target_source", sa.Text(), nullable=True),
        sa.Column("target_is_fictitious", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("indicator_id", name=op.f("pk_contract_indicators")),
        sa.UniqueConstraint("contract_code", "code", name=op.f("uq_contract_indicators_contract_code_code")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_contract_indicators_contract_code"), "contract_indicators", ["contract_code"], schema=SCHEMA
    )
    op.create_table(
        "contract_indicator_values",
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(18, 4), nullable=False),
        sa.Column("perimeter", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("is_fictitious", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            [f"{SCHEMA}.contract_indicators.indicator_id"],
            name=op.f("fk_contract_indicator_values_indicator_id_contract_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "year", name=op.f("pk_contract_indicator_values")),
        schema=SCHEMA,
    )
    # Each new table announces its committed changes, as every table of the schema does (kit.change_feed).
    for statement in announce_changes_sql(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("contract_indicator_values", schema=SCHEMA)
    op.drop_index(op.f("ix_contract_indicators_contract_code"), table_name="contract_indicators", schema=SCHEMA)
    op.drop_table("contract_indicators", schema=SCHEMA)
    op.drop_index(op.f("ix_engagement_sheets_contract_code"), table_name="engagement_sheets", schema=SCHEMA)
    op.drop_table("engagement_sheets", schema=SCHEMA)
    op.drop_index(op.f("ix_signatories_contract_code"), table_name="signatories", schema=SCHEMA)
    op.drop_table("signatories", schema=SCHEMA)
