"""A programmation year of its own for each reader's test."""

from __future__ import annotations

import httpx
import pytest

from tests.grants.playbook import Year, open_year
from tests.running_stack import RunningStack


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)
