"""Database, roles and schemas: per app, a schema owned by `<app>_owner` and used by the runtime role `<app>`.

The owner role owns the schema and every object in it and runs the migrations. The runtime role (the one
in `<APP>_DATABASE_URL`) is not a member of it: it reads and writes rows, may only add to and read its
audit log, and can neither alter, disable the triggers of, truncate nor drop any table. The owner logs in
with its own password (LOGIN) rather than being NOLOGIN and reached by `SET ROLE` from an administrator:
migration jobs (compose's `migrate-*`, `cli migrate`) then hold one app's owner credentials, never the
cluster superuser's, and one app's owner cannot touch another app's schema.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

APPS = ("territories", "grants", "participation", "gateway")
DATABASE = "coeur_de_quartier"
ALEMBIC_INI = Path(__file__).resolve().parent.parent / "migrations" / "alembic.ini"
# Rows the runtime role may add and read, never change nor remove (an UPDATE or DELETE trigger also refuses,
# but the owner could disable it: the runtime role cannot, not being the owner).
APPEND_ONLY_TABLES = frozenset({"audit_events"})
# Written by migrations only: the runtime role reads the revision, nothing more.
MIGRATION_TABLES = frozenset({"alembic_version"})


def owner_role(app: str) -> str:
    return f"{app}_owner"


async def _login_role(connection: asyncpg.Connection, role: str, password: str) -> None:
    exists = await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    statement = await connection.fetchval(
        "SELECT format('%s ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L', "
        "$1::text, $2::text, $3::text)",
        "ALTER" if exists else "CREATE",
        role,
        password,
    )
    await connection.execute(statement)


async def grant_runtime_privileges(connection: asyncpg.Connection, app: str) -> None:
    """The runtime role's privileges on every table and sequence of its schema as they are now.

    Run after each migration (as the owner) and by the provisioning (as a superuser): default privileges
    only cover objects created later, and grant every table the same rights, audit log included.
    """
    runtime = _identifier(app)
    tables = {
        row["tablename"] for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", app)
    }
    statements = [
        # Whatever an older ownership left (TRUNCATE, TRIGGER, REFERENCES…) goes first.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {runtime} FROM {runtime}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {runtime} TO {runtime}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {runtime} FROM {runtime}",
        # USAGE for nextval (an identity column's insert needs none, a serial's does); never UPDATE (setval).
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {runtime} TO {runtime}",
    ]
    for table in sorted(tables & APPEND_ONLY_TABLES):
        statements.append(f"REVOKE UPDATE, DELETE ON {runtime}.{_identifier(table)} FROM {runtime}")
    for table in sorted(tables & MIGRATION_TABLES):
        statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {runtime}.{_identifier(table)} FROM {runtime}")
    async with connection.transaction():
        for statement in statements:
            await connection.execute(statement)


def _identifier(name: str) -> str:
    """A role, schema or table name of ours, quoted; anything else is refused rather than escaped."""
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"not a name of ours: {name!r}")
    return f'"{name}"'


async def provision(
    admin_dsn: str, database: str, passwords: Mapping[str, str], owner_passwords: Mapping[str, str]
) -> None:
    """Create the database and, per app, its owner and runtime login roles, the schema owned by the owner and
    the runtime role's privileges. Run as a superuser; idempotent. A cluster provisioned before the owner
    roles existed (the runtime role owning its schema and everything in it) is brought to this model."""
    connection = await asyncpg.connect(admin_dsn)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await connection.execute(f"CREATE DATABASE {_identifier(database)}")
        for app, password in passwords.items():
            await _login_role(connection, owner_role(app), owner_passwords[app])
            await _login_role(connection, app, password)
            # The runtime role must not be able to become the owner (SET ROLE) nor inherit its rights.
            if await connection.fetchval(
                "SELECT 1 FROM pg_auth_members WHERE roleid = $1::regrole AND member = $2::regrole",
                owner_role(app),
                app,
            ):
                await connection.execute(f"REVOKE {_identifier(owner_role(app))} FROM {_identifier(app)}")
    finally:
        await connection.close()
    connection = await asyncpg.connect(admin_dsn.rsplit("/", 1)[0] + "/" + database)
    try:
        async with connection.transaction():
            await connection.execute(f"REVOKE ALL ON DATABASE {_identifier(database)} FROM PUBLIC")
            await connection.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
            for app in passwords:
                runtime, owner = _identifier(app), _identifier(owner_role(app))
                await connection.execute(
                    f"GRANT CONNECT, TEMPORARY ON DATABASE {_identifier(database)} TO {runtime}, {owner}"
                )
                await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {runtime} AUTHORIZATION {owner}")
                await connection.execute(f"ALTER SCHEMA {runtime} OWNER TO {owner}")
                # Clusters provisioned earlier: the runtime role owns the tables, functions and sequences.
                await connection.execute(f"REASSIGN OWNED BY {runtime} TO {owner}")
                await connection.execute(f"REVOKE ALL ON SCHEMA {runtime} FROM PUBLIC, {runtime}")
                await connection.execute(f"GRANT USAGE ON SCHEMA {runtime} TO {runtime}")
                await connection.execute(
                    f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {runtime}"
                    f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {runtime}"
                )
                await connection.execute(
                    f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {runtime}"
                    f" GRANT USAGE, SELECT ON SEQUENCES TO {runtime}"
                )
                await grant_runtime_privileges(connection, app)
    finally:
        await connection.close()


def alembic_config(app: str, database_url: str) -> Config:
    config = Config(str(ALEMBIC_INI), ini_section=app)
    config.set_main_option("script_location", str(ALEMBIC_INI.parent / app))
    config.attributes["database_url"] = database_url
    return config


async def _grant_after_migration(app: str, owner_url: str) -> None:
    connection = await asyncpg.connect(
        make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        await grant_runtime_privileges(connection, app)
    finally:
        await connection.close()


def migrate(app: str, owner_url: str, revision: str = "head") -> None:
    """Upgrade one app's schema as its owner role (`<app>_owner`), then give the runtime role its privileges
    on the tables the migration created (the audit log: read and add only)."""
    command.upgrade(alembic_config(app, owner_url), revision)
    asyncio.run(_grant_after_migration(app, owner_url))


def downgrade(app: str, owner_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(app, owner_url), revision)
    asyncio.run(_grant_after_migration(app, owner_url))


def provision_sync(
    admin_dsn: str, database: str, passwords: Mapping[str, str], owner_passwords: Mapping[str, str]
) -> None:
    asyncio.run(provision(admin_dsn, database, passwords, owner_passwords))
