"""Where grants keeps its records: one metadata on its schema, on which the features' models declare their
tables (`Base`), the ledger's tables (audit events, idempotency keys) and the jobs' table; the base of every
feature's repository; the one sequence that writes a record with its audit event (`Audited`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from identity.principal import Principal
from kit.database import service_metadata
from kit.jobs import jobs_table
from kit.ledger import Ledger
from kit.unit_of_work import UnitOfWork
from services.grants.event_catalogue import CATALOGUE
from services.grants.settings import SCHEMA

T = TypeVar("T")

# A row's columns by name, as a compiled statement (kit.compiled_statements) reads them: what maps an ORM
# row to the domain maps these the same way.
Columns = SimpleNamespace


def columns_of(columns: Sequence[Any], values: Sequence[Any]) -> Columns:
    """The values a statement read for these table columns (in their order), by the columns' names."""
    return Columns(**{column.name: value for column, value in zip(columns, values, strict=True)})


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


ledger = Ledger.on(Base.metadata, CATALOGUE)
jobs = jobs_table(Base.metadata)


class Repository:
    """A feature's queries, on the session of the unit of work that is open."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *rows: Base) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def _one(self, query: Select[T], *, for_update: bool = False) -> T | None:
        """The one row the query finds, if any; locked until the transaction ends when `for_update`."""
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def _all(self, query: Select[T]) -> list[T]:
        return list((await self.session.execute(query)).scalars().all())


@dataclass(frozen=True, slots=True)
class Audited:
    """One kind of record as the ledger names it: each write of one is kept with its audit event, in the
    write's own transaction (the write pipeline refuses to commit a write without one)."""

    entity_type: str

    async def created(
        self,
        uow: UnitOfWork,
        actor: Principal,
        entity_id: str,
        *,
        action: str,
        after: dict[str, Any],
        reason: str | None = None,
        row: Base | None = None,
    ) -> None:
        """A creation: `row`, when given, is stored first."""
        if row is not None:
            await Repository(uow.session).add(row)
        await ledger.created(
            uow.session,
            actor,
            action=action,
            entity_type=self.entity_type,
            entity_id=entity_id,
            after=after,
            reason=reason,
        )

    async def changed(
        self,
        uow: UnitOfWork,
        actor: Principal,
        entity_id: str,
        *,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reason: str | None = None,
        row: Base | None = None,
        columns: Mapping[str, Any] | None = None,
    ) -> None:
        """A change: `row`'s `columns`, when given, are set first."""
        if row is not None:
            for name, value in (columns or {}).items():
                setattr(row, name, value)
        await ledger.changed(
            uow.session,
            actor,
            action=action,
            entity_type=self.entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            reason=reason,
        )
