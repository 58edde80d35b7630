"""The service's persistence: the declarative base on its schema, its ledger (audit events and idempotency
keys), and what every feature's repository shares."""

from __future__ import annotations

import types
from collections.abc import Callable, Collection, Mapping, Set
from dataclasses import fields
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin, get_type_hints

from sqlalchemy import ARRAY, ColumnElement, Select, Text, any_, bindparam
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from kit.database import service_metadata
from kit.ledger import Ledger
from services.participation.event_catalogue import CATALOGUE
from services.participation.settings import SCHEMA

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row = TypeVar("Row")
Record = TypeVar("Record", bound="DataclassInstance")  # the domain's records are dataclasses


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


ledger = Ledger.on(Base.metadata, CATALOGUE)


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


def scoped(column: Any) -> ColumnElement[bool]:
    """A compiled statement's tenant filter (kit.compiled_statements): rows of the contracts bound as
    `contracts`; in the statement's shape only when the caller's scope is not every contract."""
    in_scope: ColumnElement[bool] = column == any_(bindparam("contracts", type_=ARRAY(Text)))
    return in_scope


def scope_values(contracts: Collection[str] | None) -> tuple[frozenset[str], dict[str, Any]]:
    """The shape and values of `scoped` for `Principal.contract_scope` (None: every contract, no filter)."""
    return (frozenset(), {}) if contracts is None else (frozenset({"scoped"}), {"contracts": sorted(contracts)})


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


_FIELD_TYPES: dict[type[Any], dict[str, Any]] = {}


def _field_types(record_type: type[Any]) -> dict[str, Any]:
    if record_type not in _FIELD_TYPES:
        _FIELD_TYPES[record_type] = get_type_hints(record_type)
    return _FIELD_TYPES[record_type]


def _read(kind: Any, value: Any) -> Any:
    """A column's value as a record's field of this type holds it: enums from their value, arrays as tuples
    or frozensets."""
    origin, arguments = get_origin(kind), get_args(kind)
    if value is None:
        return None
    if origin in (Union, types.UnionType):
        return _read(next(argument for argument in arguments if argument is not type(None)), value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    if origin is tuple:
        return tuple(_read(arguments[0], item) for item in value)
    if origin is frozenset:
        return frozenset(_read(arguments[0], item) for item in value)
    return value


def record_of(record_type: type[Record], row: Any, **given: Any) -> Record:
    """The domain record a row holds: each field read from the column of the same name (see `_read`), unless
    `given`. The one mapping from a row to its domain record, the mirror of `columns_of`."""
    build: Callable[..., Record] = record_type
    types_of = _field_types(record_type)
    read = {
        field.name: _read(types_of[field.name], getattr(row, field.name))
        for field in fields(record_type)
        if field.name not in given
    }
    return build(**read, **given)
