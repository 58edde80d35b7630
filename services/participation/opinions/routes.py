"""HTTP routes of referrals, opinions, the governance's answers, commitments and a body's public page."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Response, status

from kit.api_models import page_json_response, read_of
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.response_cache import REMEMBERED
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.participation.opinions import use_cases as opinions
from services.participation.opinions.domain import (
    Commitment,
    CommitmentStatus,
    Opinion,
    OpinionKind,
    Outcome,
    Referral,
    ReferralKind,
    ReferralStatus,
)
from services.participation.opinions.schemas import (
    CommitmentCreate,
    CommitmentRead,
    CommitmentUpdate,
    OpinionCreate,
    OpinionRead,
    PublicBodyPage,
    ReferralCreate,
    ReferralRead,
    ResponseInput,
)
from services.participation.opinions.use_cases import Answer, OpinionRecord
from services.participation.policies import PUBLIC_PAGE, Governance, OpinionAdopter, Reader

router = platform_router(["opinions"], authenticated=True, writes=True)
public = platform_router(["opinions"], authenticated=False)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _referral(referral: Referral, answered_on: date | None, state: ReferralStatus) -> ReferralRead:
    return read_of(ReferralRead, referral, id=referral.referral_id, answered_on=answered_on, status=state.value)


def _commitment(commitment: Commitment) -> CommitmentRead:
    return read_of(CommitmentRead, commitment, id=commitment.commitment_id)


def _opinion(record: OpinionRecord) -> OpinionRead:
    commitments = [_commitment(item) for item in record.commitments]
    return read_of(OpinionRead, record.opinion, id=record.opinion.opinion_id, commitments=commitments)


@router.post(
    "/bodies/{body_id}/referrals",
    operation_id="refer_to_body",
    response_model=ReferralRead,
    status_code=status.HTTP_201_CREATED,
)
async def refer_to_body(uow: Uow, body_id: uuid.UUID, body: ReferralCreate, principal: Governance) -> ReferralRead:
    """A governance committee asks the body for its opinion (the annual report: one month at least)."""
    new = Referral(
        referral_id=uuid.uuid4(),
        from_body_id=body.from_body_id,
        to_body_id=body_id,
        kind=ReferralKind(body.kind),
        subject=body.subject,
        asked_on=body.asked_on,
        due_on=body.due_on,
    )
    return _referral(await opinions.refer(uow, principal, new), None, ReferralStatus.OPEN)


@router.get("/bodies/{body_id}/referrals", operation_id="list_referrals", response_model=list[ReferralRead])
async def list_referrals(uow: Uow, body_id: uuid.UUID, principal: Reader) -> list[ReferralRead]:
    """The referrals made to the body; one not answered by its due date is deemed favourable. Not paged: a
    few a year for one body over the contract's term."""
    found = await opinions.referrals_to(uow, principal, body_id)
    return [_referral(referral, answered, state) for referral, answered, state in found]


@router.post(
    "/bodies/{body_id}/opinions",
    operation_id="adopt_opinion",
    response_model=OpinionRead,
    status_code=status.HTTP_201_CREATED,
)
async def adopt_opinion(
    uow: Uow,
    body_id: uuid.UUID,
    body: OpinionCreate,
    principal: OpinionAdopter,
) -> OpinionRead:
    """An opinion, proposal or alert the body adopted, sent to a governance committee (or to the préfet)."""
    new = Opinion(
        opinion_id=uuid.uuid4(),
        body_id=body_id,
        kind=OpinionKind(body.kind),
        title=body.title,
        text=body.text,
        adopted_on=body.adopted_on,
        meeting_id=body.meeting_id,
        referral_id=body.referral_id,
        addressed_to_body_id=body.addressed_to_body_id,
    )
    return _opinion(OpinionRecord(await opinions.adopt(uow, principal, new), []))


@router.get(
    "/bodies/{body_id}/opinions",
    operation_id="list_opinions",
    dependencies=[REMEMBERED],
    response_model=Page[OpinionRead],
)
async def list_opinions(
    uow: Uow, body_id: uuid.UUID, principal: Reader, page: Annotated[PageRequest, Depends(page_request)]
) -> Response:
    items, total = await opinions.opinions_of(uow, principal, body_id, page)
    return page_json_response(items, total, page.limit, page.offset)


@router.get("/opinions/{opinion_id}", operation_id="get_opinion", response_model=OpinionRead)
async def get_opinion(uow: Uow, opinion_id: uuid.UUID, principal: Reader) -> OpinionRead:
    return _opinion(await opinions.opinion_record(uow, principal, opinion_id))


@router.post("/opinions/{opinion_id}/response", operation_id="answer_opinion", response_model=OpinionRead)
async def answer_opinion(uow: Uow, opinion_id: uuid.UUID, body: ResponseInput, principal: Governance) -> OpinionRead:
    """The governance's answer, once: a reason is required unless the opinion is accepted or noted."""
    answer = Answer(
        outcome=Outcome(body.outcome),
        reason=body.reason,
        redirected_to=body.redirected_to,
        responded_on=body.responded_on,
    )
    return _opinion(await opinions.respond(uow, principal, opinion_id, answer))


@router.post(
    "/opinions/{opinion_id}/commitments",
    operation_id="commit_to_opinion",
    response_model=CommitmentRead,
    status_code=status.HTTP_201_CREATED,
)
async def commit_to_opinion(
    uow: Uow, opinion_id: uuid.UUID, body: CommitmentCreate, principal: Governance
) -> CommitmentRead:
    """What the governance commits to after taking an opinion up."""
    new = Commitment(
        commitment_id=uuid.uuid4(),
        opinion_id=opinion_id,
        description=body.description,
        owner=body.owner,
        due_on=body.due_on,
        status_on=body.made_on,
    )
    return _commitment(await opinions.commit_to(uow, principal, new))


@router.get("/commitments/{commitment_id}", operation_id="get_commitment", response_model=CommitmentRead)
async def get_commitment(uow: Uow, response: Response, commitment_id: uuid.UUID, principal: Reader) -> CommitmentRead:
    """A commitment and how far it got; its ETag guards the follow-up."""
    commitment = await opinions.get_commitment(uow, principal, commitment_id)
    response.headers["ETag"] = opinions.commitment_etag(commitment)
    return _commitment(commitment)


@router.patch("/commitments/{commitment_id}", operation_id="follow_up_commitment", response_model=CommitmentRead)
async def follow_up_commitment(
    uow: Uow, response: Response, commitment_id: uuid.UUID, body: CommitmentUpdate, principal: Governance
) -> CommitmentRead:
    """The implementation status of a commitment; If-Match with the ETag read is required."""
    changed = await opinions.follow_up(uow, principal, commitment_id, CommitmentStatus(body.status), body.on)
    response.headers["ETag"] = opinions.commitment_etag(changed)
    return _commitment(changed)


@public.get(
    "/public/bodies/{body_id}",
    operation_id="public_body_page",
    response_model=PublicBodyPage,
    dependencies=[Depends(authorize(PUBLIC_PAGE)), REMEMBERED],
)
async def public_body_page(
    uow: Uow, body_id: uuid.UUID, page: Annotated[PageRequest, Depends(page_request)]
) -> PublicBodyPage:
    """A body's public page: its opinions, the answers they got and what followed; never its members."""
    body, records, total = await opinions.public_page(uow, body_id, page)
    published = [_opinion(item) for item in records]
    return read_of(PublicBodyPage, body, id=body.body_id, opinions=published, total_opinions=total)
