"""HTTP routes of consultation campaigns: questions and targets, answers synced from the field, results."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, status

from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.tenancy import ContractRegistry, request_contract_registry
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.participation.db.models import ConsultationRow
from services.participation.domain.consultations import Progress, Question, QuestionKind, Targets
from services.participation.policies import CONSULTATION_CONTACTS, READ_BODIES, RUN_CONSULTATIONS
from services.participation.schemas import (
    AnswersSync,
    ConsultationCreate,
    ConsultationRead,
    ConsultationResults,
    ContactRead,
    ProgressRead,
    QuestionModel,
    QuestionRead,
    QuestionResult,
    SyncOutcomeRead,
)
from services.participation.use_cases import consultations
from services.participation.use_cases.consultations import Interview, NewCampaign, campaign_of, targets_of

router = platform_router(["consultations"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Contracts = Annotated[ContractRegistry, Depends(request_contract_registry)]
Reader = Annotated[Principal, Depends(authorize(READ_BODIES))]
Runner = Annotated[Principal, Depends(authorize(RUN_CONSULTATIONS))]


def _question(model: QuestionModel) -> Question:
    return Question(model.code, model.text, QuestionKind(model.kind), tuple(model.choices))


def _question_read(question: Question) -> QuestionRead:
    return QuestionRead(code=question.code, text=question.text, kind=question.kind, choices=list(question.choices))


def _read(row: ConsultationRow, progress: Progress) -> ConsultationRead:
    campaign = campaign_of(row)
    return ConsultationRead(
        id=row.consultation_id,
        contract_code=row.contract_code,
        title=row.title,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        questions=[_question_read(question) for question in campaign.questions],
        territory_questions={
            code: [_question_read(question) for question in items]
            for code, items in campaign.territory_questions.items()
        },
        targets={
            "interviews": row.target_interviews,
            "events": row.target_events,
            "neighbourhoods": row.target_neighbourhoods,
        },
        progress=progress_read(progress),
    )


def progress_read(progress: Progress) -> ProgressRead:
    return ProgressRead(
        interviews=progress.interviews,
        events=progress.events,
        neighbourhoods=progress.neighbourhoods,
        reached=progress.reached,
    )


@router.post("/consultations", operation_id="open_consultation", response_model=ConsultationRead, status_code=201)
async def open_consultation(
    uow: Uow, contracts: Contracts, body: ConsultationCreate, principal: Runner
) -> ConsultationRead:
    """A campaign: fixed questions, questions per QPV, targets (interviews, events, neighbourhoods)."""
    new = NewCampaign(
        contract_code=body.contract_code,
        title=body.title,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        questions=tuple(_question(item) for item in body.questions),
        territory_questions={
            code: tuple(_question(item) for item in items) for code, items in body.territory_questions.items()
        },
        targets=Targets(body.targets.interviews, body.targets.events, body.targets.neighbourhoods),
    )
    row = await consultations.open_campaign(uow, contracts, principal, new)
    return _read(row, Progress(0, 0, 0, targets_of(row)))


@router.get("/consultations", operation_id="list_consultations", response_model=Page[ConsultationRead])
async def list_consultations(
    uow: Uow, principal: Reader, page: Annotated[PageRequest, Depends(page_request)]
) -> Page[ConsultationRead]:
    found, total = await consultations.list_campaigns(uow, principal, page)
    return Page(items=[_read(row, done) for row, done in found], total=total, limit=page.limit, offset=page.offset)


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
    uow: Uow, contracts: Contracts, consultation_id: uuid.UUID, body: AnswersSync, principal: Runner
) -> list[SyncOutcomeRead]:
    """Anonymous interviews captured offline: each `stored` once, `already` when sent again, `rejected`
    with its reason; a contact, with its consent, goes to a separate list that nothing links to the answers."""
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
    return [SyncOutcomeRead(client_id=item.client_id, status=item.status, problem=item.problem) for item in outcomes]


@router.get(
    "/consultations/{consultation_id}/results", operation_id="consultation_results", response_model=ConsultationResults
)
async def consultation_results(uow: Uow, consultation_id: uuid.UUID, principal: Reader) -> ConsultationResults:
    """How many answered each question, and the counts per choice or scale value."""
    row, counts = await consultations.results(uow, principal, consultation_id)
    campaign = campaign_of(row)
    asked = list(campaign.questions) + [item for items in campaign.territory_questions.values() for item in items]
    figures: list[QuestionResult] = []
    for question in asked:
        mine = {value: count for code, value, count in counts if code == question.code}
        figures.append(
            QuestionResult(
                code=question.code,
                kind=question.kind,
                answered=sum(mine.values()),
                counts={} if question.kind is QuestionKind.TEXT else dict(sorted(mine.items())),
            )
        )
    return ConsultationResults(consultation_id=row.consultation_id, questions=figures)


@router.get(
    "/consultations/{consultation_id}/contacts",
    operation_id="consultation_contacts",
    response_model=list[ContactRead],
)
async def consultation_contacts(
    uow: Uow, consultation_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(CONSULTATION_CONTACTS))]
) -> list[ContactRead]:
    """Contacts left for follow-up, with their consent (the contract's pilots; audited)."""
    found = await consultations.contacts(uow, principal, consultation_id)
    return [
        ContactRead(contact=row.contact, consent_text=row.consent_text, consented_on=row.consented_on) for row in found
    ]
