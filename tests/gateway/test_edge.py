"""The gateway as the edge: slow clients, ambiguous credentials, cross-origin refusals.

Slow clients are tested against the gateway as `./dev up` runs it (a uvicorn process started with
`cli.stack.uvicorn_command`), with 1 s timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from identity.principal import Role
from tests.gateway.wire import PATIENCE_SECONDS, RawConnection, app_process
from tests.running_stack import CUA_CONTRACT, RunningStack

PROBLEM = "application/problem+json"
ONE_SECOND = {"GATEWAY_CLIENT_HEADER_TIMEOUT_SECONDS": "1", "GATEWAY_CLIENT_BODY_TIMEOUT_SECONDS": "1"}


@pytest.fixture(scope="module")
async def edge(stack: RunningStack) -> AsyncIterator[dict[str, int]]:
    """Gateway processes by HTTP protocol: httptools as wired in `uvicorn_command`, and h11."""
    async with (
        app_process(stack, "gateway", ONE_SECOND) as with_httptools,
        app_process(stack, "gateway", ONE_SECOND, http="gateway.edge:EdgeH11Protocol") as with_h11,
    ):
        yield {"httptools": with_httptools.port, "h11": with_h11.port}


PROTOCOLS = pytest.mark.parametrize("protocol", ["httptools", "h11"])


@PROTOCOLS
async def test_a_request_head_that_stalls_gets_408_and_the_connection_closes(
    edge: dict[str, int], protocol: str
) -> None:
    connection = await RawConnection.open(edge[protocol])
    await connection.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    rest = await connection.closed_by_peer()
    await connection.close()
    assert rest.startswith(b"HTTP/1.1 408 ")
    assert b"application/problem+json" in rest
    assert b"/problems/request-timeout" in rest


@PROTOCOLS
async def test_a_connection_that_sends_nothing_is_closed(edge: dict[str, int], protocol: str) -> None:
    connection = await RawConnection.open(edge[protocol])
    assert await connection.closed_by_peer() == b""
    await connection.close()


@PROTOCOLS
async def test_a_head_that_comes_in_pieces_in_time_is_served_and_the_next_one_has_the_same_deadline(
    edge: dict[str, int], protocol: str
) -> None:
    connection = await RawConnection.open(edge[protocol])
    for piece in (b"GET /healthz HT", b"TP/1.1\r\nHost: 127.", b"0.0.1\r\n\r\n"):
        await connection.send(piece)
        await asyncio.sleep(0.05)
    assert (await connection.response()).status == 200
    await connection.send(b"GET /healthz HTTP/1.1\r\nHo")
    assert (await connection.closed_by_peer()).startswith(b"HTTP/1.1 408 ")
    await connection.close()


async def test_a_request_head_past_the_size_limit_is_431(edge: dict[str, int]) -> None:
    connection = await RawConnection.open(edge["httptools"])
    await connection.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100_000)
    rest = await connection.closed_by_peer()
    await connection.close()
    assert rest.startswith(b"HTTP/1.1 431 ")
    assert b"/problems/header-too-large" in rest


@PROTOCOLS
async def test_a_request_the_parser_refuses_is_a_400_problem(edge: dict[str, int], protocol: str) -> None:
    connection = await RawConnection.open(edge[protocol])
    await connection.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n")
    rest = await connection.closed_by_peer()
    await connection.close()
    assert rest.startswith(b"HTTP/1.1 400 ")
    assert b"application/problem+json" in rest


def _post_head(stack: RunningStack, length: int) -> bytes:
    token = stack.token([Role.PLATFORM_ADMIN])
    return (
        "POST /api/territories/contracts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


@pytest.mark.parametrize(("declared", "sent"), [(100, 10), (200_000, 70_000)], ids=["read-whole", "streamed"])
async def test_a_request_body_that_stalls_gets_408(
    stack: RunningStack, edge: dict[str, int], declared: int, sent: int
) -> None:
    connection = await RawConnection.open(edge["httptools"])
    await connection.send(_post_head(stack, declared) + b"{" + b" " * (sent - 1))
    response = await connection.response()
    assert response.status == 408
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["connection"] == "close"
    assert response.json()["type"] == "/problems/request-timeout"
    assert await connection.closed_by_peer() == b""
    await connection.close()


async def test_a_request_body_that_crawls_gets_408(stack: RunningStack, edge: dict[str, int]) -> None:
    """A byte every 0.2 s never stalls for 1 s, but 1 s plus one second per 8 KiB is soon spent."""
    connection = await RawConnection.open(edge["httptools"])
    await connection.send(_post_head(stack, 1000))
    answer = asyncio.create_task(connection.response())
    sent = 0
    while not answer.done() and sent < 500:
        try:
            await connection.send(b" ")
        except ConnectionError:
            break
        sent += 1
        await asyncio.wait([answer], timeout=0.2)
    response = await answer
    await connection.close()
    assert response.status == 408
    assert sent < 500


async def test_more_than_one_authorization_header_is_refused_by_the_gateway_and_each_service(
    stack: RunningStack,
) -> None:
    auditor, admin = stack.token([Role.AUDITOR], [CUA_CONTRACT]), stack.token([Role.PLATFORM_ADMIN])
    two = [("Authorization", f"Bearer {auditor}"), ("Authorization", f"Bearer {admin}")]
    targets = [
        stack.gateway + f"/api/participation/bodies?contractCode={CUA_CONTRACT}",
        stack.urls["participation"] + f"/bodies?contractCode={CUA_CONTRACT}",
        stack.urls["grants"] + f"/calls?contractCode={CUA_CONTRACT}",
        stack.urls["territories"] + "/epcis",
    ]
    async with httpx.AsyncClient(timeout=PATIENCE_SECONDS) as client:
        for url in targets:
            refused = await client.get(url, headers=two)
            assert refused.status_code == 400, url
            assert refused.headers["content-type"] == PROBLEM
            assert refused.json()["errors"][0]["pointer"] == "/header/Authorization"
            one = await client.get(url, headers={"Authorization": f"Bearer {auditor}"})
            assert one.status_code == 200, (url, one.text)


async def test_a_refused_preflight_is_a_problem_naming_what_was_refused(gateway: httpx.AsyncClient) -> None:
    allowed = "https://front.example.test"

    async def preflight(origin: str, method: str, headers: str) -> httpx.Response:
        return await gateway.options(
            "/api/grants/calls",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": headers,
            },
        )

    for origin, method, headers, named in (
        ("https://evil.example", "GET", "authorization", "origin 'https://evil.example'"),
        (allowed, "TRACE", "authorization", "method 'TRACE'"),
        (allowed, "GET", "authorization, x-evil", "header 'x-evil'"),
    ):
        refused = await preflight(origin, method, headers)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == PROBLEM
        problem = refused.json()
        assert problem["type"] == "/problems/cors-refused"
        assert named in problem["detail"]
        assert "Origin" in refused.headers["vary"]
    assert "access-control-allow-origin" not in (await preflight("https://evil.example", "GET", "")).headers
    accepted = await preflight(allowed, "PATCH", "authorization, if-match, idempotency-key")
    assert accepted.status_code == 200
    assert accepted.headers["access-control-allow-origin"] == allowed
    simple = await gateway.get("/api/territories/epcis", headers={"Origin": allowed})
    assert simple.status_code == 200
    assert simple.headers["access-control-allow-origin"] == allowed
    assert "X-Request-ID" in simple.headers["access-control-expose-headers"]
