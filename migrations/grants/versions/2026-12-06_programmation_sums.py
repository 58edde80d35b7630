"""The programmation's totals of a contract's year kept as they change: every statement that changes
applications or financing lines adds, in its own transaction, what it changed in the sums (its rows after
minus its rows before, from the statement's transition tables), so a year's totals read a few hundred
rows instead of aggregating its 20,000 applications and 100,000 lines again after each submission.

Each financing line carries whether its application is live (`application_live`): a line counts in its
financer's totals by its own row, so every change of a line or of its application's state is counted
once, by the statement that made it, whatever wrote it (a use case, an import, a COPY).

Revision ID: gran0028
Revises: gran0027
Create Date: 2026-12-06 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gran0028"
down_revision: str | None = "gran0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The states of an application in the programmation (services/grants/programmation/repository/scenarios.py
# LIVE_STATES as of this revision; tests/grants/use_cases/test_kept_totals.py compares both ways).
LIVE = "ARRAY['correction_requested','decided','notified','proposed','receivable','submitted','under_instruction']"

# What rows of applications add to the sums (`sign` 1 for rows after, -1 for rows before): per objective,
# operator, served QPV (hors-QPV, none) and in all, each with its count, its lines' sums and whether funded.
APPLICATION_SUMS = f"""
SELECT r.contract_code, r.year, d.dimension, d.key, sum(r.sign) AS applications,
       sum(r.sign * r.lines_requested_cents) AS requested_cents,
       sum(r.sign * r.lines_proposed_cents) AS proposed_cents,
       sum(r.sign * r.lines_decided_cents) AS decided_cents,
       sum(r.sign * (r.lines_decided_cents > 0)::int) AS funded,
       sum(CASE WHEN d.dimension = 'counts'
                THEN r.sign * coalesce(CAST(r.beneficiaries ->> 'total' AS INTEGER), 0) ELSE 0 END) AS beneficiaries
FROM ({{rows}}) AS r
CROSS JOIN LATERAL (
    SELECT 'objective', coalesce(r.primary_objective_id::text, '')
    UNION ALL SELECT 'operator', r.operator_id::text
    UNION ALL SELECT 'counts', ''
    UNION ALL SELECT 'qpv', unnest(CASE WHEN r.hors_qpv THEN ARRAY['hors-QPV']
                                        WHEN cardinality(r.qpv_codes) = 0 THEN ARRAY['none']
                                        ELSE r.qpv_codes END)
) AS d(dimension, key)
WHERE r.state = ANY({LIVE})
GROUP BY r.contract_code, r.year, d.dimension, d.key
"""  # noqa: S608 - constants
# What financing lines add: per financer, lines of live applications only.
LINE_SUMS = """
SELECT r.contract_code, r.year, 'financer', r.institution_id::text, sum(r.sign),
       sum(r.sign * r.requested_cents), sum(r.sign * coalesce(r.proposed_cents, 0)),
       sum(r.sign * coalesce(r.decided_cents, 0)), sum(r.sign * (coalesce(r.decided_cents, 0) > 0)::int), 0
FROM ({rows}) AS r
WHERE r.application_live
GROUP BY r.contract_code, r.year, r.institution_id
"""
NONZERO = (
    " HAVING (sum(applications), sum(requested_cents), sum(proposed_cents), sum(decided_cents), sum(funded),"
    " sum(beneficiaries)) <> (0, 0, 0, 0, 0, 0)"
)
SUMS_INSERT = (
    "INSERT INTO grants.programmation_sums (contract_code, year, dimension, key, applications,"  # noqa: S608 - constants
    " requested_cents, proposed_cents, decided_cents, funded, beneficiaries)"
    " SELECT contract_code, year, dimension, key, sum(applications), sum(requested_cents), sum(proposed_cents),"
    " sum(decided_cents), sum(funded), sum(beneficiaries)"
    " FROM ({sums}) AS changed (contract_code, year, dimension, key, applications, requested_cents,"
    " proposed_cents, decided_cents, funded, beneficiaries)"
    " GROUP BY contract_code, year, dimension, key" + NONZERO
)
# New lines whose flag is not their application's liveness.
_MISMARKED = (
    "FROM new_rows AS added JOIN grants.applications AS application"
    " ON application.application_id = added.application_id"
    f" WHERE added.application_live <> (application.state = ANY({LIVE}))"
)
ROWS = {
    "INSERT": "SELECT 1 AS sign, * FROM new_rows",
    "UPDATE": "SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows",
    "DELETE": "SELECT -1 AS sign, * FROM old_rows",
}
TABLES = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def _application_function(event: str) -> str:
    # A line counts while its application is live: a change of state flips its lines, whose own trigger
    # then counts them in or out. The applications whose liveness changed are found by grouping (transition
    # tables have no index: joining them would compare every row with every other).
    flipped = f"""(
        SELECT application_id, bool_or(live AND after) AS live
        FROM (SELECT application_id, state = ANY({LIVE}) AS live, true AS after FROM new_rows
              UNION ALL SELECT application_id, state = ANY({LIVE}), false FROM old_rows) AS states
        GROUP BY application_id HAVING bool_or(live) AND NOT bool_and(live)
    ) AS flipped"""  # noqa: S608 - constants
    # Statement triggers fire for no row too: the update is sent only when a state changed, or each
    # trigger would start the other again.
    flip = (
        f"""
    IF EXISTS (SELECT 1 FROM {flipped}) THEN
        EXECUTE $flip$
        UPDATE grants.financing_lines AS line SET application_live = flipped.live
        FROM {flipped}
        WHERE line.application_id = flipped.application_id AND line.application_live <> flipped.live
        $flip$;
    END IF;"""  # noqa: S608 - constants
        if event == "UPDATE"
        else ""
    )
    return f"""
