"""The test stack's replicas (`CDQ_TEST_REPLICAS`): instances of one app served as one, each request to the
next in turn, unless pinned to one; every lifespan started, each with its own state, and stopped."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.running_stack import Replicas, replicas_asked


class Instance:
    """An ASGI app answering its own name, noting its lifespan's steps."""

    def __init__(self, name: str, steps: list[str], fails: bool = False) -> None:
        self.name = name
        self.steps = steps
        self.fails = fails

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            if self.fails:
                await send({"type": "lifespan.startup.failed", "message": f"{self.name} failed"})
                return
            self.steps.append(f"{self.name} started")
            scope["state"][self.name] = True
            await send({"type": "lifespan.startup.complete"})
            await receive()
            self.steps.append(f"{self.name} stopped")
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": self.name.encode()})


async def _answers(app: Replicas, count: int) -> list[str]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://replicas") as client:
        return [(await client.get("/")).text for _ in range(count)]


async def test_each_request_goes_to_the_next_instance_unless_one_is_pinned() -> None:
    steps: list[str] = []
    replicas = Replicas([Instance("a", steps), Instance("b", steps)])
    assert await _answers(replicas, 5) == ["a", "b", "a", "b", "a"]
    replicas.pinned = replicas.instances[1]
    assert await _answers(replicas, 3) == ["b", "b", "b"]


async def _lifespan(app: Replicas, state: dict[str, Any]) -> tuple[list[str], asyncio.Queue[Any], asyncio.Task[None]]:
    """Starts `app`'s lifespan; what the server was told, its inbox and the lifespan's task."""
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    told: list[str] = []

    async def send(message: dict[str, Any]) -> None:
        told.append(message["type"])

    task = asyncio.create_task(app({"type": "lifespan", "state": state}, inbox.get, send))
    await inbox.put({"type": "lifespan.startup"})
    for _ in range(100):
        if told:
            break
        await asyncio.sleep(0.01)
    return told, inbox, task


async def test_every_instance_starts_with_its_state_and_stops_in_the_reverse_order() -> None:
    steps: list[str] = []
    state: dict[str, Any] = {}
    told, inbox, task = await _lifespan(Replicas([Instance("a", steps), Instance("b", steps)]), state)
    assert told == ["lifespan.startup.complete"]
    assert state == {"a": True, "b": True}
    await inbox.put({"type": "lifespan.shutdown"})
    await task
    assert told == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert steps == ["a started", "b started", "b stopped", "a stopped"]


async def test_an_instance_that_fails_to_start_fails_the_startup() -> None:
    steps: list[str] = []
    told, _inbox, task = await _lifespan(Replicas([Instance("a", steps), Instance("b", steps, fails=True)]), {})
    await task
    assert told == ["lifespan.startup.failed"]
    assert steps == ["a started", "a stopped"]  # the one started is stopped


def test_the_setting_asks_one_to_three_instances() -> None:
    assert replicas_asked({}) == 1
    assert replicas_asked({"CDQ_TEST_REPLICAS": "2"}) == 2
    for wrong in ("0", "4", "two", ""):
        with pytest.raises(RuntimeError, match="CDQ_TEST_REPLICAS"):
            replicas_asked({"CDQ_TEST_REPLICAS": wrong})
