"""HTTP routes of consultation campaigns: questions and targets, answers synced from the field, results."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, status

from identity.contracts import ContractRegistry, request_contract_registry
from kit.api_models import read_of
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.participation.consultations import use_cases as consultations
from services.participation.consultations.domain import (
    Campaign,
    Consultation,
    Interview,
    Progress,
    Question,
    QuestionKind,
    SyncOutcome,
    Targets,
)
from services.participation.consultations.schemas import (
    AnswersSync,
    ConsultationCreate,
    ConsultationRead,
    ConsultationResults,
    ContactRead,
    QuestionModel,
    QuestionRead,
    QuestionResult,
    SyncOutcomeRead,
)
from services.participation.policies import CampaignRunner, ContactReader, Reader
from services.participation.schemas import ContractCode, ProgressRead, wire_name

router = platform_router(["consultations"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Contracts = Annotated[ContractRegistry, Depends(request_contract_registry)]


def _question(model: QuestionModel) -> Question:
    return Question(model.code, model.text, QuestionKind(model.kind), tuple(model.choices))


def _question_read(question: Question) -> QuestionRead:
    return read_of(QuestionRead, question)


def _read(found: Consultation, progress: Progress) -> ConsultationRead:
    campaign = found.campaign
    return ConsultationRead(
        id=found.consultation_id,
        contract_code=found.contract_code,
        title=found.title,
        starts_on=found.starts_on,
        ends_on=found.ends_on,
        questions=[_question_read(question) for question in campaign.questions],
        territory_questions={
            code: [_question_read(question) for question in items]
            for code, items in campaign.territory_questions.items()
        },
        targets={
            "interviews": found.targets.interviews,
            "events": found.targets.events,
            "neighbourhoods": found.targets.neighbourhoods,
        },
        progress=read_of(ProgressRead, progress, reached=progress.reached),
    )


def _outcome(outcome: SyncOutcome) -> SyncOutcomeRead:
    problem = outcome.problem
    if problem is None:
        said = None
    else:  # a field of the interview is named as the wire spells it, a question by its code
        said = f"{wire_name(problem.field) if problem.field else problem.code}: {problem.message}"
    return SyncOutcomeRead(client_id=outcome.client_id, status=outcome.status.value, problem=said)


@router.post("/consultations", operation_id="open_consultation", response_model=ConsultationRead, status_code=201)
async def open_consultation(
    uow: Uow, contracts: Contracts, body: ConsultationCreate, principal: CampaignRunner
) -> ConsultationRead:
    """A campaign: fixed questions, questions per QPV, targets (interviews, events, neighbourhoods)."""
    new = Consultation(
        consultation_id=uuid.uuid4(),
        contract_code=body.contract_code,
        title=body.title,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        campaign=Campaign(
            questions=tuple(_question(item) for item in body.questions),
            territory_questions={
                code: tuple(_question(item) for item in items) for code, items in body.territory_questions.items()
            },
        ),
        targets=Targets(body.targets.interviews, body.targets.events, body.targets.neighbourhoods),
    )
    opened = await consultations.open_campaign(uow, contracts, principal, new)
    return _read(opened, Progress(0, 0, 0, opened.targets))


@router.get("/consultations", operation_id="list_consultations", response_model=Page[ConsultationRead])
async def list_consultations(
    uow: Uow,
    principal: Reader,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    page: Annotated[PageRequest, Depends(page_request)],
) -> Page[ConsultationRead]:
    """The consultation campaigns of a contract, by start date."""
    found, total = await consultations.list_campaigns(uow, principal, contract_code, page)
    return Page(items=[_read(item, done) for item, done in found], total=total, limit=page.limit, offset=page.offset)


@router.get("/consultations/{consultation_id}", operation_id="get_consultation", response_model=ConsultationRead)
async def get_consultation(uow: Uow, consultation_id: uuid.UUID, principal: Reader) -> ConsultationRead:
    """A campaign and its progress against its targets."""
    return _read(*await consultations.campaign_with_progress(uow, principal, consultation_id))


@router.post(
    "/consultations/{consultation_id}/answers",
    operation_id="sync_consultation_answers",
    response_model=list[SyncOutcomeRead],
    status_code=status.HTTP_200_OK,
)
async def sync_consultation_answers(
    uow: Uow, contracts: Contracts, consultation_id: uuid.UUID, body: AnswersSync, principal: CampaignRunner
) -> list[SyncOutcomeRead]:
    """Anonymous interviews captured offline: each `stored` once, `already` when sent again, `rejected`
    with its reason; a contact, with its consent, goes to a separate list that nothing links to the answers.
    Not paged: one outcome per interview sent."""
    items = [
        Interview(
            client_id=item.client_id,
            captured_on=item.captured_on,
            qpv_code=item.qpv_code,
            neighbourhood=item.neighbourhood,
            event=item.event,
            answers=dict(item.answers),
            contact_client_id=item.contact_client_id,
            contact=item.contact,
            consent_text=item.consent_text,
        )
        for item in body.interviews
    ]
    outcomes = await consultations.sync_answers(uow, contracts, principal, consultation_id, items)
    return [_outcome(item) for item in outcomes]


@router.get(
    "/consultations/{consultation_id}/results", operation_id="consultation_results", response_model=ConsultationResults
)
async def consultation_results(uow: Uow, consultation_id: uuid.UUID, principal: Reader) -> ConsultationResults:
    """How many answered each question, and the counts per choice or scale value."""
    found, figures = await consultations.results(uow, principal, consultation_id)
    return ConsultationResults(
        consultation_id=found.consultation_id,
        questions=[read_of(QuestionResult, item) for item in figures],
    )


@router.get(
    "/consultations/{consultation_id}/contacts",
    operation_id="consultation_contacts",
    response_model=Page[ContactRead],
)
async def consultation_contacts(
    uow: Uow, consultation_id: uuid.UUID, principal: ContactReader, page: Annotated[PageRequest, Depends(page_request)]
) -> Page[ContactRead]:
    """Contacts left for follow-up, with their consent (the contract's pilots; audited)."""
    listed, total = await consultations.contacts(uow, principal, consultation_id, page)
    items = [read_of(ContactRead, item) for item in listed]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
