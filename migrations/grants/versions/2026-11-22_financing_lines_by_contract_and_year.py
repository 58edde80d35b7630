"""Financing lines carry their application's contract and year, and each application the sums of its lines:
the programmation's totals read a contract's year from two index ranges. The index on state alone goes.

Revision ID: gran0007
Revises: gran0006
Create Date: 2026-11-22 17:11:43.453958
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gran0007"
down_revision: str | None = "gran0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# After every statement that changes financing lines (whatever wrote them: a use case, an import, a
# COPY), the applications concerned get their lines' sums again; proposed and decided count 0 while unset.
SUM_LINES = """
CREATE FUNCTION grants.sum_financing_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE grants.applications AS application
    SET lines_requested_cents = sums.requested,
        lines_proposed_cents = sums.proposed,
        lines_decided_cents = sums.decided
    FROM (
        SELECT changed.application_id,
               coalesce(sum(line.requested_cents), 0) AS requested,
               coalesce(sum(line.proposed_cents), 0) AS proposed,
               coalesce(sum(line.decided_cents), 0) AS decided
        FROM (SELECT DISTINCT application_id FROM changed_lines) AS changed
        LEFT JOIN grants.financing_lines AS line ON line.application_id = changed.application_id
        GROUP BY changed.application_id
    ) AS sums
    WHERE application.application_id = sums.application_id
      AND (application.lines_requested_cents, application.lines_proposed_cents, application.lines_decided_cents)
          IS DISTINCT FROM (sums.requested, sums.proposed, sums.decided);
    RETURN NULL;
END
$$
"""
TRIGGERS = {"inserted": ("INSERT", "NEW"), "updated": ("UPDATE", "NEW"), "deleted": ("DELETE", "OLD")}


def upgrade() -> None:
    op.drop_index("ix_applications_state", table_name="applications", schema="grants")
    op.add_column("financing_lines", sa.Column("contract_code", sa.Text(), nullable=True), schema="grants")
    op.add_column("financing_lines", sa.Column("year", sa.Integer(), nullable=True), schema="grants")
    op.execute(
        "UPDATE grants.financing_lines AS line SET contract_code = application.contract_code,"
        " year = application.year FROM grants.applications AS application"
        " WHERE application.application_id = line.application_id"
    )
    op.alter_column("financing_lines", "contract_code", nullable=False, schema="grants")
    op.alter_column("financing_lines", "year", nullable=False, schema="grants")
    op.create_index(
        "ix_financing_lines_contract_year",
        "financing_lines",
        ["contract_code", "year", "application_id"],
        unique=False,
        schema="grants",
        postgresql_include=["institution_id", "requested_cents", "proposed_cents", "decided_cents"],
    )
    for column in ("lines_requested_cents", "lines_proposed_cents", "lines_decided_cents"):
        op.add_column(
            "applications",
            sa.Column(column, sa.BigInteger(), server_default=sa.text("0"), nullable=False),
            schema="grants",
        )
    op.execute(
        "UPDATE grants.applications AS application SET lines_requested_cents = sums.requested,"
        " lines_proposed_cents = sums.proposed, lines_decided_cents = sums.decided"
        " FROM (SELECT application_id, sum(requested_cents) AS requested,"
        " coalesce(sum(proposed_cents), 0) AS proposed, coalesce(sum(decided_cents), 0) AS decided"
        " FROM grants.financing_lines GROUP BY application_id) AS sums"
        " WHERE application.application_id = sums.application_id"
    )
    op.execute(SUM_LINES)
    for name, (event, table) in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER financing_lines_{name} AFTER {event} ON grants.financing_lines"
            f" REFERENCING {table} TABLE AS changed_lines FOR EACH STATEMENT"
            " EXECUTE FUNCTION grants.sum_financing_lines()"
        )
    op.create_index(
        "ix_applications_contract_year_totals",
        "applications",
        ["contract_code", "year", "application_id"],
        unique=False,
        schema="grants",
        postgresql_include=[
            "state",
            "operator_id",
            "primary_objective_id",
            "hors_qpv",
            "qpv_codes",
            "beneficiaries",
            "lines_requested_cents",
            "lines_proposed_cents",
            "lines_decided_cents",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_applications_contract_year_totals", table_name="applications", schema="grants")
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER financing_lines_{name} ON grants.financing_lines")
    op.execute("DROP FUNCTION grants.sum_financing_lines()")
    for column in ("lines_decided_cents", "lines_proposed_cents", "lines_requested_cents"):
        op.drop_column("applications", column, schema="grants")
    op.drop_index("ix_financing_lines_contract_year", table_name="financing_lines", schema="grants")
    op.drop_column("financing_lines", "year", schema="grants")
    op.drop_column("financing_lines", "contract_code", schema="grants")
    op.create_index("ix_applications_state", "applications", ["state"], unique=False, schema="grants")
