"""The feed's order is safe under concurrent transactions: an event of a transaction that commits after a
later one (and so holds a smaller position) is never skipped by a reader who already read past the later
one — the feed waits for the older transaction (kit/outbox.py)."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from identity.principal import Role
from tests.events.feed import read_all
from tests.running_stack import RunningStack

INSERT = """
INSERT INTO grants.outbox_events
    (event_id, event_type, schema_version, occurred_at, contract_code, resource_type, resource_id, related)
VALUES ($1, 'call.changed', 1, now(), $2, 'call_for_projects', $3, '{}')
"""


async def test_a_transaction_committed_late_is_read_in_its_place(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    _, start = await read_all(gateway, pilot, contractCode=new_contract)
    dsn = make_url(stack.role_url("grants")).set(drivername="postgresql").render_as_string(hide_password=False)
    first, second = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        early = first.transaction()
        await early.start()
        await first.execute(INSERT, uuid.uuid4(), new_contract, "first")  # the smaller position
        async with second.transaction():
            await second.execute(INSERT, uuid.uuid4(), new_contract, "second")
        held_back, cursor = await read_all(gateway, pilot, after=start, contractCode=new_contract)
        assert held_back == []  # the second committed, but the first may still come before it
        await early.commit()
        events, _ = await read_all(gateway, pilot, after=cursor, contractCode=new_contract)
        assert [event["resourceId"] for event in events] == ["first", "second"]
    finally:
        await first.close()
        await second.close()
