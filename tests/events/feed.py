"""Reading the merged event feed through the gateway, every page to its end."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

FEED = "/api/events"


async def read_all(
    gateway: httpx.AsyncClient, headers: dict[str, str], after: str | None = None, **params: str
) -> tuple[list[dict[str, Any]], str]:
    """Every event after the cursor, page by page; and the cursor to read on from."""
    events: list[dict[str, Any]] = []
    cursor = after
    while True:
        query = {**params, **({"after": cursor} if cursor else {})}
        page = await gateway.get(FEED, params=query, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        events.extend(body["items"])
        cursor = body["nextCursor"]
        if not body["hasMore"]:
            return events, cursor


@pytest.fixture(autouse=True)
async def event_types_known(gateway: httpx.AsyncClient) -> None:
    """The event types a feed or a subscription names are read from the aggregated OpenAPI document, whose first
    building asks each service for its own (3 s at most each): on a loaded machine a service's first answer
    can be later, and the document says so (`x-unavailable`). Wait until it is whole, as a partner would."""
    for _ in range(120):
        document = (await gateway.get("/api/openapi.json")).json()
        if "x-unavailable" not in document:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"the aggregated OpenAPI stays incomplete: {document['x-unavailable']}")
