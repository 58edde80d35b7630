"""HTTP routes of the localisation: which QPV contains a point, for one point or a batch."""

from __future__ import annotations

from typing import Annotated, Literal

import orjson
from fastapi import Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from identity.principal import Principal
from kit.api_models import model_response
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.problems import ProblemError, problem_openapi
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import creates_nothing, platform_router
from services.territories.localisation import use_cases
from services.territories.localisation.domain import BatchFormatError, parse_csv, parse_json
from services.territories.localisation.schemas import BATCH_ANSWER, BATCH_REQUEST_BODY, LocalisationRead, batch_answer
from services.territories.policies import BATCH_LOOKUP, REFERENCE
from services.territories.qpvs.domain import GENERATION_2024
from services.territories.schemas import Generation

MAX_BATCH_BYTES = 16 * 1_048_576

public = platform_router(["reference"], authenticated=False)
protected = platform_router(["contracts"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Tolerance = Annotated[
    float, Query(alias="toleranceM", ge=0, le=50_000, allow_inf_nan=False, description="Nearest-QPV radius")
]


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
    generation: Generation = GENERATION_2024,
    tolerance_m: Tolerance = 500,
) -> Response:
    """Which QPV contains the point, and the nearest other QPV within the tolerance. Indicative."""
    located = await use_cases.locate_point(uow, request.app.state.qpv_indexes, generation, lon, lat, tolerance_m)
    return model_response(LocalisationRead.of(located, lat, lon, generation, tolerance_m))  # the hottest route


@protected.post(
    "/localisation/batch",
    operation_id="locate_points",
    response_class=StreamingResponse,
    dependencies=[creates_nothing("a lookup: each point's QPV is computed and answered, nothing is stored")],
    openapi_extra={"requestBody": BATCH_REQUEST_BODY},
    responses={200: BATCH_ANSWER, 415: problem_openapi(415)[415]},
)
async def locate_points(
    uow: Uow,
    request: Request,
    _principal: Annotated[Principal, Depends(authorize(BATCH_LOOKUP))],
    generation: Generation = GENERATION_2024,
    tolerance_m: Tolerance = 500,
    output: Annotated[Literal["csv", "ndjson"] | None, Query(alias="format", description="Default: as sent")] = None,
) -> StreamingResponse:
    """Classify up to 200 000 points (CSV id,lat,lon or JSON); a bad line never fails the batch."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if media_type == "text/csv":
        batch = parse_csv(body)
    elif media_type == "application/json":
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise BatchFormatError("the body is not valid JSON") from error
        batch = parse_json(document)
    else:
        raise ProblemError(
            415, "unsupported-media-type", "Unsupported media type", "Send text/csv or application/json."
        )
    points = await use_cases.classify_batch(uow, request.app.state.qpv_indexes, generation, batch, tolerance_m)
    as_csv = output == "csv" or (output is None and media_type == "text/csv")
    return StreamingResponse(
        batch_answer(points, as_csv),
        media_type="text/csv; charset=utf-8" if as_csv else "application/x-ndjson",
        headers={"X-Result-Indicative": "true", "X-Points": str(len(points))},
    )
