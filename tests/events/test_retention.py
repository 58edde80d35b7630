"""Events past the service's retention are purged (the sweep each service process runs hourly, run here at
once); a cursor naming a purged event answers 410 with the oldest cursor kept, and reading on from it gives
the events kept; newer events stay."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from gateway.events import decode_cursor, encode_cursor
from identity.principal import Role
from tests.events.feed import FEED, read_all
from tests.running_stack import RunningStack

OPERATORS = "/api/grants/operators"


async def _register(gateway: httpx.AsyncClient, headers: dict[str, str], contract: str, siret: str) -> dict[str, Any]:
    body = {"contractCode": contract, "nom": f"Asso {siret[-4:]}", "siret": siret, "profile": "association"}
    created = await gateway.post(OPERATORS, json=body, headers=headers)
    assert created.status_code == 201, created.text
    operator: dict[str, Any] = created.json()
    return operator


async def test_events_past_retention_are_purged_and_their_cursor_is_a_410(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    from kit.database import create_engine, create_sessionmaker
    from kit.event_retention import EventRetention
    from services.grants.persistence import ledger

    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    old = await _register(gateway, pilot, new_contract, "73282932000074")
    recent = await _register(gateway, pilot, new_contract, "35600000049837")
    events, _ = await read_all(gateway, pilot, contractCode=new_contract, types="operator.registered")
    event_of = {event["resourceId"]: event for event in events}
    aged = event_of[old["id"]]

    owner = await asyncpg.connect(stack.owner_url("grants").replace("+asyncpg", ""))
    try:
        await owner.execute(
            "UPDATE grants.outbox_events SET occurred_at = now() - interval '91 days' WHERE event_id = $1::uuid",
            aged["id"],
        )
    finally:
        await owner.close()
    engine = create_engine(stack.role_url("grants"), "grants", application_name="test")
    try:
        purged = await EventRetention(create_sessionmaker(engine), ledger.outbox_events, kept_days=90).sweep()
    finally:
        await engine.dispose()
    assert purged >= 1

    kept, _ = await read_all(gateway, pilot, contractCode=new_contract, types="operator.registered")
    assert [event["resourceId"] for event in kept] == [recent["id"]]
    expired = await gateway.get("/api/grants/events", params={"after": aged["cursor"]}, headers=pilot)
    assert expired.status_code == 410, expired.text
    assert expired.json()["oldestCursor"] == "0.0"

    merged = encode_cursor({"grants": aged["cursor"]})
    expired = await gateway.get(FEED, params={"after": merged, "contractCode": new_contract}, headers=pilot)
    assert expired.status_code == 410, expired.text
    oldest = expired.json()["oldestCursor"]
    assert decode_cursor(oldest)["grants"] == "0.0"
    again, _ = await read_all(gateway, pilot, oldest, contractCode=new_contract, types="operator.registered")
    assert [event["resourceId"] for event in again] == [recent["id"]]
