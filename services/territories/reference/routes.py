"""HTTP routes of the reference territories: regions, departements, EPCIs, communes (as API Géo serves them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.field_selection import fields_query, only
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.territories.policies import REFERENCE
from services.territories.reference import use_cases
from services.territories.reference.domain import CommuneFilters
from services.territories.reference.schemas import CommuneRead, DepartementRead, EpciRead, RegionRead
from services.territories.schemas import COMMUNE_CODE_PATTERN, EPCI_CODE_PATTERN, EpciFilter

public = platform_router(["reference"], authenticated=False)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Pages = Annotated[PageRequest, Depends(page_request)]
EpciFields = Annotated[frozenset[str] | None, Depends(fields_query(EpciRead))]
CommuneFields = Annotated[frozenset[str] | None, Depends(fields_query(CommuneRead))]
DEPARTEMENT_CODE = r"^([0-9]{2,3}|2A|2B)$"
REGION_CODE = r"^[0-9]{2}$"
DepartementFilter = Annotated[str | None, Query(alias="codeDepartement", pattern=DEPARTEMENT_CODE)]
RegionFilter = Annotated[str | None, Query(alias="codeRegion", pattern=REGION_CODE)]


def _narrowed(answer: BaseModel, fields: frozenset[str] | None) -> Any:
    """The answer, or only the `fields` asked of it (of each item, for a page)."""
    if fields is None:
        return answer
    document = answer.model_dump(mode="json", by_alias=True)
    if isinstance(answer, Page):
        document["items"] = [only(item, fields) for item in document["items"]]
        return JSONResponse(document)
    return JSONResponse(only(document, fields))


@public.get(
    "/regions",
    operation_id="list_regions",
    response_model=Page[RegionRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_regions(uow: Uow, page: Pages) -> Page[RegionRead]:
    """Regions (INSEE COG)."""
    regions, total = await use_cases.list_regions(uow, page)
    items = [RegionRead.model_validate(region, from_attributes=True) for region in regions]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@public.get(
    "/regions/{code}",
    operation_id="get_region",
    response_model=RegionRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_region(uow: Uow, code: Annotated[str, Path(pattern=REGION_CODE)]) -> RegionRead:
    return RegionRead.model_validate(await use_cases.get_region(uow, code), from_attributes=True)


@public.get(
    "/departements",
    operation_id="list_departements",
    response_model=Page[DepartementRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_departements(uow: Uow, page: Pages, code_region: RegionFilter = None) -> Page[DepartementRead]:
    """Departments (INSEE COG), by region if asked."""
    departements, total = await use_cases.list_departements(uow, page, code_region)
    items = [DepartementRead.model_validate(departement, from_attributes=True) for departement in departements]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@public.get(
    "/departements/{code}",
    operation_id="get_departement",
    response_model=DepartementRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_departement(uow: Uow, code: Annotated[str, Path(pattern=DEPARTEMENT_CODE)]) -> DepartementRead:
    return DepartementRead.model_validate(await use_cases.get_departement(uow, code), from_attributes=True)


@public.get(
    "/epcis", operation_id="list_epcis", response_model=Page[EpciRead], dependencies=[Depends(authorize(REFERENCE))]
)
async def list_epcis(uow: Uow, page: Pages, fields: EpciFields) -> Any:
    """EPCIs (intercommunalités), by SIREN; `fields` narrows each item."""
    epcis, total = await use_cases.list_epcis(uow, page)
    items = [EpciRead.of(epci) for epci in epcis]
    return _narrowed(Page(items=items, total=total, limit=page.limit, offset=page.offset), fields)


@public.get(
    "/epcis/{code}", operation_id="get_epci", response_model=EpciRead, dependencies=[Depends(authorize(REFERENCE))]
)
async def get_epci(uow: Uow, code: Annotated[str, Path(pattern=EPCI_CODE_PATTERN)], fields: EpciFields) -> Any:
    return _narrowed(EpciRead.of(await use_cases.get_epci(uow, code)), fields)


@public.get(
    "/communes",
    operation_id="list_communes",
    response_model=Page[CommuneRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_communes(
    uow: Uow,
    page: Pages,
    fields: CommuneFields,
    code_epci: EpciFilter = None,
    code_departement: DepartementFilter = None,
    code_region: RegionFilter = None,
    nom: Annotated[str | None, Query(min_length=1, max_length=100, description="Accent-insensitive")] = None,
) -> Any:
    """Communes, filtered as API Géo does (`codeEpci`, `codeDepartement`, `codeRegion`, `nom`, `fields`)."""
    filters = CommuneFilters(code_epci, code_departement, code_region, nom)
    communes, total = await use_cases.list_communes(uow, page, filters)
    items = [CommuneRead.model_validate(commune, from_attributes=True) for commune in communes]
    return _narrowed(Page(items=items, total=total, limit=page.limit, offset=page.offset), fields)


@public.get(
    "/communes/{code}",
    operation_id="get_commune",
    response_model=CommuneRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_commune(uow: Uow, code: Annotated[str, Path(pattern=COMMUNE_CODE_PATTERN)], fields: CommuneFields) -> Any:
    commune = await use_cases.get_commune(uow, code)
    return _narrowed(CommuneRead.model_validate(commune, from_attributes=True), fields)
