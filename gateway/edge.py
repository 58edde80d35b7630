"""The gateway as the edge: slow clients, and cross-origin refusals in the platform's error shape.

uvicorn (0.54, httptools and h11 alike) arms no timer while a request head or body arrives: its only
timer is the keep-alive one, armed once a response is complete and cancelled by the next byte. A client
that opens a connection and sends nothing, or dribbles a head or a body, holds the connection (and for
a body, the request's task) for as long as it likes. Hence:
- `EdgeHttpToolsProtocol` / `EdgeH11Protocol` (passed to uvicorn with `--http gateway.edge:…`): a
  request head must be whole within `client_header_timeout_seconds` of the connection being opened
  or of its first byte on a kept-alive connection (else 408 when part of it came, and close), and
  may not pass `client_header_max_bytes` (httptools has no limit of its own: 431);
- `BodyReadTimeoutMiddleware`: a body that stalls or crawls is answered 408.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kit.asgi_middleware import send_json
from kit.problems import PROBLEM_MEDIA_TYPE, problem_body, problem_response


@dataclass(frozen=True)
class HeadLimits:
    """What a request head may take: time from its first byte (or from the connection), and size."""

    timeout_seconds: float = 10.0
    max_bytes: int = 65_536


# The gateway's lifespan puts its limits here; uvicorn hands the lifespan state to each connection.
HEAD_LIMITS_STATE_KEY = "gateway.head_limits"

_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


def _problem_then_close(status: int, slug: str, title: str, detail: str) -> bytes:
    """A whole HTTP/1.1 problem response, written by the protocol itself (no request reached the app)."""
    body = orjson.dumps(problem_body(status, slug, title, detail))
    head = (
        b"HTTP/1.1 " + str(status).encode() + b" " + _REASONS[status] + b"\r\n"
        b"content-type: " + PROBLEM_MEDIA_TYPE.encode() + b"\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n"
    )
    return head + body


class _HeadLimits(asyncio.Protocol):
    """Bounds the time and size of request heads (mixed into uvicorn's protocols), and answers the
    parser's own refusals as problems."""

    # Set by uvicorn's protocol classes.
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any
    app_state: dict[str, Any]

    _head_timer: asyncio.TimerHandle | None = None
    _head_bytes = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._await_head()

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if self._head_timer is None and self._between_requests():
            # The first byte of the next request on a kept-alive connection.
            self._await_head()
        if self._head_timer is not None:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._head_timer is None:
            return
        if not self._between_requests():
            self._head_timer.cancel()
            self._head_timer = None
        elif self._head_bytes > self._limits().max_bytes and not self.transport.is_closing():
            # httptools buffers a head of any size (h11 stops at 16 KiB by default): a head still
            # incomplete past the limit is refused (it may pass it by the last read, ≤ 256 KiB).
            detail = f"The request head exceeds {self._limits().max_bytes} bytes."
            self._refuse(_problem_then_close(431, "header-too-large", "Request header fields too large", detail))

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request its parser refuses, as a problem instead of text/plain."""
        self._refuse(_problem_then_close(400, "bad-request", "Bad request", msg))

    def _limits(self) -> HeadLimits:
        limits = self.app_state.get(HEAD_LIMITS_STATE_KEY)
        return limits if isinstance(limits, HeadLimits) else HeadLimits()

    def _between_requests(self) -> bool:
        return self.cycle is None or bool(self.cycle.response_complete)

    def _await_head(self) -> None:
        self._head_bytes = 0
        self._head_timer = self.loop.call_later(self._limits().timeout_seconds, self._head_timed_out)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_bytes == 0:
            # Nothing came: closed without a word, as an idle kept-alive connection is.
            self.transport.close()
            return
        # RFC 9110 §15.5.9: 408, and the connection closed.
        detail = f"The request head did not arrive within {self._limits().timeout_seconds:g} s."
        self._refuse(_problem_then_close(408, "request-timeout", "Request timeout", detail))

    def _refuse(self, response: bytes) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self.transport.write(response)
        self.transport.close()


class EdgeHttpToolsProtocol(_HeadLimits, HttpToolsProtocol):
    """uvicorn's httptools protocol with request head limits."""


class EdgeH11Protocol(_HeadLimits, H11Protocol):
    """uvicorn's h11 protocol with request head limits."""


class BodyReadTimeoutError(Exception):
    """Raised from `receive` when a request body stalls; the middleware has answered 408 already."""


def _expects_body(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"transfer-encoding" or (key == b"content-length" and value not in (b"0", b"")):
            return True
    return False


class BodyReadTimeoutMiddleware:
    """Answers 408 when a request body stalls or crawls.

    Each wait for the next part of the body lasts at most `timeout` seconds, and the time spent waiting
    for the body in all may not pass `timeout` plus one second per `min_bytes_per_second` received (so
    a byte now and then does not hold a request forever). Time the app spends elsewhere (forwarding
    what it got to a slow service) is not counted against the client.
    """

    def __init__(self, app: ASGIApp, timeout: float, min_bytes_per_second: int) -> None:
        self.app = app
        self.timeout = timeout
        self.min_bytes_per_second = min_bytes_per_second

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _expects_body(scope):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        waited = 0.0
        received = 0
        complete = started = answered = False

        async def timed_receive() -> Message:
            nonlocal waited, received, complete
            if complete:
                return await receive()
            allowance = min(self.timeout, self.timeout + received / self.min_bytes_per_second - waited)
            began = loop.time()
            try:
                if allowance <= 0:
                    raise TimeoutError
                async with asyncio.timeout(allowance):
                    message = await receive()
            except TimeoutError:
                await refuse()
                raise BodyReadTimeoutError from None
            finally:
                waited += loop.time() - began
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            received += len(message.get("body", b""))
            return message

        async def refuse() -> None:
            nonlocal answered
            if started or answered:
                return
            answered = True
            detail = (
                f"The request body did not arrive in time: at most {self.timeout:g} s without data, "
                f"then at least {self.min_bytes_per_second} bytes a second."
            )
            body = problem_body(408, "request-timeout", "Request timeout", detail, instance=scope.get("path"))
            # The rest of the body may still come: the connection cannot serve another request.
            await send_json(send, 408, body, PROBLEM_MEDIA_TYPE, [(b"connection", b"close")])

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return  # whatever the app makes of the failed read, the client has its 408
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, timed_receive, guarded_send)
        except BodyReadTimeoutError:
            if not answered:
                raise


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware whose refused preflights are problem documents naming what was
    refused (403), instead of `text/plain` "Disallowed CORS origin"."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers(scope=scope)
            if "origin" in headers and "access-control-request-method" in headers:
                response = self.preflight_response(request_headers=headers)
                if response.status_code != 200:
                    response = self._refusal(headers, response, scope["path"])
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def _refusal(self, request: Headers, refused_by_starlette: Response, path: str) -> Response:
        refused: list[str] = []
        origin = request["origin"]
        if not self.is_allowed_origin(origin):
            refused.append(f"origin {origin!r}")
        method = request["access-control-request-method"]
        if method not in self.allow_methods:
            refused.append(f"method {method!r}")
        asked = request.get("access-control-request-headers")
        if asked is not None and not self.allow_all_headers:
            names = [name.strip() for name in asked.lower().split(",")]
            unknown = [name for name in names if name not in self.allow_headers]
            if unknown:
                refused.append(("headers " if len(unknown) > 1 else "header ") + ", ".join(map(repr, unknown)))
        if "access-control-request-private-network" in request and not self.allow_private_network:
            refused.append("private network access")
        detail = "Cross-origin request refused: " + "; ".join(refused) + " not allowed."
        # Keep the preflight headers Starlette chose (Vary above all, so that caches keep them apart).
        kept = {
            key: value
            for key, value in refused_by_starlette.headers.items()
            if key not in ("content-type", "content-length")
        }
        title = "Cross-origin request refused"
        return problem_response(403, "cors-refused", title, detail, instance=path, headers=kept)
