"""The audit log belongs to a role the service cannot act as: as the service's own database role, nothing
can rewrite, hide or remove what the log holds; adding to it and reading it work."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from cli.provisioning import APPS
from tests.running_stack import RunningStack
from tests.schema_privileges import model_violations, schema_privileges

FORBIDDEN = {
    "disable its triggers": "ALTER TABLE {app}.audit_events DISABLE TRIGGER USER",
    "delete": "DELETE FROM {app}.audit_events",
    "update": "UPDATE {app}.audit_events SET action = 'forged'",
    "truncate": "TRUNCATE {app}.audit_events",
    "drop": "DROP TABLE {app}.audit_events",
    "drop its trigger": "DROP TRIGGER audit_events_append_only ON {app}.audit_events",
    "replace its trigger's function": (
        "CREATE OR REPLACE FUNCTION {app}.audit_events_append_only() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$"
    ),
    "rename it": "ALTER TABLE {app}.audit_events RENAME TO audit_events_old",
    "become the owner": "SET ROLE {app}_owner",
    "create a table beside it": "CREATE TABLE {app}.audit_events_shadow (id int)",
}


async def _runtime(stack: RunningStack, app: str) -> asyncpg.Connection:
    return await asyncpg.connect(stack.role_url(app).replace("+asyncpg", ""))


@pytest.fixture
async def rolled_back(stack: RunningStack, request: pytest.FixtureRequest) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the app's runtime role inside a transaction that is always rolled back: a statement
    that wrongly succeeds changes nothing in the shared stack."""
    connection = await _runtime(stack, request.param)
    transaction = connection.transaction()
    await transaction.start()
    try:
        yield connection
    finally:
        await transaction.rollback()
        await connection.close()


@pytest.mark.parametrize("rolled_back", APPS, indirect=True, ids=APPS)
@pytest.mark.parametrize("statement", FORBIDDEN.values(), ids=FORBIDDEN.keys())
async def test_the_runtime_role_cannot_alter_the_audit_log(rolled_back: asyncpg.Connection, statement: str) -> None:
    app = await rolled_back.fetchval("SELECT current_user")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await rolled_back.execute(statement.format(app=app))


@pytest.mark.parametrize("rolled_back", APPS, indirect=True, ids=APPS)
async def test_the_runtime_role_adds_to_and_reads_the_audit_log(rolled_back: asyncpg.Connection) -> None:
    app = await rolled_back.fetchval("SELECT current_user")
    added = await rolled_back.fetchval(
        f"INSERT INTO {app}.audit_events (actor_subject, actor_kind, action, entity_type, entity_id)"  # noqa: S608
        " VALUES ('test', 'user', 'probe.added', 'probe', 'p-1') RETURNING audit_event_id"
    )
    read = await rolled_back.fetchval(
        f"SELECT action FROM {app}.audit_events WHERE audit_event_id = $1",  # noqa: S608 - our schema name
        added,
    )
    assert read == "probe.added"


@pytest.mark.parametrize("app", APPS)
async def test_every_object_belongs_to_the_owner_and_the_runtime_role_has_only_its_rights(
    stack: RunningStack, app: str
) -> None:
    connection = await asyncpg.connect(stack.admin_dsn())
    try:
        privileges = await schema_privileges(connection, app)
    finally:
        await connection.close()
    assert "audit_events" in privileges["relations"]
    assert model_violations(privileges, app) == []


@pytest.mark.parametrize("rolled_back", APPS, indirect=True, ids=APPS)
async def test_every_trigger_runs_with_the_runtime_roles_rights(rolled_back: asyncpg.Connection) -> None:
    """Trigger functions run with the rights of whoever fires them (SECURITY INVOKER). Statement-level
    triggers fire even for a statement touching no row, so a zero-row INSERT, UPDATE and DELETE on every
    table runs each one (change announcements, budget and financing sums) as the runtime role."""
    app = await rolled_back.fetchval("SELECT current_user")
    tables = await rolled_back.fetch(
        """
        SELECT DISTINCT c.relname, (SELECT a.attname FROM pg_attribute AS a
                                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                      AND a.attgenerated = '' AND a.attidentity <> 'a'
                                    ORDER BY a.attnum LIMIT 1) AS column_name
        FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND NOT t.tgisinternal AND c.relname <> 'audit_events'
        ORDER BY c.relname
        """,
        app,
    )
    assert tables or app == "gateway"
    for table, column in tables:
        await rolled_back.execute(
            f'INSERT INTO {app}."{table}" ("{column}") SELECT "{column}" FROM {app}."{table}" WHERE false'  # noqa: S608
        )
        await rolled_back.execute(f'UPDATE {app}."{table}" SET "{column}" = "{column}" WHERE false')  # noqa: S608
        await rolled_back.execute(f'DELETE FROM {app}."{table}" WHERE false')  # noqa: S608
