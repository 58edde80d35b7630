"""Reads of the reference territories (public by nature)."""

from __future__ import annotations

from kit.database import UnitOfWork
from kit.pagination import PageRequest
from services.territories.db.models import CommuneRow, EpciRow, QpvRow
from services.territories.db.repositories import ReferenceRepository
from services.territories.domain.errors import NotFoundError
from services.territories.domain.names import searchable


async def list_epcis(uow: UnitOfWork, page: PageRequest) -> tuple[list[EpciRow], int]:
    async with uow:
        return await ReferenceRepository(uow.session).list_epcis(page)


async def get_epci(uow: UnitOfWork, code: str) -> EpciRow:
    async with uow:
        row = await ReferenceRepository(uow.session).get_epci(code)
    if row is None:
        raise NotFoundError("EPCI", code)
    return row


async def list_communes(
    uow: UnitOfWork, page: PageRequest, code_epci: str | None, nom: str | None
) -> tuple[list[CommuneRow], int]:
    async with uow:
        return await ReferenceRepository(uow.session).list_communes(page, code_epci, searchable(nom) if nom else None)


async def get_commune(uow: UnitOfWork, code: str) -> CommuneRow:
    async with uow:
        row = await ReferenceRepository(uow.session).get_commune(code)
    if row is None:
        raise NotFoundError("commune", code)
    return row


async def list_qpvs(
    uow: UnitOfWork,
    page: PageRequest,
    generation: str | None,
    code_epci: str | None,
    code_commune: str | None,
) -> tuple[list[QpvRow], int]:
    async with uow:
        return await ReferenceRepository(uow.session).list_qpvs(page, generation, code_epci, code_commune)


async def get_qpv(uow: UnitOfWork, code: str, generation: str) -> QpvRow:
    async with uow:
        row = await ReferenceRepository(uow.session).get_qpv(code, generation)
    if row is None:
        raise NotFoundError("QPV", code)
    return row
