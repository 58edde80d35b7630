"""The access log line: request id, method, path without its query string, status, duration."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from kit.asgi_middleware import RequestContextMiddleware


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def test_access_log_keeps_no_query_string(caplog: pytest.LogCaptureFixture) -> None:
    transport = httpx.ASGITransport(app=RequestContextMiddleware(_ok))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with caplog.at_level(logging.INFO, logger="access"):
            response = await client.get(
                "/members",
                params={"nom": "Dupont", "email": "marie.dupont@example.org"},
                headers={"X-Request-ID": "log-check-0001"},
            )
    assert response.headers["x-request-id"] == "log-check-0001"
    [record] = [record for record in caplog.records if record.name == "access"]
    assert record.__dict__["path"] == "/members"
    assert record.__dict__["status"] == 204
    assert "Dupont" not in caplog.text
    assert "example.org" not in caplog.text


async def test_more_than_one_authorization_header_is_refused_before_the_app(caplog: pytest.LogCaptureFixture) -> None:
    transport = httpx.ASGITransport(app=RequestContextMiddleware(_ok))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with caplog.at_level(logging.INFO, logger="access"):
            refused = await client.get(
                "/members", headers=[("Authorization", "Bearer a"), ("Authorization", "Bearer b")]
            )
        single = await client.get("/members", headers={"Authorization": "Bearer a"})
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "Authorization"
    assert refused.json()["requestId"] == refused.headers["x-request-id"]
    [record] = [record for record in caplog.records if record.name == "access"]
    assert record.__dict__["status"] == 400
    assert single.status_code == 204
