"""Rate limits shared by every gateway worker: the `limits` library's sliding window counter, on a
storage kept in the gateway's own PostgreSQL schema (`limits` ships memory, Redis, Memcached and MongoDB
storages; the platform runs on PostgreSQL alone).

The strategy is the library's (two fixed windows weighted by how far into the current one we are); this
module only gives it counters that several processes increment atomically.
"""

from __future__ import annotations

import time
from math import floor

from limits import RateLimitItemPerMinute
from limits.aio.storage import SlidingWindowCounterSupport, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage.base import TimestampedSlidingWindow
from sqlalchemy import BigInteger, Column, DateTime, Table, Text, case, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.base import Base

rate_limit_counters = Table(
    "rate_limit_counters",
    Base.metadata,
    Column("key", Text, primary_key=True),
    Column("count", BigInteger, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)


class PostgresStorage(Storage, SlidingWindowCounterSupport, TimestampedSlidingWindow):
    """Counters with an expiry, one row each, incremented by an upsert (atomic across processes)."""

    STORAGE_SCHEME = None  # built by the gateway, never from a storage URI

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (OSError,)

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        table = rate_limit_counters
        lapsed = table.c.expires_at <= func.now()
        fresh = func.now() + text(f"interval '{int(expiry)} seconds'")
        statement = (
            insert(table)
            .values(key=key, count=amount, expires_at=fresh)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    # A lapsed counter starts again, as a missing one would.
                    "count": case((lapsed, amount), else_=table.c.count + amount),
                    "expires_at": case((lapsed, fresh), else_=table.c.expires_at),
                },
            )
            .returning(table.c.count)
        )
        async with self.engine.begin() as connection:
            return int((await connection.execute(statement)).scalar_one())

    async def decr(self, key: str, amount: int = 1) -> int:
        table = rate_limit_counters
        statement = (
            table.update()
            .where(table.c.key == key, table.c.expires_at > func.now())
            .values(count=func.greatest(table.c.count - amount, 0))
            .returning(table.c.count)
        )
        async with self.engine.begin() as connection:
            found = (await connection.execute(statement)).scalar_one_or_none()
        return int(found or 0)

    async def get(self, key: str) -> int:
        table = rate_limit_counters
        query = select(table.c.count).where(table.c.key == key, table.c.expires_at > func.now())
        async with self.engine.connect() as connection:
            found = (await connection.execute(query)).scalar_one_or_none()
        return int(found or 0)

    async def get_expiry(self, key: str) -> float:
        table = rate_limit_counters
        query = select(func.extract("epoch", table.c.expires_at)).where(table.c.key == key)
        async with self.engine.connect() as connection:
            found = (await connection.execute(query)).scalar_one_or_none()
        return float(found) if found is not None else time.time()

    async def check(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(select(1))
        except OSError:
            return False
        return True

    async def reset(self) -> int | None:
        async with self.engine.begin() as connection:
            return int((await connection.execute(delete(rate_limit_counters))).rowcount)

    async def clear(self, key: str) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(delete(rate_limit_counters).where(rate_limit_counters.c.key == key))

    async def acquire_sliding_window_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        previous, previous_ttl, current, _ = await self._window(previous_key, current_key, expiry, now)
        if floor(previous * previous_ttl / expiry + current) + amount > limit:
            return False
        # Counted first, then checked again: two workers that both passed the first check cannot both stay.
        current = await self.incr(current_key, 2 * expiry, amount)
        if floor(previous * previous_ttl / expiry + current) > limit:
            await self.decr(current_key, amount)
            return False
        return True

    async def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        now = time.time()
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        return await self._window(previous_key, current_key, expiry, now)

    async def clear_sliding_window(self, key: str, expiry: int) -> None:
        for window_key in self.sliding_window_keys(key, expiry, time.time()):
            await self.clear(window_key)

    async def _window(
        self, previous_key: str, current_key: str, expiry: int, now: float
    ) -> tuple[int, float, int, float]:
        previous, current = await self.get(previous_key), await self.get(current_key)
        previous_ttl = 0.0 if previous == 0 else (1 - (((now - expiry) / expiry) % 1)) * expiry
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return previous, previous_ttl, current, current_ttl


class TokenRequestLimiter:
    """At most `per_minute` token requests per minute for one caller, across every gateway worker."""

    def __init__(self, engine: AsyncEngine, per_minute: int) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        self.limiter = SlidingWindowCounterRateLimiter(PostgresStorage(engine))

    async def allow(self, caller: str) -> bool:
        return await self.limiter.hit(self.item, "oauth-token", caller)
