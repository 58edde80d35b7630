"""A cursor of the merged feed holds one position per service: a position in the feed of a service the caller
may not read is none a page gave it (that part stays at the start), so a cursor made with one is a 422
naming `after` and the rule, whether the page asks that service's events or not; and a webhook subscription
refuses it as `startAfter` before the relay would read it."""

from __future__ import annotations

import base64
import json

import httpx

from identity.principal import Role
from tests.events.feed import FEED, read_all
from tests.running_stack import RunningStack
from tests.webhooks.partners import SUBSCRIPTIONS, register_partner


def _parts(cursor: str) -> dict[str, str]:
    decoded: dict[str, str] = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return decoded


def _cursor(parts: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


async def test_a_position_in_an_unreadable_feed_is_a_422_naming_the_cursor(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    grants_only = stack.headers([Role.CONTRACT_PILOT], [new_contract], scopes=["grants:read"])
    _, end = await read_all(gateway, grants_only, contractCode=new_contract)
    given = _parts(end)
    assert given["territories"] == given["participation"] == "0.0"  # a page keeps unread parts at the start
    again = await gateway.get(FEED, params={"after": end, "contractCode": new_contract}, headers=grants_only)
    assert again.status_code == 200, again.text

    forged = _cursor({**given, "participation": "1.5"})
    for params in ({}, {"types": "operator.registered"}, {"types": "body.changed"}):
        refused = await gateway.get(FEED, params={"after": forged, **params}, headers=grants_only)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        [error] = refused.json()["errors"]
        assert (error["field"], error["pointer"], error["rule"]) == (
            "after",
            "/query/after",
            "cursor-readable-services",
        )
        assert "participation" in error["message"]

    # A reader of every feed holds a position in each: the same cursor is its to use.
    everything = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    read = await gateway.get(FEED, params={"after": forged, "contractCode": new_contract}, headers=everything)
    assert read.status_code in (200, 410), read.text


async def test_a_subscription_refuses_such_a_starting_cursor(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    partner = await register_partner(stack, gateway, Role.CONTRACT_PILOT, ["grants:read"], [new_contract])
    _, end = await read_all(gateway, partner.headers, contractCode=new_contract)
    body = {"url": "http://127.0.0.1:9/hooks", "types": ["operator.registered"], "contractCode": new_contract}
    forged = await gateway.post(
        SUBSCRIPTIONS,
        json={**body, "startAfter": _cursor({**_parts(end), "territories": "3.7"})},
        headers=partner.keyed(),
    )
    assert forged.status_code == 422, forged.text
    assert [(error["field"], error["rule"]) for error in forged.json()["errors"]] == [
        ("startAfter", "cursor-readable-services")
    ]
    given = await gateway.post(SUBSCRIPTIONS, json={**body, "startAfter": end}, headers=partner.keyed())
    assert given.status_code == 201, given.text
