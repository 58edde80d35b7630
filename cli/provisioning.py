"""Database, roles and schemas: one role per app, owning only its own schema."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config

APPS = ("territories", "grants", "participation", "gateway")
DATABASE = "coeur_de_quartier"
ALEMBIC_INI = Path(__file__).resolve().parent.parent / "migrations" / "alembic.ini"


async def provision(admin_dsn: str, database: str, passwords: Mapping[str, str]) -> None:
    """Create the database and, per app, a login role owning a schema of the same name. Idempotent."""
    connection = await asyncpg.connect(admin_dsn)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await connection.execute(f'CREATE DATABASE "{database}"')
        for role, password in passwords.items():
            verb = "ALTER" if await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role) else "CREATE"
            statement = await connection.fetchval(
                "SELECT format('%s ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', "
                "$1::text, $2::text, $3::text)",
                verb,
                role,
                password,
            )
            await connection.execute(statement)
    finally:
        await connection.close()
    database_dsn = admin_dsn.rsplit("/", 1)[0] + "/" + database
    connection = await asyncpg.connect(database_dsn)
    try:
        await connection.execute(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
        await connection.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        for role in passwords:
            await connection.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO "{role}"')
            await connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{role}" AUTHORIZATION "{role}"')
            await connection.execute(f'REVOKE ALL ON SCHEMA "{role}" FROM PUBLIC')
    finally:
        await connection.close()


def alembic_config(app: str, database_url: str) -> Config:
    config = Config(str(ALEMBIC_INI), ini_section=app)
    config.set_main_option("script_location", str(ALEMBIC_INI.parent / app))
    config.attributes["database_url"] = database_url
    return config


def migrate(app: str, database_url: str, revision: str = "head") -> None:
    """Upgrade one app's schema, as that app's own role."""
    command.upgrade(alembic_config(app, database_url), revision)


def downgrade(app: str, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(app, database_url), revision)


def provision_sync(admin_dsn: str, database: str, passwords: Mapping[str, str]) -> None:
    asyncio.run(provision(admin_dsn, database, passwords))
