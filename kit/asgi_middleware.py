"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs a task per request) for every app."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, MutableMapping
from typing import Any, Generic, TypeVar

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.problems import PROBLEM_MEDIA_TYPE, FieldError, problem_body
from kit.request_ids import (
    REQUEST_ID_HEADER,
    accept_or_create,
    reset_request_arrived_at,
    reset_request_id,
    set_request_arrived_at,
    set_request_id,
)

access_logger = logging.getLogger("access")
_REQUEST_ID_KEY = REQUEST_ID_HEADER.encode()
T = TypeVar("T")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            try:
                return str(value.decode("latin-1"))
            except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
                return None
    return None


class RequestContextMiddleware:
    """Binds the request id, echoes it on the response and writes one access log line.

    The access line holds the method, the path without its query string (queries may carry names or
    addresses), the status and the duration: nothing personal.

    It also refuses a request with more than one `Authorization` header (400): which one counts would
    depend on the reader (the policy took the first, the response cache the last), so none does. Being
    the first middleware of every app (services and gateway), it decides before anything reads them.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        candidate: bytes | None = None
        authorizations = 0
        for key, value in scope.get("headers", ()):
            if key == _REQUEST_ID_KEY and candidate is None:
                candidate = value
            elif key == b"authorization":
                authorizations += 1
        request_id = accept_or_create(candidate.decode("latin-1") if candidate is not None else None)
        scope.setdefault("state", {})["request_id"] = request_id
        token = set_request_id(request_id)
        arrival = set_request_arrived_at(time.monotonic())
        started = time.perf_counter()
        status_holder: dict[str, int] = {"status": 500}
        encoded_id = request_id.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = int(message["status"])
                headers = [(key, value) for key, value in message.get("headers", []) if key != b"x-request-id"]
                headers.append((b"x-request-id", encoded_id))
                message["headers"] = headers
            await send(message)

        try:
            if authorizations > 1:
                await send_json(send_with_id, 400, _duplicate_authorization(scope), PROBLEM_MEDIA_TYPE)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            access_logger.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status_holder["status"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            reset_request_id(token)
            reset_request_arrived_at(arrival)


def _duplicate_authorization(scope: Scope) -> dict[str, Any]:
    message = "Send exactly one Authorization header."
    return problem_body(
        400,
        "bad-request",
        "Bad request",
        "The request carries more than one Authorization header.",
        instance=scope.get("path"),
        errors=[FieldError(pointer="/header/Authorization", field="Authorization", rule="duplicate", message=message)],
    )


class HeadAsGetMiddleware:
    """HEAD is answered as the GET of the same resource without its body (RFC 9110 §9.3.2): its status, ETag
    and Content-Length. FastAPI registers a GET route for GET only, so a HEAD met 405 where GET works.

    The GET runs whole: its policy decides, an audited read is audited, a remembered answer serves it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            # The response ends with its head: a GET that streams (an export) goes on into nothing, and the
            # connection is free for the next request at once.
            if message["type"] == "http.response.start":
                await send(message)
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, without_body)


class PathTable(Generic[T]):
    """Values by request path: exact paths first, then patterns where a `*` segment matches any one
    segment (`/bodies/*/draws`)."""

    def __init__(self, values: Mapping[str, T] | None = None) -> None:
        self.exact = dict(values or {})
        self.patterns = [(path.split("/"), value) for path, value in self.exact.items() if "*" in path.split("/")]

    def get(self, path: str) -> T | None:
        exact = self.exact.get(path)
        if exact is not None:
            return exact
        if not self.patterns:
            return None
        segments = path.split("/")
        for pattern, value in self.patterns:
            if len(pattern) == len(segments) and all(
                wanted in ("*", given) for wanted, given in zip(pattern, segments, strict=True)
            ):
                return value
        return None


class BodySizeLimitMiddleware:
    """Refuses request bodies over `max_bytes` with a 413 problem, declared or streamed (chunked).

    `larger_limits` maps paths to bigger limits; a `*` segment in a path matches any one segment
    (`/bodies/*/draws`)."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger_limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger_limits = PathTable(larger_limits)

    def limit_for(self, path: str) -> int:
        larger = self.larger_limits.get(path)
        return self.max_bytes if larger is None else larger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, limit)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLargeError:
            if not response_started:
                await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        body = problem_body(
            413,
            "payload-too-large",
            "Request body too large",
            f"The body exceeds {limit} bytes.",
            instance=scope.get("path"),
            extra={"maxBytes": limit},
        )
        await send_json(send, 413, body, PROBLEM_MEDIA_TYPE)


class BodyTooLargeError(Exception):
    """Raised from `receive` once a body passes the limit; the middleware answers 413."""


async def send_json(
    send: Send,
    status: int,
    body: MutableMapping[str, Any],
    media_type: str = "application/json",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Send a whole JSON response through a raw ASGI `send`."""
    content = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media_type.encode()),
                (b"content-length", str(len(content)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})
