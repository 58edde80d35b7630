"""Reads of the reference territories (public by nature)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.territories.db.models import QpvGenerationRow, QpvLineageRow, QpvRow
from services.territories.db.repositories import QpvRepository
from services.territories.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class LinkedQpv:
    """A QPV record with its links to the other generations."""

    row: QpvRow
    predecessors: list[tuple[QpvLineageRow, QpvRow]] = field(default_factory=list)
    successors: list[tuple[QpvLineageRow, QpvRow]] = field(default_factory=list)


async def _with_lineage(repository: QpvRepository, rows: Sequence[QpvRow]) -> list[LinkedQpv]:
    linked = {row.qpv_id: LinkedQpv(row) for row in rows}
    for link, predecessor, successor in await repository.lineage_of(list(linked)):
        if successor.qpv_id in linked:
            linked[successor.qpv_id].predecessors.append((link, predecessor))
        if predecessor.qpv_id in linked:
            linked[predecessor.qpv_id].successors.append((link, successor))
    return [linked[row.qpv_id] for row in rows]


async def list_qpvs(
    uow: UnitOfWork,
    page: PageRequest,
    generation: str | None,
    code_epci: str | None,
    code_commune: str | None,
) -> tuple[list[LinkedQpv], int]:
    async with uow.reading():
        repository = QpvRepository(uow.session)
        rows, total = await repository.list_qpvs(page, generation, code_epci, code_commune)
        return await _with_lineage(repository, rows), total


async def get_qpv(uow: UnitOfWork, code: str, generation: str) -> LinkedQpv:
    async with uow.reading():
        repository = QpvRepository(uow.session)
        row = await repository.get_qpv(code, generation)
        if row is None:
            raise NotFoundError("QPV", code)
        return (await _with_lineage(repository, [row]))[0]


async def get_qpv_record(uow: UnitOfWork, qpv_id: uuid.UUID) -> LinkedQpv:
    async with uow.reading():
        repository = QpvRepository(uow.session)
        row = await repository.get_qpv_by_id(qpv_id)
        if row is None:
            raise NotFoundError("QPV", str(qpv_id))
        return (await _with_lineage(repository, [row]))[0]


async def list_generations(uow: UnitOfWork) -> list[QpvGenerationRow]:
    async with uow.reading():
        return await QpvRepository(uow.session).list_generations()
