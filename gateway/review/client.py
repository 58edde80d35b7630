"""Reads the services' public APIs for the review, with the caller's own token: each service still decides
what the caller may see. Nothing here interprets an answer."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from gateway.review.domain import Reading


@dataclass(frozen=True, slots=True)
class Request:
    service: str
    path: str
    params: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ServiceReader:
    client: httpx.AsyncClient
    upstreams: Mapping[str, str]
    authorization: str

    async def read(self, request: Request) -> Reading:
        url = self.upstreams[request.service].rstrip("/") + request.path
        try:
            response = await self.client.get(
                url, params=dict(request.params), headers={"Authorization": self.authorization}
            )
        except httpx.HTTPError:
            return Reading(None)
        if response.status_code != 200:
            return Reading(response.status_code)
        try:
            return Reading(200, response.json())
        except ValueError:
            return Reading(502)

    async def read_all(self, requests: Sequence[Request]) -> list[Reading]:
        """Every request at once (the services answer in parallel), in the order asked."""
        return list(await asyncio.gather(*(self.read(request) for request in requests)))
