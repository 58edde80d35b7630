"""The service's tables' base, what every write records besides its rows (the ledger, the jobs), and what
every feature's repository and writing use case share: the upsert, the row -> read model mapping, the
audited commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, literal, or_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from identity.principal import Principal
from kit.database import service_metadata
from kit.jobs import jobs_table
from kit.ledger import Ledger
from kit.pagination import PageRequest, fetch_page
from kit.unit_of_work import UnitOfWork
from services.territories.event_catalogue import CATALOGUE
from services.territories.settings import SCHEMA

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RecordT = TypeVar("RecordT", bound="DataclassInstance")


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


ledger = Ledger.on(Base.metadata, CATALOGUE)
jobs = jobs_table(Base.metadata)


async def commit_audited(
    uow: UnitOfWork,
    actor: Principal,
    *,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """Record what a write did in the ledger, in its transaction, and commit both (the write pipeline
    refuses a commit that nobody audited)."""
    await ledger.changed(
        uow.session, actor, action=action, entity_type=entity_type, entity_id=entity_id, before=before, after=after
    )
    await uow.commit()


async def commit_import(
    uow: UnitOfWork, actor: Principal, *, action: str, entity_type: str, summary: dict[str, Any], dry_run: bool
) -> None:
    """A file import is audited under an id of its own with its `summary`, and committed; a dry run is
    neither (leaving its unit of work rolls back what it wrote)."""
    if not dry_run:
        await commit_audited(
            uow, actor, action=action, entity_type=entity_type, entity_id=str(uuid.uuid4()), before={}, after=summary
        )


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


class Repository:
    """A feature's queries, on the session of the unit of work that runs them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def records(self, query: Select[Any], cls: type[RecordT]) -> list[RecordT]:
        """The read models of the rows the query selects, each mapped alike."""
        return [record_of(cls, row) for row in (await self.session.execute(query)).scalars()]

    async def paged(
        self, query: Select[Any], page: PageRequest, read: Callable[[Any], RecordT]
    ) -> tuple[list[RecordT], int]:
        """A page of the rows the query selects, each read into its read model, and how many match in all."""
        rows, total = await fetch_page(self.session, query, page)
        return [read(row) for row in rows], total

    async def record(self, model: type[Base], key: Any, cls: type[RecordT]) -> RecordT | None:
        """The read model of the row with this primary key, if there is one."""
        row = await self.session.get(model, key)
        return None if row is None else record_of(cls, row)
