"""HTTP routes of the indicators: catalogue, values, imports, comparisons."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request, Response, status

from kit.api_models import plain_decimal
from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import request_unit_of_work
from kit.jobs import JOB_ACCEPTED, JobInput, JobOutcome, JobQueue, JobRead, job_queue, outcome
from kit.pagination import Page, PageRequest, page_request
from kit.problems import ProblemError, problem_openapi
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.territories.api.schemas import (
    ComparedQpv,
    ImportReportRead,
    IndicatorComparisonRead,
    IndicatorRead,
    IndicatorValueRead,
    IndicatorWrite,
)
from services.territories.db.models import IndicatorValueRow
from services.territories.domain.indicators import IndicatorDefinition, TerritoryKind, check_generic_header
from services.territories.policies import DEFINE_INDICATORS, REFERENCE, Editor
from services.territories.qpvs import use_cases as qpvs
from services.territories.use_cases import indicators

public = platform_router(["indicators"], authenticated=False)
protected = platform_router(["indicators"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Code = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
CSV_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {
                "type": "string",
                "description": "Header indicator,territoryKind,territory,perimeter,year,value,source,note"
                " (',' or ';'; unit optional, checked against the catalogue; value may be nd, ns, s, so)",
            }
        }
    },
}


def _indicator(definition: IndicatorDefinition) -> IndicatorRead:
    return IndicatorRead(
        code=definition.code,
        label=definition.label,
        unit=definition.unit,
        definition=definition.definition,
        source=definition.source,
    )


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else plain_decimal(value)


def _value(row: IndicatorValueRow) -> IndicatorValueRead:
    return IndicatorValueRead.model_validate(
        {
            "id": row.value_id,
            "indicator": row.indicator_code,
            "territoryKind": row.territory_kind,
            "territoryCode": row.territory_code,
            "qpvId": row.qpv_id,
            "territoryLabel": row.territory_label,
            "perimeter": row.perimeter,
            "year": row.year,
            "value": _decimal(row.value),
            "secret": row.secret,
            "source": row.source,
            "sourceReference": row.source_reference,
            "note": row.note,
        }
    )


def _comparison(comparison: indicators.Comparison) -> IndicatorComparisonRead:
    qpv = comparison.qpv
    return IndicatorComparisonRead(
        indicator=_indicator(comparison.indicator),
        qpv=ComparedQpv(id=qpv.qpv_id, code=qpv.code, nom=qpv.nom, generation=qpv.generation),
        series=[_value(value) for value in comparison.series],
        code_epci=comparison.code_epci,
        epci=[_value(value) for value in comparison.epci],
        qpv_national_average=[_value(value) for value in comparison.qpv_national_average],
        france=[_value(value) for value in comparison.france],
    )


@public.get(
    "/indicators",
    operation_id="list_indicators",
    response_model=list[IndicatorRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_indicators(uow: Uow) -> list[IndicatorRead]:
    """The indicator catalogue: code, label, unit, definition, source."""
    return [_indicator(item) for item in await indicators.list_catalogue(uow)]


@public.get(
    "/indicators/{code}",
    operation_id="get_indicator",
    response_model=IndicatorRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_indicator(uow: Uow, code: Code, response: Response) -> IndicatorRead:
    definition = await indicators.get_indicator(uow, code)
    response.headers["ETag"] = indicators.indicator_etag(definition)
    return _indicator(definition)


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
    definition = IndicatorDefinition(code, body.label, body.unit, body.definition, body.source)
    if await indicators.define_indicator(uow, principal, definition):
        response.status_code = 201
    response.headers["ETag"] = indicators.indicator_etag(definition)
    return _indicator(definition)


@public.get(
    "/indicator-values",
    operation_id="list_indicator_values",
    response_model=Page[IndicatorValueRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_indicator_values(
    uow: Uow,
    page: Annotated[PageRequest, Depends(page_request)],
    indicator: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,63}$")] = None,
    territory_kind: Annotated[TerritoryKind | None, Query(alias="territoryKind")] = None,
    territory: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{2,12}$", description="Territory code")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> Page[IndicatorValueRead]:
    """Values with their provenance, filtered by indicator, territory and year."""
    rows, total = await indicators.list_values(uow, page, indicator, territory_kind, territory, year)
    return Page(items=[_value(row) for row in rows], total=total, limit=page.limit, offset=page.offset)


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
    request: Request,
    response: Response,
    queue: Annotated[JobQueue, Depends(job_queue)],
    principal: Editor,
    dry_run: Annotated[bool, Query(alias="dryRun", description="Report every line, write nothing")] = False,
    on_bad_line: Annotated[
        Literal["reject", "skip"],
        Query(alias="onBadLine", description="reject: all-or-nothing (default); skip: report and skip"),
    ] = "reject",
) -> JobRead[Any]:
    """Import values from the generic CSV, as a job (`Location` follows it; its result is the import's
    report, its problem every bad line with its field and rule). Pilots write only their contracts'
    territories."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "text/csv":
        raise ProblemError(415, "unsupported-media-type", "Unsupported media type", "Send text/csv.")
    content = await request.body()
    check_generic_header(content)
    arguments = {"dryRun": dry_run, "skipBadLines": on_bad_line == "skip"}
    return await queue.submit(uow, response, principal, "import_indicator_values", arguments, content)


async def run_indicator_import(job: JobInput) -> JobOutcome:
    """The job of an import of indicator values."""
    report = await indicators.import_indicator_file(
        job.uow,
        job.principal,
        job.payload,
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
    code: Annotated[str, Path(pattern=r"^Q[A-Z0-9]{5,9}$")],
    indicator: Code,
    generation: Annotated[str, Query(pattern=r"^[0-9]{4}-[0-9]{4}$")] = "2024-2030",
) -> IndicatorComparisonRead:
    """The QPV's series beside its EPCI, the national QPV average (INSEE ENSQP) and France."""
    qpv = await qpvs.get_qpv(uow, code, generation)
    return _comparison(await indicators.compare(uow, qpv, indicator))


@public.get(
    "/qpv-records/{qpv_id}/indicators/{indicator}/comparison",
    operation_id="compare_qpv_record_indicator",
    response_model=IndicatorComparisonRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def compare_qpv_record_indicator(uow: Uow, qpv_id: uuid.UUID, indicator: Code) -> IndicatorComparisonRead:
    """The same comparison for a record reached by id (QPV the sources give no code)."""
    qpv = await qpvs.get_qpv_record(uow, qpv_id)
    return _comparison(await indicators.compare(uow, qpv, indicator))
