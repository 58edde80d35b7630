"""HTTP routes of conventions (annual and multi-year), their amendments and the application of each year."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Query, Response, status

from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, platform_router
from services.grants.api.schemas import (
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
)
from services.grants.applications.routes import TerritoryReferences
from services.grants.domain.conventions import ConventionKind, ConventionMove, YearAmount
from services.grants.money import cents_of, euros
from services.grants.policies import MANAGE_CONVENTIONS, READ_GRANTS, WRITE_APPLICATIONS
from services.grants.schemas import ContractCode
from services.grants.use_cases import conventions
from services.grants.use_cases.conventions import ConventionDraft, ConventionView

router = platform_router(["conventions"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Manager = Annotated[Principal, Depends(authorize(MANAGE_CONVENTIONS))]
Reader = Annotated[Principal, Depends(authorize(READ_GRANTS))]


def _amounts(items: list[ConventionAmountInput]) -> tuple[YearAmount, ...]:
    return tuple(
        YearAmount(item.year, item.institution_id, cents_of(item.amount, f"amounts/{index}/amount"))
        for index, item in enumerate(items)
    )


def _present(view: ConventionView) -> ConventionRead:
    row = view.row
    return ConventionRead(
        id=row.convention_id,
        contract_code=row.contract_code,
        operator_id=row.operator_id,
        reference=row.reference,
        kind=row.kind,
        first_year=row.first_year,
        last_year=row.last_year,
        signed_on=row.signed_on,
        status=row.status,
        status_reason=row.status_reason,
        total=euros(view.total_cents),
        amounts=[
            ConventionAmountRead(
                year=amount.year,
                institution_id=amount.institution_id,
                institution_code=view.institutions[amount.institution_id].code,
                amount=euros(amount.amount_cents),
                credits="voted" if (amount.year, amount.institution_id) in view.voted else "planned",
            )
            for amount in view.amounts
        ],
        applications=[
            ConventionYearRead(year=link.year, application_id=link.application_id) for link in view.applications
        ],
        events=[
            ConventionEventRead(
                at=event.at,
                actor=event.actor,
                actor_institution=event.actor_institution,
                event=event.event,
                from_status=event.from_status,
                to_status=event.to_status,
                reason=event.reason,
                details=event.details,
            )
            for event in view.events
        ],
        version=row.version,
    )


def _answer(view: ConventionView, response: Response) -> ConventionRead:
    response.headers["ETag"] = conventions.convention_etag(view.row)
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
    return _answer(await conventions.create_convention(uow, principal, body.contract_code, draft), response)


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
    views, total = await conventions.list_conventions(uow, principal, contract_code, operator_id, year, page)
    return Page(items=[_present(view) for view in views], total=total, limit=page.limit, offset=page.offset)


@router.get("/conventions/{convention_id}", operation_id="get_convention", response_model=ConventionRead)
async def get_convention(uow: Uow, response: Response, convention_id: uuid.UUID, principal: Reader) -> ConventionRead:
    """One convention with its yearly amounts, the application of each year and its history."""
    return _answer(await conventions.get_convention(uow, principal, convention_id), response)


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
    view = await conventions.move_convention(
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
    view = await conventions.amend_convention(
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
    view = await conventions.attach_application(uow, principal, convention_id, year, body.application_id)
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
    view = await conventions.renew_year(uow, references, principal, convention_id, year, body.call_id)
    return _answer(view, response)
