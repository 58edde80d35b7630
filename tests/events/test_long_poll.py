"""Long-polling the event feed (`wait`): an empty page waits for the next event the caller may read, not
for another caller's; at the end of the wait, an empty page and the cursor to read on from; a wait beyond
the bound is a 422 naming `wait`."""

from __future__ import annotations

import asyncio

import httpx

from identity.principal import Role
from tests.events.feed import FEED, read_all
from tests.participation.bodies import new_body
from tests.participation.people import new_person
from tests.running_stack import RunningStack
from tests.steps import step

MANDATES = "/api/participation/bodies/{body}/mandates"


async def test_a_long_poll_answers_with_the_next_event_the_caller_may_read(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    ours, theirs = await new_body(stack, gateway, new_contract), await new_body(stack, gateway, new_contract)
    facilitator = stack.headers([Role.BODY_FACILITATOR], [new_contract], bodies=[ours])
    person = await new_person(gateway, pilot, new_contract)
    now = await gateway.get(FEED, params={"after": "latest", "contractCode": new_contract}, headers=facilitator)
    assert now.status_code == 200, now.text
    cursor = now.json()["nextCursor"]

    async def give_mandate(body: str) -> None:
        given = await gateway.post(
            MANDATES.format(body=body),
            json={"personId": person, "role": "member", "startsOn": "2025-01-15"},
            headers=pilot,
        )
        assert given.status_code == 201, given.text

    async with httpx.AsyncClient(base_url=stack.gateway, timeout=60) as waiting_client:
        params = {"after": cursor, "contractCode": new_contract, "wait": "25"}
        waiting = asyncio.create_task(waiting_client.get(FEED, params=params, headers=facilitator))
        with step("another body's event does not answer the facilitator's wait"):
            await give_mandate(theirs)
            seen, _ = await read_all(gateway, pilot, after=cursor, contractCode=new_contract)
            assert [event["related"]["bodyId"] for event in seen] == [theirs]  # committed, readable by the pilot
            await asyncio.sleep(1)  # a read again after the change's announcement has had the time to happen
            assert not waiting.done()
        with step("its own body's event does"):
            await give_mandate(ours)
            answered = await waiting
    assert answered.status_code == 200, answered.text
    page = answered.json()
    assert [(event["type"], event["related"]["bodyId"]) for event in page["items"]] == [("mandate.given", ours)]

    with step("nothing more within the wait: an empty page, and the cursor to read on from"):
        params = {"after": page["nextCursor"], "contractCode": new_contract, "wait": "1"}
        empty = await gateway.get(FEED, params=params, headers=facilitator)
        assert empty.status_code == 200, empty.text
        assert empty.json()["items"] == []
        assert empty.json()["hasMore"] is False
        again = await gateway.get(FEED, params={"after": empty.json()["nextCursor"]}, headers=facilitator)
        assert again.json()["items"] == []

    with step("a wait beyond 30 s, or negative, is refused naming `wait`"):
        for refused_wait in ("31", "-1"):
            refused = await gateway.get(FEED, params={"wait": refused_wait}, headers=facilitator)
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["field"] == "wait"
