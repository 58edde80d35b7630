"""HTTP routes of payments: tranches of a financer's decided amount, payments, failures and reissues."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Response, status

from identity.principal import Principal
from kit.api_models import read_of
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.money import euros
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.payments import use_cases as payments
from services.grants.payments.domain import PlannedTranche, Tranche, TrancheKind
from services.grants.payments.schemas import FailureInput, PaymentInput, TrancheInput, TranchePlanInput, TrancheRead
from services.grants.payments.use_cases import Payment
from services.grants.policies import PAY, READ_GRANTS
from services.grants.schemas import cents_of

router = platform_router(["payments"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Payer = Annotated[Principal, Depends(authorize(PAY))]


def present(tranche: Tranche) -> TrancheRead:
    return read_of(
        TrancheRead,
        tranche,
        id=tranche.tranche_id,
        planned=euros(tranche.planned_cents),
        paid=None if tranche.paid_cents is None else euros(tranche.paid_cents),
    )


def _planned(index: int, item: TrancheInput) -> PlannedTranche:
    amount = None if item.amount is None else cents_of(item.amount, f"tranches/{index}/amount")
    return PlannedTranche(TrancheKind(item.kind), item.weight, amount)


@router.get(
    "/applications/{application_id}/financing-lines/{institution_id}/tranches",
    operation_id="list_line_tranches",
    response_model=list[TrancheRead],
)
async def list_line_tranches(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    institution_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> list[TrancheRead]:
    """One financer's tranches of the application; the ETag guards the next plan. Not paged: a line's plan
    holds a few tranches."""
    tranches = await payments.line_tranches(uow, principal, application_id, institution_id)
    response.headers["ETag"] = payments.line_tranches_etag(application_id, institution_id, tranches)
    return [present(tranche) for tranche in tranches]


@router.put(
    "/applications/{application_id}/financing-lines/{institution_id}/tranches",
    operation_id="plan_tranches",
    response_model=list[TrancheRead],
)
async def plan_tranches(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    institution_id: uuid.UUID,
    body: TranchePlanInput,
    principal: Payer,
) -> list[TrancheRead]:
    """The financer's tranches (advance, instalments, balance): amounts adding up exactly to the decided
    amount, or weights it is split by (largest remainder). Replaces a plan nothing was paid on; If-Match
    with the ETag of the line's tranches. Not paged: the plan written, as sent."""
    plan = [(_planned(index, item), item.planned_on) for index, item in enumerate(body.tranches)]
    planned = await payments.plan_tranches(uow, principal, application_id, institution_id, plan)
    response.headers["ETag"] = payments.line_tranches_etag(application_id, institution_id, planned)
    return [present(tranche) for tranche in planned]


@router.get("/applications/{application_id}/tranches", operation_id="list_tranches", response_model=list[TrancheRead])
async def list_tranches(
    uow: Uow, application_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(READ_GRANTS))]
) -> list[TrancheRead]:
    """Every financer's tranches of the application, with what was paid. Not paged: a few tranches per
    financer of one application."""
    return [present(tranche) for tranche in await payments.list_tranches(uow, principal, application_id)]


@router.post("/tranches/{tranche_id}/payment", operation_id="pay_tranche", response_model=TrancheRead)
async def pay_tranche(uow: Uow, tranche_id: uuid.UUID, body: PaymentInput, principal: Payer) -> TrancheRead:
    """A tranche paid (Chorus EJ and DP numbers): at most its amount, the line's payments at most the decided
    amount; refused while a gate is not met unless overrideReason says why."""
    payment = Payment(
        amount_cents=cents_of(body.amount, "amount"),
        paid_on=body.paid_on,
        chorus_commitment=body.chorus_commitment,
        chorus_payment=body.chorus_payment,
        override_reason=body.override_reason,
    )
    return present(await payments.pay_tranche(uow, principal, tranche_id, payment))


@router.post("/tranches/{tranche_id}/failure", operation_id="fail_tranche", response_model=TrancheRead)
async def fail_tranche(uow: Uow, tranche_id: uuid.UUID, body: FailureInput, principal: Payer) -> TrancheRead:
    """A payment that did not go through; it no longer counts as paid."""
    return present(await payments.fail_tranche(uow, principal, tranche_id, body.reason))


@router.post(
    "/tranches/{tranche_id}/reissue",
    operation_id="reissue_tranche",
    response_model=TrancheRead,
    status_code=status.HTTP_201_CREATED,
)
async def reissue_tranche(uow: Uow, tranche_id: uuid.UUID, principal: Payer) -> TrancheRead:
    """A new planned tranche replacing a failed one, for the same amount."""
    return present(await payments.reissue_tranche(uow, principal, tranche_id))
