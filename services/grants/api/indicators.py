"""HTTP routes of a convention's indicators: definitions (baseline, targets) and yearly values."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Path, Response

from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import request_unit_of_work
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, platform_router
from services.grants.api.schemas import (
    IndicatorRead,
    IndicatorsInput,
    IndicatorsRead,
    IndicatorValueInput,
    IndicatorYearRead,
)
from services.grants.domain.indicators import Indicator, progress_percent
from services.grants.policies import READ_GRANTS, WRITE_INDICATORS
from services.grants.use_cases import indicators
from services.grants.use_cases.indicators import IndicatorsView

router = platform_router(["conventions"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Code = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]
Year = Annotated[int, Path(ge=2000, le=2100)]


def measure_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def present(view: IndicatorsView) -> IndicatorsRead:
    items = []
    for row in view.indicators:
        values = {value.year: value for value in view.values[row.indicator_id]}
        baseline = Decimal(row.baseline)
        years = []
        for year in range(view.convention.first_year, view.convention.last_year + 1):
            target = row.targets.get(str(year))
            reached = values.get(year)
            progress = (
                None
                if target is None or reached is None
                else progress_percent(baseline, Decimal(target), Decimal(reached.value))
            )
            years.append(
                IndicatorYearRead(
                    year=year,
                    target=target,
                    value=None if reached is None else measure_text(Decimal(reached.value)),
                    source=None if reached is None else reached.source,
                    progress_percent=None if progress is None else str(progress),
                )
            )
        items.append(
            IndicatorRead(code=row.code, label=row.label, unit=row.unit, baseline=measure_text(baseline), years=years)
        )
    return IndicatorsRead(convention_id=view.convention.convention_id, indicators=items)


def _answer(view: indicators.IndicatorsView, response: Response) -> IndicatorsRead:
    response.headers["ETag"] = indicators.indicators_etag(view)
    return present(view)


@router.put("/conventions/{convention_id}/indicators", operation_id="define_indicators", response_model=IndicatorsRead)
async def define_indicators(
    uow: Uow,
    response: Response,
    convention_id: uuid.UUID,
    body: IndicatorsInput,
    principal: Annotated[Principal, Depends(authorize(WRITE_INDICATORS))],
) -> IndicatorsRead:
    """The convention's whole set of indicators (code, label, unit, baseline, a target per year). The
    operator writes it while the convention is a draft; afterwards its managers, with a reason."""
    defined = [
        Indicator(
            code=item.code,
            label=item.label,
            unit=item.unit,
            baseline=Decimal(item.baseline),
            targets={int(year): Decimal(value) for year, value in item.targets.items()},
        )
        for item in body.indicators
    ]
    return _answer(await indicators.define_indicators(uow, principal, convention_id, defined, body.reason), response)


@router.put(
    "/conventions/{convention_id}/indicators/{code}/values/{year}",
    operation_id="declare_indicator_value",
    response_model=IndicatorsRead,
    dependencies=[conditional(read_at="/conventions/{convention_id}/indicators")],
)
async def declare_indicator_value(
    uow: Uow,
    response: Response,
    convention_id: uuid.UUID,
    code: Code,
    year: Year,
    body: IndicatorValueInput,
    principal: Annotated[Principal, Depends(authorize(WRITE_INDICATORS))],
) -> IndicatorsRead:
    """The value reached in a year of the signed convention, and its source."""
    view = await indicators.declare_value(uow, principal, convention_id, code, year, Decimal(body.value), body.source)
    return _answer(view, response)


@router.get("/conventions/{convention_id}/indicators", operation_id="list_indicators", response_model=IndicatorsRead)
async def list_indicators(
    uow: Uow,
    response: Response,
    convention_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> IndicatorsRead:
    """Each indicator year by year: target, value, source and progress from the baseline to the target;
    the ETag guards the next change of the set or of a value."""
    return _answer(await indicators.get_indicators(uow, principal, convention_id), response)
