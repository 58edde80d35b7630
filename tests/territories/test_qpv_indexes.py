"""The per-process QPV indexes: built once, revision checked by one request at a time."""

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
