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
