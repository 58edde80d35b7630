"""What grants' triggers keep (kept financers, kept programmation items), its tests' fixtures: the runtime
role's own connection to the database, and a contract's year opened, its call's files being filed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import httpx
import pytest

from tests.clock import TravellingClock
from tests.grants.playbook import Year, open_year
from tests.running_stack import RunningStack


@pytest.fixture
async def database(stack: RunningStack) -> AsyncIterator[asyncpg.Connection]:
    async with stack.runtime_connection("grants") as connection:
        yield connection


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock) -> Year:
    opened = await open_year(stack, gateway, new_contract)
    clock.travel_to(date(2026, 3, 2))
    return opened
