"""Reads of the QPV records (public by nature): each with its links to the other generations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.territories.errors import NotFoundError, found
from services.territories.qpvs.domain import Generation, Qpv, QpvPerimeter, simplified, with_lineage
from services.territories.qpvs.repository import QpvRepository


async def _linked(repository: QpvRepository, records: Sequence[Qpv]) -> list[Qpv]:
    return with_lineage(records, await repository.lineage_of([record.qpv_id for record in records]))


async def list_qpvs(
    uow: UnitOfWork,
    page: PageRequest,
    generation: str | None,
    code_epci: str | None,
    code_commune: str | None,
) -> tuple[list[Qpv], int]:
    async with uow.reading():
        repository = QpvRepository(uow.session)
        records, total = await repository.list_qpvs(page, generation, code_epci, code_commune)
        return await _linked(repository, records), total


async def get_qpv(uow: UnitOfWork, code: str, generation: str) -> Qpv:
    async with uow.reading():
        repository = QpvRepository(uow.session)
        record = found(await repository.get_qpv(code, generation), "QPV", code)
        return (await _linked(repository, [record]))[0]


async def get_qpv_json(uow: UnitOfWork, code: str, generation: str) -> str:
    """The record with its links to the other generations, as the JSON PostgreSQL writes of it (QpvRead)."""
    async with uow.reading():
        return found(await QpvRepository(uow.session).record_json(code, generation), "QPV", code)


async def get_qpv_record(uow: UnitOfWork, qpv_id: uuid.UUID) -> Qpv:
    async with uow.reading():
        repository = QpvRepository(uow.session)
        record = found(await repository.get_qpv_by_id(qpv_id), "QPV", str(qpv_id))
        return (await _linked(repository, [record]))[0]


async def get_perimeter(uow: UnitOfWork, code: str, generation: str, tolerance_m: float) -> QpvPerimeter:
    """The QPV's perimeter, simplified to `tolerance_m` metres for light payloads."""
    async with uow.reading():
        qpv, geometry = found(await QpvRepository(uow.session).get_with_perimeter(code, generation), "QPV", code)
    if geometry is None:
        raise NotFoundError("perimeter of QPV", code)
    return QpvPerimeter(qpv.code, qpv.nom, qpv.generation, simplified(geometry, tolerance_m))


async def list_generations(uow: UnitOfWork, page: PageRequest) -> tuple[list[Generation], int]:
    async with uow.reading():
        return await QpvRepository(uow.session).list_generations(page)
