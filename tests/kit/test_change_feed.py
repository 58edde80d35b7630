"""A process serves what it remembers only once it has heard every change committed before it was asked
(kit.change_feed.ChangeFeed.heard_since), however late its notifications reach it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from sqlalchemy.engine import make_url
from starlette.types import Receive, Scope, Send

from kit import response_cache
from kit.change_feed import ChangeFeed
from kit.response_cache import Key, ResponseCache
from kit.response_cache_middleware import ResponseCacheMiddleware
from tests.running_stack import RunningStack
from tests.services.test_remembered_answers import eventually

SCHEMA = "cdq_feed_test"  # a channel of this test's own: no service hears its notifications
CONTRACT = "CV-FEED-TEST"
HEADERS = [(b"content-type", b"application/json")]
# Bounds that only stop a broken test from hanging: never what a test asserts.
PATIENCE_SECONDS = 10.0


class HoldingProxy:
    """A TCP relay to PostgreSQL whose answers to its clients can be held back, as a loaded process is late
    to read its socket; it counts the statements its clients send."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._trickle_seconds = 0.0
        self.sent = bytearray()
        self._tasks: set[asyncio.Task[None]] = set()

    def hold(self) -> None:
        self._flowing.clear()

    def release(self, *, trickle_seconds: float = 0.0) -> None:
        """Let the held answers through: at once, or one read at a time with `trickle_seconds` between."""
        self._trickle_seconds = trickle_seconds
        self._flowing.set()

    def statements(self) -> int:
        """How many statements the clients sent: simple queries (`Q`, length below 16 MiB) and extended ones
        (each ended by one Sync message)."""
        return self.sent.count(b"Q\x00") + self.sent.count(b"S\x00\x00\x00\x04")

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, answers: bool) -> None:
        with contextlib.suppress(OSError):
            while chunk := await reader.read(65536):
                if answers:
                    await self._flowing.wait()
                else:
                    self.sent += chunk
                writer.write(chunk)
                await writer.drain()
                if answers and self._trickle_seconds:
                    await asyncio.sleep(self._trickle_seconds)
        writer.close()

    async def _connected(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self._target)
        for task in (
            asyncio.create_task(self._relay(client_reader, server_writer, answers=False)),
            asyncio.create_task(self._relay(server_reader, client_writer, answers=True)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[int]:
        server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        try:
            yield server.sockets[0].getsockname()[1]
        finally:
            self.release()
            server.close()
            for task in list(self._tasks):
                task.cancel()


@asynccontextmanager
async def feed_through_proxy(stack: RunningStack) -> AsyncIterator[tuple[ResponseCache, ChangeFeed, HoldingProxy]]:
    url = make_url(stack.role_url("participation"))
    proxy = HoldingProxy(url.host or "127.0.0.1", url.port or 5432)
    async with proxy.serving() as port:
        # Asks the feed, created next, as a service's cache does (kit/service_app.py).
        cache = ResponseCache(heard_since=lambda moment: feed.heard_since(moment))
        feed = ChangeFeed(
            url.set(port=port).render_as_string(hide_password=False),
            SCHEMA,
            cache,
            application_name="test-change-feed",
            check_seconds=PATIENCE_SECONDS,
        )
        feed.start()
        try:
            assert await eventually(feed.heard_until_now, PATIENCE_SECONDS)  # LISTEN is in place
            yield cache, feed, proxy
        finally:
            await feed.stop()


async def commit_a_change(stack: RunningStack) -> None:
    """What a writing process does: a transaction that notifies, committed and acknowledged."""
    async with stack.runtime_connection("participation") as writer:
        await writer.execute(f"SELECT pg_notify('{SCHEMA}_changed', '{CONTRACT}')")


def a_kept_answer(cache: ResponseCache) -> Key:
    key: Key = ("/bodies", f"contractCode={CONTRACT}".encode(), None, None)
    assert cache.keep(key, cache.stamp(CONTRACT), HEADERS, b"[]")
    return key


async def test_a_change_acknowledged_before_the_question_is_heard_before_a_kept_answer_is_served(
    stack: RunningStack,
) -> None:
    async with feed_through_proxy(stack) as (cache, _feed, proxy):
        key = a_kept_answer(cache)
        proxy.hold()  # this process reads its notifications late
        await commit_a_change(stack)
        assert cache.kept(key) is not None  # not heard yet: served now, it would be stale
        asyncio.get_running_loop().call_later(0.2, proxy.release)
        async with asyncio.timeout(PATIENCE_SECONDS):
            assert await cache.caught_up(time.monotonic())
        assert cache.kept(key) is None


async def test_callers_arriving_together_share_one_round_trip(stack: RunningStack) -> None:
    async with feed_through_proxy(stack) as (cache, _feed, proxy):
        before = proxy.statements()
        proxy.hold()
        first = asyncio.create_task(cache.caught_up(time.monotonic()))  # its round trip leaves now, and waits
        await asyncio.sleep(0.1)
        # Arrived after it left: they wait for the next one.
        others = [asyncio.create_task(cache.caught_up(time.monotonic())) for _ in range(50)]
        await asyncio.sleep(0.1)
        proxy.release()
        async with asyncio.timeout(PATIENCE_SECONDS):
            assert await asyncio.gather(first, *others) == [True] * 51
        assert proxy.statements() - before == 2


async def test_a_caller_for_whom_a_round_trip_was_answered_since_it_arrived_waits_for_none(
    stack: RunningStack,
) -> None:
    async with feed_through_proxy(stack) as (cache, feed, proxy):
        arrived = time.monotonic()
        assert await feed.heard_until_now()  # another caller's round trip, sent after `arrived`
        before = proxy.statements()
        assert await cache.caught_up(arrived)
        assert proxy.statements() == before
        assert await cache.caught_up(time.monotonic())  # arrived after it: the next one
        assert proxy.statements() == before + 1


async def test_a_caller_takes_the_round_trip_under_way_when_it_left_after_the_caller_arrived(
    stack: RunningStack,
) -> None:
    async with feed_through_proxy(stack) as (cache, feed, proxy):
        arrived = time.monotonic()  # then waits, e.g. for its place, while another caller's round trip leaves
        proxy.hold()
        under_way = asyncio.create_task(feed.heard_until_now())
        await asyncio.sleep(0.1)
        before = proxy.statements()
        joining = asyncio.create_task(cache.caught_up(arrived))
        await asyncio.sleep(0.1)
        proxy.release()
        async with asyncio.timeout(PATIENCE_SECONDS):
            assert await under_way
            assert await joining
        assert proxy.statements() == before


async def test_a_process_late_to_hear_a_write_answers_afresh_instead_of_what_it_kept(stack: RunningStack) -> None:
    """Through the middleware, as a second worker process serves a client who just wrote through the first."""
    async with feed_through_proxy(stack) as (cache, _feed, proxy):
        computed = 0

        async def remembered_route(scope: Scope, _receive: Receive, send: Send) -> None:
            nonlocal computed
            scope.setdefault("state", {})[response_cache.REMEMBER_STATE] = True
            computed += 1
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            await send({"type": "http.response.body", "body": str(computed).encode()})

        app = ResponseCacheMiddleware(remembered_route, cache)
        asked = f"/bodies?contractCode={CONTRACT}"
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
            first = await client.get(asked)
            kept = await client.get(asked)
            proxy.hold()
            await commit_a_change(stack)
            asyncio.get_running_loop().call_later(0.2, proxy.release)
            async with asyncio.timeout(PATIENCE_SECONDS):
                after_the_write = await client.get(asked)
        assert [first.headers["cache-status"], kept.headers["cache-status"]] == ["cdq; fwd=miss", "cdq; hit"]
        assert after_the_write.headers["cache-status"] == "cdq; fwd=miss"
        assert (first.text, kept.text, after_the_write.text) == ("1", "1", "2")


async def test_a_caller_arriving_during_a_round_trip_waits_for_the_next_one(stack: RunningStack) -> None:
    """The round trip under way left before the caller came: a change acknowledged in between may reach
    this process after its answer, so the caller needs the next one, even when it asks only once that round
    trip was answered (as a kept total asks after its page was read)."""
    async with feed_through_proxy(stack) as (cache, _feed, proxy):
        key = a_kept_answer(cache)
        proxy.hold()
        # Its round trip leaves now; its answer is held.
        earlier = asyncio.create_task(cache.caught_up(time.monotonic()))
        await asyncio.sleep(0.1)
        await commit_a_change(stack)  # its notification follows that answer
        arrived = time.monotonic()

        async def ask() -> bool:
            await cache.caught_up(arrived)
            return cache.kept(key) is None  # what this caller would serve

        waiting = asyncio.create_task(ask())
        await asyncio.sleep(0.1)
        proxy.release(trickle_seconds=0.1)  # the earlier answer first, then the notification
        async with asyncio.timeout(PATIENCE_SECONDS):
            assert await earlier
            asking_once_answered = asyncio.create_task(ask())
            assert await waiting
            assert await asking_once_answered


async def test_nothing_kept_is_served_while_the_feed_cannot_tell(stack: RunningStack) -> None:
    async with feed_through_proxy(stack) as (cache, feed, _proxy):
        key = a_kept_answer(cache)
        await feed.stop()
        assert not await cache.caught_up(time.monotonic())
        assert cache.kept(key) is None


async def test_a_listening_session_is_told_of_a_commit_before_the_answer_of_its_next_statement(
    stack: RunningStack,
) -> None:
    """PostgreSQL's side of the guarantee, asked directly: a notification of a commit acknowledged before a
    statement reaches the listening session ahead of that statement's answer, every time."""
    async with stack.runtime_connection("participation") as listening:
        heard: list[str] = []
        await listening.add_listener(f"{SCHEMA}_changed", lambda *args: heard.append(args[-1]))
        async with stack.runtime_connection("participation") as writer:
            for attempt in range(200):
                await writer.execute(f"SELECT pg_notify('{SCHEMA}_changed', '{attempt}')")
                await listening.fetchval("SELECT 1")
                assert heard[-1:] == [str(attempt)]
