"""Reads of the reference territories (public by nature)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.territories.db.models import (
    CommuneRow,
    DepartementRow,
    EpciRow,
    QpvGenerationRow,
    QpvLineageRow,
    QpvRow,
    RegionRow,
)
from services.territories.db.repositories import ReferenceRepository
from services.territories.domain.names import searchable
from services.territories.errors import NotFoundError


async def list_epcis(uow: UnitOfWork, page: PageRequest) -> tuple[list[EpciRow], int]:
    async with uow.reading():
        return await ReferenceRepository(uow.session).list_epcis(page)


async def get_epci(uow: UnitOfWork, code: str) -> EpciRow:
    async with uow.reading():
        row = await ReferenceRepository(uow.session).get_epci(code)
    if row is None:
        raise NotFoundError("EPCI", code)
    return row


@dataclass(frozen=True, slots=True)
class CommuneFilters:
    code_epci: str | None = None
    code_departement: str | None = None
    code_region: str | None = None
    nom: str | None = None


async def list_communes(uow: UnitOfWork, page: PageRequest, filters: CommuneFilters) -> tuple[list[CommuneRow], int]:
    async with uow.reading():
        return await ReferenceRepository(uow.session).list_communes(
            page,
            code_epci=filters.code_epci,
            code_departement=filters.code_departement,
            code_region=filters.code_region,
            nom_searchable=searchable(filters.nom) if filters.nom else None,
        )


async def list_regions(uow: UnitOfWork) -> list[RegionRow]:
    async with uow.reading():
        return await ReferenceRepository(uow.session).list_regions()


async def get_region(uow: UnitOfWork, code: str) -> RegionRow:
    async with uow.reading():
        row = await ReferenceRepository(uow.session).get_region(code)
    if row is None:
        raise NotFoundError("region", code)
    return row


async def list_departements(uow: UnitOfWork, code_region: str | None) -> list[DepartementRow]:
    async with uow.reading():
        return await ReferenceRepository(uow.session).list_departements(code_region)


async def get_departement(uow: UnitOfWork, code: str) -> DepartementRow:
    async with uow.reading():
        row = await ReferenceRepository(uow.session).get_departement(code)
    if row is None:
        raise NotFoundError("departement", code)
    return row


async def get_commune(uow: UnitOfWork, code: str) -> CommuneRow:
    async with uow.reading():
        row = await ReferenceRepository(uow.session).get_commune(code)
    if row is None:
        raise NotFoundError("commune", code)
    return row


@dataclass(frozen=True, slots=True)
class LinkedQpv:
    """A QPV record with its links to the other generations."""

    row: QpvRow
    predecessors: list[tuple[QpvLineageRow, QpvRow]] = field(default_factory=list)
    successors: list[tuple[QpvLineageRow, QpvRow]] = field(default_factory=list)


async def _with_lineage(repository: ReferenceRepository, rows: Sequence[QpvRow]) -> list[LinkedQpv]:
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
        repository = ReferenceRepository(uow.session)
        rows, total = await repository.list_qpvs(page, generation, code_epci, code_commune)
        return await _with_lineage(repository, rows), total


async def get_qpv(uow: UnitOfWork, code: str, generation: str) -> LinkedQpv:
    async with uow.reading():
        repository = ReferenceRepository(uow.session)
        row = await repository.get_qpv(code, generation)
        if row is None:
            raise NotFoundError("QPV", code)
        return (await _with_lineage(repository, [row]))[0]


async def get_qpv_record(uow: UnitOfWork, qpv_id: uuid.UUID) -> LinkedQpv:
    async with uow.reading():
        repository = ReferenceRepository(uow.session)
        row = await repository.get_qpv_by_id(qpv_id)
        if row is None:
            raise NotFoundError("QPV", str(qpv_id))
        return (await _with_lineage(repository, [row]))[0]


async def list_generations(uow: UnitOfWork) -> list[QpvGenerationRow]:
    async with uow.reading():
        return await ReferenceRepository(uow.session).list_generations()
