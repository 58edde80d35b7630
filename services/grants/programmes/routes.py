"""HTTP routes of the connected programmes: read by anyone, written by the contract's pilots."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Response, status

from identity.contracts import ContractRegistry, request_contract_registry
from identity.principal import Principal
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, locate_created, platform_router
from services.grants.policies import OPEN_DATA, PILOT_CONTRACT
from services.grants.programmes import use_cases as programmes
from services.grants.programmes.domain.programme import AxisFigures, Programme, ProgrammeKind, Source, YearFigures
from services.grants.programmes.schemas import (
    ProgrammeCreate,
    ProgrammeRead,
    ProgrammeSummaryRead,
    ProgrammeUpdate,
    ProgrammeYearPut,
    SourceModel,
    programme_read,
    summary_read,
)
from services.grants.schemas import ContractCode, cents_of

router = platform_router(["connected programmes"], authenticated=True, writes=True)
public_router = platform_router(["connected programmes"], authenticated=False)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Registry = Annotated[ContractRegistry, Depends(request_contract_registry)]
Pilot = Annotated[Principal, Depends(authorize(PILOT_CONTRACT))]
YearQuery = Annotated[int, Query(ge=2000, le=2100)]
CLEARABLE = frozenset({"end_year", "landlord", "carrier"})


def _source(given: SourceModel) -> Source:
    return Source(given.document, given.date)


@public_router.get(
    "/programmes",
    operation_id="list_programmes",
    response_model=Page[ProgrammeRead],
    dependencies=[Depends(authorize(OPEN_DATA))],
)
async def list_programmes(
    uow: Uow,
    registry: Registry,
    page: Annotated[PageRequest, Depends(page_request)],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Running that year; only its figures")] = None,
    qpv: Annotated[str | None, Query(pattern=r"^Q[A-Z0-9]{5,9}$", description="On this QPV")] = None,
    kind: ProgrammeKind | None = None,
) -> Page[ProgrammeRead]:
    """A contract's connected programmes (TFPB plans, Cités, PRE, adultes-relais, Quartiers d'été) with
    their yearly figures and sources; public."""
    found, total = await programmes.list_programmes(uow, registry, contract_code, (year, qpv, kind), page)
    return Page(items=[programme_read(item) for item in found], total=total, limit=page.limit, offset=page.offset)


@public_router.get(
    "/programmes/{programme_id}",
    operation_id="get_programme",
    response_model=ProgrammeRead,
    dependencies=[Depends(authorize(OPEN_DATA))],
)
async def get_programme(uow: Uow, response: Response, programme_id: uuid.UUID) -> ProgrammeRead:
    """A programme with every year's figures; its ETag is the one its writes send back in If-Match."""
    view = await programmes.get_programme(uow, programme_id)
    response.headers["ETag"] = programmes.programme_etag(view.programme)
    return programme_read(view)


@public_router.get(
    "/programme-totals",
    operation_id="programme_totals",
    response_model=ProgrammeSummaryRead,
    dependencies=[Depends(authorize(OPEN_DATA))],
)
async def programme_totals(
    uow: Uow,
    registry: Registry,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    year: YearQuery,
) -> ProgrammeSummaryRead:
    """A contract's programmes of a year summed by kind and by QPV: what the annual review reads."""
    return summary_read(await programmes.year_summary(uow, registry, contract_code, year))


@router.post(
    "/programmes", operation_id="create_programme", response_model=ProgrammeRead, status_code=status.HTTP_201_CREATED
)
async def create_programme(
    uow: Uow, registry: Registry, body: ProgrammeCreate, response: Response, principal: Pilot
) -> ProgrammeRead:
    """Record a connected programme of the contract (pilots). Quartiers d'été is bound to the call's
    scheme `quartiers_ete`: its figures are the call's, computed on reading."""
    programme = Programme(
        programme_id=uuid.uuid4(),
        contract_code=body.contract_code,
        kind=body.kind,
        nom=body.nom,
        qpv_codes=tuple(body.qpv_codes),
        start_year=body.start_year,
        end_year=body.end_year,
        source=_source(body.source),
        landlord=body.landlord,
        carrier=body.carrier,
        scheme=None if body.scheme is None else body.scheme.value,
        fictitious=body.fictitious,
    )
    created = await programmes.create_programme(uow, registry, principal, programme)
    locate_created(response, f"programmes/{programme.programme_id}", programmes.programme_etag(created.programme))
    return programme_read(created)


@router.patch("/programmes/{programme_id}", operation_id="update_programme", response_model=ProgrammeRead)
async def update_programme(
    uow: Uow, registry: Registry, response: Response, programme_id: uuid.UUID, body: ProgrammeUpdate, principal: Pilot
) -> ProgrammeRead:
    """Change a programme's name, QPVs, years, landlord, carrier or source; If-Match required. `null` clears
    its end year, landlord or carrier."""
    given = {name: getattr(body, name) for name in body.model_fields_set}
    # null clears what a programme may lack (its end, landlord, carrier); what it always has is kept.
    changes: dict[str, Any] = {name: value for name, value in given.items() if value is not None or name in CLEARABLE}
    if body.qpv_codes is not None:
        changes["qpv_codes"] = tuple(body.qpv_codes)
    if body.source is not None:
        changes["source"] = _source(body.source)
    updated = await programmes.update_programme(uow, registry, principal, programme_id, changes)
    response.headers["ETag"] = programmes.programme_etag(updated.programme)
    return programme_read(updated)


@router.put(
    "/programmes/{programme_id}/years/{year}",
    operation_id="set_programme_year",
    response_model=ProgrammeRead,
    dependencies=[conditional("/programmes/{programme_id}")],
)
async def set_programme_year(
    uow: Uow,
    registry: Registry,
    response: Response,
    programme_id: uuid.UUID,
    year: Annotated[int, Path(ge=2000, le=2100)],
    body: ProgrammeYearPut,
    principal: Pilot,
) -> ProgrammeRead:
    """Declare or replace a programme's figures of a year, with their source; If-Match with the programme's
    ETag. Refused for Quartiers d'été, whose figures are its call's."""
    figures = YearFigures(
        year=year,
        source=_source(body.source),
        amount_cents=None if body.amount is None else cents_of(body.amount, "amount"),
        realised_cents=None if body.realised_amount is None else cents_of(body.realised_amount, "realised_amount"),
        measures=tuple((item.measure, item.value) for item in body.measures),
        axes=tuple(
            AxisFigures(
                axis=item.axis,
                planned_cents=cents_of(item.planned, f"axes/{position}/planned"),
                realised_cents=None if item.realised is None else cents_of(item.realised, f"axes/{position}/realised"),
                actions=tuple(item.actions),
            )
            for position, item in enumerate(body.axes)
        ),
        fictitious=body.fictitious,
    )
    updated = await programmes.set_year(uow, registry, principal, programme_id, figures)
    response.headers["ETag"] = programmes.programme_etag(updated.programme)
    return programme_read(updated)
