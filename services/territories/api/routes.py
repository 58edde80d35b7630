"""HTTP routes of the territories service: parse, authorize, call a use case, present."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from kit.api_models import model_response
from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.problems import ProblemError, problem_openapi
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import creates_nothing, locate_created, platform_router
from services.territories.api.schemas import (
    ContractCreate,
    ContractRead,
    ContractUpdate,
    LocalisationRead,
    NamedQpv,
    NearestQpv,
    SignatoryModel,
)
from services.territories.domain import point_batches
from services.territories.domain.contracts import Contract, Signatory
from services.territories.domain.point_batches import MAX_POINTS, csv_rows
from services.territories.policies import BATCH_LOOKUP, REFERENCE, REGISTER_CONTRACT, UPDATE_CONTRACT
from services.territories.use_cases import contracts, localisation
from services.territories.use_cases.localisation import ClassifiedPoint

public = platform_router(["reference"], authenticated=False)
protected = platform_router(["contracts"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Pages = Annotated[PageRequest, Depends(page_request)]
Generation = Annotated[str, Query(pattern=r"^[0-9]{4}-[0-9]{4}$", description="QPV generation, e.g. 2024-2030")]


def _contract(contract: Contract) -> ContractRead:
    return ContractRead(
        code=contract.code,
        nom=contract.nom,
        code_epci=contract.code_epci,
        start_year=contract.start_year,
        end_year=contract.end_year,
        qpv_codes=list(contract.qpv_codes),
        signatories=[SignatoryModel(name=item.name, kind=item.kind) for item in contract.signatories],
        version=contract.version,
    )


def _contract_json(contract: Contract) -> dict[str, Any]:
    return _contract(contract).model_dump(mode="json", by_alias=True)


@public.get(
    "/localisation",
    operation_id="locate_point",
    response_model=LocalisationRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def locate_point(
    uow: Uow,
    request: Request,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False, description="Latitude, WGS84")],
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False, description="Longitude, WGS84")],
    generation: Generation = "2024-2030",
    tolerance_m: Annotated[
        float, Query(alias="toleranceM", ge=0, le=50_000, allow_inf_nan=False, description="Nearest-QPV radius")
    ] = 500,
) -> Response:
    """Which QPV contains the point, and the nearest other QPV within the tolerance. Indicative."""
    located = await localisation.locate_point(uow, request.app.state.qpv_indexes, generation, lon, lat, tolerance_m)
    nearest = located.nearest
    answer = LocalisationRead(
        lat=lat,
        lon=lon,
        generation=generation,
        tolerance_m=tolerance_m,
        qpvs=[NamedQpv(code=match.code, nom=match.nom) for match in located.matches],
        nearest=NearestQpv(code=nearest.qpv.code, nom=nearest.qpv.nom, distance_m=nearest.distance_m)
        if nearest
        else None,
    )
    return model_response(answer)  # the hottest route


BATCH_COLUMNS = ["line", "id", "status", "qpvCodes", "nearestCode", "nearestDistanceM", "error"]
BATCH_REQUEST_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string", "description": "Header id,lat,lon (any order; ',' or ';')"}},
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["points"],
                "properties": {
                    "points": {
                        "type": "array",
                        "maxItems": MAX_POINTS,
                        # Deliberately loose: a malformed item is answered on its own line,
                        # it never makes the batch fail.
                        "items": {"description": "{id, lat, lon}; a malformed item is reported on its line"},
                    }
                },
            }
        },
    },
}


def _batch_row(point: ClassifiedPoint) -> list[str]:
    return [
        str(point.line),
        point.id or "",
        "error" if point.error else "ok",
        ";".join(point.qpv_codes),
        point.nearest_code or "",
        "" if point.nearest_distance_m is None else f"{point.nearest_distance_m:.1f}",
        point.error or "",
    ]


async def _stream(points: list[ClassifiedPoint], as_csv: bool) -> AsyncIterator[bytes]:
    if as_csv:
        yield csv_rows([BATCH_COLUMNS]).encode()
    for start in range(0, len(points), 5000):
        chunk = points[start : start + 5000]
        if as_csv:
            yield csv_rows([_batch_row(point) for point in chunk]).encode()
        else:
            yield b"".join(
                orjson.dumps(
                    dict(
                        zip(
                            BATCH_COLUMNS,
                            [
                                point.line,
                                point.id,
                                "error" if point.error else "ok",
                                point.qpv_codes,
                                point.nearest_code,
                                point.nearest_distance_m,
                                point.error,
                            ],
                            strict=True,
                        )
                    )
                )
                + b"\n"
                for point in chunk
            )


@protected.post(
    "/localisation/batch",
    operation_id="locate_points",
    response_class=StreamingResponse,
    dependencies=[creates_nothing("a lookup: each point's QPV is computed and answered, nothing is stored")],
    openapi_extra={"requestBody": BATCH_REQUEST_BODY},
    responses={
        200: {
            "description": "One row per input line, in input order; refused lines say why. Indicative.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
        415: problem_openapi(415)[415],
    },
)
async def locate_points(
    uow: Uow,
    request: Request,
    _principal: Annotated[Principal, Depends(authorize(BATCH_LOOKUP))],
    generation: Generation = "2024-2030",
    tolerance_m: Annotated[
        float, Query(alias="toleranceM", ge=0, le=50_000, allow_inf_nan=False, description="Nearest-QPV radius")
    ] = 500,
    output: Annotated[Literal["csv", "ndjson"] | None, Query(alias="format", description="Default: as sent")] = None,
) -> StreamingResponse:
    """Classify up to 200 000 points (CSV id,lat,lon or JSON); a bad line never fails the batch."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if media_type == "text/csv":
        batch = point_batches.parse_csv(body)
    elif media_type == "application/json":
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise point_batches.BatchFormatError("the body is not valid JSON") from error
        batch = point_batches.parse_json(document)
    else:
        raise ProblemError(
            415, "unsupported-media-type", "Unsupported media type", "Send text/csv or application/json."
        )
    points = await localisation.classify_batch(uow, request.app.state.qpv_indexes, generation, batch, tolerance_m)
    as_csv = output == "csv" or (output is None and media_type == "text/csv")
    return StreamingResponse(
        _stream(points, as_csv),
        media_type="text/csv; charset=utf-8" if as_csv else "application/x-ndjson",
        headers={"X-Result-Indicative": "true", "X-Points": str(len(points))},
    )


