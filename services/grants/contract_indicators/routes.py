"""HTTP routes of the contract's evaluation framework (indicators, baselines, targets, observed values)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Path, Query, Response, status

from identity.contracts import ContractRegistry, request_contract_registry
from identity.principal import Principal
from kit.api_models import plain_decimal
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, locate_created, platform_router
from services.grants.contract_indicators import use_cases as indicators
from services.grants.contract_indicators.domain import (
    Baseline,
    ContractIndicator,
    EvaluationObject,
    Observation,
    Target,
    standing,
)
from services.grants.contract_indicators.schemas import (
    BaselineRead,
    ContractIndicatorCreate,
    ContractIndicatorRead,
    ObservationRead,
    ObservationWrite,
    StandingRead,
    TargetRead,
)
from services.grants.policies import PILOT_CONTRACT, READ_GRANTS
from services.grants.schemas import ContractCode

router = platform_router(["evaluation framework"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Registry = Annotated[ContractRegistry, Depends(request_contract_registry)]
Pilot = Annotated[Principal, Depends(authorize(PILOT_CONTRACT))]
INDICATOR = "/contract-indicators/{indicator_id}"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else plain_decimal(value)


def _read(indicator: ContractIndicator, year: int | None = None) -> ContractIndicatorRead:
    where = standing(indicator, year)
    baseline, target = indicator.baseline, indicator.target
    return ContractIndicatorRead(
        id=indicator.indicator_id,
        contract_code=indicator.contract_code,
        code=indicator.code,
        label=indicator.label,
        unit=indicator.unit,
        evaluation_object=indicator.evaluation_object,
        baseline=BaselineRead(
            value=_text(baseline.value),
            year=baseline.year,
            perimeter=baseline.perimeter,
            source=baseline.source,
            is_fictitious=baseline.is_fictitious,
        ),
        target=TargetRead(
            value=_text(target.value),
            year=target.year,
            direction=target.direction,
            source=target.source,
            is_fictitious=target.is_fictitious,
        ),
        values=[
            ObservationRead(
                year=item.year,
                value=plain_decimal(item.value),
                perimeter=item.perimeter,
                source=item.source,
                is_fictitious=item.is_fictitious,
            )
            for item in indicator.observations
        ],
        standing=StandingRead(
            year=where.year,
            value=_text(where.value),
            since_baseline=_text(where.since_baseline),
            to_target=_text(where.to_target),
            reached=where.reached,
            is_fictitious=where.is_fictitious,
        ),
        version=indicator.version,
    )


@router.get("/contract-indicators", operation_id="list_contract_indicators", response_model=Page[ContractIndicatorRead])
async def list_contract_indicators(
    uow: Uow,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    page: Annotated[PageRequest, Depends(page_request)],
    evaluation_object: Annotated[EvaluationObject | None, Query(alias="evaluationObject")] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="Standing at this year; default latest")] = None,
) -> Page[ContractIndicatorRead]:
    """The contract's indicators with baseline, target, values observed and where each stands at `year`
    against its target ("where we are against what we said"). Parts marked `isFictitious` are demo data."""
    found, total = await indicators.list_indicators(uow, principal, contract_code, evaluation_object, page)
    return Page(items=[_read(item, year) for item in found], total=total, limit=page.limit, offset=page.offset)


@router.get(INDICATOR, operation_id="get_contract_indicator", response_model=ContractIndicatorRead)
async def get_contract_indicator(
    uow: Uow,
    response: Response,
    indicator_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> ContractIndicatorRead:
    """One indicator, with its ETag (for setting a year's value)."""
    indicator = await indicators.get_indicator(uow, principal, indicator_id)
    response.headers["ETag"] = indicators.indicator_etag(indicator)
    return _read(indicator)


@router.post(
    "/contract-indicators",
    operation_id="define_contract_indicator",
    response_model=ContractIndicatorRead,
    status_code=status.HTTP_201_CREATED,
)
async def define_contract_indicator(
    uow: Uow, registry: Registry, body: ContractIndicatorCreate, response: Response, principal: Pilot
) -> ContractIndicatorRead:
    """Define an indicator of the contract's evaluation (pilots): its baseline and target."""
    indicator = ContractIndicator(
        indicator_id=uuid.uuid4(),
        contract_code=body.contract_code,
        code=body.code,
        label=body.label,
        unit=body.unit,
        evaluation_object=body.evaluation_object,
        baseline=Baseline(body.baseline.value, body.baseline.year, body.baseline.perimeter, body.baseline.source),
        target=Target(body.target.value, body.target.year, body.target.direction, body.target.source),
    )
    created = await indicators.define_indicator(uow, registry, principal, indicator)
    locate_created(response, f"contract-indicators/{created.indicator_id}", indicators.indicator_etag(created))
    return _read(created)


@router.put(
    INDICATOR + "/values/{year}",
    operation_id="set_contract_indicator_value",
    response_model=ContractIndicatorRead,
    dependencies=[conditional(read_at=INDICATOR)],
)
async def set_contract_indicator_value(
    uow: Uow,
    registry: Registry,
    response: Response,
    indicator_id: uuid.UUID,
    year: Annotated[int, Path(ge=1990, le=2100)],
    body: ObservationWrite,
    principal: Pilot,
) -> ContractIndicatorRead:
    """Set the value observed in a year (pilots; If-Match: the indicator's ETag)."""
    observation = Observation(year, body.value, body.perimeter, body.source)
    indicator = await indicators.observe(uow, registry, principal, indicator_id, observation)
    response.headers["ETag"] = indicators.indicator_etag(indicator)
    return _read(indicator)
