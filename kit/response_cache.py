"""Answers of chosen GET routes kept in memory until the data they hold changes.

A route opts in with `dependencies=[REMEMBERED]`. Its 200 answers are kept per path, query string,
`Accept` header and caller: the principal a valid token gives (every claim, the subject included), so a
caller only ever gets back what was answered to the same identity and rights, a renewed token finds its
predecessor's answers, and an expired or forged token reaches the route and its 401.

What drops a kept answer is a change committed in the service's schema (`kit.change_feed`, heard by
every process; and by the writing process itself as it commits, before the writer's response leaves). A
kept answer (or a kept count) is served only once this process has heard every change acknowledged to
its writer before the request arrived (`caught_up`, one round trip on the change feed's connection
shared by the requests arriving together): so a client reads its own writes and every write that was
acknowledged before it asked, whichever process or replica answers it. A change is scoped to one
contract when the transaction said so (`UnitOfWork.changes_contract`): it drops the answers asked for
that contract (`contractCode=` in the query) and the answers asked for no contract, and leaves every
other contract's standing; a change of no declared contract drops everything. A transaction may also say
which *parts* of its contract's data it changes (grants: the drafts, the live files, the notified ones),
and a route which parts its answers hold (`remembered_by(request → parts)`): such an answer is dropped
only by a change of one of its parts or of its whole contract (a route that names no part holds them
all). Writes of the ledger alone (audit events of an audited read, idempotency keys, outbox) announce
nothing. An answer is kept only if no change it depends on was heard while it was computed. While the
change feed cannot hear, nothing is kept or served. Answers also age out after `max_age_seconds`, which
bounds what they carry from other services (contract and commune names) and from the date. The
middleware is kit/response_cache_middleware.py.

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
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request

from identity.principal import Principal
from kit.change_feed import read_scope
from kit.request_ids import request_arrived_at

CACHE_STATUS = b"cache-status"
ETAG = b"etag"
REMEMBER_STATE = "remember_response"
# More contracts than that changed since the last change of everything: start again from one.
_MAX_SCOPES = 100_000

Key = tuple[str, bytes, Principal | None, bytes | None]
# What a kept answer depends on: the epoch of changes of everything, its contract (None: none), and that
# contract's changes of the parts it holds (for an answer of no contract: every change heard).
Stamp = tuple[int, str | None, int]
Parts = frozenset[str] | None  # the parts of its contract's data an answer holds; None: all of them


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The counts of changes an answer's computation started from; its stamp once the route has said
    which parts of its contract's data the answer holds."""

    generation: int
    contract: str | None
    every: int  # every change of the contract (of no contract: every change heard)
    whole: int  # the contract's changes that named no part (they touch every part)
    parts: Mapping[str, int]

    def stamp(self, parts: Parts) -> Stamp:
        if self.contract is None or parts is None:
            return (self.generation, self.contract, self.every)
        return (self.generation, self.contract, self.whole + sum(self.parts.get(part, 0) for part in parts))


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    stamp: Stamp
    parts: Parts
    stored_at: float
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes


