"""One page shape for every list, with a hard limit on page size."""

from __future__ import annotations

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


async def _total(session: AsyncSession, query: Select[*tuple[Any, ...]], page: PageRequest, rows: int) -> int:
    total = total_told_by(rows, page)
    if total is None:
        total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    return int(total)


async def fetch_page(session: AsyncSession, query: Select[RowT], page: PageRequest) -> tuple[list[RowT], int]:
    """One page of an ordered ORM query, and how many rows match it in all; the count is asked only when
    the page does not tell the total by itself (one round trip instead of two)."""
    rows = list((await session.execute(query.limit(page.limit + 1).offset(page.offset))).scalars().all())
    return rows[: page.limit], await _total(session, query, page, len(rows))


async def fetch_rows_page(
    session: AsyncSession, query: Select[*ColumnsT], page: PageRequest
) -> tuple[list[Row[*ColumnsT]], int]:
    """`fetch_page` for a query of several columns: each item is the row, not its first column."""
    rows = list((await session.execute(query.limit(page.limit + 1).offset(page.offset))).all())
    return rows[: page.limit], await _total(session, query, page, len(rows))
