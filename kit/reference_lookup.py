"""Reference records another service owns, read over HTTP by key, cached; a stale answer is used while
that service is briefly unreachable, so that the reader keeps working."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import FastAPI, Request
from pydantic import ValidationError
from starlette.responses import Response

from kit.http_client import ServiceClient, UpstreamError
from kit.problems import problem_response

FRESH_SECONDS = 300.0
STALE_SECONDS = 24 * 3600.0
RecordT = TypeVar("RecordT")


class ReferenceUnavailableError(Exception):
    """The owner cannot say whether the record exists, and nothing usable is cached."""


@dataclass
class _Entry(Generic[RecordT]):
    record: RecordT | None
    fetched_at: float


class ReferenceLookup(Generic[RecordT]):
    """`find(key)`: the record at `path(key)`, or None when its owner answers 404."""

    def __init__(
        self,
        client: ServiceClient,
        path: Callable[[str], str],
        parse: Callable[[bytes], RecordT],
        *,
        fresh_seconds: float = FRESH_SECONDS,
        stale_seconds: float = STALE_SECONDS,
    ) -> None:
        self._client = client
        self._path = path
        self._parse = parse
        self._fresh = fresh_seconds
        self._stale = stale_seconds
        self._cache: dict[str, _Entry[RecordT]] = {}

    async def find(self, key: str) -> RecordT | None:
        now = time.monotonic()
        entry = self._cache.get(key)
        if entry is not None and now - entry.fetched_at < self._fresh:
            return entry.record
        try:
            response = await self._client.request("GET", self._path(key))
            if response.status_code == 404:
                record = None
            elif response.status_code == 200:
                record = self._parse(response.content)
            else:
                raise UpstreamError(self._client.service, f"status {response.status_code}")
        except (UpstreamError, ValidationError) as error:
            if entry is not None and now - entry.fetched_at < self._stale:
                return entry.record
            raise ReferenceUnavailableError(str(error)) from error
        self._cache[key] = _Entry(record, now)
        return record

    async def aclose(self) -> None:
        await self._client.aclose()


async def _on_reference_unavailable(request: Request, _exc: Exception) -> Response:
    return problem_response(
        503,
        "reference-unavailable",
        "Service unavailable",
        "Reference data this answer needs (contracts, territories) cannot be read; retry later.",
        instance=request.url.path,
        headers={"Retry-After": "5"},
    )


def install_reference_problems(app: FastAPI) -> None:
    """Reference data held by another service that cannot be read: 503 with Retry-After."""
    app.add_exception_handler(ReferenceUnavailableError, _on_reference_unavailable)
