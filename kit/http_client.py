"""The policy for calls between apps: pooled httpx client, explicit timeouts, one overall deadline,
retries with jitter only for idempotent requests, request id propagated."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from kit.request_ids import REQUEST_ID_HEADER, current_request_id

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({502, 503, 504})


class UpstreamError(Exception):
    """The other app could not give an answer."""

    def __init__(self, service: str, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason
        self.timed_out = timed_out


@dataclass(frozen=True, slots=True)
class CallPolicy:
    connect_timeout: float = 1.0
    read_timeout: float = 2.0
    deadline: float = 3.0
    retries: int = 2
    backoff_base: float = 0.05
    max_connections: int = 100


def is_retryable(method: str, headers: Mapping[str, str] | None) -> bool:
    if method.upper() in IDEMPOTENT_METHODS:
        return True
    return bool(headers) and any(key.lower() == "idempotency-key" for key in headers or {})


def build_async_client(base_url: str, policy: CallPolicy) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(
            connect=policy.connect_timeout,
            read=policy.read_timeout,
            write=policy.read_timeout,
            pool=policy.connect_timeout,
        ),
        limits=httpx.Limits(
            max_connections=policy.max_connections,
            max_keepalive_connections=policy.max_connections,
            keepalive_expiry=30,
        ),
    )


class ServiceClient:
    """Calls one other app of the platform over HTTP."""

    def __init__(self, service: str, client: httpx.AsyncClient, policy: CallPolicy) -> None:
        self.service = service
        self._client = client
        self._policy = policy

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send within the overall deadline; retries share that deadline."""
        sent_headers = dict(headers or {})
        request_id = current_request_id()
        if request_id:
            sent_headers[REQUEST_ID_HEADER] = request_id
        retryable = is_retryable(method, headers)
        attempts = 1 + (self._policy.retries if retryable else 0)
        try:
            async with asyncio.timeout(self._policy.deadline):
                for attempt in range(attempts):
                    last = attempt == attempts - 1
                    try:
                        response = await self._client.request(
                            method, path, params=params, json=json, content=content, headers=sent_headers
                        )
                    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                        if last:
                            raise UpstreamError(self.service, "unreachable") from error
                    except httpx.ReadTimeout as error:
                        if last or not retryable:
                            raise UpstreamError(self.service, "timed out", timed_out=True) from error
                    except httpx.HTTPError as error:
                        raise UpstreamError(self.service, "protocol error") from error
                    else:
                        if response.status_code not in RETRYABLE_STATUSES or last:
                            return response
                    await asyncio.sleep(self._policy.backoff_base * (2**attempt) * random.uniform(0.5, 1.5))  # noqa: S311 - jitter, not crypto
        except TimeoutError as error:
            raise UpstreamError(self.service, "deadline exceeded", timed_out=True) from error
        raise UpstreamError(self.service, "no attempt made")  # pragma: no cover - loop always returns


def service_client(service: str, base_url: str, policy: CallPolicy | None = None) -> ServiceClient:
    chosen = policy or CallPolicy()
    return ServiceClient(service, build_async_client(base_url, chosen), chosen)
