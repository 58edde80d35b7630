"""Admission: at most so many requests at work in one process, the others waiting their turn in arrival
order, and a 503 with `Retry-After` for one that waits too long.

Why. A process's event loop serves every request it holds in turns: each time a request waits for the
database, it goes back in line behind every other request of the loop. A write makes seven to ten such
round trips (BEGIN, its reads, its writes, the ledger's statement, COMMIT), a read one or two; so when the
loop holds thirty requests, a write waits thirty turns ten times, and its latency is several times a
read's although its CPU is not. Admitting a few requests at a time, first come first served, bounds the
line each round trip waits in: a write then waits once at the door, like a read, then runs its round trips
through a short line. On the national call-deadline load (`bench.call_deadline`, 32 users), grants
admitting 8 requests at a time gave writes a p99 of 154-291 ms against 288-492 ms unbounded, and its
worst read a p99 of 104-119 ms against 106-158 (docs/platform.md, section 6, "Admission").

What waits. Every request but the health probes (`/healthz`, `/readyz`: an orchestrator must hear a loaded
process answer), the remembered answers too: they are quick to serve (a round trip on the change feed's
connection, shared by those arriving together, then the kept bytes), so they leave the line quickly, and
letting them all in at once lengthened every round trip of the others (measured with the gate inside the
response cache: the worst read's p99 162-192 ms, the writes' 225-300 ms). A request asks for its place
once its body is in, holds it until its answer starts, and gives it back however it ends (an error, the
client gone): a slow client, sending or reading, holds no place. A request that held its place half a
second (`STALLED_AFTER_SECONDS`) waits for something else than this loop (a locked row, a slow statement):
its place goes to the next in line, so that one locked row does not hold every other request. Concurrent
misses of one remembered answer each hold a place while one of them computes it (the response cache's
single flight).

Each process has its own gate (`*_CONCURRENT_REQUESTS`): it bounds that process's event loop, which is
what the line is about.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.asgi_middleware import send_json
from kit.problems import PROBLEM_MEDIA_TYPE, problem_body

HEALTH_PATHS = frozenset({"/healthz", "/readyz"})
RETRY_AFTER_SECONDS = 1
# A request that held its place this long is waiting for something else than the loop (a row another
# transaction locks, a slow statement, another service): its place goes to the next in line. A write of
# the call deadline is answered in 80-110 ms (p50, its wait at the door included), 140-240 ms at p99.
STALLED_AFTER_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Admission:
    """How many requests one process serves at once, and how long another waits for its turn."""

    concurrent_requests: int
    queue_seconds: float


@dataclass(eq=False, slots=True)
class Place:
    """A request's place; it stops counting when given back or when its request stalls (then `counted` is
    False)."""

    since: float  # the loop's time when it was given
    counted: bool = True


@dataclass(eq=False, slots=True)
class _Turn:
    """A request waiting for a place: told True when given one, False when its time ran out."""

    given: asyncio.Future[bool]
    deadline: float  # the loop's time


class AdmissionGate:
    """At most `limit` places counted at once; the others are given in the order they were asked for. A
    place held `stalled_after` seconds stops counting: a request waiting for a lock does not hold the line.

    One timer for the whole gate, armed only while requests wait, at the first moment something is due then
    (a waiter's time running out, the oldest place stalling), rather than two timers per request. At 32
    requests for 8 places, those cost a one-row read 3-4 % of its CPU (grants, one application read at c=32
    on the national data, alternating runs: 591-611 µs of CPU per request and 1,597-1,665 req/s with them,
    572-582 µs and 1,700-1,737 req/s with one)."""

    def __init__(self, limit: int, stalled_after: float = STALLED_AFTER_SECONDS) -> None:
        if limit < 1:
            raise ValueError("a gate admits at least one request")
        self.limit = limit
        self.stalled_after = stalled_after
        self.held = 0  # places counted
        self._turns: deque[_Turn] = deque()  # in arrival order, each still waiting
        self._places: deque[Place] = deque()  # in the order given; those no longer counted are dropped
        self._wake: asyncio.TimerHandle | None = None
        self._wake_at = math.inf

    @property
    def waiting(self) -> int:
        return sum(1 for turn in self._turns if not turn.given.done())

    async def enter(self, wait_seconds: float) -> Place | None:
        """A place, after at most `wait_seconds` behind those who asked first; None: none came in time."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._turns or self.held >= self.limit:
            self._uncount_stalled(now)  # a stalled place is free for the next at once
        if self.held < self.limit and not self._turns:
            self.held += 1
            return self._placed(now)
        turn = _Turn(loop.create_future(), now + wait_seconds)
        self._turns.append(turn)
        self._arm(loop, turn.deadline)
        try:
            given = await turn.given
        except BaseException:  # cancelled: the client went away
            if turn.given.done() and not turn.given.cancelled() and turn.given.result():
                self._pass_on()  # a place was handed to it meanwhile: to the next
            else:
                turn.given.cancel()
                with contextlib.suppress(ValueError):  # already taken off the line by `_pass_on`
                    self._turns.remove(turn)
            raise
        return self._placed(loop.time()) if given else None

    def leave(self, place: Place) -> None:
        """Give the place back (once), unless it already stopped counting."""
        if place.counted:
            place.counted = False
            self._pass_on()
        places = self._places
        while places and not places[0].counted:
            places.popleft()
        if len(places) > 4 * self.limit:  # places left behind one still counted: those stalled stop counting
            self._uncount_stalled(asyncio.get_running_loop().time())

    def _placed(self, now: float) -> Place:
        place = Place(since=now)
        self._places.append(place)
        return place

    def _uncount_stalled(self, now: float) -> None:
        """Places held `stalled_after` stop counting, each passed on; those no longer counted are dropped."""
        places, stalled_since = self._places, now - self.stalled_after
        while places:
            oldest = places[0]
            if oldest.counted:
                if oldest.since > stalled_since:
                    return
                oldest.counted = False
                self._pass_on()
            places.popleft()

    def _pass_on(self) -> None:
        """A counted place is free: to the first still waiting, else to the gate."""
        while self._turns:
            turn = self._turns.popleft()
            if not turn.given.done():
                turn.given.set_result(True)
                return
        self.held -= 1

    def _arm(self, loop: asyncio.AbstractEventLoop, due: float) -> None:
        """The gate's timer at `due` at the latest (and at the oldest place's stall, if sooner)."""
        if self._places:
            due = min(due, self._places[0].since + self.stalled_after)
        if due >= self._wake_at:
            return
        if self._wake is not None:
            self._wake.cancel()
        self._wake, self._wake_at = loop.call_at(due, self._woken), due

    def _woken(self) -> None:
        """Stalled places pass on, waiters whose time ran out are told so; again later while others wait."""
        self._wake, self._wake_at = None, math.inf
        loop = asyncio.get_running_loop()
        now = loop.time()
        self._uncount_stalled(now)
        for turn in self._turns:
            if not turn.given.done() and turn.deadline <= now:
                turn.given.set_result(False)
        # Off the line: a request arriving while places are free must not think others wait.
        self._turns = deque(turn for turn in self._turns if not turn.given.done())
        if self._turns:
            self._arm(loop, min(turn.deadline for turn in self._turns))


class AdmissionMiddleware:
    """Lets a request through once the gate gives it a place, or answers 503 after `wait_seconds`.

    A place is for computing: the request's body is received whole before it asks for one, and the place
    is given back as the answer starts. A client that sends or reads slowly then holds no place."""

    def __init__(
        self, app: ASGIApp, limit: int, wait_seconds: float, exempt_paths: Collection[str] = HEALTH_PATHS
    ) -> None:
        self.app = app
        self.gate = AdmissionGate(limit)
        self.wait_seconds = wait_seconds
        self.exempt_paths = frozenset(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        received = await _whole_request(receive)
        place = await self.gate.enter(self.wait_seconds)
        if place is None:
            await self._refuse(scope, send)
            return

        async def replayed() -> Message:
            return received.popleft() if received else await receive()

        async def answering(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.gate.leave(place)
            await send(message)

        try:
            await self.app(scope, replayed, answering)
        finally:
            self.gate.leave(place)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = problem_body(
            503,
            "overloaded",
            "Service unavailable",
            f"The service had no room for this request within {self.wait_seconds:g} s; retry later (nothing was done).",
            instance=scope.get("path"),
        )
        retry_after = str(RETRY_AFTER_SECONDS).encode()
        await send_json(send, 503, body, PROBLEM_MEDIA_TYPE, headers=[(b"retry-after", retry_after)])


async def _whole_request(receive: Receive) -> deque[Message]:
    """The request's messages up to its body's end (or the client's going away), to be replayed."""
    received: deque[Message] = deque()
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return received
