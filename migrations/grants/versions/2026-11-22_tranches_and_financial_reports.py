"""Tranches of the decided amounts (planned, paid, failed, reissued) and financial reports (CERFA 15059);
the new tables announce their changes like every other.

Revision ID: gran0010
Revises: gran0009
Create Date: 2026-11-22 18:53:37.855314
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kit.change_feed import announce_changes_sql

revision: str = "gran0010"
down_revision: str | None = "gran0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "financial_reports",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.Text(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_financial_reports_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_financial_reports")),
        schema="grants",
    )
    op.create_table(
        "tranches",
        sa.Column("tranche_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("planned_cents", sa.BigInteger(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("chorus_commitment", sa.Text(), nullable=True),
        sa.Column("chorus_payment", sa.Text(), nullable=True),
        sa.Column("overridden_gates", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_by", sa.Text(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("replaces_tranche_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_tranches_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["grants.institutions.institution_id"],
            name=op.f("fk_tranches_institution_id_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["replaces_tranche_id"],
            ["grants.tranches.tranche_id"],
            name=op.f("fk_tranches_replaces_tranche_id_tranches"),
        ),
        sa.PrimaryKeyConstraint("tranche_id", name=op.f("pk_tranches")),
        schema="grants",
    )
    op.create_index(op.f("ix_tranches_application_id"), "tranches", ["application_id"], unique=False, schema="grants")
    for statement in announce_changes_sql("grants"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index(op.f("ix_tranches_application_id"), table_name="tranches", schema="grants")
    op.drop_table("tranches", schema="grants")
    op.drop_table("financial_reports", schema="grants")
