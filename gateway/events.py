"""`GET /api/events`: the three services' feeds merged, each read with the caller's own token (each service
decides what the caller sees), behind one opaque cursor: base64url of the services' own cursors.

Within a service events come in commit order; the merged page keeps each service's order, one service's
page after the other (a resource lives in one service, so the order per resource holds)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from kit.problems import FieldError, ProblemError

START = "0.0"
LATEST = "latest"  # no event: the cursor to read on from now (each service's own `latest`)
SERVICES = ("territories", "grants", "participation")


def encode_cursor(positions: Mapping[str, str]) -> str:
    raw = json.dumps({name: positions.get(name, START) for name in SERVICES}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _bad_cursor() -> ProblemError:
    return ProblemError(
        422,
        "validation",
        "Invalid input",
        "after is not a cursor this feed gave",
        errors=[FieldError(pointer="/query/after", field="after", rule="cursor", message="not a cursor of this feed")],
    )


def decode_cursor(cursor: str | None) -> dict[str, str]:
    if not cursor:
        return dict.fromkeys(SERVICES, START)
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as error:
        raise _bad_cursor() from error
    if not isinstance(decoded, dict) or set(decoded) != set(SERVICES):
        raise _bad_cursor()
    if not all(isinstance(value, str) and len(value) <= 40 for value in decoded.values()):
        raise _bad_cursor()
    return {name: str(decoded[name]) for name in SERVICES}


def event_types_of(document: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """Each service's event types, as its feed declares them in the aggregated OpenAPI document."""
    found = {}
    for name in SERVICES:
        operation = document.get("paths", {}).get(f"/api/{name}/events", {}).get("get", {})
        found[name] = frozenset(item["type"] for item in operation.get("x-event-types", []))
    return found


@dataclass(frozen=True, slots=True)
class EventFeeds:
    client: httpx.AsyncClient
    upstreams: Mapping[str, str]

    async def _page(self, name: str, authorization: str, params: dict[str, str]) -> tuple[str, httpx.Response | None]:
        try:
            response = await self.client.get(
                self.upstreams[name].rstrip("/") + "/events", params=params, headers={"Authorization": authorization}
            )
        except httpx.HTTPError:
            return name, None
        return name, response

    async def read(
        self,
        authorization: str,
        after: str | None,
        types: dict[str, frozenset[str]] | None,
        contract_code: str | None,
        limit: int,
    ) -> dict[str, Any]:
        """The merged page; `types` None: every type, else each service's part of the asked types."""
        positions = dict.fromkeys(SERVICES, LATEST) if after == LATEST else decode_cursor(after)
        calls = []
        for name in SERVICES:
            params = {"after": positions[name], "limit": str(limit)}
            if contract_code is not None:
                params["contractCode"] = contract_code
            if types is not None:
                if not types[name]:
                    continue
                params["types"] = ",".join(sorted(types[name]))
            calls.append(self._page(name, authorization, params))
        answers = await asyncio.gather(*calls)
        items: list[dict[str, Any]] = []
        expired = []
        has_more = False
        for name, response in answers:
            if response is None or response.status_code >= 500:
                raise ProblemError(
                    503,
                    "upstream-unavailable",
                    "Service unavailable",
                    f"{name}'s feed did not answer: read again",
                    headers={"Retry-After": "2"},
                )
            if response.status_code in (403, 404):
                if positions[name] == LATEST:
                    positions[name] = START
                continue  # the caller reads nothing of that service: its events are none of its business
            if response.status_code == 410:
                expired.append(name)
                continue
            if response.status_code == 422:
                raise _bad_cursor()
            if response.status_code != 200:
                body = response.json()
                raise ProblemError(response.status_code, "unauthenticated", body.get("title", ""), body.get("detail"))
            page = response.json()
            items.extend({**item, "service": name} for item in page["items"])
            positions[name] = page["nextCursor"]
            has_more = has_more or page["hasMore"]
        if expired:
            oldest = {**positions, **dict.fromkeys(expired, START)}
            raise ProblemError(
                410,
                "cursor-expired",
                "Cursor no longer kept",
                "The events after this cursor are no longer all kept: read again from oldestCursor.",
                extra={"oldestCursor": encode_cursor(oldest)},
            )
        return {"items": items, "nextCursor": encode_cursor(positions), "hasMore": has_more}
