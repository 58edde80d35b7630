"""Each application carries the sums of its CERFA budget (charges, own funds, in-kind resources), kept by
the database as its financing lines' sums are: a call's programmation export reads them with the
applications instead of adding up some 900,000 budget lines.

Revision ID: gran0013
Revises: gran0012
Create Date: 2026-11-22 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gran0013"
down_revision: str | None = "gran0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The CERFA 12156 accounts of the domain (services/grants/applications/domain/budget.py), frozen here as the
# migration's own: charges are classes 60–68 and indirect costs; own funds; in-kind resources (87). An
# application without lines gets zeros.
SUMS_OF = """
CREATE FUNCTION grants.budget_sums_of(wanted uuid[])
RETURNS TABLE (application_id uuid, charges bigint, own_funds bigint, in_kind bigint)
LANGUAGE sql STABLE AS $$
    SELECT wanted_one.application_id,
           coalesce(sum(line.amount_cents) FILTER (WHERE line.account IN
               ('60', '61', '62', '63', '64', '65', '66', '67', '68', 'indirect')), 0)::bigint,
           coalesce(sum(line.amount_cents) FILTER (WHERE line.account = 'own_funds'), 0)::bigint,
           coalesce(sum(line.amount_cents) FILTER (WHERE line.account = '87'), 0)::bigint
    FROM unnest(wanted) AS wanted_one(application_id)
    LEFT JOIN grants.budget_lines AS line ON line.application_id = wanted_one.application_id
    GROUP BY wanted_one.application_id
$$
"""
# After every statement that changes budget lines (whatever wrote them), the applications concerned get
# their sums again.
SUM_BUDGET = """
CREATE FUNCTION grants.sum_budget_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE grants.applications AS application
    SET budget_charges_cents = sums.charges,
        budget_own_funds_cents = sums.own_funds,
        budget_in_kind_cents = sums.in_kind
    FROM grants.budget_sums_of(ARRAY(SELECT DISTINCT application_id FROM changed_lines)) AS sums
    WHERE application.application_id = sums.application_id
      AND (application.budget_charges_cents, application.budget_own_funds_cents, application.budget_in_kind_cents)
          IS DISTINCT FROM (sums.charges, sums.own_funds, sums.in_kind);
    RETURN NULL;
END
$$
"""
TRIGGERS = {"inserted": ("INSERT", "NEW"), "updated": ("UPDATE", "NEW"), "deleted": ("DELETE", "OLD")}
COLUMNS = ("budget_charges_cents", "budget_own_funds_cents", "budget_in_kind_cents")


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column(
            "applications",
            sa.Column(column, sa.BigInteger(), server_default=sa.text("0"), nullable=False),
            schema="grants",
        )
    op.execute(SUMS_OF)
    op.execute(
        "UPDATE grants.applications AS application SET budget_charges_cents = sums.charges,"
        " budget_own_funds_cents = sums.own_funds, budget_in_kind_cents = sums.in_kind"
        " FROM grants.budget_sums_of(ARRAY(SELECT DISTINCT application_id FROM grants.budget_lines)) AS sums"
        " WHERE application.application_id = sums.application_id"
    )
    op.execute(SUM_BUDGET)
    for name, (event, table) in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER budget_lines_{name} AFTER {event} ON grants.budget_lines"
            f" REFERENCING {table} TABLE AS changed_lines FOR EACH STATEMENT"
            " EXECUTE FUNCTION grants.sum_budget_lines()"
        )


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER budget_lines_{name} ON grants.budget_lines")
    op.execute("DROP FUNCTION grants.sum_budget_lines()")
    op.execute("DROP FUNCTION grants.budget_sums_of(uuid[])")
    for column in reversed(COLUMNS):
        op.drop_column("applications", column, schema="grants")
