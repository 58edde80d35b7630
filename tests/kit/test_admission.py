"""Admission: a few requests at once per process, the others in arrival order, a 503 for one that waits too
long; health probes never wait, slow clients hold no place (kit/admission.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from kit.admission import Admission, AdmissionGate, AdmissionMiddleware, Place
from kit.asgi_middleware import BodySizeLimitMiddleware, HeadAsGetMiddleware, RequestContextMiddleware, send_json
from kit.problems import PROBLEM_MEDIA_TYPE
from kit.response_cache import ResponseCache, told_as_committed
from kit.response_cache_middleware import ResponseCacheMiddleware
from kit.service_app import build_app


async def _settled() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_places_are_given_in_the_order_they_were_asked_for() -> None:
    gate = AdmissionGate(2)
    first, second = await gate.enter(1.0), await gate.enter(1.0)
    assert first is not None
    assert second is not None
    admitted: list[tuple[str, Place]] = []

    async def wait(name: str) -> None:
        place = await gate.enter(5.0)
        assert place is not None
        admitted.append((name, place))

    waiting = [asyncio.create_task(wait(name)) for name in ("first", "second", "third")]
    await _settled()
    assert admitted == []
    assert gate.waiting == 3
    gate.leave(first)
    gate.leave(first)  # given back once only
    await _settled()
    assert [name for name, _ in admitted] == ["first"]
    gate.leave(second)
    gate.leave(admitted[0][1])
    await asyncio.gather(*waiting)
    assert [name for name, _ in admitted] == ["first", "second", "third"]
    assert gate.held == 2  # each place went to the next in line, none back to the gate
    for _, place in admitted[1:]:
        gate.leave(place)
    assert gate.held == 0


async def test_a_request_waiting_too_long_gets_no_place_and_takes_none_later() -> None:
    gate = AdmissionGate(1)
    holder = await gate.enter(1.0)
    assert holder is not None
    assert await gate.enter(0.02) is None
    assert gate.waiting == 0
    gate.leave(holder)
    assert gate.held == 0
    assert await gate.enter(0.02) is not None  # free again at once


async def test_a_waiter_that_goes_away_takes_no_place() -> None:
    gate = AdmissionGate(1)
    holder = await gate.enter(1.0)
    assert holder is not None
    gone = asyncio.create_task(gate.enter(5.0))
    await _settled()
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    gate.leave(holder)
    assert gate.held == 0
    assert gate.waiting == 0


async def test_a_stalled_request_s_place_goes_to_the_next_in_line() -> None:
    """A request held up by a locked row, past `stalled_after`, no longer holds the line."""
    gate = AdmissionGate(1, stalled_after=0.05)
    stalled = await gate.enter(1.0)
    assert stalled is not None
    started = asyncio.get_running_loop().time()
    next_in_line = await gate.enter(5.0)
    assert next_in_line is not None
    assert asyncio.get_running_loop().time() - started >= 0.04
    assert not stalled.counted
    assert gate.held == 1
    gate.leave(stalled)  # its place was already passed on
    assert gate.held == 1
    gate.leave(next_in_line)
    assert gate.held == 0


async def test_a_place_given_back_in_time_does_not_stop_counting_later() -> None:
    gate = AdmissionGate(1, stalled_after=0.3)
    quick = await gate.enter(1.0)
    assert quick is not None
    await asyncio.sleep(0.15)
    gate.leave(quick)
    other = await gate.enter(1.0)
    assert other is not None
    await asyncio.sleep(0.2)  # past the first place's stall time, not the other's
    assert other.counted
    assert gate.held == 1
    assert await gate.enter(0.01) is None  # the line is still held by the other
    gate.leave(other)


async def test_a_waiter_behind_another_is_told_when_its_own_time_runs_out() -> None:
    gate = AdmissionGate(1)
    holder = await gate.enter(1.0)
    assert holder is not None
    patient = asyncio.create_task(gate.enter(5.0))
    await _settled()
    started = asyncio.get_running_loop().time()
    assert await gate.enter(0.05) is None  # not when the one before it would be
    assert asyncio.get_running_loop().time() - started < 1.0
    assert gate.waiting == 1
    gate.leave(holder)
    given = await patient
    assert given is not None
    gate.leave(given)
    assert gate.held == 0


async def test_a_place_held_long_stops_counting_while_the_others_come_and_go() -> None:
    """Without anyone waiting, the places given after a long one are forgotten as they leave, and the long
    one stops counting once stalled."""
    gate = AdmissionGate(2, stalled_after=0.05)
    long = await gate.enter(1.0)
    assert long is not None
    await asyncio.sleep(0.06)
    for _ in range(12):
        quick = await gate.enter(1.0)
        assert quick is not None
        gate.leave(quick)
    assert not long.counted
    assert gate.held == 0
    gate.leave(long)
    assert gate.held == 0


def test_a_gate_admits_at_least_one_request() -> None:
    with pytest.raises(ValueError, match="at least one"):
        AdmissionGate(0)


class Blocking:
    """An app whose answers wait for `release`, counting the requests it was given; `/fails` raises."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = 0

    async def __call__(self, scope: Scope, _receive: Receive, send: Send) -> None:
        self.started += 1
        if scope["path"] == "/fails":
            raise RuntimeError("the route failed")
        if scope["path"] != "/healthz":
            await self.release.wait()
        await send_json(send, 200, {"path": scope["path"]})


