"""Outages lose nothing: a worker process killed (SIGKILL) while its deliveries wait on a slow receiver, and a
receiver that refuses connections for a while. Every event arrives afterwards, signed (verified with the
reference library), with the webhook-id it had, in order per resource. Deadlines are generous: a killed
worker's jobs run again once procrastinate sees it stalled (no heartbeat for 30 s, checked every minute)."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from collections.abc import Callable
from typing import Any

import httpx
from standardwebhooks import Webhook

from cli.embedded_postgres import free_port
from identity.principal import Role
from services.grants.operators.domain import luhn_valid
from tests.events.feed import read_all
from tests.running_stack import RunningStack
from tests.webhooks.conftest import running_worker
from tests.webhooks.partners import SUBSCRIPTIONS, Partner, register_partner
from tests.webhooks.receiver import Receiver, running_receiver
from tests.webhooks.worker_process import worker_process

TYPES = ["operator.registered", "operator.changed"]
OPERATORS = "/api/grants/operators"
FAST_RETRIES = (1, 1, 2, 2, 2, 2, 2, 2, 2, 2)  # 18 s of attempts: the receiver comes back well within


async def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not reached in {seconds:.0f} s: {what}")


def _siret() -> str:
    """A SIRET of valid SIREN and SIRET keys, new at each call."""
    base = f"{secrets.randbelow(10**8):08d}"
    siren = next(base + str(key) for key in range(10) if luhn_valid(base + str(key)))
    return next(siren + f"0001{key}" for key in range(10) if luhn_valid(siren + f"0001{key}"))


async def _register(gateway: httpx.AsyncClient, stack: RunningStack, contract: str, name: str) -> dict[str, Any]:
    body = {"contractCode": contract, "nom": name, "siret": _siret(), "profile": "association"}
    created = await gateway.post(OPERATORS, json=body, headers=stack.headers([Role.CONTRACT_PILOT], [contract]))
    assert created.status_code == 201, created.text
    operator: dict[str, Any] = created.json()
    return operator


async def _subscribed(
    stack: RunningStack, gateway: httpx.AsyncClient, contract: str, url: str
) -> tuple[Partner, dict[str, Any]]:
    partner = await register_partner(stack, gateway, Role.CONTRACT_PILOT, ["grants:read"], [contract])
    body = {"url": url, "types": TYPES, "contractCode": contract}
    created = await gateway.post(SUBSCRIPTIONS, json=body, headers=partner.keyed())
    assert created.status_code == 201, created.text
    subscription: dict[str, Any] = created.json()
    return partner, subscription


async def _expected(gateway: httpx.AsyncClient, partner: Partner, contract: str) -> list[dict[str, Any]]:
    events, _ = await read_all(gateway, partner.headers, contractCode=contract, types=",".join(TYPES))
    return events


def _verified(receiver: Receiver, secret: str) -> dict[str, dict[str, Any]]:
    """Each delivered event by its webhook-id, its signature checked, its id the webhook-id."""
    verifier = Webhook(secret)
    delivered = {}
    for item in receiver.delivered():
        event: dict[str, Any] = verifier.verify(item.body, item.headers)
        assert event["id"] == item.headers["webhook-id"]
        delivered[event["id"]] = event
    return delivered


async def test_a_worker_killed_mid_delivery_loses_nothing(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, receiver: Receiver
) -> None:
    partner, subscription = await _subscribed(stack, gateway, new_contract, receiver.url)
    release = threading.Event()
    held: list[str] = []  # the webhook-ids of the requests that arrived while the first worker lived

    def slow(headers: dict[str, str], _body: bytes) -> int:
        if not release.is_set():
            held.append(headers["webhook-id"])
            release.wait(30)  # the worker is killed while it waits for this answer
        return 200

    receiver.answer = slow
    for number in range(3):
        await _register(gateway, stack, new_contract, f"Asso {number}")
    expected = await _expected(gateway, partner, new_contract)
    assert len(expected) == 3

    with worker_process(stack) as first:
        await _until(lambda: len(held) >= 1 or first.poll() is not None, 60, "a delivery in flight")
        assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
        first.kill()  # SIGKILL: no graceful end, its jobs stay "doing"
        first.wait()
    in_flight = set(held)
    release.set()  # the held requests are answered to a dead worker: nobody records them delivered
    await _until(lambda: len(receiver.received) >= len(held), 30, "the held requests answered")
    arrived_before = len(receiver.received)
    wanted = {event["id"] for event in expected}
    attempts_url = f"{SUBSCRIPTIONS}/{subscription['id']}/attempts"

    async def recorded_delivered() -> set[str]:
        attempts = (await gateway.get(attempts_url, headers=partner.headers)).json()["items"]
        return {item["eventId"] for item in attempts if item["succeeded"]}

    with worker_process(stack) as second:
        for _ in range(1800):  # up to 3 minutes: the stalled jobs' retry runs once a minute
            if await recorded_delivered() >= wanted or second.poll() is not None:
                break
            await asyncio.sleep(0.1)
        assert second.poll() is None, second.stderr.read().decode() if second.stderr else ""
    assert await recorded_delivered() >= wanted

    delivered = _verified(receiver, subscription["secret"])
    assert set(delivered) >= wanted
    redelivered = {item.headers["webhook-id"] for item in receiver.delivered()[arrived_before:]}
    assert in_flight <= redelivered  # delivered again, with the webhook-id of the attempt cut short
    assert wanted <= redelivered | (set(delivered) - in_flight)


async def test_a_receiver_down_for_a_while_gets_everything_in_order(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    port = free_port()  # nothing listens there yet: connections are refused
    partner, subscription = await _subscribed(stack, gateway, new_contract, f"http://127.0.0.1:{port}/hooks")
    first = await _register(gateway, stack, new_contract, "Asso Nord")
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    etag = (await gateway.get(f"{OPERATORS}/{first['id']}", headers=pilot)).headers["etag"]
    for address in ("1 rue de Douai", "2 rue de Lens"):
        changed = await gateway.patch(
            f"{OPERATORS}/{first['id']}", json={"address": address}, headers={**pilot, "If-Match": etag}
        )
        assert changed.status_code == 200, changed.text
        etag = changed.headers["etag"]
    await _register(gateway, stack, new_contract, "Asso Sud")
    expected = await _expected(gateway, partner, new_contract)
    assert [event["type"] for event in expected if event["resourceId"] == first["id"]] == [
        "operator.registered",
        "operator.changed",
        "operator.changed",
    ]
    url = f"{SUBSCRIPTIONS}/{subscription['id']}"

    async def refused_attempts() -> int:
        attempts = (await gateway.get(f"{url}/attempts", headers=partner.headers)).json()["items"]
        return sum(1 for item in attempts if not item["succeeded"] and "ConnectError" in (item["error"] or ""))

    async with running_worker(stack, delays=FAST_RETRIES):
        for _ in range(600):
            if await refused_attempts() >= 3:
                break
            await asyncio.sleep(0.1)
        assert await refused_attempts() >= 3, "the receiver's refusals were not recorded"
        with running_receiver(port) as receiver:
            wanted = {event["id"] for event in expected}
            await _until(
                lambda: wanted <= {item.headers["webhook-id"] for item in receiver.delivered()}, 120, "all delivered"
            )
    delivered = _verified(receiver, subscription["secret"])
    assert set(delivered) >= wanted
    first_seen = list(dict.fromkeys(item.headers["webhook-id"] for item in receiver.delivered()))
    for resource in {event["resourceId"] for event in expected}:
        in_feed = [event["id"] for event in expected if event["resourceId"] == resource]
        assert [event_id for event_id in first_seen if event_id in in_feed] == in_feed, resource
    shown = (await gateway.get(url, headers=partner.headers)).json()
    assert shown["enabled"] is True
    assert json.loads(receiver.delivered()[0].body)["contractCode"] == new_contract
