"""The use-case tests' year: a contract registered in territories (over HTTP, as any test's), grants' records
made by its use cases in a unit of work rolled back at the test's end, on a clock stopped at `NOW`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from identity.communes import commune_lookup
from identity.contracts import ContractRegistry
from kit.http_client import service_client
from services.grants.clients.territories import OfficialZones, References
from tests.clock import FixedClock
from tests.grants.use_cases.records import NOW, Year, open_year
from tests.running_stack import RunningStack
from tests.use_case_sessions import rolled_back_unit_of_work


@pytest.fixture
async def references(stack: RunningStack) -> AsyncIterator[References]:
    """Territories' contracts and communes as grants reads them."""
    territories = stack.urls["territories"]
    found = References(
        ContractRegistry(service_client("territories", territories)),
        commune_lookup(service_client("territories", territories)),
        OfficialZones(service_client("territories", territories)),
    )
    yield found
    await found.contracts.aclose()
    await found.communes.aclose()
    await found.zones.aclose()


@pytest.fixture
async def year(stack: RunningStack, references: References, new_contract: str) -> AsyncIterator[Year]:
    clock = FixedClock(NOW)
    async with rolled_back_unit_of_work(stack, "grants", clock=clock) as uow:
        yield await open_year(uow, clock, references, new_contract)
