"""Reading the merged event feed through the gateway, every page to its end."""

from __future__ import annotations

from typing import Any

import httpx

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
