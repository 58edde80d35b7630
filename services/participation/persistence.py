"""The service's persistence: the declarative base on its schema, its ledger (audit events and idempotency
keys), and what every feature's repository shares."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import fields
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from kit.database import service_metadata
from kit.ledger import Ledger
from services.participation.settings import SCHEMA

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row = TypeVar("Row")


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


ledger = Ledger.on(Base.metadata)


class SessionRepository:
    """What every repository holds: the unit of work's session, a way to add rows to it, and to read them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *rows: Any) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def one(self, query: Select[Row], *, lock: bool = False) -> Row | None:
        """The query's row, or None; `lock` holds it until the commit."""
        return (await self.session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()

    async def all(self, query: Select[Row]) -> list[Row]:
        return list((await self.session.execute(query)).scalars().all())


def within_year(column: Any, year: int) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """A date column inside a calendar year, written so that an index on the column serves it."""
    return column >= date(year, 1, 1), column <= date(year, 12, 31)


def _stored(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Set):
        return sorted(_stored(item) for item in value)
    if isinstance(value, tuple):
        return [_stored(item) for item in value]
    if isinstance(value, Mapping):
        return dict(value)
    return value


def columns_of(record: DataclassInstance) -> dict[str, Any]:
    """A domain record's fields as the columns of the same names store them: enums by their value, tuples as
    arrays, sets as sorted arrays. The one mapping from a domain record to its row."""
    return {field.name: _stored(getattr(record, field.name)) for field in fields(record)}
