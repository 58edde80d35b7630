from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from identity.principal import Role
from tests.clock import TravellingClock
from tests.running_stack import CUA_CONTRACT, RunningStack, start_stack, stop_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    running = start_stack()
    yield running
    stop_stack(running)


@pytest.fixture
def one_instance(stack: RunningStack) -> Iterator[None]:
    """Each app answers from one instance during the test, though it runs several (`CDQ_TEST_REPLICAS`):
    for tests of what one process remembers."""
    with stack.one_instance():
        yield


@pytest.fixture
def clock(stack: RunningStack) -> Iterator[TravellingClock]:
    """The services' clock, back to the machine's after the test."""
    yield stack.clock
    stack.clock.reset()


@pytest.fixture
async def gateway(stack: RunningStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=20) as client:
        yield client


@pytest.fixture
def admin(stack: RunningStack) -> dict[str, str]:
    return stack.headers([Role.PLATFORM_ADMIN])


@pytest.fixture
async def new_contract(stack: RunningStack, gateway: httpx.AsyncClient, admin: dict[str, str]) -> str:
    """A contract of the CU d'Arras registered for this test only, so tests never share records."""
    return await register_contract(gateway, admin)


async def register_contract(gateway: httpx.AsyncClient, admin: dict[str, str]) -> str:
    """A new contract of the CU d'Arras, its code."""
    code = "CV-TEST-" + uuid.uuid4().hex[:10].upper()
    response = await gateway.post(
        "/api/territories/contracts",
        headers=admin,
        json={
            "code": code,
            "nom": "Contrat de test",
            "codeEpci": "200033579",
            "startYear": 2024,
            "endYear": 2030,
            "qpvCodes": ["QN06258M", "QN06261M"],
        },
    )
    assert response.status_code == 201, response.text
    return code


@pytest.fixture
def cua_contract() -> str:
    return CUA_CONTRACT


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Fuzzing runs last: as a platform admin it writes arbitrary (valid) data into the shared stack. Under
    pytest-xdist each worker has a stack of its own, and tests are handed out in this order, so a worker
    runs no other test after a fuzzing run."""
    items.sort(key=lambda item: "tests/fuzz/" in item.nodeid)
