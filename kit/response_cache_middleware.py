"""The middleware of remembered answers (kit/response_cache.py tells what is kept and for how long)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from identity.principal import Principal
from kit.auth.policies import bearer_principal
from kit.response_cache import (
    CACHE_STATUS,
    ETAG,
    REMEMBER_STATE,
    KeptAnswer,
    Key,
    Parts,
    ResponseCache,
    Snapshot,
    etag_of_body,
    header_of,
    with_etag,
)


def _matches(if_none_match: bytes | None, etag: bytes | None) -> bool:
    """RFC 9110 §13.1.2: weak comparison, `*` matches any current representation."""
    if if_none_match is None or etag is None:
        return False
    candidates = {candidate.strip().removeprefix(b"W/") for candidate in if_none_match.split(b",")}
    return b"*" in candidates or etag.removeprefix(b"W/") in candidates


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
        elif name == b"if-none-match":  # a list header: its lines are one list (RFC 9110 §5.3)
            if_none_match = value if if_none_match is None else if_none_match + b", " + value
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
        waited = caught_up = False
        while True:
            answer = self.cache.kept(key)
            if answer is not None:
                if caught_up:
                    await _send_kept(send, answer, asked.if_none_match)
                    return
                # Served only once every change committed before this request is heard, then looked up again.
                if not await self.cache.caught_up_with_request():
                    break
                caught_up = True
                continue
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
        started = self.cache.snapshot(_contract_asked(scope["query_string"]))
        start: Message | None = None
        remembered = False
        chunks: list[bytes] = []

        async def holding_send(message: Message) -> None:
            nonlocal start, remembered
            if message["type"] == "http.response.start":
                remembered = keeping is not None and bool(scope.get("state", {}).get(REMEMBER_STATE))
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
                held = scope.get("state", {}).get(REMEMBER_STATE)
                parts = held if isinstance(held, frozenset) else None
                kept = (keeping, parts) if remembered and keeping is not None else None
                await self._finish(send, start, b"".join(chunks), asked, kept, started)

        await self.app(scope, receive, holding_send)

    async def _finish(
        self,
        send: Send,
        start: Message,
        body: bytes,
        asked: _Asked,
        keeping: tuple[tuple[Key, bytes], Parts] | None,
        started: Snapshot,
    ) -> None:
        """Send a held 200: kept first when `keeping` (with the parts of its contract's data the answer
        holds), with its ETag; or a 304 when If-None-Match matches."""
        headers = [(name, value) for name, value in start.get("headers", []) if name != CACHE_STATUS]
        etag = header_of(headers, ETAG)
        if keeping is not None:
            (key, why), parts = keeping
            if etag is None:  # the body's digest, computed once for the kept answer and this one
                etag = etag_of_body(body)
                headers = with_etag(headers, etag)
            self.cache.keep(key, started.stamp(parts), [*headers, (CACHE_STATUS, b"cdq; hit")], body, parts)
            headers = [*headers, (CACHE_STATUS, b"cdq; fwd=" + why)]
        if _matches(asked.if_none_match, etag):
            await _send_not_modified(send, headers)
            return
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _verified(scope: Scope, _authorization: bytes) -> Principal | None:
    """The principal of a valid bearer token, also left for the route's policy check; None otherwise."""
    return await bearer_principal(scope)
