"""Where grants keeps its records: one metadata on its schema, on which the features' models declare their
tables (`Base`), the ledger's tables (audit events, idempotency keys) and the jobs' table; the base of every
feature's repository; the one sequence that writes a record with its audit event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from kit.auth.principal import Principal
from kit.database import service_metadata
from kit.jobs import jobs_table
from kit.ledger import Ledger
from kit.unit_of_work import UnitOfWork
from services.grants.settings import SCHEMA

T = TypeVar("T")


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


ledger = Ledger.on(Base.metadata)
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


async def create_audited(
    uow: UnitOfWork,
    actor: Principal,
    row: Base,
    *,
    action: str,
    entity_type: str,
    entity_id: str,
    after: dict[str, Any],
) -> None:
    """A new record stored with the audit event of its creation, in the caller's open unit of work."""
    await Repository(uow.session).add(row)
    await ledger.created(uow.session, actor, action=action, entity_type=entity_type, entity_id=entity_id, after=after)


async def change_audited(
    uow: UnitOfWork,
    actor: Principal,
    row: Base,
    columns: Mapping[str, Any],
    *,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """A record's columns changed with the audit event of the change, in the caller's open unit of work."""
    for name, value in columns.items():
        setattr(row, name, value)
    await ledger.changed(
        uow.session, actor, action=action, entity_type=entity_type, entity_id=entity_id, before=before, after=after
    )
