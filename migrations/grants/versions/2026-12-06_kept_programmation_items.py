"""Each application's item of the programmation page, kept as it changes: the JSON text of its row (its
columns, its call's scheme, its operator, its objective and its financers' kept array) written by the
statements that change any of them, so that a page of 50 reads 50 kept texts instead of joining 150 rows
and writing the JSON of each again (0.42-0.46 ms against 1.03-1.21 ms for a year's first page of 50 on the
national data, in PostgreSQL).

Whatever writes those rows (a use case, an import, a COPY) keeps them: statement triggers with transition
tables on applications (rows added; rows whose shown columns changed: a new version alone changes no item)
and on the kept financers' arrays (an array changed or removed), row triggers on the operators, objectives and calls
whose shown columns changed. An application's item goes with it (ON DELETE CASCADE).

Revision ID: gran0031
Revises: gran0030
Create Date: 2026-12-06 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gran0031"
down_revision: str | None = "gran0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The item of each application `{applications}` selects (a condition on `application`): the JSON of
# services/grants/programmation/schemas.py ProgrammationRow, its keys in the model's order, as the page wrote
# it from the same rows before it was kept.
ITEMS = """
SELECT application.application_id,
       CAST(json_build_object(
           'applicationId', application.application_id, 'title', application.title, 'year', application.year,
           'scheme', call.scheme, 'state', application.state, 'outcome', application.outcome,
           'qpvCodes', application.qpv_codes, 'horsQpv', application.hors_qpv,
           'operatorId', operator.operator_id, 'operatorNom', operator.nom, 'operatorProfile', operator.profile,
           'objectiveCode', objective.code, 'pillar', objective.pillar,
           'financers', coalesce(kept.financers, '[]'::json)) AS TEXT) AS item
FROM grants.applications AS application
JOIN grants.calls_for_projects AS call ON call.call_id = application.call_id
JOIN grants.operators AS operator ON operator.operator_id = application.operator_id
LEFT JOIN grants.objectives AS objective ON objective.objective_id = application.primary_objective_id
LEFT JOIN grants.application_financers AS kept ON kept.application_id = application.application_id
WHERE {applications}
"""

# Written again from what the rows hold once the items are held: three statements, each reading its own
# snapshot (as the kept financers' triggers, migration gran0029). Two writers of one item (an application
# changed beside its operator renamed) so take turns, and the second writes it from both their changes.
# Their plans are generic, made once per connection: planned again at each call (the five tables' join),
# a rewrite of one item took 1.1-1.4 ms, 0.5 ms with the plan kept.
REWRITE = f"""
CREATE FUNCTION grants.programmation_items_rewrite(touched uuid[]) RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF cardinality(touched) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO grants.programmation_items (application_id, item)
    SELECT application.application_id, '' FROM grants.applications AS application
    WHERE application.application_id = ANY(touched)
    ON CONFLICT (application_id) DO NOTHING;
    PERFORM 1 FROM grants.programmation_items WHERE application_id = ANY(touched)
    ORDER BY application_id FOR UPDATE;
    UPDATE grants.programmation_items AS kept SET item = computed.item
    FROM ({ITEMS.format(applications="application.application_id = ANY(touched)")}) AS computed
    WHERE kept.application_id = computed.application_id;
END
$$
"""  # noqa: S608 - constants

# The columns of an application its item shows (or finds its other rows by).
_SHOWN = (
    "SELECT application_id, title, year, state, outcome, qpv_codes, hors_qpv, call_id, operator_id,"
    " primary_objective_id"
)
# Each trigger: (name, table, timing and event, the applications touched, FOR EACH ROW's condition or None).
TRIGGERS = (
    (
        "applications_added",
        "applications",
        "AFTER INSERT",
        "SELECT application_id FROM new_rows",
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
    ),
    (
        "applications_changed",
        "applications",
        "AFTER UPDATE",
        f"SELECT application_id FROM ({_SHOWN} FROM new_rows EXCEPT {_SHOWN} FROM old_rows) AS changed",  # noqa: S608 - constants
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT",
    ),
    (
        "financers_added",
        "application_financers",
        "AFTER INSERT",
        "SELECT application_id FROM new_rows WHERE CAST(financers AS TEXT) <> '[]'",
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
    ),
    (
        "financers_changed",
        "application_financers",
        "AFTER UPDATE",
        "SELECT new_rows.application_id FROM new_rows JOIN old_rows USING (application_id)"
        " WHERE CAST(new_rows.financers AS TEXT) <> CAST(old_rows.financers AS TEXT)",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT",
    ),
    (
        # The arrays go with the lines they show when these are truncated (gran0029): no financer then.
        "financers_removed",
        "application_financers",
        "AFTER DELETE",
        "SELECT application_id FROM old_rows",
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
    ),
    (
        "operator_renamed",
        "operators",
        "AFTER UPDATE OF nom, profile",
        "SELECT application_id FROM grants.applications WHERE operator_id = NEW.operator_id",
        "FOR EACH ROW WHEN (OLD.nom IS DISTINCT FROM NEW.nom OR OLD.profile IS DISTINCT FROM NEW.profile)",
    ),
    (
        "objective_recoded",
        "objectives",
        "AFTER UPDATE OF code, pillar",
        "SELECT application_id FROM grants.applications WHERE primary_objective_id = NEW.objective_id",
        "FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.pillar IS DISTINCT FROM NEW.pillar)",
    ),
    (
        "scheme_changed",
        "calls_for_projects",
        "AFTER UPDATE OF scheme",
        "SELECT application_id FROM grants.applications WHERE call_id = NEW.call_id",
        "FOR EACH ROW WHEN (OLD.scheme IS DISTINCT FROM NEW.scheme)",
    ),
)


def upgrade() -> None:
    # No write between the backfill and the triggers (readers go on).
    op.execute(
        "LOCK TABLE grants.applications, grants.application_financers, grants.operators, grants.objectives,"
        " grants.calls_for_projects IN SHARE ROW EXCLUSIVE MODE"
    )
    op.create_table(
        "programmation_items",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_programmation_items_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_programmation_items")),
        schema="grants",
    )
    op.execute(
        "INSERT INTO grants.programmation_items (application_id, item)"  # noqa: S608 - constants
        f" SELECT application_id, item FROM ({ITEMS.format(applications='true')}) AS computed"
    )
    op.execute(REWRITE)
    for name, table, event, touched, each in TRIGGERS:
        op.execute(
            f"CREATE FUNCTION grants.programmation_items_{name}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN PERFORM grants.programmation_items_rewrite(ARRAY({touched})); RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER programmation_items_{name} {event} ON grants.{table}"
            f" {each} EXECUTE FUNCTION grants.programmation_items_{name}()"
        )


def downgrade() -> None:
    for name, table, _event, _touched, _each in TRIGGERS:
        op.execute(f"DROP TRIGGER programmation_items_{name} ON grants.{table}")
        op.execute(f"DROP FUNCTION grants.programmation_items_{name}()")
    op.execute("DROP FUNCTION grants.programmation_items_rewrite(uuid[])")
    op.drop_table("programmation_items", schema="grants")
