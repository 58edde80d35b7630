"""HTTP routes of the QPV records: by code and generation, by stable id, their perimeters and generations."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Response

from kit.api_models import json_response
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.territories.policies import REFERENCE
from services.territories.qpvs import use_cases
from services.territories.qpvs.domain import GENERATION_2024
from services.territories.qpvs.schemas import GenerationRead, PerimeterFeature, QpvRead
from services.territories.schemas import (
    COMMUNE_CODE_PATTERN,
    GENERATION_PATTERN,
    QPV_CODE_PATTERN,
    EpciFilter,
    Generation,
    GeoJsonResponse,
)

public = platform_router(["reference"], authenticated=False)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Code = Annotated[str, Path(pattern=QPV_CODE_PATTERN)]


@public.get(
    "/qpvs", operation_id="list_qpvs", response_model=Page[QpvRead], dependencies=[Depends(authorize(REFERENCE))]
)
async def list_qpvs(
    uow: Uow,
    page: Annotated[PageRequest, Depends(page_request)],
    generation: Annotated[str | None, Query(pattern=GENERATION_PATTERN)] = None,
    code_epci: EpciFilter = None,
    code_commune: Annotated[str | None, Query(alias="codeCommune", pattern=COMMUNE_CODE_PATTERN)] = None,
) -> Page[QpvRead]:
    """Priority neighbourhoods, every generation unless one is asked for."""
    qpvs, total = await use_cases.list_qpvs(uow, page, generation, code_epci, code_commune)
    return Page(items=[QpvRead.of(qpv) for qpv in qpvs], total=total, limit=page.limit, offset=page.offset)


@public.get(
    "/qpvs/{code}", operation_id="get_qpv", response_model=QpvRead, dependencies=[Depends(authorize(REFERENCE))]
)
async def get_qpv(uow: Uow, code: Code, generation: Generation = GENERATION_2024) -> Response:
    """A QPV record of a generation (the current one unless asked) with its links to the other generations."""
    return json_response(await use_cases.get_qpv_json(uow, code, generation))


@public.get(
    "/qpvs/{code}/perimeter",
    operation_id="get_qpv_perimeter",
    response_model=PerimeterFeature,
    response_class=GeoJsonResponse,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_qpv_perimeter(
    uow: Uow,
    code: Code,
    generation: Generation = GENERATION_2024,
    output: Annotated[Literal["geojson"], Query(alias="format")] = "geojson",
    tolerance_m: Annotated[
        float,
        Query(alias="toleranceM", ge=0, le=500, allow_inf_nan=False, description="Simplify to this many metres"),
    ] = 0,
) -> PerimeterFeature:
    """The perimeter as a GeoJSON Feature (`application/geo+json`, WGS84, as RFC 7946 writes it: outer
    rings counter-clockwise, holes clockwise, 6 decimals), optionally simplified for light payloads."""
    perimeter = await use_cases.get_perimeter(uow, code, generation, tolerance_m)
    return PerimeterFeature.of(perimeter, output, tolerance_m)


@public.get(
    "/qpv-records/{qpv_id}",
    operation_id="get_qpv_record",
    response_model=QpvRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_qpv_record(uow: Uow, qpv_id: uuid.UUID) -> QpvRead:
    """A QPV record by its stable id: the way to reach records the sources give no code (2015 CUA)."""
    return QpvRead.of(await use_cases.get_qpv_record(uow, qpv_id))


@public.get(
    "/qpv-generations",
    operation_id="list_qpv_generations",
    response_model=Page[GenerationRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_qpv_generations(uow: Uow, page: Annotated[PageRequest, Depends(page_request)]) -> Page[GenerationRead]:
    """The generations of the priority geography, oldest first."""
    generations, total = await use_cases.list_generations(uow, page)
    items = [GenerationRead.model_validate(generation, from_attributes=True) for generation in generations]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
