"""The per-process QPV indexes: built once; their revision read again after a change heard, or (while changes
cannot be heard) once a second by one request at a time."""

from __future__ import annotations

import asyncio
import time
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.database import create_engine, create_sessionmaker
from kit.request_ids import request_arrived_at, reset_request_arrived_at, set_request_arrived_at
from kit.unit_of_work import UnitOfWork
from services.territories.localisation import use_cases as localisation
from services.territories.localisation.use_cases import QpvIndexes
from tests.running_stack import RunningStack


class CountingUnitOfWork(UnitOfWork):
    """The real unit of work, counting how many transactions are opened."""

    opened = 0

    async def __aenter__(self) -> CountingUnitOfWork:
        CountingUnitOfWork.opened += 1
        await super().__aenter__()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await super().__aexit__(kind, error, traceback)


async def test_a_burst_of_lookups_checks_the_revision_once(stack: RunningStack) -> None:
    engine = create_engine(stack.role_url("territories"), "territories", application_name="test-indexes")
    try:
        sessions = create_sessionmaker(engine)
        CountingUnitOfWork.opened = 0
        indexes = QpvIndexes()
        first = await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030")
        assert CountingUnitOfWork.opened == 2, "its revision, then its perimeters"
        # Make the revision check due, then look up from 50 concurrent requests.
        indexes._built["2024-2030"].checked_at -= 2 * localisation.REVISION_CHECK_SECONDS
        found = await asyncio.gather(
            *(indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") for _ in range(50))
        )
        assert all(index is first for index in found)
        assert CountingUnitOfWork.opened == 3
    finally:
        await engine.dispose()


class Changes:
    """The changes a process has heard, as its response cache tells them (kit.response_cache.ResponseCache;
    the change feed behind it, and its round trip, are tested in tests/kit/test_change_feed.py and across
    processes in tests/services/test_workers.py)."""

    def __init__(self) -> None:
        self.heard = 0
        self.pending = 0  # changes committed whose notification the next round trip brings
        self.listening = True
        self.asked: list[float] = []

    async def caught_up_with_request(self) -> bool:
        self.asked.append(request_arrived_at())
        self.heard, self.pending = self.heard + self.pending, 0
        return self.listening

    def changes_stamp(self) -> int | None:
        return self.heard if self.listening else None


class ChangedWhileRead(UnitOfWork):
    """A unit of work during whose read a change is committed and heard: after the revision was read, before
    anything is kept of it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], stack: RunningStack, changes: Changes) -> None:
        super().__init__(sessions)
        self.stack, self.changes = stack, changes

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await super().__aexit__(kind, error, traceback)
        if self.changes.heard == 1:
            await bump_revision(self.stack)
            self.changes.heard += 1


async def bump_revision(stack: RunningStack) -> None:
    async with stack.runtime_connection("territories") as connection:
        await connection.execute(
            "UPDATE territories.qpv_generations SET revision = revision + 1 WHERE generation = '2024-2030'"
        )


async def test_with_changes_heard_the_revision_is_read_again_only_after_a_change(stack: RunningStack) -> None:
    engine = create_engine(stack.role_url("territories"), "territories", application_name="test-indexes-heard")
    CountingUnitOfWork.opened = 0
    try:
        sessions = create_sessionmaker(engine)
        indexes, changes = QpvIndexes(), Changes()
        indexes.hear(changes)
        first = await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030")
        assert CountingUnitOfWork.opened == 2
        indexes._built["2024-2030"].checked_at -= 2 * localisation.REVISION_CHECK_SECONDS
        changes.asked.clear()
        request_moment = time.monotonic()
        arrival = set_request_arrived_at(request_moment)
        try:
            for _ in range(20):
                assert await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") is first
        finally:
            reset_request_arrived_at(arrival)
        assert CountingUnitOfWork.opened == 2, "nothing changed: no query, however old the last read"
        assert len(changes.asked) == 20, "each lookup asked whether every change before its request was heard"
        assert set(changes.asked) == {request_moment}, "about its request's arrival"

        changes.heard += 1  # a change of anything in the schema: the revision is read again, once for a burst
        found = await asyncio.gather(
            *(indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") for _ in range(20))
        )
        assert all(index is first for index in found)
        assert CountingUnitOfWork.opened == 3
        assert await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") is first
        assert CountingUnitOfWork.opened == 3

        await bump_revision(stack)
        changes.heard += 1  # new perimeters: the next lookups build them once
        rebuilt = await asyncio.gather(
            *(indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") for _ in range(20))
        )
        assert rebuilt[0] is not first
        assert all(index is rebuilt[0] for index in rebuilt)
        assert CountingUnitOfWork.opened == 5, "the revision, then the new perimeters"

        changes.listening = False  # deaf: the revision is read again once a second, as without changes heard
        indexes._built["2024-2030"].checked_at -= 2 * localisation.REVISION_CHECK_SECONDS
        assert await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") is rebuilt[0]
        assert CountingUnitOfWork.opened == 6
        assert await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") is rebuilt[0]
        assert CountingUnitOfWork.opened == 6
    finally:
        await engine.dispose()


async def test_a_change_heard_while_the_revision_is_read_is_read_again_by_the_next_lookup(
    stack: RunningStack,
) -> None:
    """What an index keeps is the changes heard before its revision was read: a change committed and heard
    after that read makes the next lookup read the revision again and build the new perimeters."""
    engine = create_engine(stack.role_url("territories"), "territories", application_name="test-indexes-during")
    try:
        sessions = create_sessionmaker(engine)
        indexes, changes = QpvIndexes(), Changes()
        indexes.hear(changes)
        first = await indexes.for_generation(UnitOfWork(sessions), "2024-2030")
        changes.heard += 1  # a change: the next lookup reads the revision, during which another one lands
        assert await indexes.for_generation(ChangedWhileRead(sessions, stack, changes), "2024-2030") is first
        assert changes.heard == 2
        assert await indexes.for_generation(UnitOfWork(sessions), "2024-2030") is not first
    finally:
        await engine.dispose()


class HeldAfterRead(UnitOfWork):
    """A unit of work held once it has read, until `release` is set: a revision read under way."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], release: asyncio.Event, read: asyncio.Event) -> None:
        super().__init__(sessions)
        self.release, self.read = release, read

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await super().__aexit__(kind, error, traceback)
        if not self.read.is_set():
            self.read.set()
            await self.release.wait()


async def test_a_lookup_after_new_perimeters_does_not_take_a_revision_read_begun_before_them(
    stack: RunningStack,
) -> None:
    """A read of the revision under way, begun before new perimeters were committed, is not shared with a
    lookup that arrives after their commit, even before this process has heard of them."""
    engine = create_engine(stack.role_url("territories"), "territories", application_name="test-indexes-begun")
    release, read = asyncio.Event(), asyncio.Event()
    try:
        sessions = create_sessionmaker(engine)
        indexes, changes = QpvIndexes(), Changes()
        indexes.hear(changes)
        first = await indexes.for_generation(UnitOfWork(sessions), "2024-2030")
        changes.heard += 1  # an unrelated change: the next lookup reads the revision again
        earlier = asyncio.create_task(indexes.for_generation(HeldAfterRead(sessions, release, read), "2024-2030"))
        await read.wait()  # it has read the revision the database had then
        await bump_revision(stack)  # new perimeters, committed; their notification not heard yet
        changes.pending += 1
        async with asyncio.timeout(10):  # sharing the held read would wait for it forever
            later = await indexes.for_generation(UnitOfWork(sessions), "2024-2030")
        assert later is not first, "the lookup after the commit builds the new perimeters"
        release.set()
        assert await earlier is later, "the lookup before it finds the newer index kept: never an older one"
    finally:
        release.set()
        await engine.dispose()
