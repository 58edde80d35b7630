"""Activity reports (qualitative, actual beneficiaries), convention indicators and their yearly values,
the decision files imported from the prefecture (raw lines kept per batch) with the contract's header
aliases; a financing line's decision date and Chorus commitment.

Revision ID: gran0011
Revises: gran0010
Create Date: 2026-11-22 19:41:25.136744
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kit.change_feed import announce_changes_sql

revision: str = "gran0011"
down_revision: str | None = "gran0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decision_header_aliases",
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("aliases", sa.ARRAY(sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("contract_code", "field", name=op.f("pk_decision_header_aliases")),
        schema="grants",
    )
    op.create_table(
        "decision_imports",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("imported_by", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("columns", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_decision_imports")),
        sa.UniqueConstraint("contract_code", "file_sha256", name=op.f("uq_decision_imports_contract_code_file_sha256")),
        schema="grants",
    )
    op.create_index(
        op.f("ix_decision_imports_contract_code"), "decision_imports", ["contract_code"], unique=False, schema="grants"
    )
    op.create_table(
        "indicators",
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("convention_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("baseline", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("targets", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["convention_id"],
            ["grants.conventions.convention_id"],
            name=op.f("fk_indicators_convention_id_conventions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("convention_id", "code", name=op.f("uq_indicators_convention_id_code")),
        schema="grants",
    )
    op.create_index(op.f("ix_indicators_convention_id"), "indicators", ["convention_id"], unique=False, schema="grants")
    op.create_table(
        "activity_reports",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("difficulties", sa.Text(), nullable=True),
        sa.Column("outlook", sa.Text(), nullable=True),
        sa.Column("beneficiaries", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("located", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.Text(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_activity_reports_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_activity_reports")),
        schema="grants",
    )
    op.create_table(
        "decision_import_lines",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("parsed", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("matched_by", sa.Text(), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("resolution_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_decision_import_lines_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["grants.decision_imports.batch_id"],
            name=op.f("fk_decision_import_lines_batch_id_decision_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "line", name=op.f("pk_decision_import_lines")),
        schema="grants",
    )
    op.create_table(
        "indicator_values",
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("declared_by", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["grants.indicators.indicator_id"],
            name=op.f("fk_indicator_values_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "year", name=op.f("pk_indicator_values")),
        schema="grants",
    )
    op.add_column("financing_lines", sa.Column("decided_on", sa.Date(), nullable=True), schema="grants")
    op.add_column("financing_lines", sa.Column("chorus_commitment", sa.Text(), nullable=True), schema="grants")
    for statement in announce_changes_sql("grants"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_column("financing_lines", "chorus_commitment", schema="grants")
    op.drop_column("financing_lines", "decided_on", schema="grants")
    op.drop_table("indicator_values", schema="grants")
    op.drop_table("decision_import_lines", schema="grants")
    op.drop_table("activity_reports", schema="grants")
    op.drop_index(op.f("ix_indicators_convention_id"), table_name="indicators", schema="grants")
    op.drop_table("indicators", schema="grants")
    op.drop_index(op.f("ix_decision_imports_contract_code"), table_name="decision_imports", schema="grants")
    op.drop_table("decision_imports", schema="grants")
    op.drop_table("decision_header_aliases", schema="grants")
