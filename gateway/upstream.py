"""The gateway's hop to one service: its own aiohttp connection pool (a bulkhead) and honest failures.

What a failure means for the client depends on one fact: did the request leave the gateway? So each call
records whether a connection was obtained for it, and every failure becomes one of two errors:
- `NotSentError`: refused, or no free connection within the wait; the service never saw the request,
  repeating it is safe (the client gets 503 + Retry-After);
- `NoAnswerError`: a connection was obtained, so the request was (or may have been) sent, and no
  complete answer came back (dropped, timed out, garbage); the outcome is unknown (502/504).

aiohttp itself is used directly (not through an httpx transport): httpx-aiohttp maps every
`ClientConnectionError` to `httpx.ConnectTimeout`, so "refused" and "sent, then dropped" looked alike.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterable, Sequence

import aiohttp
from aiohttp.client_middlewares import ClientHandlerType
from aiohttp.client_reqrep import ClientRequest
from aiohttp.connector import Connection
from aiohttp.tracing import Trace
from yarl import URL

# Safe methods change nothing: aiohttp may repeat one sent on a kept-alive connection the service had
# just closed (RFC 9112 §9.3.1). It would also repeat PUT and DELETE, which here carry If-Match: a
# repeat of one that was applied would answer 412 or 404 for a change that succeeded.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_PAUSE_SECONDS = 0.05


class NotSentError(Exception):
    """The request never reached the service: connection refused, or no free connection in time."""


class NoAnswerError(Exception):
    """The request was (or may have been) sent and no complete answer came back."""

    def __init__(self, message: str, *, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class _Attempt:
    __slots__ = ("connected",)

    def __init__(self) -> None:
        self.connected = False


# Set around each call; the connector marks it in the caller's task once a connection is in hand.
_attempt: contextvars.ContextVar[_Attempt | None] = contextvars.ContextVar("upstream_attempt", default=None)


class _MarkingConnector(aiohttp.TCPConnector):
    """A TCP connector that records, for the current call, that a connection was obtained."""

    async def connect(
        self,
        req: ClientRequest,
        traces: list[Trace],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 - aiohttp's signature
    ) -> Connection:
        connection = await super().connect(req, traces, timeout)
        attempt = _attempt.get()
        if attempt is not None:
            attempt.connected = True
        return connection


class _SentAndDroppedError(Exception):
    """Not an aiohttp error, so that aiohttp does not repeat a request that may have been applied."""


async def _no_repeat_of_unsafe_methods(request: ClientRequest, handler: ClientHandlerType) -> aiohttp.ClientResponse:
    try:
        return await handler(request)
    except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):
        raise
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as error:
        if request.method in SAFE_METHODS:
            raise
        raise _SentAndDroppedError(str(error) or type(error).__name__) from error


class Upstream:
    """One service behind the gateway, with a connection pool of its own.

    A stuck service fills only its own pool: calls to it then wait at most `pool_timeout` for a free
    connection and fail as `NotSentError`, while the other services' pools are untouched.
    """

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        max_connections: int,
        pool_timeout: float,
        connect_timeout: float,
        keepalive_seconds: float,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.max_connections = max_connections
        self.keepalive_seconds = keepalive_seconds
        self.connect_timeout = connect_timeout
        # aiohttp's `connect` bounds the wait for a pooled connection plus opening a new one.
        self.connect_window = pool_timeout + connect_timeout
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        self._session: aiohttp.ClientSession | None = None

    def _session_now(self) -> aiohttp.ClientSession:
        # Made on first use: aiohttp needs a running event loop, and an app is built before one runs.
        if self._session is None:
            connector = _MarkingConnector(
                limit=self.max_connections, limit_per_host=0, keepalive_timeout=self.keepalive_seconds
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                # A proxy forwards what it receives: no header of aiohttp's own, no cookie kept from
                # one client's answer for another client's request, bodies left compressed.
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trust_env=False,
                middlewares=(_no_repeat_of_unsafe_methods,),
            )
        return self._session

    def _timeout(self, read_timeout: float) -> aiohttp.ClientTimeout:
        timeout = self._timeouts.get(read_timeout)
        if timeout is None:
            timeout = aiohttp.ClientTimeout(
                total=None, connect=self.connect_window, sock_connect=self.connect_timeout, sock_read=read_timeout
            )
            self._timeouts[read_timeout] = timeout
        return timeout

    async def send(
        self,
        method: str,
        target: str,
        headers: Sequence[tuple[str, str]],
        body: bytes | AsyncIterable[bytes] | None,
        *,
        deadline: float,
        read_timeout: float,
        retry_refused: bool,
    ) -> aiohttp.ClientResponse:
        """Send a request (`target`: the path and query, still percent-encoded) and return the response
        once its head arrived, within `deadline` seconds.

        A refused connection is tried once more when `retry_refused` (the body must be bytes).
        Raises `NotSentError` or `NoAnswerError`.
        """
        url = URL(self.base_url + target, encoded=True)
        timeout = self._timeout(read_timeout)
        session = self._session_now()
        attempt = _Attempt()
        token = _attempt.set(attempt)
        try:
            async with asyncio.timeout(deadline):
                try:
                    return await self._request(session, method, url, headers, body, timeout)
                except aiohttp.ClientConnectorError:
                    if not retry_refused or attempt.connected:
                        raise
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
                return await self._request(session, method, url, headers, body, timeout)
        except TimeoutError as error:
            # Our deadline, or aiohttp's connect or read timeout (all TimeoutError subclasses).
            if not attempt.connected:
                raise NotSentError(f"no connection to {self.name} within the wait") from error
            raise NoAnswerError(f"{self.name} did not answer in time", timed_out=True) from error
        except (aiohttp.ClientError, OSError, _SentAndDroppedError) as error:
            if not attempt.connected:
                raise NotSentError(f"{self.name} cannot be reached: {error}") from error
            raise NoAnswerError(f"{self.name} gave no complete answer: {error}", timed_out=False) from error
        finally:
            _attempt.reset(token)

    @staticmethod
    async def _request(
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        headers: Sequence[tuple[str, str]],
        body: bytes | AsyncIterable[bytes] | None,
        limits: aiohttp.ClientTimeout,
    ) -> aiohttp.ClientResponse:
        return await session.request(method, url, headers=headers, data=body, timeout=limits, allow_redirects=False)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
