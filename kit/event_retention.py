"""Events are kept `event_retention_days` (a service setting, 90 days by default: well beyond the webhooks'
27-hour retry schedule, a season for a partner reading the pull feed), then purged. A cursor naming a purged
event answers 410 with the oldest cursor kept (kit/outbox.py), and the gateway's relay reads on from it.

Every process of a service sweeps once an hour, the first time a minute after it starts: one DELETE, which
several processes may repeat without harm. It is the service's own: services share no table, and the
purge needs nothing but the service's database (no call to make, no job to queue)."""

from __future__ import annotations

import asyncio
import contextvars
import logging

from sqlalchemy import Table, func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

logger = logging.getLogger("kit.events")

SWEEP_SECONDS = 3600.0
FIRST_SWEEP_SECONDS = 60.0


async def purge_events(session: AsyncSession, table: Table, kept_days: int) -> int:
    """Delete the events that occurred more than `kept_days` ago; how many were."""
    result = await session.execute(
        table.delete().where(table.c.occurred_at < func.now() - func.make_interval(0, 0, 0, kept_days))
    )
    return int(getattr(result, "rowcount", 0) or 0)


class EventRetention:
    """The hourly sweep of one service process."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], table: Table, kept_days: int) -> None:
        self._sessions = sessions
        self._table = table
        self._kept_days = kept_days
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        # A fresh context: the sweep runs outside any request's ambient transaction.
        self._task = asyncio.get_running_loop().create_task(self._sweep_forever(), context=contextvars.Context())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)  # its cancellation, awaited
            self._task = None

    async def sweep(self) -> int:
        async with self._sessions() as session, session.begin():
            return await purge_events(session, self._table, self._kept_days)

    async def _sweep_forever(self) -> None:
        await asyncio.sleep(FIRST_SWEEP_SECONDS)
        while True:
            try:
                purged = await self.sweep()
                if purged:
                    logger.info("events past their retention purged", extra={"events": purged})
            except Exception:
                logger.warning("event retention sweep failed; next in an hour", exc_info=True)
            await asyncio.sleep(SWEEP_SECONDS)
