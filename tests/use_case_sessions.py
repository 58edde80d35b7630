"""Use cases on a real database, each test inside one outer transaction rolled back at its end.

The unit of work's sessions are bound to a connection whose transaction the test opened: what a use case
commits is a savepoint of it (SQLAlchemy's join_transaction_mode="create_savepoint"), so the use case
runs exactly as in a request, then everything it wrote disappears with the outer rollback — no records to
clean up, no test seeing another's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker

from kit.clock import Clock
from kit.database import create_engine
from kit.unit_of_work import UnitOfWork
from tests.running_stack import RunningStack


@asynccontextmanager
async def rolled_back_unit_of_work(
    stack: RunningStack, app: str, clock: Clock | None = None
) -> AsyncIterator[UnitOfWork]:
    """A unit of work on `app`'s schema, as its runtime role, whose every commit is undone afterwards."""
    engine = create_engine(stack.role_url(app), app, application_name=f"{app}-use-case-test", pool_size=1)
    try:
        async with engine.connect() as connection:
            outer = await connection.begin()
            sessions = async_sessionmaker(
                bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
            )
            try:
                yield UnitOfWork(sessions, clock=clock)
            finally:
                await outer.rollback()
    finally:
        await engine.dispose()
