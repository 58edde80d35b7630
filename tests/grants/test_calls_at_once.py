"""One call per contract, year and scheme, however many ask for it at once."""

from __future__ import annotations

import asyncio

import httpx

from identity.principal import Role
from tests.grants.playbook import API, call_fields
from tests.running_stack import RunningStack


async def test_a_call_opened_several_times_at_once_is_opened_once_and_the_others_told_why(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """Those that find the call checked by the use case and those that meet the unique constraint (a twin's
    insert between its check and its own) are told the same `call-exists` (the latter: tests/kit/
    test_unique_problems.py, as the race is not certain here)."""
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract], institution="cua")
    call = call_fields(new_contract)
    answers = await asyncio.gather(*(gateway.post(f"{API}/calls", headers=pilot, json=call) for _ in range(8)))
    assert sorted(answer.status_code for answer in answers).count(201) == 1, [a.text[:100] for a in answers]
    refused = [answer.json()["type"] for answer in answers if answer.status_code != 201]
    assert refused == ["/problems/call-exists"] * 7
    later = await gateway.post(f"{API}/calls", headers=pilot, json=call)
    assert (later.status_code, later.json()["type"]) == (409, "/problems/call-exists")
