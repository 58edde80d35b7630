"""HTTP routes of citizen funds: envelope, residents' projects, decision with recusal, payment, report."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Response, status

from kit.api_models import read_of
from kit.database import request_unit_of_work
from kit.money import euros, parse_cents
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, platform_router
from services.participation.citizen_funds import use_cases as citizen_funds
from services.participation.citizen_funds.domain import Fund, FundApplication, fund_totals
from services.participation.citizen_funds.schemas import (
    CitizenFundCreate,
    CitizenFundRead,
    ConflictInput,
    FundApplicationCreate,
    FundApplicationRead,
    FundDecisionInput,
    FundPaymentInput,
    FundReportInput,
)
from services.participation.citizen_funds.use_cases import FinalReport, NewFund
from services.participation.meetings.domain import Tally
from services.participation.policies import FundRunner, Reader

router = platform_router(["citizen funds"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _cents(text: str) -> int:
    cents = parse_cents(text)
    if cents is None:  # the schemas' pattern refused it already
        raise ValueError(text)
    return cents


def _money(cents: int | None) -> str | None:
    return None if cents is None else euros(cents)


def _application(application: FundApplication) -> FundApplicationRead:
    return read_of(
        FundApplicationRead,
        application,
        id=application.application_id,
        amount_requested=euros(application.requested_cents),
        amount_granted=_money(application.granted_cents),
        amount_paid=_money(application.paid_cents),
        spent=_money(application.spent_cents),
    )


def _fund(fund: Fund, applications: list[FundApplication]) -> CitizenFundRead:
    totals = fund_totals(fund, applications)
    return read_of(
        CitizenFundRead,
        fund,
        id=fund.fund_id,
        envelope=euros(fund.envelope_cents),
        granted=euros(totals.granted_cents),
        paid=euros(totals.paid_cents),
        remaining=euros(totals.remaining_cents),
        applications=[_application(item) for item in applications],
    )


@router.post("/citizen-funds", operation_id="open_citizen_fund", response_model=CitizenFundRead, status_code=201)
async def open_citizen_fund(uow: Uow, body: CitizenFundCreate, principal: FundRunner) -> CitizenFundRead:
    """A fund with its envelope, decided by a fund committee of the contract."""
    new = NewFund(name=body.name, year=body.year, envelope_cents=_cents(body.envelope))
    return _fund(await citizen_funds.open_fund(uow, principal, body.committee_body_id, new), [])


@router.get("/citizen-funds/{fund_id}", operation_id="get_citizen_fund", response_model=CitizenFundRead)
async def get_citizen_fund(uow: Uow, fund_id: uuid.UUID, principal: Reader) -> CitizenFundRead:
    """The fund, its applications and its totals."""
    return _fund(*await citizen_funds.fund_with_applications(uow, principal, fund_id))


@router.post(
    "/citizen-funds/{fund_id}/applications",
    operation_id="submit_fund_application",
    response_model=FundApplicationRead,
    status_code=status.HTTP_201_CREATED,
)
async def submit_fund_application(
    uow: Uow, fund_id: uuid.UUID, body: FundApplicationCreate, principal: FundRunner
) -> FundApplicationRead:
    new = FundApplication(
        application_id=uuid.uuid4(),
        fund_id=fund_id,
        title=body.title,
        group_name=body.group_name,
        description=body.description,
        qpv_codes=tuple(body.qpv_codes),
        requested_cents=_cents(body.amount_requested),
    )
    return _application(await citizen_funds.apply(uow, principal, fund_id, new))


@router.get(
    "/fund-applications/{application_id}", operation_id="get_fund_application", response_model=FundApplicationRead
)
async def get_fund_application(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    principal: Reader,
) -> FundApplicationRead:
    """An application with its decision, payment and report; its ETag guards the report."""
    application = await citizen_funds.get_application(uow, principal, application_id)
    response.headers["ETag"] = citizen_funds.application_etag(application)
    return _application(application)


@router.post(
    "/fund-applications/{application_id}/conflicts",
    operation_id="declare_conflict_of_interest",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def declare_conflict_of_interest(
    uow: Uow, application_id: uuid.UUID, body: ConflictInput, principal: FundRunner
) -> None:
    """A committee member's conflict of interest: they will not vote on this application."""
    await citizen_funds.declare_conflict(uow, principal, application_id, body.person_id, body.declared_on)


@router.post(
    "/fund-applications/{application_id}/decision",
    operation_id="decide_fund_application",
    response_model=FundApplicationRead,
)
async def decide_fund_application(
    uow: Uow, application_id: uuid.UUID, body: FundDecisionInput, principal: FundRunner
) -> FundApplicationRead:
    """The committee's decision, once: voters hold a mandate, members with a conflict are recused, the
    amount stays within what was asked and the envelope."""
    tally = Tally(votes_for=body.votes_for, votes_against=body.votes_against, abstentions=body.abstentions)
    decided = await citizen_funds.decide(
        uow, principal, application_id, body.decided_on, _cents(body.amount_granted), tally, list(body.voter_ids)
    )
    return _application(decided)


@router.post(
    "/fund-applications/{application_id}/payment",
    operation_id="pay_fund_application",
    response_model=FundApplicationRead,
)
async def pay_fund_application(
    uow: Uow, application_id: uuid.UUID, body: FundPaymentInput, principal: FundRunner
) -> FundApplicationRead:
    paid = await citizen_funds.pay(uow, principal, application_id, body.paid_on, _cents(body.amount))
    return _application(paid)


@router.put(
    "/fund-applications/{application_id}/report",
    operation_id="report_fund_application",
    response_model=FundApplicationRead,
    dependencies=[conditional(read_at="/fund-applications/{application_id}")],
)
async def report_fund_application(
    uow: Uow, response: Response, application_id: uuid.UUID, body: FundReportInput, principal: FundRunner
) -> FundApplicationRead:
    """The final report: money spent (at most what was paid), participants, what was done."""
    final = FinalReport(
        reported_on=body.reported_on, spent_cents=_cents(body.spent), participants=body.participants, text=body.text
    )
    reported = await citizen_funds.report(uow, principal, application_id, final)
    response.headers["ETag"] = citizen_funds.application_etag(reported)
    return _application(reported)
