"""The gateway as a reverse proxy: request ids, faults, limits, CORS, one OpenAPI."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from cli.embedded_postgres import free_port
from gateway.app import create_app
from identity.principal import Role
from tests.gateway.wire import gateway_settings
from tests.running_stack import CUA_CONTRACT, RunningStack, ServingThread

PROBLEM = "application/problem+json"


async def test_request_id_is_kept_when_valid_and_replaced_when_not(gateway: httpx.AsyncClient) -> None:
    kept = await gateway.get("/api/territories/epcis", headers={"X-Request-ID": "req-0123456789"})
    assert kept.headers["x-request-id"] == "req-0123456789"
    replaced = await gateway.get("/api/territories/epcis", headers={"X-Request-ID": "bad id;drop"})
    assert replaced.headers["x-request-id"] != "bad id;drop"
    assert len(replaced.headers["x-request-id"]) == 32
    problem = await gateway.get("/api/territories/communes/00000", headers={"X-Request-ID": "trace-abcdef12"})
    assert problem.status_code == 404
    assert problem.json()["requestId"] == "trace-abcdef12"


async def test_upstream_problem_passes_through_unchanged(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    via_gateway = await gateway.get("/api/territories/qpvs/QN99999Z", headers={"X-Request-ID": "same-id-123"})
    async with httpx.AsyncClient(base_url=stack.urls["territories"]) as direct:
        straight = await direct.get("/qpvs/QN99999Z", headers={"X-Request-ID": "same-id-123"})
    assert via_gateway.status_code == straight.status_code == 404
    assert via_gateway.headers["content-type"] == PROBLEM
    assert via_gateway.content == straight.content


async def test_body_over_the_limit_is_413(gateway: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await gateway.post("/api/territories/contracts", headers=admin, content=b"x" * 2_000_000)
    assert response.status_code == 413
    assert response.json()["maxBytes"] == 1_048_576

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"y" * 65_536

    streamed = await gateway.post("/api/territories/contracts", headers=admin, content=chunks())
    assert streamed.status_code == 413


async def test_cors_allows_only_configured_origins(gateway: httpx.AsyncClient) -> None:
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    allowed = await gateway.options("/api/grants/calls", headers={"Origin": "https://front.example.test", **preflight})
    assert allowed.headers["access-control-allow-origin"] == "https://front.example.test"
    refused = await gateway.options("/api/grants/calls", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in refused.headers


async def test_aggregated_openapi_covers_every_service(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    document = (await gateway.get("/api/openapi.json")).json()
    assert "x-unavailable" not in document
    for service in ("territories", "grants", "participation"):
        async with httpx.AsyncClient(base_url=stack.urls[service]) as direct:
            own = (await direct.get("/openapi.json")).json()
        for path in own["paths"]:
            assert f"/api/{service}{path}" in document["paths"]
    assert "/api/oauth/token" in document["paths"]
    creation = document["paths"]["/api/participation/bodies"]["post"]["responses"]
    assert {"408", "502", "503", "504"} <= set(creation)
    assert "Idempotency-Key" in creation["502"]["description"]
    operation_ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    docs = await gateway.get("/api/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


async def _slow_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await asyncio.sleep(30)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"too late"})


@pytest.fixture(scope="module")
def faulty_gateway(stack: RunningStack) -> Iterator[tuple[str, float]]:
    """A gateway whose territories upstream hangs and whose grants upstream is a closed port."""
    slow_port, gateway_port = free_port(), free_port()
    # Bound but never listening, and kept bound: a connection to it is refused, and no other test's server
    # can take the port meanwhile.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    deadline = 1.0
    app = create_app(
        gateway_settings(
            stack,
            territories_url=f"http://127.0.0.1:{slow_port}",
            grants_url=f"http://127.0.0.1:{closed_port}",
            upstream_deadline_seconds=deadline,
            token_requests_per_minute=3,
        )
    )
    thread = ServingThread({"slow": (_slow_app, slow_port), "gateway": (app, gateway_port)})
    thread.start_and_wait()
    yield f"http://127.0.0.1:{gateway_port}", deadline
    thread.stop()
    closed.close()


async def test_slow_upstream_gives_504_within_the_deadline(faulty_gateway: tuple[str, float]) -> None:
    url, deadline = faulty_gateway
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        started = time.monotonic()
        response = await client.get("/api/territories/epcis")
        elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM
    assert elapsed < deadline * 1.1 + 0.2


async def test_upstream_down_gives_503_and_others_still_answer(
    stack: RunningStack, faulty_gateway: tuple[str, float]
) -> None:
    url, _ = faulty_gateway
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        down = await client.get("/api/grants/calls")
        assert down.status_code == 503
        assert down.headers["content-type"] == PROBLEM
        assert "retry-after" in down.headers
        working = await client.get(
            "/api/participation/bodies",
            params={"contractCode": CUA_CONTRACT},
            headers=stack.headers([Role.AUDITOR], [CUA_CONTRACT]),
        )
        assert working.status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["grants"] == "unavailable"
        document = (await client.get("/api/openapi.json")).json()
        assert set(document["x-unavailable"]) == {"territories", "grants"}
        assert any(path.startswith("/api/participation/") for path in document["paths"])


async def test_token_requests_are_rate_limited(faulty_gateway: tuple[str, float]) -> None:
    url, _ = faulty_gateway
    form = {"grant_type": "client_credentials", "client_id": "cdq-nobody", "client_secret": "wrong"}
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        statuses = [(await client.post("/api/oauth/token", data=form)).status_code for _ in range(5)]
        limited = await client.post("/api/oauth/token", data=form)
    assert statuses[:3] == [401, 401, 401]
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "60"
    assert limited.headers["content-type"] == PROBLEM


async def test_upstream_speaking_garbage_gives_502(stack: RunningStack) -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(b"SSH-2.0-not-http\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    garbage_port = server.sockets[0].getsockname()[1]
    app = create_app(gateway_settings(stack, territories_url=f"http://127.0.0.1:{garbage_port}"))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
            response = await client.get("/api/territories/epcis")
        assert response.status_code == 502
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/bad-gateway"
    finally:
        await app.proxy.close()
        server.close()
        await server.wait_closed()
