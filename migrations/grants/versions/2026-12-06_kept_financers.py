"""Each application's financers as the programmation page shows them, kept as they change: the JSON array of
its financing lines (financer's code, requested, proposed and decided amounts in euros, in the order of the
codes) written by the statements that change its lines, so a page of 50 rows reads 50 kept arrays instead
of building the JSON of its 250 lines again (1.0 of the page's 1.7 ms in PostgreSQL).

Whatever writes the lines (a use case, an import, a COPY, the nightly rebuild) keeps them: statement
triggers with transition tables recompute the arrays of the applications whose lines were added, deleted or
had an amount changed (a change of `application_live` alone changes no array); a financer's code changed
recomputes those of its lines' applications. An application without a row here has no line: its array is [].

Revision ID: gran0029
Revises: gran0028
Create Date: 2026-12-06 11:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gran0029"
down_revision: str | None = "gran0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _euros(column: str) -> str:
    """Cents as the API writes euros ("1500.50"), as services/grants/programmation/repository/statements.py
    `_euros` compiles it; NULL stays null."""
    return f"CAST(CAST(CAST(line.{column} AS NUMERIC(18, 2)) / CAST(100 AS NUMERIC) AS NUMERIC(16, 2)) AS TEXT)"


# The arrays of the applications whose lines `{lines}` selects (a condition on `line`), one per application
# with lines: their financers' codes and amounts, in the order of the codes (one grouped pass over the lines,
# a quarter cheaper than one subquery per application when a statement changes thousands).
ARRAYS = f"""
SELECT line.application_id,
       json_agg(json_build_object('institutionCode', institution.code,
                                  'requested', {_euros("requested_cents")},
                                  'proposed', {_euros("proposed_cents")},
                                  'decided', {_euros("decided_cents")})
                ORDER BY institution.code COLLATE "C") AS financers
FROM grants.financing_lines AS line
JOIN grants.institutions AS institution ON institution.institution_id = line.institution_id
WHERE {{lines}}
GROUP BY line.application_id
"""  # noqa: S608 - constants


def _function(name: str, touched: str) -> str:
    """The trigger function writing again the arrays of the applications `touched` gives (a query of
    `application_id`s), taken once as an array: the statements below then read no transition table, so the
    plans a connection keeps for them suit a statement of one line as well as a COPY of thousands.

    Three statements, each reading its own snapshot: the rows are created (empty) where missing, then held
    until the transaction ends, then written from what the lines hold then. A writer of the same
    applications' lines beside this one is so waited for, and its lines counted (none of ours writes lines
    without holding their application first, but an import or a script may). An application gone meanwhile
    (its lines deleted with it) is skipped."""
    return f"""
CREATE FUNCTION grants.application_financers_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched uuid[] := ARRAY({touched});
BEGIN
    IF cardinality(touched) = 0 THEN
        RETURN NULL;
    END IF;
    INSERT INTO grants.application_financers (application_id, financers)
    SELECT application.application_id, '[]'::json FROM grants.applications AS application
    WHERE application.application_id = ANY(touched)
    ON CONFLICT (application_id) DO NOTHING;
    PERFORM 1 FROM grants.application_financers WHERE application_id = ANY(touched)
    ORDER BY application_id FOR UPDATE;
    UPDATE grants.application_financers AS kept SET financers = coalesce(computed.financers, '[]'::json)
    FROM unnest(touched) AS asked (application_id)
    LEFT JOIN ({ARRAYS.format(lines="line.application_id = ANY(touched)")}) AS computed USING (application_id)
    WHERE kept.application_id = asked.application_id;
    RETURN NULL;
END
$$
"""  # noqa: S608 - constants


# The applications whose lines each statement changed: lines added or deleted; lines whose financer or amounts
# changed (a line changed only in its liveness is the same row before and after, so in neither difference).
_LINE = "SELECT application_id, institution_id, requested_cents, proposed_cents, decided_cents"
_CHANGED = (
    f"({_LINE} FROM new_rows EXCEPT {_LINE} FROM old_rows)"
    f" UNION ALL ({_LINE} FROM old_rows EXCEPT {_LINE} FROM new_rows)"
)
TOUCHED = {
    "INSERT": "SELECT DISTINCT application_id FROM new_rows",
    "DELETE": "SELECT DISTINCT application_id FROM old_rows",
    "UPDATE": f"SELECT DISTINCT application_id FROM ({_CHANGED}) AS changed",  # noqa: S608 - constants
}
TABLES = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def upgrade() -> None:
    # No write between the backfill and the triggers (readers go on).
    op.execute("LOCK TABLE grants.financing_lines, grants.institutions IN SHARE ROW EXCLUSIVE MODE")
    op.create_table(
        "application_financers",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("financers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_application_financers_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_application_financers")),
        schema="grants",
    )
    op.execute(
        "INSERT INTO grants.application_financers (application_id, financers)"  # noqa: S608 - constants
        f" SELECT application_id, financers FROM ({ARRAYS.format(lines='true')}) AS computed"
    )
    for event, touched in TOUCHED.items():
        name = event.lower()
        op.execute(_function(name, touched))
        op.execute(
            f"CREATE TRIGGER application_financers_{name} AFTER {event} ON grants.financing_lines"
            f" REFERENCING {TABLES[event]} FOR EACH STATEMENT EXECUTE FUNCTION grants.application_financers_{name}()"
        )
    # A financer's code, in every array that names it.
    recoded = "SELECT DISTINCT application_id FROM grants.financing_lines WHERE institution_id = NEW.institution_id"
    op.execute(_function("recoded", recoded))
    op.execute(
        "CREATE TRIGGER application_financers_recoded AFTER UPDATE OF code ON grants.institutions FOR EACH ROW"
        " WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION grants.application_financers_recoded()"
    )
    # TRUNCATE has no transition table: the arrays go with the lines they show.
    op.execute(
        "CREATE FUNCTION grants.application_financers_truncated() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN DELETE FROM grants.application_financers; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER application_financers_truncated AFTER TRUNCATE ON grants.financing_lines"
        " FOR EACH STATEMENT EXECUTE FUNCTION grants.application_financers_truncated()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER application_financers_truncated ON grants.financing_lines")
    op.execute("DROP FUNCTION grants.application_financers_truncated()")
    op.execute("DROP TRIGGER application_financers_recoded ON grants.institutions")
    op.execute("DROP FUNCTION grants.application_financers_recoded()")
    for event in TOUCHED:
        name = event.lower()
        op.execute(f"DROP TRIGGER application_financers_{name} ON grants.financing_lines")
        op.execute(f"DROP FUNCTION grants.application_financers_{name}()")
    op.drop_table("application_financers", schema="grants")