@public.get(
    "/contracts",
    operation_id="list_contracts",
    response_model=Page[ContractRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_contracts(
    uow: Uow, page: Pages, code_epci: Annotated[str | None, Query(alias="codeEpci", pattern=r"^[0-9]{9}$")] = None
) -> Page[ContractRead]:
    """The registry of contrats de ville (public)."""
    items, total = await contracts.list_contracts(uow, page, code_epci)
    return Page(items=[_contract(item) for item in items], total=total, limit=page.limit, offset=page.offset)


@public.get(
    "/contracts/{code}",
    operation_id="get_contract",
    response_model=ContractRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_contract(
    uow: Uow, response: Response, code: Annotated[str, Path(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
) -> ContractRead:
    contract = await contracts.get_contract(uow, code)
    response.headers["ETag"] = contracts.contract_etag(contract)
    return _contract(contract)


@protected.post(
    "/contracts", operation_id="register_contract", response_model=ContractRead, status_code=status.HTTP_201_CREATED
)
async def register_contract(
    uow: Uow,
    body: ContractCreate,
    response: Response,
    principal: Annotated[Principal, Depends(authorize(REGISTER_CONTRACT))],
) -> ContractRead:
    """Register a contract (platform admins)."""
    contract = Contract(
        code=body.code,
        nom=body.nom,
        code_epci=body.code_epci,
        start_year=body.start_year,
        end_year=body.end_year,
        qpv_codes=tuple(body.qpv_codes),
        signatories=tuple(Signatory(name=item.name, kind=item.kind) for item in body.signatories),
    )
    created = await contracts.register_contract(uow, principal, contract)
    locate_created(response, f"contracts/{created.code}", contracts.contract_etag(created))
    return _contract(created)


@protected.patch("/contracts/{code}", operation_id="update_contract", response_model=ContractRead)
async def update_contract(
    uow: Uow,
    body: ContractUpdate,
    response: Response,
    principal: Annotated[Principal, Depends(authorize(UPDATE_CONTRACT))],
    code: Annotated[str, Path(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")],
) -> ContractRead:
    """Change a contract; If-Match with the ETag read is required."""
    changes: dict[str, Any] = {}
    for field_name in body.model_fields_set:
        value = getattr(body, field_name)
        if value is None:
            continue
        if field_name == "qpv_codes":
            value = tuple(value)
        elif field_name == "signatories":
            value = tuple(Signatory(name=item.name, kind=item.kind) for item in value)
        changes[field_name] = value
    updated = await contracts.update_contract(uow, principal, code, changes)
    response.headers["ETag"] = contracts.contract_etag(updated)
    return _contract(updated)
