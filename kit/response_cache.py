"""Answers of chosen GET routes kept in memory until the service's data changes.

A route opts in with `dependencies=[REMEMBERED]`. Its 200 answers are kept per path, query string,
`Accept` header and caller: the principal a valid token gives (every claim, the subject included), so a
caller only ever gets back what was answered to the same identity and rights, a renewed token finds its
predecessor's answers, and an expired or forged token reaches the route and its 401. An answer is
kept only if no change was heard while it was computed, and every kept answer is dropped at the next
change committed in the schema (`kit.change_feed`) or when this process commits a write itself (before
the writer's response leaves, so a client reads its own writes). While the change feed cannot hear,
nothing is kept or served. Answers also age out after `max_age_seconds`, which bounds what they carry
from other services (contract and commune names) and from the date.

A request with `Cache-Control: no-cache` is answered afresh. Remembered routes tell what happened in a
`Cache-Status` header (RFC 9211): `cdq; hit`, `cdq; fwd=miss`, `cdq; fwd=request`."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from identity.principal import Principal
from kit.auth.policies import bearer_principal

CACHE_STATUS = b"cache-status"
_REMEMBER = "remember_response"

Key = tuple[str, bytes, Principal | None, bytes | None]


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    generation: int
    stored_at: float
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """Kept answers, valid for one generation of the data; least recently used evicted first."""

    def __init__(
        self, *, max_entries: int = 4096, max_bytes: int = 64 * 1_048_576, max_age_seconds: float = 60.0
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_age_seconds = max_age_seconds
        self.generation = 0
        self.listening = False
        self._answers: OrderedDict[Key, KeptAnswer] = OrderedDict()
        self._bytes = 0

    # The change feed's listener protocol.
    def changed(self) -> None:
        self.generation += 1
        self._answers.clear()
        self._bytes = 0

    def deaf(self) -> None:
        self.listening = False
        self.changed()

    def hearing(self) -> None:
        self.changed()
        self.listening = True

    def kept(self, key: Key) -> KeptAnswer | None:
        answer = self._answers.get(key)
        if answer is None:
            return None
        if answer.generation != self.generation or time.monotonic() - answer.stored_at > self.max_age_seconds:
            self._drop(key)
            return None
        self._answers.move_to_end(key)
        return answer

    def keep(self, key: Key, generation: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
        """Keep an answer computed from data of `generation`; refused if the data changed since."""
        if not self.listening or generation != self.generation or len(body) > self.max_bytes // 16:
            return False
        self._drop(key)
        self._answers[key] = KeptAnswer(generation, time.monotonic(), headers, body)
        self._bytes += len(body)
        while len(self._answers) > self.max_entries or self._bytes > self.max_bytes:
            oldest = next(iter(self._answers))
            self._drop(oldest)
        return True

    def __len__(self) -> int:
        return len(self._answers)

    def _drop(self, key: Key) -> None:
        answer = self._answers.pop(key, None)
        if answer is not None:
            self._bytes -= len(answer.body)


async def _remember(request: Request) -> None:
    request.scope.setdefault("state", {})[_REMEMBER] = True


REMEMBERED = Depends(_remember)


def _request_headers(scope: Scope) -> tuple[bytes | None, bytes | None, bool]:
    authorization = accept = None
    fresh = False
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
        elif name == b"accept":
            accept = value
        elif name == b"cache-control" and b"no-cache" in value.lower():
            fresh = True
    return authorization, accept, fresh


class ResponseCacheMiddleware:
    """Serves kept answers and keeps the answers of routes that opted in (see the module docstring)."""

    def __init__(self, app: ASGIApp, cache: ResponseCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.cache.listening:
            await self.app(scope, receive, send)
            return
        authorization, accept, fresh = _request_headers(scope)
        principal = None
        if authorization is not None:
            principal = await _verified(scope, authorization)
            if principal is None:  # the route refuses the token, or ignores it if public: nothing to keep
                await self.app(scope, receive, send)
                return
        key: Key = (scope["path"], scope["query_string"], principal, accept)
        if not fresh:
            answer = self.cache.kept(key)
            if answer is not None:
                await send({"type": "http.response.start", "status": 200, "headers": answer.headers})
                await send({"type": "http.response.body", "body": answer.body})
                return
        await self._answer_and_keep(scope, receive, send, key, b"request" if fresh else b"miss")

    async def _answer_and_keep(self, scope: Scope, receive: Receive, send: Send, key: Key, why: bytes) -> None:
        generation = self.cache.generation
        kept_headers: list[tuple[bytes, bytes]] | None = None
        chunks: list[bytes] = []

        async def keeping_send(message: Message) -> None:
            nonlocal kept_headers
            if message["type"] == "http.response.start":
                if message["status"] == 200 and scope.get("state", {}).get(_REMEMBER):
                    headers = [(name, value) for name, value in message.get("headers", []) if name != CACHE_STATUS]
                    kept_headers = [*headers, (CACHE_STATUS, b"cdq; hit")]
                    message["headers"] = [*headers, (CACHE_STATUS, b"cdq; fwd=" + why)]
            elif message["type"] == "http.response.body" and kept_headers is not None:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self.cache.keep(key, generation, kept_headers, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, keeping_send)


async def _verified(scope: Scope, _authorization: bytes) -> Principal | None:
    """The principal of a valid bearer token, also left for the route's policy check; None otherwise."""
    return await bearer_principal(scope)
