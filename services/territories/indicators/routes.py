"""HTTP routes of the indicators: catalogue, values, imports, comparisons."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Response, status

from identity.principal import Principal
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.jobs import JOB_ACCEPTED, JobInput, JobOutcome, JobQueue, JobRead, job_queue, outcome
from kit.pagination import Page, PageRequest, page_request
from kit.problems import problem_openapi
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.territories.indicators import use_cases
from services.territories.indicators.domain import INDICATOR_CODE_PATTERN, TerritoryKind, check_generic_header
from services.territories.indicators.schemas import (
    CSV_BODY,
    GENERIC_CSV,
    IndicatorComparisonRead,
    IndicatorRead,
    IndicatorValueRead,
    IndicatorWrite,
)
from services.territories.policies import DEFINE_INDICATORS, REFERENCE, Editor
from services.territories.qpvs.domain import GENERATION_2024
from services.territories.schemas import (
    GENERATION_PATTERN,
    QPV_CODE_PATTERN,
    ImportOptions,
    ImportReportRead,
    csv_upload,
    import_options,
)

MAX_IMPORT_BYTES = 16 * 1_048_576

public = platform_router(["indicators"], authenticated=False)
protected = platform_router(["indicators"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Code = Annotated[str, Path(pattern=INDICATOR_CODE_PATTERN.pattern)]


@public.get(
    "/indicators",
    operation_id="list_indicators",
    response_model=Page[IndicatorRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_indicators(uow: Uow, page: Annotated[PageRequest, Depends(page_request)]) -> Page[IndicatorRead]:
    """The indicator catalogue: code, label, unit, definition, source."""
    definitions, total = await use_cases.list_catalogue(uow, page)
    items = [IndicatorRead.model_validate(item, from_attributes=True) for item in definitions]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@public.get(
    "/indicators/{code}",
    operation_id="get_indicator",
    response_model=IndicatorRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_indicator(uow: Uow, code: Code, response: Response) -> IndicatorRead:
    definition = await use_cases.get_indicator(uow, code)
    response.headers["ETag"] = use_cases.indicator_etag(definition)
    return IndicatorRead.model_validate(definition, from_attributes=True)


@protected.put(
    "/indicators/{code}",
    operation_id="define_indicator",
    response_model=IndicatorRead,
    responses={201: {"description": "Created", "model": IndicatorRead}},
)
async def define_indicator(
    uow: Uow,
    body: IndicatorWrite,
    code: Code,
    response: Response,
    principal: Annotated[Principal, Depends(authorize(DEFINE_INDICATORS))],
) -> IndicatorRead:
    """Create (no If-Match) or change (If-Match) a catalogue entry (platform admins: the catalogue is shared
    by every contract)."""
    definition = body.definition_of(code)
    if await use_cases.define_indicator(uow, principal, definition):
        response.status_code = 201
    response.headers["ETag"] = use_cases.indicator_etag(definition)
    return IndicatorRead.model_validate(definition, from_attributes=True)


@public.get(
    "/indicator-values",
    operation_id="list_indicator_values",
    response_model=Page[IndicatorValueRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_indicator_values(
    uow: Uow,
    page: Annotated[PageRequest, Depends(page_request)],
    indicator: Annotated[str | None, Query(pattern=INDICATOR_CODE_PATTERN.pattern)] = None,
    territory_kind: Annotated[TerritoryKind | None, Query(alias="territoryKind")] = None,
    territory: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{2,12}$", description="Territory code")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> Page[IndicatorValueRead]:
    """Values with their provenance, filtered by indicator, territory and year."""
    values, total = await use_cases.list_values(uow, page, indicator, territory_kind, territory, year)
    items = [IndicatorValueRead.of(value) for value in values]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@protected.post(
    "/indicator-values/imports",
    operation_id="import_indicator_values",
    response_model=JobRead[ImportReportRead],
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra={"requestBody": CSV_BODY},
    responses={**JOB_ACCEPTED, 415: problem_openapi(415)[415]},
)
async def import_indicator_values(
    uow: Uow,
    response: Response,
    queue: Annotated[JobQueue, Depends(job_queue)],
    principal: Editor,
    content: Annotated[bytes, Depends(csv_upload)],
    options: Annotated[ImportOptions, Depends(import_options)],
) -> JobRead[Any]:
    """Import values from the generic CSV, as a job (`Location` follows it; its result is the import's
    report, its problem every bad line with its field and rule). Pilots write only their contracts'
    territories."""
    check_generic_header(content, GENERIC_CSV)
    return await queue.submit(uow, response, principal, "import_indicator_values", options.arguments(), content)


async def run_indicator_import(job: JobInput) -> JobOutcome:
    """The job of an import of indicator values."""
    report = await use_cases.import_indicator_file(
        job.uow,
        job.principal,
        job.payload,
        GENERIC_CSV,
        dry_run=job.arguments["dryRun"],
        skip_bad_lines=job.arguments["skipBadLines"],
    )
    return outcome(200, ImportReportRead.model_validate(report, from_attributes=True))


@public.get(
    "/qpvs/{code}/indicators/{indicator}/comparison",
    operation_id="compare_qpv_indicator",
    response_model=IndicatorComparisonRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def compare_qpv_indicator(
    uow: Uow,
    code: Annotated[str, Path(pattern=QPV_CODE_PATTERN)],
    indicator: Code,
    generation: Annotated[str, Query(pattern=GENERATION_PATTERN)] = GENERATION_2024,
) -> IndicatorComparisonRead:
    """The QPV's series beside its EPCI, the national QPV average (INSEE ENSQP) and France."""
    return IndicatorComparisonRead.of(await use_cases.compare_qpv(uow, code, generation, indicator))


@public.get(
    "/qpv-records/{qpv_id}/indicators/{indicator}/comparison",
    operation_id="compare_qpv_record_indicator",
    response_model=IndicatorComparisonRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def compare_qpv_record_indicator(uow: Uow, qpv_id: uuid.UUID, indicator: Code) -> IndicatorComparisonRead:
    """The same comparison for a record reached by id (QPV the sources give no code)."""
    return IndicatorComparisonRead.of(await use_cases.compare_qpv_record(uow, qpv_id, indicator))
