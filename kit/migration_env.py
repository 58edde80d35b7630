"""The body of every Alembic env.py: one service's metadata, its own schema and version table."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def _database_url(service: str) -> str:
    configured = context.config.attributes.get("database_url")
    if isinstance(configured, str) and configured:
        return configured
    for name in (f"{service.upper()}_MIGRATION_DATABASE_URL", f"{service.upper()}_DATABASE_URL"):
        if os.environ.get(name):
            return os.environ[name]
    raise RuntimeError(f"set {service.upper()}_MIGRATION_DATABASE_URL (its owner role's URL) to migrate {service}")


def _check_owner(connection: Connection, schema: str) -> None:
    """Refuse to migrate as anyone but the schema's owner role: objects created by another role would belong
    to it, and the runtime role (named like the schema) must never own what it must not alter."""
    me, owner = connection.execute(
        text("SELECT current_user, (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = :schema)"),
        {"schema": schema},
    ).one()
    if owner is None:
        raise RuntimeError(f"schema {schema} does not exist: provision the database first")
    if owner == schema:
        raise RuntimeError(
            f"schema {schema} is owned by its runtime role {schema} (provisioned before the owner roles): run the"
            " provisioning again as a superuser (./dev up, or deploy/postgres-bootstrap.sh) to move it to"
            f" {schema}_owner"
        )
    if me != owner:
        raise RuntimeError(
            f"migrate {schema} as the schema's owner {owner}, not as {me}:"
            f" set {schema.upper()}_MIGRATION_DATABASE_URL to {owner}'s URL"
        )


def _configure(connection: Connection, metadata: MetaData, schema: str, foreign_prefix: str | None = None) -> None:
    # `foreign_prefix`: tables of the schema created by a library's own SQL (a job engine's), not by models.
    def included(name: str | None, kind: str, _parent: object) -> bool:
        if kind == "schema":
            return name == schema
        return not (kind == "table" and foreign_prefix is not None and (name or "").startswith(foreign_prefix))

    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=included,
        compare_type=True,
    )
    with context.begin_transaction():
        _check_owner(connection, schema)
        context.run_migrations()


async def _run_online(service: str, metadata: MetaData, schema: str, foreign_prefix: str | None) -> None:
    engine = create_async_engine(
        _database_url(service),
        poolclass=pool.NullPool,
        # With the service schema as default, Alembic would reflect its tables without a schema and
        # see them all as new; every table names its schema explicitly instead.
        connect_args={"server_settings": {"search_path": "public"}},
    )
    async with engine.connect() as connection:
        await connection.run_sync(_configure, metadata, schema, foreign_prefix)
    await engine.dispose()


def run_migrations(service: str, metadata: MetaData, schema: str, foreign_prefix: str | None = None) -> None:
    """Entry point called by migrations/<service>/env.py."""
    if context.is_offline_mode():
        context.configure(
            url=_database_url(service),
            target_metadata=metadata,
            version_table_schema=schema,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection, metadata, schema, foreign_prefix)
        return
    asyncio.run(_run_online(service, metadata, schema, foreign_prefix))
