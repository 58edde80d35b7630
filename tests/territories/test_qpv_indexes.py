"""The per-process QPV indexes: built once; their revision read again after a change heard, or (while changes
cannot be heard) once a second by one request at a time."""

from __future__ import annotations

import asyncio
from types import TracebackType

from kit.database import create_engine, create_sessionmaker
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
        assert CountingUnitOfWork.opened == 1
        # Make the revision check due, then look up from 50 concurrent requests.
        indexes._built["2024-2030"].checked_at -= 2 * localisation.REVISION_CHECK_SECONDS
        found = await asyncio.gather(
            *(indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") for _ in range(50))
        )
        assert all(index is first for index in found)
        assert CountingUnitOfWork.opened == 2
    finally:
        await engine.dispose()


class Changes:
    """The changes a process has heard, as its response cache tells them (kit.response_cache.ResponseCache;
    the change feed behind it, and its round trip, are tested in tests/kit/test_change_feed.py and across
    processes in tests/services/test_workers.py)."""

    def __init__(self) -> None:
        self.heard = 0
        self.listening = True
        self.asked: list[float] = []

    async def caught_up(self, moment: float) -> bool:
        self.asked.append(moment)
        return self.listening

    def changes_stamp(self) -> int | None:
        return self.heard if self.listening else None


async def test_with_changes_heard_the_revision_is_read_again_only_after_a_change(stack: RunningStack) -> None:
    engine = create_engine(stack.role_url("territories"), "territories", application_name="test-indexes-heard")
    CountingUnitOfWork.opened = 0
    try:
        sessions = create_sessionmaker(engine)
        indexes, changes = QpvIndexes(), Changes()
        indexes.hear(changes)
        first = await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030")
        assert CountingUnitOfWork.opened == 1
        indexes._built["2024-2030"].checked_at -= 2 * localisation.REVISION_CHECK_SECONDS
        for _ in range(20):
            assert await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") is first
        assert CountingUnitOfWork.opened == 1, "nothing changed: no query, however old the last check"
        assert len(changes.asked) == 20, "each lookup asked whether every change before it was heard"

        changes.heard += 1  # a change of anything in the schema: the revision is read again, once
        assert await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") is first
        assert await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") is first
        assert CountingUnitOfWork.opened == 2

        async with stack.runtime_connection("territories") as connection:
            await connection.execute(
                "UPDATE territories.qpv_generations SET revision = revision + 1 WHERE generation = '2024-2030'"
            )
        changes.heard += 1  # new perimeters: the next lookup builds them
        rebuilt = await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030")
        assert rebuilt is not first
        assert await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") is rebuilt
        assert CountingUnitOfWork.opened == 3

        changes.listening = False  # deaf: the revision is read again once a second, as without changes heard
        indexes._built["2024-2030"].checked_at -= 2 * localisation.REVISION_CHECK_SECONDS
        assert await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") is rebuilt
        assert CountingUnitOfWork.opened == 4
        assert await indexes.for_generation(CountingUnitOfWork(sessions), "2024-2030") is rebuilt
        assert CountingUnitOfWork.opened == 4
    finally:
        await engine.dispose()
