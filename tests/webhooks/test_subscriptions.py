"""Webhook subscriptions: a partner client's own, with its token; the secret shown once; event types and the
contract filter inside what the client may read; the SSRF guard; a rotation keeps the previous secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from gateway.webhooks.delivery import attempt, delivery_client
from gateway.webhooks.domain import check_addresses, new_secret, target_problem
from identity.principal import Role
from tests.running_stack import RunningStack
from tests.webhooks.partners import SUBSCRIPTIONS, register_partner

RECEIVER = "http://127.0.0.1:9/hooks"


async def test_subscription_lifecycle(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> None:
    partner = await register_partner(stack, gateway, Role.STATE, ["grants:read"], [new_contract])
    body = {"url": RECEIVER, "types": ["application.submitted"], "contractCode": new_contract}
    created = await gateway.post(SUBSCRIPTIONS, json=body, headers=partner.keyed())
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    subscription = created.json()
    assert subscription["secret"].startswith("whsec_")
    assert subscription["enabled"] is True
    url = f"{SUBSCRIPTIONS}/{subscription['id']}"

    read = await gateway.get(url, headers=partner.headers)
    assert read.status_code == 200
    assert "secret" not in read.json()
    listed = await gateway.get(SUBSCRIPTIONS, headers=partner.headers)
    assert [item["id"] for item in listed.json()["items"]] == [subscription["id"]]
    assert (listed.json()["total"], listed.json()["limit"], listed.json()["offset"]) == (1, 50, 0)
    assert "whsec_" not in listed.text

    other = await register_partner(stack, gateway, Role.STATE, ["grants:read"], [new_contract])
    assert (await gateway.get(url, headers=other.headers)).status_code == 404
    assert (await gateway.get(SUBSCRIPTIONS, headers=other.headers)).json()["items"] == []
    person = stack.headers([Role.STATE], [new_contract])
    assert (await gateway.get(SUBSCRIPTIONS, headers=person)).status_code == 403

    shown = subprocess.run(  # noqa: ASYNC221 - the platform operators' command, as they run it
        [sys.executable, "-m", "cli", "clients", "webhooks", partner.client_id],
        env={**os.environ, "GATEWAY_DATABASE_URL": stack.role_url("gateway")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert [json.loads(line)["id"] for line in shown.stdout.splitlines()] == [subscription["id"]]
    assert "whsec_" not in shown.stdout

    rotation = f"{url}/secret-rotations"
    assert (await gateway.post(rotation, headers=partner.keyed())).status_code == 428
    rotated = await gateway.post(rotation, headers={**partner.keyed(), "If-Match": read.headers["etag"]})
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] not in (subscription["secret"], None)
    assert rotated.json()["previousSecretUntil"] is not None

    stale = await gateway.delete(url, headers={**partner.headers, "If-Match": read.headers["etag"]})
    assert stale.status_code == 412
    paused = await gateway.patch(
        url, json={"enabled": False}, headers={**partner.headers, "If-Match": rotated.headers["etag"]}
    )
    assert paused.status_code == 200, paused.text
    assert (paused.json()["enabled"], paused.json()["disabledReason"]) == (False, "disabled by its owner")
    deleted = await gateway.delete(url, headers={**partner.headers, "If-Match": paused.headers["etag"]})
    assert deleted.status_code == 204
    assert (await gateway.get(url, headers=partner.headers)).status_code == 404


async def test_subscriptions_refused(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> None:
    partner = await register_partner(stack, gateway, Role.STATE, ["grants:read"], [new_contract])

    async def refused(body: dict[str, object]) -> tuple[str, str]:
        answer = await gateway.post(SUBSCRIPTIONS, json=body, headers=partner.keyed())
        assert answer.status_code == 422, answer.text
        error = answer.json()["errors"][0]
        return error["field"], error["rule"]

    base = {"url": RECEIVER, "types": ["application.submitted"]}
    assert await refused({**base, "types": ["opinion.answered"]}) == ("types", "client-scopes")
    assert await refused({**base, "types": ["nothing.happened"]}) == ("types", "known-type")
    assert await refused({**base, "contractCode": "CV-NOT-MINE"}) == ("contractCode", "client-contract")
    assert await refused({**base, "url": "https://169.254.169.254/latest/meta-data"}) == ("url", "public-address")
    assert await refused({**base, "url": "https://10.0.0.8/hooks"}) == ("url", "public-address")
    assert await refused({**base, "url": "ftp://127.0.0.1/hooks"}) == ("url", "https")


async def test_plain_http_is_for_a_loopback_receiver_only(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """The stack runs with development's settings (local targets allowed): plain http reaches the machine
    itself, never a public (nor a private) host, which is refused before its name is even resolved."""
    partner = await register_partner(stack, gateway, Role.STATE, ["grants:read"], [new_contract])
    base = {"types": ["application.submitted"], "contractCode": new_contract}
    for url in ("http://partenaire.example.org/hooks", "http://93.184.215.14/hooks", "http://10.0.0.8/hooks"):
        answer = await gateway.post(SUBSCRIPTIONS, json={**base, "url": url}, headers=partner.keyed())
        assert answer.status_code == 422, answer.text
        assert [(error["field"], error["rule"]) for error in answer.json()["errors"]] == [("url", "https")]
        assert "loopback" in answer.json()["errors"][0]["message"]
    for url in (RECEIVER, "http://localhost:9/hooks", "http://[::1]:9/hooks"):
        answer = await gateway.post(SUBSCRIPTIONS, json={**base, "url": url}, headers=partner.keyed())
        assert answer.status_code == 201, (url, answer.text)


@pytest.mark.parametrize(
    ("address", "allow_local"),
    [
        ("127.0.0.1", False),
        ("::1", False),
        ("10.1.2.3", True),
        ("192.168.1.1", True),
        ("172.16.0.1", True),
        ("169.254.169.254", True),
        ("fe80::1", True),
        ("224.0.0.1", True),
        ("::ffff:10.0.0.1", True),
        ("2002:a9fe:a9fe::", True),  # 6to4 carrying 169.254.169.254
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", True),  # Teredo, its client 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", True),  # Teredo, its client 8.8.8.8: a tunnel all the same
        ("fd00:ec2::254", True),
        ("100.64.0.1", True),
        ("0.0.0.0", True),  # noqa: S104 - an address refused, nothing binds it
    ],
)
def test_ssrf_guard_refuses(address: str, allow_local: bool) -> None:
    with pytest.raises(Exception, match="resolves to"):
        check_addresses([address], allow_local)


def test_ssrf_guard_in_production() -> None:
    assert target_problem("http://example.org/hooks", allow_local=False) is not None
    assert target_problem("https://user:pw@example.org/hooks", allow_local=False) is not None
    assert target_problem("https://example.org/hooks", allow_local=False) is None
    check_addresses(["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"], allow_local=False)
    check_addresses(["127.0.0.1"], allow_local=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://010.0.0.1/hook",  # octal to the resolver (8.0.0.1), no address to Python
        "https://0177.0.0.1/hook",  # 127.0.0.1
        "https://2130706433/hook",  # 127.0.0.1 as one number
        "https://0x7f.0.0.1/hook",
        "https://ｌｏｃａｌｈｏｓｔ/hook",  # full-width: no name the HTTP client sends
        "https://exa_mple.org/hook",
    ],
)
def test_a_host_written_other_than_canonically_is_refused(url: str) -> None:
    problem = target_problem(url, allow_local=True)
    assert problem is not None
    assert (problem.field, problem.rule) == ("url", "canonical-host")


def test_canonical_hosts_pass() -> None:
    for url in (
        "https://hooks.example.org/x",
        "https://hooks.example.org./x",
        "https://Hooks.Example.ORG:8443/x",
        "https://xn--mnchen-3ya.de/x",
        "https://93.184.215.14/x",
        "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/x",
    ):
        assert target_problem(url, allow_local=False) is None, url


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8080/hooks", True),
        ("http://localhost/hooks", True),
        ("http://receiver.localhost/hooks", True),
        ("http://[::1]/hooks", True),
        ("http://example.org/hooks", False),
        ("http://93.184.215.14/hooks", False),
        ("http://192.168.1.10/hooks", False),
        ("http://localhost.example.org/hooks", False),
        ("https://example.org/hooks", True),
    ],
)
def test_plain_http_in_development_reaches_loopback_only(url: str, allowed: bool) -> None:
    problem = target_problem(url, allow_local=True)
    assert (problem is None) == allowed
    if problem is not None:
        assert (problem.field, problem.rule) == ("url", "https")


async def test_a_url_the_http_client_refuses_is_a_failed_attempt_not_a_crash() -> None:
    """Whatever the check let through, a delivery to it is an attempt that failed, counted (and eventually
    disabling the subscription), never an error that fails the job again and again."""
    async with delivery_client() as client:
        tried = await attempt(client, "https://ｌｏｃａｌｈｏｓｔ/hook", {"id": "e1", "type": "t"}, [new_secret()])
    assert (tried.status_code, tried.succeeded) == (None, False)
    assert tried.error is not None
    assert tried.error.startswith("InvalidURL")
