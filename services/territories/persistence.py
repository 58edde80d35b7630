"""The service's tables' base and what every write records besides its rows (the ledger, the jobs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import literal, or_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from kit.database import service_metadata
from kit.jobs import jobs_table
from kit.ledger import Ledger
from services.territories.settings import SCHEMA

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RecordT = TypeVar("RecordT", bound="DataclassInstance")


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


ledger = Ledger.on(Base.metadata)
jobs = jobs_table(Base.metadata)


async def upsert(session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> int:
    """Insert or update rows on their natural key; returns how many rows changed (a row already stored as
    it is counts none, so a re-import reports 0)."""
    if not rows:
        return 0
    table = model.__table__
    statement = insert(model)
    updatable = [column for column in rows[0] if column not in keys]
    changed = [table.c[column].is_distinct_from(statement.excluded[column]) for column in updatable]
    upsert = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={column: statement.excluded[column] for column in updatable},
        where=or_(*changed),
    ).returning(literal(1))
    # Rows as parameters (executemany, batched by SQLAlchemy) rather than one huge VALUES clause to compile.
    result = await session.execute(upsert, list(rows))
    return len(result.all())


def record_of(cls: type[RecordT], row: Base, **values: Any) -> RecordT:
    """The read model of a row whose attributes it names alike (the mechanical mapping, written once);
    `values` gives what the row does not hold."""
    return cls(
        **{
            field.name: values[field.name] if field.name in values else getattr(row, field.name)
            for field in fields(cls)
        }
    )
