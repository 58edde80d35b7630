"""`GET /api/events`: the three services' feeds merged, each read with the caller's own token (each service
decides what the caller sees), behind one opaque cursor: base64url of the services' own cursors.

Within a service events come in commit order; the merged page keeps each service's order, one service's
page after the other (a resource lives in one service, so the order per resource holds).

Long-polling (`wait`): a page with no event is read again when a service announces a committed change
(kit/change_feed.py: `<schema>_changed`, heard by `FeedChanges`, of the contract asked if one is) and at
least every RECHECK_SECONDS (a notification is a hint: lost while the listening connection is down, never
heard behind a transaction-mode pooler), until an event the caller may read is there or the wait is over."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from kit.change_feed import ChangeFeed, read_scope
from kit.problems import FieldError, ProblemError

START = "0.0"
LATEST = "latest"  # no event: the cursor to read on from now (each service's own `latest`)
SERVICES = ("territories", "grants", "participation")
WAIT_LIMIT_SECONDS = 30
RECHECK_SECONDS = 2.0
READ_GAP_SECONDS = 0.2  # between two reads of one long-poll, however many changes are announced meanwhile


def encode_cursor(positions: Mapping[str, str]) -> str:
    raw = json.dumps({name: positions.get(name, START) for name in SERVICES}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _bad_cursor(rule: str = "cursor", message: str = "not a cursor of this feed") -> ProblemError:
    return ProblemError(
        422,
        "validation",
        "Invalid input",
        f"after is not a cursor this feed gave you: {message}",
        errors=[FieldError(pointer="/query/after", field="after", rule=rule, message=message)],
    )


def _unreadable_part(name: str) -> ProblemError:
    """A cursor holds a position in a feed the caller may not read: no page of this feed gave it that one
    (its part of a service you do not read stays at the start), so it was made, not given."""
    return _bad_cursor("cursor-readable-services", f"it holds a position in {name}'s feed, which you may not read")


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
class FeedAnswer:
    """A service's answer to a feed read."""

    status_code: int
    content: bytes

    def json(self) -> Any:
        return orjson.loads(self.content)


def _check_part(name: str, response: FeedAnswer | None) -> None:
    """A service's answer to a read asked only to check the cursor's part of it (unanswered: not checked,
    the part passes along unread)."""
    if response is not None and response.status_code in (403, 404):
        raise _unreadable_part(name)
    if response is not None and response.status_code == 422:
        raise _bad_cursor()


class EventFeeds:
    """The services' feeds, read over aiohttp (a page of the merged feed is three reads: httpx cost ~1 ms of
    the gateway's CPU each), its session opened at the first read, in the running loop."""

    def __init__(self, upstreams: Mapping[str, str], timeout_seconds: float = 10.0) -> None:
        self.upstreams = dict(upstreams)
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _page(self, name: str, authorization: str, params: dict[str, str]) -> tuple[str, FeedAnswer | None]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        url = self.upstreams[name].rstrip("/") + "/events"
        try:
            async with self._session.get(url, params=params, headers={"Authorization": authorization}) as answer:
                return name, FeedAnswer(answer.status, await answer.read())
        except (aiohttp.ClientError, TimeoutError):
            return name, None

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
        asked = dict(positions)  # where each service was asked to read from
        calls = []
        checked = set()  # services none of the asked types are of, asked only whether the caller reads them
        for name in SERVICES:
            params = {"after": positions[name], "limit": str(limit)}
            if contract_code is not None:
                params["contractCode"] = contract_code
            if types is not None and not types[name]:
                if positions[name] in (START, LATEST):
                    continue
                checked.add(name)  # a position there must be one the caller may hold: one event read, not shown
                params["limit"] = "1"
            elif types is not None:
                params["types"] = ",".join(sorted(types[name]))
            calls.append(self._page(name, authorization, params))
        answers = await asyncio.gather(*calls)
        items: list[dict[str, Any]] = []
        expired = []
        has_more = False
        for name, response in answers:
            if name in checked:  # its position is kept as it was: none of its events were asked
                _check_part(name, response)
                continue
            if response is None or response.status_code >= 500:
                raise ProblemError(
                    503,
                    "upstream-unavailable",
                    "Service unavailable",
                    f"{name}'s feed did not answer: read again",
                    headers={"Retry-After": "2"},
                )
            if response.status_code in (403, 404):
                if positions[name] not in (START, LATEST):
                    raise _unreadable_part(name)
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
            # The other services' pages are not given: read again from where they were asked, not past them.
            oldest = {**asked, **dict.fromkeys(expired, START)}
            raise ProblemError(
                410,
                "cursor-expired",
                "Cursor no longer kept",
                "The events after this cursor are no longer all kept: read again from oldestCursor.",
                extra={"oldestCursor": encode_cursor(oldest)},
            )
        return {"items": items, "nextCursor": encode_cursor(positions), "hasMore": has_more}


class FeedChanges:
    """A `kit.change_feed.Listener` of the services' schemas, listening from the first long-poll on (no
    connection held by a gateway nobody long-polls): `next_change(contract)` is set by the next change
    committed in that contract, or anywhere when `contract` is None, or of no declared contract."""

    def __init__(self, database_url: str | None, schemas: tuple[str, ...] = SERVICES) -> None:
        self._database_url = database_url  # None: no listening (behind a pooler), the rechecks alone
        self._schemas = schemas
        self._feeds: list[ChangeFeed] = []
        self._any = asyncio.Event()
        self._of_contract: dict[str, asyncio.Event] = {}

    def next_change(self, contract: str | None) -> asyncio.Event:
        if self._database_url is not None and not self._feeds:
            self._feeds = [
                ChangeFeed(self._database_url, schema, self, application_name="gateway-long-poll")
                for schema in self._schemas
            ]
            for feed in self._feeds:
                feed.start()
        if contract is None:
            return self._any
        return self._of_contract.setdefault(contract, asyncio.Event())

    def changed(self, scope: str = "") -> None:
        heard, self._any = self._any, asyncio.Event()
        heard.set()
        contract, _parts = read_scope(scope)  # a change of some parts of a contract is one of that contract
        contracts = list(self._of_contract) if not contract else [contract]
        for contract in contracts:
            event = self._of_contract.pop(contract, None)
            if event is not None:
                event.set()

    def hearing(self) -> None:
        self.changed()  # what was committed while deaf is read again at once

    def deaf(self) -> None:
        return  # the rechecks cover what is not heard

    async def stop(self) -> None:
        feeds, self._feeds = self._feeds, []
        for feed in feeds:
            await feed.stop()


async def read_waiting(
    feeds: EventFeeds,
    changes: FeedChanges,
    authorization: str,
    after: str | None,
    types: dict[str, frozenset[str]] | None,
    contract_code: str | None,
    limit: int,
    wait: float,
) -> dict[str, Any]:
    """`EventFeeds.read`, read again while its page has no event and `wait` seconds have not passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        heard = changes.next_change(contract_code)  # taken before reading: no change falls between the two
        page = await feeds.read(authorization, after, types, contract_code, limit)
        remaining = deadline - loop.time()
        if page["items"] or remaining <= 0:
            return page
        after = page["nextCursor"]  # `latest` the first time: from then on, the position it gave
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(remaining, RECHECK_SECONDS)):
                await heard.wait()
        await asyncio.sleep(min(READ_GAP_SECONDS, max(0.0, deadline - loop.time())))
