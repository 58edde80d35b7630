"""One page shape for every list, with a hard limit on page size."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, TypeVarTuple

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
MAX_OFFSET = 1_000_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    offset: int


async def page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Page size, at most {MAX_PAGE_SIZE}")
    ] = DEFAULT_PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)


ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """A page of a stably ordered list."""

    items: list[ItemT]
    total: int = Field(description="Number of items matching the filters, all pages together")
    limit: int
    offset: int


RowT = TypeVar("RowT")
ColumnsT = TypeVarTuple("ColumnsT")


def total_told_by(rows: int, page: PageRequest) -> int | None:
    """The total when a page asked one row longer than its limit tells it by itself: the extra row did not
    come, so the page is the last one. None: rows lie beyond the page (or before it), a count must tell."""
    if rows <= page.limit and (rows or page.offset == 0):
        return page.offset + rows
    return None


@dataclass(frozen=True, slots=True)
class CountKept:
    """Where a list's total may be kept (`counts`, None: nowhere): its contract and the key of its filters."""

    counts: KeptCounts | None
    contract: str
    key: Hashable
    parts: frozenset[str] | None = None  # the parts of the contract's data the list holds (None: all)


async def _total(
    session: AsyncSession, query: Select[*tuple[Any, ...]], page: PageRequest, rows: int, kept: CountKept | None = None
) -> int:
    async def counted() -> int:
        return int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())

    if kept is None:
        return await kept_total(None, "", None, rows, page, counted)
    return await kept_total(kept.counts, kept.contract, kept.key, rows, page, counted)


async def fetch_page(
    session: AsyncSession, query: Select[RowT], page: PageRequest, kept: CountKept | None = None
) -> tuple[list[RowT], int]:
    """One page of an ordered ORM query, and how many rows match it in all; the count is asked only when
    the page does not tell the total by itself (one round trip instead of two), and then kept per change
    of the list's contract when `kept` says where."""
    rows = list((await session.execute(query.limit(page.limit + 1).offset(page.offset))).scalars().all())
    return rows[: page.limit], await _total(session, query, page, len(rows), kept)


async def fetch_rows_page(
    session: AsyncSession, query: Select[*ColumnsT], page: PageRequest
) -> tuple[list[Row[*ColumnsT]], int]:
    """`fetch_page` for a query of several columns: each item is the row, not its first column."""
    rows = list((await session.execute(query.limit(page.limit + 1).offset(page.offset))).all())
    return rows[: page.limit], await _total(session, query, page, len(rows))


class KeptCounts:
    """Exact totals of lists counted once per change of their contract and kept, instead of counted on every page:
    `stamp(contract)` tells what a count depends on (kit/response_cache.py's stamps, None while changes cannot be
    heard: nothing is kept then). A count is kept only if no change of its contract was heard while it was
    computed, and served only once `caught_up()` tells that every change acknowledged to its writer before the
    request arrived has been heard (kit/response_cache.py's `caught_up_with_request`; before now, outside a
    request). A commit is visible a moment before it is announced, so a page may show a row its kept total does
    not count yet (until the announcement drops that total, a moment later). Counts also age out after
    `max_age_seconds`."""

    def __init__(
        self,
        stamp: Callable[[str, frozenset[str] | None], Hashable | None],
        caught_up: Callable[[], Awaitable[bool]],
        *,
        max_entries: int = 10_000,
        max_age_seconds: float = 60.0,
    ) -> None:
        self._stamp = stamp
        self._caught_up = caught_up
        self.max_entries = max_entries
        self.max_age_seconds = max_age_seconds
        self.computations = 0
        self._kept: OrderedDict[Hashable, tuple[Hashable, float, int]] = OrderedDict()

    async def count(
        self,
        contract: str,
        key: Hashable,
        compute: Callable[[], Awaitable[int]],
        parts: frozenset[str] | None = None,
    ) -> int:
        """The kept count of `key` (a list of `contract` and its filters, holding `parts` of the contract's
        data, None: all) or, if none holds, `compute()`'s."""
        if key in self._kept and await self._caught_up():
            kept, stamp = self._kept.get(key), self._stamp(contract, parts)
            if kept is not None and stamp is not None and kept[0] == stamp:
                _, stored_at, value = kept
                if time.monotonic() - stored_at <= self.max_age_seconds:
                    self._kept.move_to_end(key)
                    return value
        stamp = self._stamp(contract, parts)
        self.computations += 1
        value = await compute()
        if stamp is not None and self._stamp(contract, parts) == stamp:
            self._kept[key] = (stamp, time.monotonic(), value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.max_entries:
                self._kept.popitem(last=False)
        return value


async def kept_total(
    counts: KeptCounts | None,
    contract: str,
    key: Hashable,
    rows: int,
    page: PageRequest,
    compute: Callable[[], Awaitable[int]],
    parts: frozenset[str] | None = None,
) -> int:
    """The total of a page asked one row longer than its limit: told by the page itself when it can,
    otherwise the kept count of its list (`counts`, None: counted now; `parts` of the contract's data it
    holds, None: all)."""
    told = total_told_by(rows, page)
    if told is not None:
        return told
    if counts is None:
        return await compute()
    return await counts.count(contract, key, compute, parts)