CREATE FUNCTION grants.programmation_sums_of_applications_{event.lower()}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {SUMS_INSERT.format(sums=APPLICATION_SUMS.format(rows=ROWS[event]))};{flip}
    RETURN NULL;
END
$$
"""


def _line_function(event: str) -> str:
    # Every line counts by its own flag (so a writer that sets it is counted as it wrote it); new lines then
    # get their application's liveness, the update's own trigger counting the difference. Their applications
    # are locked first (FOR SHARE): a change of state running beside waits, and then sees these lines.
    correct = (
        f"""
    PERFORM 1 FROM grants.applications
    WHERE application_id IN (SELECT application_id FROM new_rows) ORDER BY application_id FOR SHARE;
    IF EXISTS (SELECT 1 {_MISMARKED}) THEN
        EXECUTE $mark$
        UPDATE grants.financing_lines AS line SET application_live = application.state = ANY({LIVE})
        {_MISMARKED}
          AND line.application_id = added.application_id AND line.institution_id = added.institution_id
        $mark$;
    END IF;"""  # noqa: S608 - constants
        if event == "INSERT"
        else ""
    )
    counted = SUMS_INSERT.format(sums=LINE_SUMS.format(rows=ROWS[event])) + ";"
    return f"""
CREATE FUNCTION grants.programmation_sums_of_lines_{event.lower()}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {counted}{correct}
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    # No write between the sums' backfill and their triggers (readers go on).
    op.execute("LOCK TABLE grants.applications, grants.financing_lines IN SHARE ROW EXCLUSIVE MODE")
    op.create_table(
        "programmation_sums",
        sa.Column("sum_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("applications", sa.BigInteger(), nullable=False),
        sa.Column("requested_cents", sa.BigInteger(), nullable=False),
        sa.Column("proposed_cents", sa.BigInteger(), nullable=False),
        sa.Column("decided_cents", sa.BigInteger(), nullable=False),
        sa.Column("funded", sa.BigInteger(), nullable=False),
        sa.Column("beneficiaries", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sum_id", name=op.f("pk_programmation_sums")),
        schema="grants",
    )
    op.create_index(
        "ix_programmation_sums_contract_year",
        "programmation_sums",
        ["contract_code", "year"],
        unique=False,
        schema="grants",
    )
    op.add_column(
        "financing_lines",
        sa.Column("application_live", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        schema="grants",
    )
    op.execute(
        "UPDATE grants.financing_lines AS line SET application_live = true"  # noqa: S608 - constants
        " FROM grants.applications AS application"
        f" WHERE application.application_id = line.application_id AND application.state = ANY({LIVE})"
    )
    op.execute(SUMS_INSERT.format(sums=APPLICATION_SUMS.format(rows="SELECT 1 AS sign, * FROM grants.applications")))
    op.execute(SUMS_INSERT.format(sums=LINE_SUMS.format(rows="SELECT 1 AS sign, * FROM grants.financing_lines")))
    for event in ROWS:
        op.execute(_application_function(event))
        op.execute(_line_function(event))
        name = event.lower()
        op.execute(
            f"CREATE TRIGGER programmation_sums_{name} AFTER {event} ON grants.applications"
            f" REFERENCING {TABLES[event]} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION grants.programmation_sums_of_applications_{name}()"
        )
        op.execute(
            f"CREATE TRIGGER programmation_sums_{name} AFTER {event} ON grants.financing_lines"
            f" REFERENCING {TABLES[event]} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION grants.programmation_sums_of_lines_{name}()"
        )
    # TRUNCATE has no transition table: the sums go with the rows they count.
    op.execute(
        "CREATE FUNCTION grants.programmation_sums_truncated() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN TRUNCATE grants.programmation_sums; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE FUNCTION grants.programmation_sums_lines_truncated() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN DELETE FROM grants.programmation_sums WHERE dimension = 'financer'; RETURN NULL; END $$"
    )
    for table, function in (("applications", "truncated"), ("financing_lines", "lines_truncated")):
        op.execute(
            f"CREATE TRIGGER programmation_sums_truncated AFTER TRUNCATE ON grants.{table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION grants.programmation_sums_{function}()"
        )


def downgrade() -> None:
    for table, function in (("applications", "truncated"), ("financing_lines", "lines_truncated")):
        op.execute(f"DROP TRIGGER programmation_sums_truncated ON grants.{table}")
        op.execute(f"DROP FUNCTION grants.programmation_sums_{function}()")
    for event in ROWS:
        name = event.lower()
        op.execute(f"DROP TRIGGER programmation_sums_{name} ON grants.financing_lines")
        op.execute(f"DROP TRIGGER programmation_sums_{name} ON grants.applications")
        op.execute(f"DROP FUNCTION grants.programmation_sums_of_lines_{name}()")
        op.execute(f"DROP FUNCTION grants.programmation_sums_of_applications_{name}()")
    op.drop_column("financing_lines", "application_live", schema="grants")
    op.drop_index("ix_programmation_sums_contract_year", table_name="programmation_sums", schema="grants")
    op.drop_table("programmation_sums", schema="grants")