@asynccontextmanager
async def _client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://admission.test") as client:
        yield client


async def test_a_request_without_a_place_in_time_gets_a_503_problem_and_reaches_no_route() -> None:
    inner = Blocking()
    async with _client(AdmissionMiddleware(inner, limit=1, wait_seconds=0.05)) as client:
        holding = asyncio.create_task(client.get("/slow"))
        await _settled()
        refused = await client.get("/other")
        assert refused.status_code == 503
        assert refused.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert refused.headers["retry-after"] == "1"
        problem = refused.json()
        assert problem["type"].endswith("/overloaded")
        assert problem["instance"] == "/other"
        assert "0.05 s" in problem["detail"]
        assert inner.started == 1  # the refused request reached nothing
        inner.release.set()
        assert (await holding).status_code == 200
        assert (await client.get("/after")).status_code == 200


async def test_requests_beyond_the_limit_wait_for_a_place_then_run() -> None:
    inner = Blocking()
    async with _client(AdmissionMiddleware(inner, limit=2, wait_seconds=5.0)) as client:
        sent = [asyncio.create_task(client.get(f"/n{number}")) for number in range(5)]
        await _settled()
        assert inner.started == 2
        inner.release.set()
        answers = await asyncio.gather(*sent)
        assert [answer.status_code for answer in answers] == [200] * 5
        assert inner.started == 5


async def test_health_probes_answer_while_the_gate_is_full() -> None:
    inner = Blocking()
    middleware = AdmissionMiddleware(inner, limit=1, wait_seconds=0.05)
    async with _client(middleware) as client:
        holding = asyncio.create_task(client.get("/slow"))
        await _settled()
        assert (await client.get("/healthz")).status_code == 200
        assert middleware.gate.held == 1
        inner.release.set()
        await holding


async def test_a_failing_request_gives_its_place_back() -> None:
    inner = Blocking()
    middleware = AdmissionMiddleware(inner, limit=1, wait_seconds=0.05)
    with pytest.raises(RuntimeError, match="the route failed"):
        async with _client(middleware) as client:
            await client.get("/fails")
    assert middleware.gate.held == 0


async def test_a_client_sending_its_body_slowly_holds_no_place() -> None:
    inner = Blocking()
    inner.release.set()
    more = asyncio.Event()

    async def slowly() -> AsyncIterator[bytes]:
        yield b'{"part": 1,'
        await more.wait()
        yield b'"end": true}'

    async with _client(AdmissionMiddleware(inner, limit=1, wait_seconds=0.05)) as client:
        uploading = asyncio.create_task(client.post("/upload", content=slowly()))
        await _settled()
        assert (await client.get("/meanwhile")).status_code == 200  # the one place was free
        assert inner.started == 1
        more.set()
        assert (await uploading).status_code == 200
        assert inner.started == 2


async def test_the_place_is_given_back_as_the_answer_starts() -> None:
    """A client reading its answer slowly holds no place: the rest of the body is sent outside the gate."""
    body_sent = asyncio.Event()

    async def answering_in_two_parts(scope: Scope, _receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if scope["path"] == "/slow-reader":
            await body_sent.wait()
        await send({"type": "http.response.body", "body": b"done"})

    middleware = AdmissionMiddleware(answering_in_two_parts, limit=1, wait_seconds=0.05)
    async with _client(middleware) as client:
        reading = asyncio.create_task(client.get("/slow-reader"))
        await _settled()
        assert middleware.gate.held == 0
        assert (await client.get("/other")).status_code == 200
        body_sent.set()
        assert (await reading).content == b"done"


async def test_a_remembered_answer_waits_its_turn_then_is_served_from_memory() -> None:
    """As build_app stacks them: admission outside, the response cache inside."""
    cache = ResponseCache(heard_since=told_as_committed)
    cache.hearing()
    assert cache.keep(("/kept", b"", None, b"application/json"), cache.stamp(), [(b"etag", b'"k1"')], b"[1]")
    inner = Blocking()
    json = {"accept": "application/json"}
    async with _client(AdmissionMiddleware(ResponseCacheMiddleware(inner, cache), 1, 0.05)) as client:
        holding = asyncio.create_task(client.get("/slow", headers=json))
        await _settled()
        assert (await client.get("/kept", headers=json)).status_code == 503  # no place within the wait
        inner.release.set()
        await holding
        kept = await client.get("/kept", headers=json)
        assert (kept.status_code, kept.content) == (200, b"[1]")
        assert inner.started == 1  # served from memory, not by the app


def test_a_service_app_admits_before_its_response_cache() -> None:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield

    async def ready() -> dict[str, str]:
        return {}

    app = build_app(
        service="admission-test",
        title="admission test",
        version="0",
        description="",
        routers=[],
        lifespan=lifespan,
        max_body_bytes=65536,
        docs_enabled=False,
        readiness_checks=ready,
        response_cache=ResponseCache(heard_since=told_as_committed),
        admission=Admission(concurrent_requests=3, queue_seconds=0.5),
    )
    outermost_first: list[object] = [middleware.cls for middleware in app.user_middleware]
    assert outermost_first == [
        RequestContextMiddleware,
        HeadAsGetMiddleware,
        BodySizeLimitMiddleware,
        AdmissionMiddleware,
        ResponseCacheMiddleware,
    ]
    assert app.user_middleware[3].kwargs == {"limit": 3, "wait_seconds": 0.5}
