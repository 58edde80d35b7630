"""The retry schedule, and what its end does: the subscription disabled with its reason, shown to its owner;
the relay run by hand (without a worker) as the subscription's client; the guide's Python verification."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx

from gateway.webhooks.delivery import body_of, signed_headers
from gateway.webhooks.domain import RETRY_DELAYS_SECONDS, new_secret, retry_delay
from identity.principal import Role
from tests.running_stack import RunningStack, gateway_settings
from tests.webhooks.partners import SUBSCRIPTIONS, register_partner
from tests.webhooks.receiver import Receiver

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
    from gateway.events import EventFeeds
    from gateway.webhooks import relay
    from gateway.webhooks.delivery import delivery_client
    from kit.database import create_engine, create_sessionmaker
    from kit.unit_of_work import UnitOfWork

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

    settings = gateway_settings(stack)
    engine = create_engine(stack.role_url("gateway"), "gateway", application_name="test")
    sessions = create_sessionmaker(engine)
    deferred: list[tuple[uuid.UUID, str, str]] = []

    async def defer(subscription: uuid.UUID, events: Sequence[tuple[str, str]]) -> None:
        deferred.extend((subscription, event_id, key) for event_id, key in events)

    box = settings.secret_box()
    try:
        async with httpx.AsyncClient(trust_env=False) as feed_client, delivery_client() as targets:
            feeds = EventFeeds(feed_client, settings.upstreams())
            await relay.relay(UnitOfWork(sessions), feeds, stack.issuer, defer)
            mine = [item for item in deferred if item[0] == subscription_id]
            assert [key.split(":")[1:] for _, _, key in mine] == [["operator", operator.json()["id"]]]
            event_id = mine[0][1]
            again = await relay.deliver(
                UnitOfWork(sessions), targets, subscription_id, event_id,
                failed_before=0, delays=RETRY_DELAYS_SECONDS, allow_local=True, draw=0.0, box=box,
            )  # fmt: skip
            assert again == 5
            last = await relay.deliver(
                UnitOfWork(sessions), targets, subscription_id, event_id,
                failed_before=len(RETRY_DELAYS_SECONDS), delays=RETRY_DELAYS_SECONDS, allow_local=True, draw=0.0,
                box=box,
            )  # fmt: skip
            assert last is None
    finally:
        await engine.dispose()

    shown = (await gateway.get(f"{SUBSCRIPTIONS}/{subscription_id}", headers=partner.headers)).json()
    assert shown["enabled"] is False
    assert shown["disabledReason"].startswith("8 attempts failed")
    assert "HTTP 503" in shown["disabledReason"]
    attempts = (await gateway.get(f"{SUBSCRIPTIONS}/{subscription_id}/attempts", headers=partner.headers)).json()
    assert [item["statusCode"] for item in attempts] == [503, 503]

    # Its owner enables it again: what was not delivered goes out first (deferred at the relay's next run).
    url = f"{SUBSCRIPTIONS}/{subscription_id}"
    etag = (await gateway.get(url, headers=partner.headers)).headers["etag"]
    enabled = await gateway.patch(url, json={"enabled": True}, headers={**partner.headers, "If-Match": etag})
    assert enabled.status_code == 200, enabled.text
    assert (enabled.json()["enabled"], enabled.json()["disabledReason"]) == (True, None)
    deferred.clear()
    engine = create_engine(stack.role_url("gateway"), "gateway", application_name="test")
    try:
        async with httpx.AsyncClient(trust_env=False) as feed_client:
            feeds = EventFeeds(feed_client, settings.upstreams())
            await relay.relay(UnitOfWork(create_sessionmaker(engine)), feeds, stack.issuer, defer)
    finally:
        await engine.dispose()
    assert [event for subscription, event, _ in deferred if subscription == subscription_id] == [event_id]


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
