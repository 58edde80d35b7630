from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from identity.communes import commune_lookup
from identity.contracts import ContractRegistry
from kit.http_client import service_client
from kit.unit_of_work import UnitOfWork
from tests.participation.use_cases.records import DayClock, Territories
from tests.running_stack import RunningStack
from tests.use_case_sessions import rolled_back_unit_of_work

STORY_STARTS_ON = date(2025, 3, 1)


@pytest.fixture(scope="session")
async def territories(stack: RunningStack) -> AsyncIterator[Territories]:
    """The contract registry and commune lookup on the stack's territories, as the participation app has them."""
    registry = ContractRegistry(service_client("territories", stack.urls["territories"]))
    communes = commune_lookup(service_client("territories", stack.urls["territories"]))
    yield Territories(registry, communes)
    await registry.aclose()
    await communes.aclose()


@pytest.fixture
def day_clock() -> DayClock:
    """The use cases' clock: on STORY_STARTS_ON unless the test moves it."""
    return DayClock(STORY_STARTS_ON)


@pytest.fixture
async def uow(stack: RunningStack, day_clock: DayClock) -> AsyncIterator[UnitOfWork]:
    """A unit of work on participation's schema whose every commit is rolled back after the test."""
    async with rolled_back_unit_of_work(stack, "participation", clock=day_clock) as unit_of_work:
        yield unit_of_work
