"""Reads of the reference territories (public by nature)."""

from __future__ import annotations

from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.territories.errors import found
from services.territories.reference.domain import Commune, CommuneFilters, Departement, Epci, Region, searchable
from services.territories.reference.repository import ReferenceRepository


async def list_regions(uow: UnitOfWork, page: PageRequest) -> tuple[list[Region], int]:
    async with uow.reading():
        return await ReferenceRepository(uow.session).list_regions(page)


async def get_region(uow: UnitOfWork, code: str) -> Region:
    async with uow.reading():
        return found(await ReferenceRepository(uow.session).get_region(code), "region", code)


async def list_departements(
    uow: UnitOfWork, page: PageRequest, code_region: str | None
) -> tuple[list[Departement], int]:
    async with uow.reading():
        return await ReferenceRepository(uow.session).list_departements(page, code_region)


async def get_departement(uow: UnitOfWork, code: str) -> Departement:
    async with uow.reading():
        return found(await ReferenceRepository(uow.session).get_departement(code), "departement", code)


async def list_epcis(uow: UnitOfWork, page: PageRequest) -> tuple[list[Epci], int]:
    async with uow.reading():
        return await ReferenceRepository(uow.session).list_epcis(page)


async def get_epci(uow: UnitOfWork, code: str) -> Epci:
    async with uow.reading():
        return found(await ReferenceRepository(uow.session).get_epci(code), "EPCI", code)


async def list_communes(uow: UnitOfWork, page: PageRequest, filters: CommuneFilters) -> tuple[list[Commune], int]:
    async with uow.reading():
        return await ReferenceRepository(uow.session).list_communes(
            page,
            code_epci=filters.code_epci,
            code_departement=filters.code_departement,
            code_region=filters.code_region,
            nom_searchable=searchable(filters.nom) if filters.nom else None,
        )


async def get_commune(uow: UnitOfWork, code: str) -> Commune:
    async with uow.reading():
        return found(await ReferenceRepository(uow.session).get_commune(code), "commune", code)
