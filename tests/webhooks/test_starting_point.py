"""Where a subscription's deliveries start: after the events committed when it is made (by default), after a
cursor of `GET /api/events` (`startAfter`), or from the oldest event kept (`oldest`); and a manual replay of
a time range. The relay and a delivery job are run by hand (no worker): what is due for each subscription
the relay defers is what its job would deliver."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from identity.principal import Role
from tests.events.feed import read_all
from tests.running_stack import RunningStack
from tests.webhooks.partners import SUBSCRIPTIONS, Partner, register_partner
from tests.webhooks.receiver import Receiver
from tests.webhooks.relaying import drain, relay_once

TYPES = ["operator.registered"]


async def _register(gateway: httpx.AsyncClient, stack: RunningStack, contract: str, siret: str) -> dict[str, Any]:
    body = {"contractCode": contract, "nom": f"Asso {siret[-4:]}", "siret": siret, "profile": "association"}
    created = await gateway.post(
        "/api/grants/operators", json=body, headers=stack.headers([Role.CONTRACT_PILOT], [contract])
    )
    assert created.status_code == 201, created.text
    operator: dict[str, Any] = created.json()
    return operator


async def _subscribe(
    gateway: httpx.AsyncClient, partner: Partner, contract: str, url: str, start_after: str | None
) -> httpx.Response:
    body: dict[str, Any] = {"url": url, "types": TYPES, "contractCode": contract}
    if start_after is not None:
        body["startAfter"] = start_after
    return await gateway.post(SUBSCRIPTIONS, json=body, headers=partner.keyed())


async def test_deliveries_start_after_the_subscription_a_cursor_or_the_oldest(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, receiver: Receiver
) -> None:
    partner = await register_partner(stack, gateway, Role.CONTRACT_PILOT, ["grants:read"], [new_contract])
    _, before_first = await read_all(gateway, partner.headers, contractCode=new_contract)
    first = await _register(gateway, stack, new_contract, "73282932000074")
    latest = await gateway.get("/api/events", params={"after": "latest"}, headers=partner.headers)
    assert latest.status_code == 200, latest.text
    assert latest.json()["items"] == []

    made = {
        name: await _subscribe(gateway, partner, new_contract, receiver.url, start)
        for name, start in (("now", None), ("cursor", before_first), ("oldest", "oldest"))
    }
    assert {name: answer.status_code for name, answer in made.items()} == dict.fromkeys(made, 201), made["now"].text
    refused = await _subscribe(gateway, partner, new_contract, receiver.url, "not-a-cursor")
    assert refused.status_code == 422
    assert (refused.json()["errors"][0]["field"], refused.json()["errors"][0]["rule"]) == ("startAfter", "cursor")

    second = await _register(gateway, stack, new_contract, "35600000049837")
    events, _ = await read_all(gateway, partner.headers, contractCode=new_contract, types=",".join(TYPES))
    event_of = {event["resourceId"]: event for event in events}
    deferred = await relay_once(stack)
    ids = {name: deferred.get(answer.json()["id"], []) for name, answer in made.items()}
    assert ids["now"] == [event_of[second["id"]]["id"]]
    assert ids["cursor"] == ids["oldest"] == [event_of[first["id"]]["id"], event_of[second["id"]]["id"]]

    # Delivered, then a range replayed: the events that occurred in it go out again (deferred at the relay's
    # next pass).
    oldest = made["oldest"].json()["id"]
    assert await drain(stack, uuid.UUID(oldest), stack.clock) == 2
    assert (await relay_once(stack)).get(oldest) is None
    replay = {"since": event_of[first["id"]]["occurredAt"], "until": event_of[second["id"]]["occurredAt"]}
    replayed = await gateway.post(f"{SUBSCRIPTIONS}/{oldest}/replays", json=replay, headers=partner.keyed())
    assert replayed.status_code == 202, replayed.text
    assert replayed.json() == {"events": 1}
    assert (await relay_once(stack)).get(oldest) == [event_of[first["id"]]["id"]]
    nothing = await gateway.post(f"{SUBSCRIPTIONS}/{oldest}/replays", json={}, headers=partner.keyed())
    assert nothing.status_code == 422
