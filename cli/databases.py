"""Where the commands find their databases: `<APP>_DATABASE_URL` (`<APP>_MIGRATION_DATABASE_URL` to migrate),
or the local stack `./dev up` runs from this data directory; and the unit of work a command runs its use
case in."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cli.provisioning import owner_role
from cli.stack import StackSecrets
from cli.stack_state import StackFiles, supervisor_running
from identity.principal import Principal, Role
from kit.database import create_engine, create_sessionmaker
from kit.unit_of_work import UnitOfWork

# What a command acts as when a use case asks who acts (its audit events say "cli").
CLI_ADMIN = Principal(subject="cli", kind="client", roles=frozenset({Role.PLATFORM_ADMIN}))


def say(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


@asynccontextmanager
async def unit_of_work(database_url: str, schema: str, purpose: str) -> AsyncIterator[UnitOfWork]:
    """A unit of work on `schema` for one command; its engine is closed when the command is done."""
    engine = create_engine(database_url, schema, application_name=f"cli-{purpose}")
    try:
        yield UnitOfWork(create_sessionmaker(engine))
    finally:
        await engine.dispose()


def stack_url(app: str, variable: str, *, owner: bool = False) -> str:
    """The URL of `app`'s runtime role (`owner`: of the role owning its schema) in the stack `./dev up`
    runs from this data directory, read from its state file (the port) and its secrets."""
    files = StackFiles.current()
    state = files.read_state()
    if not supervisor_running(files):
        raise SystemExit(
            f"set {variable}, or start the local stack with `./dev up` in another terminal first"
            f" (no stack runs from {files.data_dir})"
        )
    if state is None:
        raise SystemExit(f"the stack of {files.data_dir} is starting: try again when `./dev up` shows the gateway")
    secrets_ = StackSecrets.load_or_create(files.secrets)
    port = int(state["db_port"])
    return secrets_.owner_url(app, "127.0.0.1", port) if owner else secrets_.runtime_url(app, "127.0.0.1", port)


def database_url(app: str) -> str:
    """The app's runtime role: `<APP>_DATABASE_URL`, or the running local stack's."""
    variable = f"{app.upper()}_DATABASE_URL"
    return os.environ.get(variable) or stack_url(app, variable)


def migration_url(app: str) -> str:
    """The role owning the app's schema: `<APP>_MIGRATION_DATABASE_URL`, or the running local stack's."""
    variable = f"{app.upper()}_MIGRATION_DATABASE_URL"
    if os.environ.get(variable):
        return os.environ[variable]
    if os.environ.get(f"{app.upper()}_DATABASE_URL"):
        # The user points at a database of their own: never migrate the local stack instead.
        raise SystemExit(
            f"set {variable} to the URL of {owner_role(app)}, which owns the schema:"
            f" {app.upper()}_DATABASE_URL is the app's runtime role, which cannot migrate"
        )
    return stack_url(app, variable, owner=True)
