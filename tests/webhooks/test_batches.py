"""A delivery job drains its subscription's deliveries in batches, resources side by side: a failed delivery
holds back its own resource's later events until its retry, while the other resources' events are delivered;
each resource's events arrive in order, the retry with its first attempt's webhook-id. The relay and the
job are run by hand (no worker), the job on a clock moved past the retry's time."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx

from gateway.webhooks.domain import RETRY_DELAYS_SECONDS
from identity.principal import Role
from tests.clock import TravellingClock
from tests.running_stack import RunningStack
from tests.webhooks.partners import SUBSCRIPTIONS, register_partner
from tests.webhooks.receiver import Receiver
from tests.webhooks.relaying import drain, due_deliveries, relay_once

OPERATORS = "/api/grants/operators"
SIRETS = {"Nord": "73282932000074", "Sud": "35600000049837", "Est": "44306184100047"}


async def test_a_failing_resource_waits_for_its_retry_while_the_others_are_delivered_in_order(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, receiver: Receiver
) -> None:
    partner = await register_partner(stack, gateway, Role.CONTRACT_PILOT, ["grants:read"], [new_contract])
    body = {"url": receiver.url, "types": ["operator.registered", "operator.changed"], "contractCode": new_contract}
    created = await gateway.post(SUBSCRIPTIONS, json=body, headers=partner.keyed())
    assert created.status_code == 201, created.text
    subscription_id = uuid.UUID(created.json()["id"])
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])

    async def register(name: str) -> dict[str, Any]:
        sent = {"contractCode": new_contract, "nom": f"Asso {name}", "siret": SIRETS[name], "profile": "association"}
        answer = await gateway.post(OPERATORS, json=sent, headers=pilot)
        assert answer.status_code == 201, answer.text
        operator: dict[str, Any] = answer.json()
        return operator

    async def change(operator: dict[str, Any], address: str) -> None:
        etag = (await gateway.get(f"{OPERATORS}/{operator['id']}", headers=pilot)).headers["etag"]
        changed = await gateway.patch(
            f"{OPERATORS}/{operator['id']}", json={"address": address}, headers={**pilot, "If-Match": etag}
        )
        assert changed.status_code == 200, changed.text

    north = await register("Nord")
    await change(north, "1 rue de Douai")
    south = await register("Sud")
    await change(north, "2 rue de Lens")
    east = await register("Est")

    due = (await relay_once(stack))[str(subscription_id)]
    assert len(due) == 5
    north_registered, north_first_change, south_registered, north_second_change, east_registered = due
    refused_once: list[str] = []

    def first_change_refused_once(headers: dict[str, str], _body: bytes) -> int:
        if headers["webhook-id"] == north_first_change and not refused_once:
            refused_once.append(north_first_change)
            return 503
        return 200

    receiver.answer = first_change_refused_once
    clock = TravellingClock()
    # Batches of two: the first holds Nord's registration and first change (refused); the second reads on
    # past Nord's second change, held back behind the first, to Sud and Est.
    assert await drain(stack, subscription_id, clock, batch=2) == 3
    assert {item.headers["webhook-id"] for item in receiver.delivered()} == {
        north_registered,
        south_registered,
        east_registered,
    }
    assert refused_once == [north_first_change]
    assert await due_deliveries(stack, subscription_id, clock) == []  # Nord's change waits for its retry

    clock.advance(timedelta(seconds=RETRY_DELAYS_SECONDS[0] * 2))
    assert await due_deliveries(stack, subscription_id, clock) == [north_first_change, north_second_change]
    assert await drain(stack, subscription_id, clock, batch=2) == 2

    arrived = [(item.headers["webhook-id"], item.status) for item in receiver.received]
    of_north = [
        (event_id, status)
        for event_id, status in arrived
        if event_id in {north_registered, north_first_change, north_second_change}
    ]
    assert of_north == [
        (north_registered, 200),
        (north_first_change, 503),
        (north_first_change, 200),
        (north_second_change, 200),
    ]
    resources = {item.headers["webhook-id"]: json.loads(item.body)["resourceId"] for item in receiver.received}
    assert {resources[south_registered], resources[east_registered]} == {south["id"], east["id"]}
    assert resources[north_second_change] == north["id"]
    attempts = (await gateway.get(f"{SUBSCRIPTIONS}/{subscription_id}/attempts", headers=partner.headers)).json()[
        "items"
    ]
    assert sorted(item["statusCode"] for item in attempts) == [200] * 5 + [503]
    assert (await gateway.get(f"{SUBSCRIPTIONS}/{subscription_id}", headers=partner.headers)).json()["enabled"]
