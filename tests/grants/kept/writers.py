"""Two writers of the same kept rows beside each other: the second must wait for the first's lock, then
write from both their changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.transaction import Transaction

from tests.running_stack import RunningStack

SECOND = "kept-rows-second"  # the second writer's application_name, as pg_stat_activity shows it


@asynccontextmanager
async def two_writers(stack: RunningStack) -> AsyncIterator[tuple[asyncpg.Connection, asyncpg.Connection]]:
    url = stack.role_url("grants").replace("+asyncpg", "")
    first = await asyncpg.connect(url)
    second = await asyncpg.connect(url, server_settings={"application_name": SECOND})
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def second_waits_for_first(
    database: asyncpg.Connection, first: Transaction, second_write: asyncio.Task[Any]
) -> None:
    """Asserts that the second write waits for a lock (the first transaction still open), then commits the
    first transaction and lets the second end."""
    waiting = "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'"
    while not await database.fetchval(waiting, SECOND):
        done, _ = await asyncio.wait({second_write}, timeout=0.01)
        assert not done, "the second writer did not wait for the first"
    await first.commit()
    await second_write
