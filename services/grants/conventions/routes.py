"""HTTP routes of conventions (annual and multi-year), their amendments, the application of each year, and
the indicators they commit their operator to."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Path, Query, Response, status

from identity.principal import Principal
from kit.api_models import plain_decimal, read_of
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.money import euros
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, platform_router
from services.grants.clients.territories import TerritoryReferences
from services.grants.conventions.domain import ConventionKind, ConventionMove, ConventionView, Indicator, YearAmount
from services.grants.conventions.schemas import (
    AmendmentInput,
    ConventionAmountInput,
    ConventionAmountRead,
    ConventionApplicationInput,
    ConventionCreate,
    ConventionEventRead,
    ConventionMoveInput,
    ConventionRead,
    ConventionRenewalInput,
    ConventionYearRead,
    IndicatorRead,
    IndicatorsInput,
    IndicatorsRead,
    IndicatorValueInput,
    IndicatorYearRead,
)
from services.grants.conventions.use_cases import access, indicators, lifecycle, years
from services.grants.conventions.use_cases.indicators import IndicatorsView
from services.grants.conventions.use_cases.lifecycle import ConventionDraft
from services.grants.policies import MANAGE_CONVENTIONS, READ_GRANTS, WRITE_APPLICATIONS, WRITE_INDICATORS
from services.grants.schemas import ContractCode, cents_of

router = platform_router(["conventions"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Manager = Annotated[Principal, Depends(authorize(MANAGE_CONVENTIONS))]
Reader = Annotated[Principal, Depends(authorize(READ_GRANTS))]
Code = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]
Year = Annotated[int, Path(ge=2000, le=2100)]


def _amounts(items: list[ConventionAmountInput]) -> tuple[YearAmount, ...]:
    return tuple(
        YearAmount(item.year, item.institution_id, cents_of(item.amount, f"amounts/{index}/amount"))
        for index, item in enumerate(items)
    )


def _present(view: ConventionView) -> ConventionRead:
    convention = view.convention
    return ConventionRead(
        id=convention.convention_id,
        contract_code=convention.contract_code,
        operator_id=convention.operator_id,
        reference=convention.reference,
        kind=convention.term.kind.value,
        first_year=convention.term.first_year,
        last_year=convention.term.last_year,
        signed_on=convention.signed_on,
        status=convention.status.value,
        status_reason=convention.status_reason,
        total=euros(view.total_cents),
        amounts=[
            ConventionAmountRead(
                year=amount.year,
                institution_id=amount.institution_id,
                institution_code=view.codes[amount.institution_id],
                amount=euros(amount.amount_cents),
                credits="voted" if view.is_voted(amount) else "planned",
            )
            for amount in view.amounts
        ],
        applications=[
            ConventionYearRead(year=year, application_id=application_id) for year, application_id in view.years.items()
        ],
        events=[read_of(ConventionEventRead, event) for event in view.events],
        version=convention.version,
    )


def _answer(view: ConventionView, response: Response) -> ConventionRead:
    response.headers["ETag"] = access.convention_etag(view.convention)
    return _present(view)


@router.post(
    "/conventions", operation_id="create_convention", response_model=ConventionRead, status_code=status.HTTP_201_CREATED
)
async def create_convention(uow: Uow, response: Response, body: ConventionCreate, principal: Manager) -> ConventionRead:
    """A draft convention: annual, or multi-year (CPO, 2 to 4 years) with each financer's amount per year;
    its total is the sum of the years."""
    draft = ConventionDraft(
        operator_id=body.operator_id,
        reference=body.reference,
        kind=ConventionKind(body.kind),
        first_year=body.first_year,
        last_year=body.last_year,
        amounts=_amounts(body.amounts),
        total_cents=None if body.total is None else cents_of(body.total, "total"),
    )
    return _answer(await lifecycle.create_convention(uow, principal, body.contract_code, draft), response)


@router.get("/conventions", operation_id="list_conventions", response_model=Page[ConventionRead])
async def list_conventions(
    uow: Uow,
    page: Annotated[PageRequest, Depends(page_request)],
    principal: Reader,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    operator_id: Annotated[uuid.UUID | None, Query(alias="operatorId")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Page[ConventionRead]:
    """A contract's conventions (an operator's users: their own), optionally of one operator or one year."""
    views, total = await lifecycle.list_conventions(uow, principal, contract_code, operator_id, year, page)
    return Page(items=[_present(view) for view in views], total=total, limit=page.limit, offset=page.offset)


@router.get("/conventions/{convention_id}", operation_id="get_convention", response_model=ConventionRead)
async def get_convention(uow: Uow, response: Response, convention_id: uuid.UUID, principal: Reader) -> ConventionRead:
    """One convention with its yearly amounts, the application of each year and its history."""
    return _answer(await lifecycle.get_convention(uow, principal, convention_id), response)


@router.post(
    "/conventions/{convention_id}/transitions",
    operation_id="move_convention",
    response_model=ConventionRead,
    dependencies=[conditional(read_at="/conventions/{convention_id}")],
)
async def move_convention(
    uow: Uow, response: Response, convention_id: uuid.UUID, body: ConventionMoveInput, principal: Manager
) -> ConventionRead:
    """sign (with its date), suspend and terminate (with a reason), resume; If-Match required."""
    view = await lifecycle.move_convention(
        uow,
        principal,
        convention_id,
        ConventionMove(body.move),
        body.reason,
        body.on,
    )
    return _answer(view, response)


@router.post(
    "/conventions/{convention_id}/amendments",
    operation_id="amend_convention",
    response_model=ConventionRead,
    dependencies=[conditional(read_at="/conventions/{convention_id}")],
)
async def amend_convention(
    uow: Uow, response: Response, convention_id: uuid.UUID, body: AmendmentInput, principal: Manager
) -> ConventionRead:
    """An amendment (avenant): the yearly amounts anew, the last year possibly moved, and why."""
    view = await lifecycle.amend_convention(
        uow,
        principal,
        convention_id,
        body.reason,
        body.last_year,
        _amounts(body.amounts),
        None if body.total is None else cents_of(body.total, "total"),
    )
    return _answer(view, response)


@router.put(
    "/conventions/{convention_id}/years/{year}/application",
    operation_id="attach_convention_application",
    response_model=ConventionRead,
    dependencies=[conditional(read_at="/conventions/{convention_id}")],
)
async def attach_convention_application(
    uow: Uow,
    response: Response,
    convention_id: uuid.UUID,
    year: Annotated[int, Path(ge=2000, le=2100)],
    body: ConventionApplicationInput,
    principal: Manager,
) -> ConventionRead:
    """The application that carries this year of the convention (the operator's application of that year);
    If-Match with the convention's ETag."""
    view = await years.attach_application(uow, principal, convention_id, year, body.application_id)
    return _answer(view, response)


@router.post(
    "/conventions/{convention_id}/years/{year}/application",
    operation_id="renew_convention_year",
    response_model=ConventionRead,
    status_code=status.HTTP_201_CREATED,
)
async def renew_convention_year(
    uow: Uow,
    references: TerritoryReferences,
    response: Response,
    convention_id: uuid.UUID,
    year: Annotated[int, Path(ge=2000, le=2100)],
    body: ConventionRenewalInput,
    principal: Annotated[Principal, Depends(authorize(WRITE_APPLICATIONS))],
) -> ConventionRead:
    """This year's application of a multi-year convention, pre-filled from the previous year's (action,
    content, budget; dates a year later) in the year's call, and linked: a draft the operator completes."""
    view = await years.renew_year(uow, references, principal, convention_id, year, body.call_id)
    return _answer(view, response)


def _indicators(view: IndicatorsView, response: Response) -> IndicatorsRead:
    response.headers["ETag"] = indicators.indicators_etag(view)
    items = [
        IndicatorRead(
            code=tracked.indicator.code,
            label=tracked.indicator.label,
            unit=tracked.indicator.unit,
            baseline=plain_decimal(tracked.indicator.baseline),
            years=[
                IndicatorYearRead(
                    year=year.year,
                    target=None if year.target is None else str(year.target),
                    value=None if year.reached is None else plain_decimal(year.reached.value),
                    source=None if year.reached is None else year.reached.source,
                    progress_percent=None if year.progress_percent is None else str(year.progress_percent),
                )
                for year in tracked.years(view.convention.term)
            ],
        )
        for tracked in view.indicators
    ]
    return IndicatorsRead(convention_id=view.convention.convention_id, indicators=items)


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
    return _indicators(
        await indicators.define_indicators(uow, principal, convention_id, defined, body.reason), response
    )


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
    return _indicators(view, response)


@router.get("/conventions/{convention_id}/indicators", operation_id="list_indicators", response_model=IndicatorsRead)
async def list_indicators(
    uow: Uow,
    response: Response,
    convention_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> IndicatorsRead:
    """Each indicator year by year: target, value, source and progress from the baseline to the target;
    the ETag guards the next change of the set or of a value."""
    return _indicators(await indicators.get_indicators(uow, principal, convention_id), response)
