"""The gateway routes on the decoded path and forwards the raw remainder only under a prefix it can map."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from identity.principal import Role
from tests.gateway.wire import request_once
from tests.running_stack import RunningStack

PROBLEM = "application/problem+json"


def _port(stack: RunningStack) -> int:
    return int(urlsplit(stack.gateway).port or 0)


async def test_an_encoded_service_name_reaches_that_service(stack: RunningStack, cua_contract: str) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    query = f"?contractCode={cua_contract}"
    plain = await request_once(_port(stack), "GET", "/api/grants/calls" + query, pilot)
    assert plain.status == 200
    for target in ("/api/grant%73/calls", "/%61pi/grants/calls", "/api/%67%72%61%6E%74%73/calls"):
        encoded = await request_once(_port(stack), "GET", target + query, pilot)
        assert encoded.status == 200, (target, encoded.body)
        assert encoded.json()["total"] == plain.json()["total"]


async def test_a_prefix_it_cannot_map_is_404_and_goes_nowhere(stack: RunningStack) -> None:
    # Each decodes to /api/grants/calls, but no literal /api/<service>/ segment pair holds it.
    for target in ("/api%2Fgrants/calls", "/api/grants%2Fcalls", "/api%2fgrants%2fcalls"):
        response = await request_once(_port(stack), "GET", target)
        assert response.status == 404, target
        assert response.headers["content-type"] == PROBLEM
        assert "encoding" in response.json()["detail"]


async def test_double_slashes_find_no_route(stack: RunningStack) -> None:
    for target in ("/api//grants/calls", "/api/grants//calls"):
        response = await request_once(_port(stack), "GET", target)
        assert response.status == 404, target
        assert response.headers["content-type"] == PROBLEM


async def test_dot_segments_are_refused(stack: RunningStack) -> None:
    for target in (
        "/api/grants/../territories/epcis",
        "/api/grants/%2e%2e/territories/epcis",
        "/api/grants/%2E%2E%2Fterritories/epcis",
        "/api/territories/./epcis",
        "/api/territories/epcis/..",
    ):
        response = await request_once(_port(stack), "GET", target)
        assert response.status == 400, target
        assert response.headers["content-type"] == PROBLEM
        assert "'..'" in response.json()["detail"]
    # `..` in place of the service name is no service at all.
    response = await request_once(_port(stack), "GET", "/api/../api/territories/epcis")
    assert response.status == 404


async def test_head_is_answered_wherever_get_is_as_that_get_without_its_body(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    for path, params in (
        ("/api/grants/calls", {"contractCode": cua_contract}),  # a service's list, through the proxy
        ("/api/territories/epcis", {}),  # a public one
        ("/api/oauth/jwks.json", {}),  # the gateway's own
    ):
        got = await gateway.get(path, params=params, headers=pilot)
        head = await gateway.head(path, params=params, headers=pilot)
        assert (head.status_code, got.status_code) == (200, 200), (path, head.text)
        assert head.content == b""
        assert head.headers["content-length"] == str(len(got.content))
        assert head.headers.get("etag") == got.headers.get("etag")
    # The GET's policy decides a HEAD too.
    anonymous = await gateway.head("/api/grants/calls", params={"contractCode": cua_contract})
    assert (anonymous.status_code, anonymous.content) == (401, b"")
    # A resource that has no GET still has no HEAD.
    post_only = await gateway.head("/api/oauth/token")
    assert post_only.status_code == 405
    assert "POST" in post_only.headers["allow"]
    # A 405 where GET is served names HEAD among the methods allowed.
    not_allowed = await gateway.put("/api/territories/epcis", json={}, headers=pilot)
    assert (not_allowed.status_code, not_allowed.headers["allow"]) == (405, "GET, HEAD")


async def test_a_connect_is_a_problem_and_other_methods_are_405_where_no_route_serves_them(
    stack: RunningStack,
) -> None:
    # Forwarded, a CONNECT met a service's own parser, which answered in plain text.
    for target in ("/api/territories/epcis", "/api/events", "/api/nothing-here"):
        response = await request_once(_port(stack), "CONNECT", target)
        assert response.status == 400, (target, response.body)
        assert response.headers["content-type"] == PROBLEM
        assert "tunnel" in response.json()["detail"]
    for method in ("TRACE", "PURGE"):
        for target in ("/api/territories/epcis", "/api/events"):
            response = await request_once(_port(stack), method, target)
            assert (response.status, response.headers["allow"]) == (405, "GET, HEAD"), (method, target)
            assert response.headers["content-type"] == PROBLEM
