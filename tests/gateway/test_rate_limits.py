"""Token requests are limited per caller across every gateway worker: two gateways on one database share
the window (the `limits` sliding window counter on counters kept in PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cli.embedded_postgres import free_port
from gateway.app import create_app
from tests.gateway.wire import gateway_settings
from tests.running_stack import RunningStack, ServingThread

FORM = {"grant_type": "client_credentials", "client_id": "cdq-nobody", "client_secret": "wrong"}


@pytest.fixture(scope="module")
def two_gateways(stack: RunningStack) -> Iterator[tuple[str, str]]:
    apps = {
        name: (create_app(gateway_settings(stack, token_requests_per_minute=4)), free_port()) for name in ("a", "b")
    }
    thread = ServingThread(apps)
    thread.start_and_wait()
    yield f"http://127.0.0.1:{apps['a'][1]}", f"http://127.0.0.1:{apps['b'][1]}"
    thread.stop()


async def test_the_window_is_shared_by_every_worker(two_gateways: tuple[str, str]) -> None:
    first, second = two_gateways
    async with httpx.AsyncClient(timeout=10) as client:
        statuses = [(await client.post(url + "/api/oauth/token", data=FORM)).status_code for url in (first, second) * 2]
        limited = await client.post(second + "/api/oauth/token", data=FORM)
    assert statuses == [401, 401, 401, 401]  # four tries, two on each worker: the limit is four
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "60"
