"""Answers of chosen GET routes kept in memory until the data they hold changes.

A route opts in with `dependencies=[REMEMBERED]`. Its 200 answers are kept per path, query string,
`Accept` header and caller: the principal a valid token gives (every claim, the subject included), so a
caller only ever gets back what was answered to the same identity and rights, a renewed token finds its
predecessor's answers, and an expired or forged token reaches the route and its 401.

What drops a kept answer is a change committed in the service's schema (`kit.change_feed`, heard by
every process; and by the writing process itself as it commits, before the writer's response leaves,
so a client reads its own writes). A change is scoped to one contract when the transaction said so
(`UnitOfWork.changes_contract`): it drops the answers asked for that contract (`contractCode=` in the
query) and the answers asked for no contract, and leaves every other contract's standing; a change of
no declared contract drops everything. Writes of the ledger alone (audit events of an audited read,
idempotency keys, outbox) announce nothing. An answer is kept only if no change it depends on was heard
while it was computed. While the change feed cannot hear, nothing is kept or served. Answers also age
out after `max_age_seconds`, which bounds what they carry from other services (contract and commune
names) and from the date.

Concurrent misses of one answer compute it once (single flight): the others wait for it. Remembered
answers carry an ETag (the route's own, or the digest of the body), and any GET answered 200 with an
ETag answers `If-None-Match` with 304. A request with `Cache-Control: no-cache` is answered afresh.
Remembered routes tell what happened in a `Cache-Status` header (RFC 9211): `cdq; hit`, `cdq; fwd=miss`,
`cdq; fwd=request`."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from identity.principal import Principal
from kit.auth.policies import bearer_principal

CACHE_STATUS = b"cache-status"
ETAG = b"etag"
_REMEMBER = "remember_response"
# More contracts than that changed since the last change of everything: start again from one.
_MAX_SCOPES = 100_000

Key = tuple[str, bytes, Principal | None, bytes | None]
# What a kept answer depends on: the epoch of changes of everything, its contract (None: none), and that
# contract's changes (for an answer of no contract: every change heard).
Stamp = tuple[int, str | None, int]


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    stamp: Stamp
    stored_at: float
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes


class ResponseCache:
    """Kept answers, each valid while the data it depends on is unchanged; least recently used evicted
    first. `computations` counts the answers computed for remembered routes (single flight's witness)."""

    def __init__(
        self, *, max_entries: int = 4096, max_bytes: int = 64 * 1_048_576, max_age_seconds: float = 60.0
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_age_seconds = max_age_seconds
        self.generation = 0
        self.changes = 0
        self.computations = 0
        self.listening = False
        self._scoped: dict[str, int] = {}
        self._answers: OrderedDict[Key, KeptAnswer] = OrderedDict()
        self._bytes = 0
        self._in_flight: dict[Key, asyncio.Event] = {}
        # Paths a route answered 200 without opting in: no single flight for them (their concurrent
        # requests must not wait for each other).
        self._plain_paths: OrderedDict[str, None] = OrderedDict()

    # The change feed's listener protocol.
    def changed(self, scope: str = "") -> None:
        """A change was committed: in one contract (`scope`), or anywhere ("")."""
        self.changes += 1
        if scope and len(self._scoped) < _MAX_SCOPES:
            self._scoped[scope] = self._scoped.get(scope, 0) + 1
            return
        self.generation += 1
        self._scoped.clear()
        self._answers.clear()
        self._bytes = 0

    def deaf(self) -> None:
        self.listening = False
        self.changed()

    def hearing(self) -> None:
        self.changed()
        self.listening = True

    def stamp(self, contract: str | None = None) -> Stamp:
        """What an answer of `contract` computed from now on depends on."""
        if contract is None:
            return (self.generation, None, self.changes)
        return (self.generation, contract, self._scoped.get(contract, 0))

    def count_stamp(self, contract: str) -> Stamp | None:
        """What a kept count of `contract` depends on (kit.pagination.KeptCounts); None while deaf."""
        return self.stamp(contract) if self.listening else None

    def kept(self, key: Key) -> KeptAnswer | None:
        answer = self._answers.get(key)
        if answer is None:
            return None
        stale = answer.stamp != self.stamp(answer.stamp[1])
        if stale or time.monotonic() - answer.stored_at > self.max_age_seconds:
            self._drop(key)
            return None
        self._answers.move_to_end(key)
        return answer

    def keep(self, key: Key, stamp: Stamp, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
        """Keep an answer computed from data of `stamp`; refused if that data changed since."""
        if not self.listening or stamp != self.stamp(stamp[1]) or len(body) > self.max_bytes // 16:
            return False
        self._drop(key)
        etag = _header(headers, ETAG) or etag_of_body(body)
        self._answers[key] = KeptAnswer(stamp, time.monotonic(), _with_etag(headers, etag), body, etag)
        self._bytes += len(body)
        while len(self._answers) > self.max_entries or self._bytes > self.max_bytes:
            oldest = next(iter(self._answers))
            self._drop(oldest)
        return True

    def __len__(self) -> int:
        return len(self._answers)

    def plain(self, path: str) -> bool:
        """Whether the route at `path` answers without being remembered (as far as this process has seen)."""
        return path in self._plain_paths

    def saw_plain(self, path: str) -> None:
        self._plain_paths[path] = None
        if len(self._plain_paths) > self.max_entries:
            self._plain_paths.popitem(last=False)

    # Single flight: one computation of an answer at a time, the other requests for it wait for it.
    def computing(self, key: Key) -> asyncio.Event | None:
        """Set when the answer under way for `key` is done (kept or not); None when none is under way."""
        return self._in_flight.get(key)

    def begin(self, key: Key) -> asyncio.Event | None:
        """Lead the computation of `key`'s answer; None when another request already leads it."""
        if key in self._in_flight:
            return None
        computing = self._in_flight[key] = asyncio.Event()
        return computing

    def end(self, key: Key, computing: asyncio.Event) -> None:
        if self._in_flight.get(key) is computing:
            del self._in_flight[key]
        computing.set()

    def _drop(self, key: Key) -> None:
        answer = self._answers.pop(key, None)
        if answer is not None:
            self._bytes -= len(answer.body)


def etag_of_body(body: bytes) -> bytes:
    return b'"' + hashlib.sha256(body).hexdigest()[:20].encode() + b'"'


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for header, value in headers if header == name), None)


def _with_etag(headers: list[tuple[bytes, bytes]], etag: bytes) -> list[tuple[bytes, bytes]]:
    return [*(header for header in headers if header[0] != ETAG), (ETAG, etag)]


def _matches(if_none_match: bytes | None, etag: bytes | None) -> bool:
    """RFC 9110 §13.1.2: weak comparison, `*` matches any current representation."""
    if if_none_match is None or etag is None:
        return False
    candidates = {candidate.strip().removeprefix(b"W/") for candidate in if_none_match.split(b",")}
    return b"*" in candidates or etag.removeprefix(b"W/") in candidates


async def _remember(request: Request) -> None:
    request.scope.setdefault("state", {})[_REMEMBER] = True


REMEMBERED = Depends(_remember)


@dataclass(frozen=True, slots=True)
class _Asked:
    authorization: bytes | None
    accept: bytes | None
    if_none_match: bytes | None
    fresh: bool


def _asked(scope: Scope) -> _Asked:
    authorization = accept = if_none_match = None
    fresh = False
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
        elif name == b"accept":
            accept = value
        elif name == b"if-none-match":
            if_none_match = value
        elif name == b"cache-control" and b"no-cache" in value.lower():
            fresh = True
    return _Asked(authorization, accept, if_none_match, fresh)


def _contract_asked(query_string: bytes) -> str | None:
    """The contract an answer is asked for: its `contractCode` query parameter, when there is one."""
    if b"contractCode=" not in query_string:
        return None
    codes = parse_qs(query_string.decode("latin-1")).get("contractCode", [])
    return codes[0] if len(codes) == 1 and codes[0] else None


async def _send_not_modified(send: Send, headers: list[tuple[bytes, bytes]]) -> None:
    kept = [(name, value) for name, value in headers if name in (ETAG, CACHE_STATUS, b"cache-control", b"vary")]
    await send({"type": "http.response.start", "status": 304, "headers": kept})
    await send({"type": "http.response.body", "body": b""})


async def _send_kept(send: Send, answer: KeptAnswer, if_none_match: bytes | None) -> None:
    if _matches(if_none_match, answer.etag):
        await _send_not_modified(send, answer.headers)
        return
    await send({"type": "http.response.start", "status": 200, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})


class ResponseCacheMiddleware:
    """Serves kept answers, keeps the answers of routes that opted in, and answers If-None-Match (see the
    module docstring)."""

    def __init__(self, app: ASGIApp, cache: ResponseCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        asked = _asked(scope)
        if not self.cache.listening:
            await self._answer(scope, receive, send, asked, None)
            return
        principal = None
        if asked.authorization is not None:
            principal = await _verified(scope, asked.authorization)
            if principal is None:  # the route refuses the token, or ignores it if public: nothing to keep
                await self._answer(scope, receive, send, asked, None)
                return
        key: Key = (scope["path"], scope["query_string"], principal, asked.accept)
        if self.cache.plain(scope["path"]):
            await self._answer(scope, receive, send, asked, None)
            return
        if asked.fresh:
            await self._answer(scope, receive, send, asked, (key, b"request"))
            return
        waited = False
        while True:
            answer = self.cache.kept(key)
            if answer is not None:
                await _send_kept(send, answer, asked.if_none_match)
                return
            computing = self.cache.computing(key)
            if computing is None or waited:
                break
            await computing.wait()  # another request computes this very answer: take it when kept
            waited = True
        leading = self.cache.begin(key)
        try:
            await self._answer(scope, receive, send, asked, (key, b"miss"))
        finally:
            if leading is not None:
                self.cache.end(key, leading)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, asked: _Asked, keeping: tuple[Key, bytes] | None
    ) -> None:
        """The app's answer; kept when `keeping` and the route opted in; 304 when If-None-Match matches."""
        if keeping is None and asked.if_none_match is None:
            await self.app(scope, receive, send)
            return
        stamp = self.cache.stamp(_contract_asked(scope["query_string"]))
        start: Message | None = None
        remembered = False
        chunks: list[bytes] = []

        async def holding_send(message: Message) -> None:
            nonlocal start, remembered
            if message["type"] == "http.response.start":
                remembered = keeping is not None and bool(scope.get("state", {}).get(_REMEMBER))
                if keeping is not None and not remembered and message["status"] == 200:
                    self.cache.saw_plain(scope["path"])
                if message["status"] != 200 or not (remembered or asked.if_none_match):
                    await send(message)
                    return
                start = message
                self.cache.computations += remembered
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._finish(send, start, b"".join(chunks), asked, keeping if remembered else None, stamp)

        await self.app(scope, receive, holding_send)

    async def _finish(
        self,
        send: Send,
        start: Message,
        body: bytes,
        asked: _Asked,
        keeping: tuple[Key, bytes] | None,
        stamp: Stamp,
    ) -> None:
        """Send a held 200: kept first when `keeping`, with its ETag; or a 304 when If-None-Match matches."""
        headers = [(name, value) for name, value in start.get("headers", []) if name != CACHE_STATUS]
        etag = _header(headers, ETAG)
        if keeping is not None:
            key, why = keeping
            self.cache.keep(key, stamp, [*headers, (CACHE_STATUS, b"cdq; hit")], body)
            etag = etag or etag_of_body(body)
            headers = [*_with_etag(headers, etag), (CACHE_STATUS, b"cdq; fwd=" + why)]
        if _matches(asked.if_none_match, etag):
            await _send_not_modified(send, headers)
            return
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _verified(scope: Scope, _authorization: bytes) -> Principal | None:
    """The principal of a valid bearer token, also left for the route's policy check; None otherwise."""
    return await bearer_principal(scope)
