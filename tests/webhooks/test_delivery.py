"""Webhooks delivered by the procrastinate worker to a real receiver on loopback: a grants journey's events,
each signed (verified with the reference library), each at least once and in order per resource; a 500 is
retried with the same webhook-id; a client sees only what it may read; a rotation signs with both secrets."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from standardwebhooks import Webhook

from identity.principal import Role
from tests.events.feed import read_all
from tests.grants.playbook import Year, draft, move, open_year, play_to_notified
from tests.running_stack import RunningStack
from tests.webhooks.partners import SUBSCRIPTIONS, Partner, register_partner
from tests.webhooks.receiver import Receiver, running_receiver

TYPES = ["application.created", "application.submitted", "application.state_changed", "financing_line.decided"]


async def _subscribe(gateway: httpx.AsyncClient, partner: Partner, url: str, contract: str | None) -> dict[str, Any]:
    body = {"url": url, "types": TYPES, **({"contractCode": contract} if contract else {})}
    created = await gateway.post(SUBSCRIPTIONS, json=body, headers=partner.keyed())
    assert created.status_code == 201, created.text
    subscription: dict[str, Any] = created.json()
    return subscription


async def _until(condition: Callable[[], bool], seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not reached in time")


async def _subscribed_year(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, receiver: Receiver
) -> tuple[Year, Partner, dict[str, Any]]:
    """A programmation year, and a State client subscribed to its contract's application events."""
    year = await open_year(stack, gateway, new_contract)
    partner = await register_partner(stack, gateway, Role.STATE, ["grants:read"], [new_contract])
    return year, partner, await _subscribe(gateway, partner, receiver.url, new_contract)


def _ids(receiver: Receiver) -> list[str]:
    return [item.headers["webhook-id"] for item in receiver.delivered()]


async def test_a_journey_is_delivered_signed_and_in_order(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, webhook_worker: None, receiver: Receiver
) -> None:
    year, partner, subscription = await _subscribed_year(stack, gateway, new_contract, receiver)
    application = await draft(gateway, year)
    await play_to_notified(gateway, year, application)

    expected, _ = await read_all(gateway, partner.headers, contractCode=new_contract, types=",".join(TYPES))
    assert {event["type"] for event in expected} >= {"application.submitted", "application.state_changed"}
    await _until(lambda: set(_ids(receiver)) >= {event["id"] for event in expected})

    verifier = Webhook(subscription["secret"])
    for item in receiver.delivered():
        event = verifier.verify(item.body, item.headers)  # raises on a bad signature or an old timestamp
        assert event["id"] == item.headers["webhook-id"]
        assert event["contractCode"] == new_contract
    by_resource: dict[str, list[str]] = {}
    for event in expected:
        by_resource.setdefault(event["resourceId"], []).append(event["id"])
    first_seen = list(dict.fromkeys(_ids(receiver)))
    for resource, ids in by_resource.items():
        assert [event_id for event_id in first_seen if event_id in ids] == ids, resource

    attempts = await gateway.get(f"{SUBSCRIPTIONS}/{subscription['id']}/attempts", headers=partner.headers)
    assert attempts.status_code == 200
    assert {item["eventId"] for item in attempts.json()["items"] if item["succeeded"]} >= set(
        by_resource.get(application["id"], [])
    )

    # Another operator's client, subscribed without a contract filter, gets none of these applications' events.
    with running_receiver() as other_receiver:
        other = await register_partner(
            stack, gateway, Role.OPERATOR, ["grants:read"], [new_contract], organisations=[year.other_operator_id]
        )
        await _subscribe(gateway, other, other_receiver.url, None)
        second = await draft(gateway, year)
        assert (await move(gateway, second["id"], year.operator, "submit")).status_code in (200, 422)
        await _until(lambda: any(json.loads(item.body)["resourceId"] == second["id"] for item in receiver.delivered()))
        await asyncio.sleep(3)  # two relay ticks more: anything the other client could get would be there
        assert not {json.loads(item.body)["resourceId"] for item in other_receiver.received} & {
            application["id"],
            second["id"],
        }


async def test_a_failed_attempt_is_retried_with_the_same_id_and_a_rotation_signs_twice(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, webhook_worker: None, receiver: Receiver
) -> None:
    year, partner, subscription = await _subscribed_year(stack, gateway, new_contract, receiver)
    url = f"{SUBSCRIPTIONS}/{subscription['id']}"
    failed_once: set[str] = set()

    def first_fails(headers: dict[str, str], _body: bytes) -> int:
        if headers["webhook-id"] in failed_once:
            return 200
        failed_once.add(headers["webhook-id"])
        return 500

    receiver.answer = first_fails
    application = await draft(gateway, year)
    await _until(lambda: len(receiver.delivered()) >= 1, seconds=40)
    first = receiver.received[0]
    again = receiver.delivered()[0]
    assert first.status == 500
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert json.loads(again.body)["resourceId"] == application["id"]
    # The worker records an attempt once its answer is in: the receiver may have it a moment before.
    for _ in range(100):
        attempts = (await gateway.get(f"{url}/attempts", headers=partner.headers)).json()["items"]
        if len(attempts) >= 2:
            break
        await asyncio.sleep(0.1)
    assert [item["statusCode"] for item in reversed(attempts)][:2] == [500, 200]
    assert attempts[-1]["error"].startswith("HTTP 500")

    receiver.answer = lambda _headers, _body: 200
    read = await gateway.get(url, headers=partner.headers)
    rotated = await gateway.post(
        f"{url}/secret-rotations", headers={**partner.keyed(), "If-Match": read.headers["etag"]}
    )
    assert rotated.status_code == 200, rotated.text
    before = len(receiver.delivered())
    await draft(gateway, year)
    await _until(lambda: len(receiver.delivered()) > before)
    latest = receiver.delivered()[-1]
    assert len(latest.headers["webhook-signature"].split(" ")) == 2
    Webhook(subscription["secret"]).verify(latest.body, latest.headers)
    Webhook(rotated.json()["secret"]).verify(latest.body, latest.headers)

    replayed = await gateway.post(
        f"{url}/replays", json={"eventId": latest.headers["webhook-id"]}, headers=partner.keyed()
    )
    assert replayed.status_code == 202, replayed.text
    assert replayed.json() == {"events": 1}
    count = len(receiver.delivered())
    await _until(lambda: len(receiver.delivered()) > count)
    assert receiver.delivered()[-1].headers["webhook-id"] == latest.headers["webhook-id"]
    unknown = await gateway.post(f"{url}/replays", json={"eventId": str(uuid.uuid4())}, headers=partner.keyed())
    assert unknown.status_code == 422, unknown.text
    assert (unknown.json()["errors"][0]["field"], unknown.json()["errors"][0]["rule"]) == ("eventId", "event-received")
