"""The retry schedule, and what its end does: the subscription disabled with its reason, shown to its owner;
the relay and the delivery job run by hand (without a worker), the job on a clock that reaches each retry's
time at once; the guide's Python verification."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from gateway.webhooks.delivery import body_of, signed_headers
from gateway.webhooks.domain import JITTER, RETRY_DELAYS_SECONDS, new_secret, retry_delay
from identity.principal import Role
from tests.clock import TravellingClock
from tests.running_stack import RunningStack
from tests.webhooks.partners import SUBSCRIPTIONS, register_partner
from tests.webhooks.receiver import Receiver
from tests.webhooks.relaying import drain, due_deliveries, relay_once

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integrators.md"


def test_the_schedule_lasts_over_a_day_then_gives_up() -> None:
    delays = [retry_delay(failures, RETRY_DELAYS_SECONDS, 0.0) for failures in range(1, 9)]
    assert delays[:7] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert delays[7] is None
    assert sum(RETRY_DELAYS_SECONDS) >= 24 * 3600
    longest = retry_delay(1, RETRY_DELAYS_SECONDS, 0.999)
    assert longest is not None
    assert 5 < longest < 6


async def test_the_last_failure_disables_the_subscription(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, receiver: Receiver
) -> None:
    partner = await register_partner(stack, gateway, Role.CONTRACT_PILOT, ["grants:read"], [new_contract])
    body = {"url": receiver.url, "types": ["operator.registered"], "contractCode": new_contract}
    created = await gateway.post(SUBSCRIPTIONS, json=body, headers=partner.keyed())
    subscription_id = uuid.UUID(created.json()["id"])
    operator = await gateway.post(
        "/api/grants/operators",
        headers=stack.headers([Role.CONTRACT_PILOT], [new_contract]),
        json={"contractCode": new_contract, "nom": "Asso 0074", "siret": "73282932000074", "profile": "association"},
    )
    assert operator.status_code == 201, operator.text
    receiver.answer = lambda _headers, _body: 503

    relayed = await relay_once(stack)
    assert len(relayed[str(subscription_id)]) == 1
    event_id = relayed[str(subscription_id)][0]
    clock = TravellingClock()  # the delivery job's: each retry's time reached at once
    attempts_url = f"{SUBSCRIPTIONS}/{subscription_id}/attempts"
    for number, delay in enumerate(RETRY_DELAYS_SECONDS, start=1):
        assert await drain(stack, subscription_id, clock) == 0
        assert await due_deliveries(stack, subscription_id, clock) == []  # not before its retry's time
        # The newest attempt tells which try it was and when the next one is due; the earlier ones, tried
        # again since, no longer tell a next try.
        page = (await gateway.get(attempts_url, params={"limit": "2"}, headers=partner.headers)).json()
        assert (page["total"], page["limit"], page["offset"]) == (number, 2, 0)
        newest = page["items"][0]
        assert newest["attemptNumber"] == number
        next_at = datetime.fromisoformat(newest["nextAttemptAt"])
        tried_at = datetime.fromisoformat(newest["attemptedAt"])
        assert timedelta(seconds=delay) <= next_at - tried_at <= timedelta(seconds=delay * (1 + JITTER))
        assert [item["nextAttemptAt"] for item in page["items"][1:]] == [None] * (number > 1)
        clock.advance(timedelta(seconds=delay * (1 + JITTER)))
    assert await drain(stack, subscription_id, clock) == 0
    assert len(receiver.received) == len(RETRY_DELAYS_SECONDS) + 1
    assert {item.headers["webhook-id"] for item in receiver.received} == {event_id}

    shown = (await gateway.get(f"{SUBSCRIPTIONS}/{subscription_id}", headers=partner.headers)).json()
    assert shown["enabled"] is False
    assert shown["disabledReason"].startswith("8 attempts failed")
    assert "HTTP 503" in shown["disabledReason"]
    attempts = (await gateway.get(attempts_url, headers=partner.headers)).json()
    assert [item["statusCode"] for item in attempts["items"]] == [503] * 8
    assert [item["attemptNumber"] for item in attempts["items"]] == list(range(8, 0, -1))
    assert [item["nextAttemptAt"] for item in attempts["items"]] == [None] * 8  # the schedule is over
    second_page = (
        await gateway.get(attempts_url, params={"limit": "3", "offset": "6"}, headers=partner.headers)
    ).json()
    assert ([item["attemptNumber"] for item in second_page["items"]], second_page["total"]) == ([2, 1], 8)
    assert str(subscription_id) not in await relay_once(stack)  # given up: nothing due

    # Its owner enables it again: what was not delivered goes out first (deferred at the relay's next run).
    url = f"{SUBSCRIPTIONS}/{subscription_id}"
    etag = (await gateway.get(url, headers=partner.headers)).headers["etag"]
    enabled = await gateway.patch(url, json={"enabled": True}, headers={**partner.headers, "If-Match": etag})
    assert enabled.status_code == 200, enabled.text
    assert (enabled.json()["enabled"], enabled.json()["disabledReason"]) == (True, None)
    assert (await relay_once(stack))[str(subscription_id)] == [event_id]
    receiver.answer = lambda _headers, _body: 200
    assert await drain(stack, subscription_id, clock) == 1
    assert receiver.delivered()[0].headers["webhook-id"] == event_id
    newest = (await gateway.get(attempts_url, params={"limit": "1"}, headers=partner.headers)).json()["items"][0]
    # Enabled again, its delivery starts a new schedule: this is its first try, delivered, nothing next.
    assert (newest["attemptNumber"], newest["succeeded"], newest["nextAttemptAt"]) == (1, True, None)


def test_the_guides_python_verification_accepts_a_delivery_and_refuses_a_forgery() -> None:
    code = re.search(r"^```python\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(code.group(1), namespace)  # noqa: S102 - the guide's own example, run as a reader would
    verified_event = namespace["verified_event"]
    assert callable(verified_event)
    secret = new_secret()
    event = {"id": str(uuid.uuid4()), "type": "application.submitted"}
    body = body_of(event).encode()
    headers = signed_headers(event["id"], body.decode(), [new_secret(), secret], datetime.now(UTC))
    assert verified_event(secret, body, headers) == event
    assert verified_event(new_secret(), body, headers) is None
    assert verified_event(secret, body.replace(b"submitted", b"withdrawn"), headers) is None
