"""Streaming reverse proxy to the services, as raw ASGI (FastAPI routing costs too much per hop).

The upstream hop uses the httpx API over aiohttp's connection pool (httpx-aiohttp), which measured
several times faster than httpcore's pool on this hardware (see bench/gateway.py and the README).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from starlette.types import Receive, Scope, Send

from kit.asgi_middleware import BodyTooLargeError, send_json
from kit.auth.tokens import InvalidTokenError, TokenVerifier
from kit.problems import PROBLEM_MEDIA_TYPE, problem_body

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
# httpx-aiohttp reports a refused connection as ConnectTimeout: both mean "cannot reach", hence 503.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
BUFFER_LIMIT = 64 * 1024


def upstream_transport(max_connections: int = 200) -> httpx.AsyncBaseTransport:
    """One pooled transport for every upstream: aiohttp's keep-alive pool under the httpx API."""
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=30
    )
    return AiohttpTransport(limits=limits, trust_env=False)


class ReverseProxy:
    """Forwards `/api/<service>/<path>` to `<service url>/<path>`."""

    def __init__(
        self,
        upstreams: Mapping[str, str],
        transport: httpx.AsyncBaseTransport,
        verifier: TokenVerifier,
        deadline_seconds: float,
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        self.upstreams = {name: url.rstrip("/") for name, url in upstreams.items()}
        # The transport is called directly: a proxy needs none of AsyncClient's redirects, cookies,
        # auth or base-URL merging, which cost as much as the transport itself per request.
        self.transport = transport
        self.verifier = verifier
        self.deadline = deadline_seconds
        self.timeouts = {
            "connect": connect_timeout,
            "read": read_timeout,
            "write": read_timeout,
            "pool": connect_timeout,
        }

    def service_of(self, path: str) -> str | None:
        parts = path.split("/", 3)
        if len(parts) >= 3 and parts[1] == "api" and parts[2] in self.upstreams:
            return parts[2]
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        service = self.service_of(scope["path"])
        assert service is not None  # noqa: S101 - the dispatcher routes only matching paths here
        instance = scope["path"]
        headers: list[tuple[bytes, bytes]] = []
        authorization: bytes | None = None
        has_body = False
        streamed = False
        for key, value in scope["headers"]:
            if key == b"authorization":
                authorization = value
            if key == b"content-length" and value not in (b"0", b""):
                has_body = True
                streamed = not value.isdigit() or int(value) > BUFFER_LIMIT
            if key == b"transfer-encoding":
                has_body = streamed = True
            if key not in HOP_BY_HOP and key != b"x-request-id":
                headers.append((key, value))
        if authorization is not None:
            rejection = await self._check_token(authorization)
            if rejection is not None:
                await self._problem(
                    send,
                    401,
                    "unauthenticated",
                    "Authentication required",
                    rejection,
                    instance,
                    [(b"www-authenticate", b'Bearer realm="coeur-de-quartier", error="invalid_token"')],
                )
                return
        request_id = scope.get("state", {}).get("request_id", "")
        headers.append((b"x-request-id", request_id.encode()))
        client_host = (scope.get("client") or ("", 0))[0]
        headers.append((b"x-forwarded-for", str(client_host).encode()))
        headers.append((b"x-forwarded-proto", str(scope.get("scheme", "http")).encode()))
        # Forward the path as received (still percent-encoded), never the decoded one.
        raw_path = scope.get("raw_path") or scope["path"].encode()
        rest = raw_path[len("/api/") + len(service) :].decode("latin-1") or "/"
        url = self.upstreams[service] + rest
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        method = scope["method"]
        # Small bodies are buffered (a connect failure can then be retried); large ones stream through.
        content: bytes | _BodyStream | None = None
        if streamed:
            content = _BodyStream(receive)
        elif has_body:
            content = await _read_body(receive)
        try:
            request = httpx.Request(
                method, url, headers=headers, content=content, extensions={"timeout": self.timeouts}
            )
        except (httpx.InvalidURL, ValueError):
            await self._problem(send, 400, "bad-request", "Bad request", "The request URL is not valid.", instance)
            return
        try:
            async with asyncio.timeout(self.deadline):
                response = await self._send_with_retry(request, method if not streamed else "POST")
            if isinstance(content, _BodyStream) and content.too_large:
                await response.aclose()
                raise BodyTooLargeError
        except (httpx.ConnectError, httpx.ConnectTimeout):
            if isinstance(content, _BodyStream) and content.too_large:
                raise BodyTooLargeError from None
            await self._problem(
                send,
                503,
                "upstream-unavailable",
                "Service unavailable",
                f"{service} cannot be reached.",
                instance,
                [(b"retry-after", b"2")],
            )
            return
        except (TimeoutError, httpx.TimeoutException):
            await self._problem(
                send,
                504,
                "upstream-timeout",
                "Gateway timeout",
                f"{service} did not answer within {self.deadline:g} s.",
                instance,
            )
            return
        except (httpx.HTTPError, aiohttp.ClientError):
            if isinstance(content, _BodyStream) and content.too_large:
                raise BodyTooLargeError from None
            # httpx-aiohttp leaves some aiohttp errors unmapped (a bad status line, for one).
            await self._problem(send, 502, "bad-gateway", "Bad gateway", f"{service} gave an invalid answer.", instance)
            return
        await self._relay(response, send)

    async def _check_token(self, authorization: bytes) -> str | None:
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return "Use a bearer token."
        try:
            await self.verifier.verify(token.strip())
        except InvalidTokenError as error:
            return str(error)
        return None

    async def _send_with_retry(self, request: httpx.Request, method: str) -> httpx.Response:
        try:
            return await self.transport.handle_async_request(request)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            if method not in IDEMPOTENT:
                raise
        await asyncio.sleep(0.05)
        return await self.transport.handle_async_request(request)

    async def _relay(self, response: httpx.Response, send: Send) -> None:
        headers = [(key.lower(), value) for key, value in response.headers.raw if key.lower() not in NOT_RELAYED]
        length = response.headers.get("content-length")
        try:
            if length is not None and length.isdigit() and int(length) <= BUFFER_LIMIT:
                body = b"".join([chunk async for chunk in response.aiter_raw()])
                headers.append((b"content-length", str(len(body)).encode()))
                await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()

    @staticmethod
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


class _BodyStream:
    """The request body as it arrives; remembers when the size limit stopped it."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.too_large = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            try:
                message = await self._receive()
            except BodyTooLargeError:
                self.too_large = True
                return
            if message["type"] == "http.disconnect":
                return
            yield message.get("body", b"")
            if not message.get("more_body", False):
                return


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
