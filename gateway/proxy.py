"""Streaming reverse proxy to the services, as raw ASGI (FastAPI routing costs too much per hop).

Each service has its own connection pool (`gateway.upstream.Upstream`). What the client is told when a
service fails follows from whether the request reached it:
- 503 + Retry-After: it never did (refused, or no free connection within the wait): repeat it later;
- 502 (connection lost) or 504 (deadline): it was sent and no answer came back. For a request that
  changes something the outcome is unknown: the problem says so and carries no Retry-After (a POST is
  repeated with the same Idempotency-Key; a PUT, PATCH or DELETE after reading the resource again).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from urllib.parse import quote, unquote_to_bytes

import aiohttp
from starlette.types import Receive, Scope, Send

from gateway.edge import BodyReadTimeoutError
from gateway.upstream import SAFE_METHODS, NoAnswerError, NotSentError, Upstream
from kit.asgi_middleware import BodyTooLargeError, PathTable, send_json
from kit.auth.tokens import InvalidTokenError, TokenVerifier
from kit.problems import PROBLEM_MEDIA_TYPE, problem_body

logger = logging.getLogger("gateway.proxy")

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
    }
)
# The gateway's own server adds these; relaying the upstream's would duplicate them.
NOT_RELAYED = HOP_BY_HOP | {b"date", b"server"}
# Methods the gateway repeats once when the connection was refused (nothing was sent).
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
BUFFER_LIMIT = 64 * 1024
RETRY_AFTER_SECONDS = b"2"
OUTCOME_UNKNOWN_ADVICE = (
    "Whether it was applied is unknown: repeat a POST with the same Idempotency-Key; "
    "read the resource again before repeating a PUT, PATCH or DELETE."
)


class ClientDisconnectedError(Exception):
    """The client went away before its request body was complete: nothing is forwarded or answered."""


def upstream_target(raw_path: bytes, service: str) -> bytes | None:
    """The part of a raw (percent-encoded) path after `/api/<service>`, as it goes to the service.

    The first two segments are compared once percent-decoded (`/api/grant%73/…` is grants, RFC 3986
    §6.2.2.2); a segment that decodes to something else, a `%2F` included, maps to nothing: the
    remainder is never cut from the raw path at a length computed on the decoded one.
    """
    parts = raw_path.split(b"/", 3)
    if len(parts) < 3 or parts[0] != b"":
        return None
    api, name = parts[1], parts[2]
    if (api != b"api" and unquote_to_bytes(api) != b"api") or (
        name != service.encode() and unquote_to_bytes(name) != service.encode()
    ):
        return None
    return b"/" + parts[3] if len(parts) == 4 else b"/"


def has_dot_segment(path: str) -> bool:
    """`.` or `..` as a segment of the decoded path: refused rather than left to each service."""
    return any(segment in (".", "..") for segment in path.split("/"))


class ReverseProxy:
    """Forwards `/api/<service>/<path>` to `<service url>/<path>`."""

    def __init__(
        self,
        upstreams: Mapping[str, Upstream],
        verifier: TokenVerifier,
        deadline_seconds: float,
        read_timeout: float,
        larger_deadlines: Mapping[str, float] | None = None,
    ) -> None:
        self.upstreams = dict(upstreams)
        self.verifier = verifier
        self.deadline = deadline_seconds
        self.read_timeout = read_timeout
        self.larger_deadlines = PathTable(larger_deadlines)

    def service_of(self, path: str) -> str | None:
        """The service a decoded path belongs to."""
        parts = path.split("/", 3)
        if len(parts) >= 3 and parts[1] == "api" and parts[2] in self.upstreams:
            return parts[2]
        return None

    def timing_for(self, path: str) -> tuple[float, float]:
        """(deadline, read timeout) of a path: a path allowed longer waits for its answer as long."""
        larger = self.larger_deadlines.get(path)
        if larger is None:
            return self.deadline, self.read_timeout
        return max(larger, self.deadline), max(larger, self.read_timeout)

    async def close(self) -> None:
        for upstream in self.upstreams.values():
            await upstream.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._proxy(scope, receive, send)
        except ClientDisconnectedError:
            return

    async def _proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        service = self.service_of(path)
        assert service is not None  # noqa: S101 - the dispatcher routes only matching paths here
        raw_path: bytes = scope.get("raw_path") or quote(path).encode()
        target = upstream_target(raw_path, service)
        if target is None:
            await _problem(
                send,
                404,
                "not-found",
                "Resource not found",
                "No service is known under this encoding of the path's /api/<service> prefix.",
                path,
            )
            return
        query: bytes = scope.get("query_string") or b""
        if has_dot_segment(path) or not (target.isascii() and query.isascii()):
            detail = "A path may not have '.' or '..' segments, nor bytes that are not percent-encoded."
            await _problem(send, 400, "bad-request", "Bad request", detail, path)
            return
        headers: list[tuple[str, str]] = []
        authorization: bytes | None = None
        declared: bytes | None = None
        chunked = False
        for key, value in scope["headers"]:
            if key == b"authorization":
                authorization = value
            elif key == b"content-length":
                declared = value
            elif key == b"transfer-encoding":
                chunked = True
            if key not in HOP_BY_HOP and key != b"x-request-id":
                headers.append((key.decode("latin-1"), value.decode("latin-1")))
        if authorization is not None:
            rejection = await self._check_token(authorization)
            if rejection is not None:
                await _problem(
                    send,
                    401,
                    "unauthenticated",
                    "Authentication required",
                    rejection,
                    path,
                    [(b"www-authenticate", b'Bearer realm="coeur-de-quartier", error="invalid_token"')],
                )
                return
        request_id = scope.get("state", {}).get("request_id", "")
        headers.append(("x-request-id", request_id))
        client_host = (scope.get("client") or ("", 0))[0]
        headers.append(("x-forwarded-for", str(client_host)))
        headers.append(("x-forwarded-proto", str(scope.get("scheme", "http"))))
        url_target = (target + b"?" + query if query else target).decode("ascii")
        method: str = scope["method"]
        # Small bodies are read whole first (a refused connection can then be retried); larger ones
        # stream through and are never sent twice.
        has_body = chunked or declared not in (None, b"", b"0")
        streamed = chunked or (declared is not None and (not declared.isdigit() or int(declared) > BUFFER_LIMIT))
        content: bytes | _BodyStream | None = None
        if streamed:
            content = _BodyStream(receive)
            if not chunked and declared is not None:
                # The service then knows the size, and tells a cut body from a whole one.
                headers.append(("content-length", declared.decode("latin-1")))
        elif has_body:
            content = await _read_body(receive)
        deadline, read_timeout = self.timing_for(path)
        try:
            response = await self.upstreams[service].send(
                method,
                url_target,
                headers,
                content,
                deadline=deadline,
                read_timeout=read_timeout,
                retry_refused=method in IDEMPOTENT and not streamed,
            )
        except NotSentError:
            _raise_body_failure(content)
            await _problem(
                send,
                503,
                "upstream-unavailable",
                "Service unavailable",
                f"{service} cannot be reached; the request was not sent to it.",
                path,
                [(b"retry-after", RETRY_AFTER_SECONDS)],
            )
            return
        except NoAnswerError as error:
            _raise_body_failure(content)
            await _no_answer(send, service, method, path, timed_out=error.timed_out, deadline=deadline)
            return
        if isinstance(content, _BodyStream) and content.failure is not None:
            response.close()
            raise content.failure
        await self._relay(response, send, service, method, path)

    async def _check_token(self, authorization: bytes) -> str | None:
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return "Use a bearer token."
        try:
            await self.verifier.verify(token.strip())
        except InvalidTokenError as error:
            return str(error)
        return None

    @staticmethod
    async def _relay(response: aiohttp.ClientResponse, send: Send, service: str, method: str, path: str) -> None:
        headers = [
            (key.lower(), _located(value, service) if key.lower() == b"location" else value)
            for key, value in response.raw_headers
            if key.lower() not in NOT_RELAYED
        ]
        length = response.content_length
        try:
            if method == "HEAD" or (length is not None and length <= BUFFER_LIMIT):
                try:
                    body = await response.read()
                except (aiohttp.ClientError, OSError) as error:
                    # The service answered but its answer was cut: as good as no answer.
                    await _no_answer(
                        send, service, method, path, timed_out=isinstance(error, TimeoutError), deadline=None
                    )
                    return
                if length is not None:
                    headers.append((b"content-length", str(length if method == "HEAD" else len(body)).encode()))
                await send({"type": "http.response.start", "status": response.status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            try:
                async for chunk in response.content.iter_any():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except (aiohttp.ClientError, OSError) as error:
                # The head is gone already: the response is left incomplete, so that the server closes
                # the connection and the client sees a cut answer rather than a short one.
                logger.warning("answer of %s cut on %s %s: %r", service, method, path, error)
                return
            await send({"type": "http.response.body", "body": b""})
        finally:
            response.release()


def _located(location: bytes, service: str) -> bytes:
    """A service's absolute-path Location, as the client reaches it: under the gateway's /api/<service>."""
    if location.startswith(b"/") and not location.startswith(b"//"):
        return b"/api/" + service.encode() + location
    return location


async def _no_answer(
    send: Send, service: str, method: str, path: str, *, timed_out: bool, deadline: float | None
) -> None:
    status = 504 if timed_out else 502
    waited = f"did not answer within {deadline:g} s" if deadline is not None else "did not answer in time"
    if method in SAFE_METHODS:
        if timed_out:
            await _problem(send, 504, "upstream-timeout", "Gateway timeout", f"{service} {waited}.", path)
        else:
            await _problem(send, 502, "bad-gateway", "Bad gateway", f"{service} gave no valid answer.", path)
        return
    what = waited if timed_out else "gave no complete answer (its connection was lost)"
    await _problem(
        send,
        status,
        "upstream-outcome-unknown",
        "Outcome unknown",
        f"{service} received the request and {what}. {OUTCOME_UNKNOWN_ADVICE}",
        path,
    )


async def refuse_connect(send: Send, path: str) -> None:
    """CONNECT asks a proxy for a tunnel (RFC 9110 §9.3.6); the gateway is none. Forwarded, a service's
    parser answered it in plain text; refused here, it is a problem like the gateway's parser's own 400."""
    detail = "CONNECT asks a proxy for a tunnel; the gateway is none."
    await _problem(send, 400, "bad-request", "Bad request", detail, path)


async def _problem(
    send: Send,
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await send_json(
        send, status, problem_body(status, slug, title, detail, instance=instance), PROBLEM_MEDIA_TYPE, headers
    )


def _raise_body_failure(content: bytes | _BodyStream | None) -> None:
    """A failure of the client's own body explains an upstream failure better (413, 408, gone)."""
    if isinstance(content, _BodyStream) and content.failure is not None:
        raise content.failure


class _BodyStream:
    """The request body as it arrives. A failure (too large, stalled, client gone) is remembered and
    raised, so that the upstream request is aborted rather than ended as if the body were whole."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.failure: Exception | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            try:
                message = await self._receive()
            except (BodyTooLargeError, BodyReadTimeoutError) as error:
                self.failure = error
                raise
            if message["type"] == "http.disconnect":
                self.failure = ClientDisconnectedError()
                raise self.failure
            body = message.get("body", b"")
            if body:
                yield body
            if not message.get("more_body", False):
                return


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnectedError
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