class ResponseCache:
    """Kept answers, each valid while the data it depends on is unchanged; least recently used evicted
    first. `computations` counts the answers computed for remembered routes (single flight's witness)."""

    def __init__(
        self,
        *,
        heard_since: Callable[[float], Awaitable[bool]],
        max_entries: int = 4096,
        max_bytes: int = 64 * 1_048_576,
        max_age_seconds: float = 60.0,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_age_seconds = max_age_seconds
        self.generation = 0
        self.changes = 0
        self.computations = 0
        self.listening = False
        self._scoped: dict[str, int] = {}
        self._whole: dict[str, int] = {}
        self._parts: dict[str, dict[str, int]] = {}
        self._answers: OrderedDict[Key, KeptAnswer] = OrderedDict()
        self._bytes = 0
        self._in_flight: dict[Key, asyncio.Event] = {}
        # Paths a route answered 200 without opting in: no single flight for them (their concurrent
        # requests must not wait for each other).
        self._plain_paths: OrderedDict[str, None] = OrderedDict()
        # Tells whether every change acknowledged to its writer before a moment has been heard (kit.change_feed's
        # ChangeFeed.heard_since; `told_as_committed` where changes are told as they commit).
        self._heard_since = heard_since

    async def caught_up(self, moment: float) -> bool:
        """Whether this process has heard every change acknowledged to its writer before `moment`
        (`time.monotonic()`: when the request arrived): kept answers and counts may be served once it has
        (False while changes cannot be heard)."""
        return self.listening and await self._heard_since(moment)

    async def caught_up_with_request(self) -> bool:
        """`caught_up` with the request being served: every change acknowledged before it arrived has been
        heard (outside a request, before now)."""
        return await self.caught_up(request_arrived_at())

    # The change feed's listener protocol.
    def changed(self, scope: str = "") -> None:
        """A change was committed: in one contract (`scope`: `contract`, or `contract|part,part` for those
        parts of its data only), or anywhere ("")."""
        self.changes += 1
        contract, parts = read_scope(scope)
        if contract and len(self._scoped) < _MAX_SCOPES:
            self._scoped[contract] = self._scoped.get(contract, 0) + 1
            if parts:
                counts = self._parts.setdefault(contract, {})
                for part in parts:
                    counts[part] = counts.get(part, 0) + 1
            else:
                self._whole[contract] = self._whole.get(contract, 0) + 1
            return
        self.generation += 1
        self._scoped.clear()
        self._whole.clear()
        self._parts.clear()
        self._answers.clear()
        self._bytes = 0

    def deaf(self) -> None:
        self.listening = False
        self.changed()

    def hearing(self) -> None:
        self.changed()
        self.listening = True

    def snapshot(self, contract: str | None = None) -> Snapshot:
        """The counts an answer of `contract` computed from now on depends on (its parts' counts copied)."""
        return self._counts(contract, copied=True)

    def stamp(self, contract: str | None = None, parts: Parts = None) -> Stamp:
        """What an answer of `contract` holding `parts` of its data, computed from now on, depends on."""
        return self._counts(contract, copied=False).stamp(parts)

    def _counts(self, contract: str | None, *, copied: bool) -> Snapshot:
        if contract is None:
            return Snapshot(self.generation, None, self.changes, 0, {})
        touched = self._parts.get(contract, {})
        return Snapshot(
            self.generation,
            contract,
            self._scoped.get(contract, 0),
            self._whole.get(contract, 0),
            dict(touched) if copied else touched,
        )

    def changes_stamp(self) -> Stamp | None:
        """What anything computed from the schema's data depends on: it moves with every change heard (of any
        contract); None while changes cannot be heard."""
        return self.stamp() if self.listening else None

    def count_stamp(self, contract: str, parts: Parts = None) -> Stamp | None:
        """What a kept count of `contract` depends on (kit.pagination.KeptCounts); None while deaf."""
        return self.stamp(contract, parts) if self.listening else None

    def kept(self, key: Key) -> KeptAnswer | None:
        answer = self._answers.get(key)
        if answer is None:
            return None
        stale = answer.stamp != self.stamp(answer.stamp[1], answer.parts)
        if stale or time.monotonic() - answer.stored_at > self.max_age_seconds:
            self._drop(key)
            return None
        self._answers.move_to_end(key)
        return answer

    def keep(
        self, key: Key, stamp: Stamp, headers: list[tuple[bytes, bytes]], body: bytes, parts: Parts = None
    ) -> bool:
        """Keep an answer computed from data of `stamp` (holding `parts` of its contract's data); refused if
        that data changed since."""
        if not self.listening or stamp != self.stamp(stamp[1], parts) or len(body) > self.max_bytes // 16:
            return False
        self._drop(key)
        etag = header_of(headers, ETAG) or etag_of_body(body)
        self._answers[key] = KeptAnswer(stamp, parts, time.monotonic(), with_etag(headers, etag), body, etag)
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


async def told_as_committed(_moment: float) -> bool:
    """`heard_since` of a cache whose changes are told to it as they commit, in the same process."""
    return True


def etag_of_body(body: bytes) -> bytes:
    return b'"' + hashlib.sha256(body).hexdigest()[:20].encode() + b'"'


def header_of(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for header, value in headers if header == name), None)


def with_etag(headers: list[tuple[bytes, bytes]], etag: bytes) -> list[tuple[bytes, bytes]]:
    return [*(header for header in headers if header[0] != ETAG), (ETAG, etag)]


@dataclass(frozen=True, slots=True)
class Remember:
    """Marks a GET route whose answers are kept: as holding every part of their contract's data, or only the
    parts `parts_of` tells from the request. The platform's route class applies it before the endpoint
    runs, without a dependency to solve (kit/write_pipeline.py); called as a dependency, it does the same."""

    parts_of: Callable[[Request], Iterable[str] | None] | None = None

    def mark(self, request: Request) -> None:
        held = self.parts_of(request) if self.parts_of is not None else None
        request.scope.setdefault("state", {})[REMEMBER_STATE] = True if held is None else frozenset(held)

    async def __call__(self, request: Request) -> None:
        self.mark(request)


REMEMBERED = Depends(Remember())


def remembered_by(parts_of: Callable[[Request], Iterable[str] | None]) -> Any:
    """Remember a route's answers as holding only the parts of their contract's data their request tells
    (e.g. those of the year it asks for; None: every part, as REMEMBERED): a change of another part of
    the contract leaves them standing."""
    return Depends(Remember(parts_of))
