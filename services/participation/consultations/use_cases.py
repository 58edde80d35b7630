"""Consultation campaigns: set up by the contract's pilots or a commune, answers synced from the field
(idempotently, each interview judged on its own), results as counts, contacts for the pilots only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from identity.contracts import ContractRegistry, require_contract
from identity.principal import Principal
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.participation.consultations.domain import (
    Consultation,
    Contact,
    Interview,
    Progress,
    QuestionFigures,
    SyncOutcome,
    check_campaign,
    check_campaign_dates,
    check_territories,
    interview_problem,
    question_results,
    reads_contacts,
    runs_campaigns,
    sync_outcomes,
)
from services.participation.consultations.models import ConsultationRow
from services.participation.consultations.repository import ConsultationRepository, question_json
from services.participation.errors import BrokenRules, NotBoundError, NotFoundError
from services.participation.persistence import ledger


async def open_campaign(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, new: Consultation
) -> Consultation:
    if not actor.works_on(new.contract_code):
        raise NotBoundError(new.contract_code)
    contract_qpvs = (await require_contract(registry, new.contract_code)).qpv_codes
    checks = BrokenRules()
    with checks.checking():
        check_campaign_dates(new.starts_on, new.ends_on)
    with checks.checking():
        check_campaign(new.campaign.questions, new.campaign.territory_questions)
    with checks.checking():
        check_territories(new.campaign.territory_questions, contract_qpvs)
    checks.raise_any()
    async with uow:
        await ConsultationRepository(uow.session).add(
            ConsultationRow(
                consultation_id=new.consultation_id,
                contract_code=new.contract_code,
                title=new.title,
                starts_on=new.starts_on,
                ends_on=new.ends_on,
                questions=[question_json(question) for question in new.campaign.questions],
                territory_questions={
                    code: [question_json(question) for question in items]
                    for code, items in new.campaign.territory_questions.items()
                },
                target_interviews=new.targets.interviews,
                target_events=new.targets.events,
                target_neighbourhoods=new.targets.neighbourhoods,
                created_at=uow.now(),
            )
        )
        await ledger.created(
            uow.session,
            actor,
            action="consultation.opened",
            entity_type="consultation",
            entity_id=str(new.consultation_id),
            after={"title": new.title},
        )
        await uow.commit()
    return new


async def _campaign_seen_by(uow: UnitOfWork, actor: Principal, consultation_id: uuid.UUID) -> Consultation:
    found = await ConsultationRepository(uow.session).find(consultation_id)
    if found is None or not actor.works_on(found.contract_code):
        raise NotFoundError("consultation", str(consultation_id))
    return found


async def with_progress(uow: UnitOfWork, found: Sequence[Consultation]) -> list[tuple[Consultation, Progress]]:
    """Campaigns with their progress against their targets, inside an open unit of work."""
    done = await ConsultationRepository(uow.session).progress([item.consultation_id for item in found])
    return [(item, Progress(*done.get(item.consultation_id, (0, 0, 0)), targets=item.targets)) for item in found]


async def campaign_with_progress(
    uow: UnitOfWork, actor: Principal, consultation_id: uuid.UUID
) -> tuple[Consultation, Progress]:
    async with uow.reading():
        return (await with_progress(uow, [await _campaign_seen_by(uow, actor, consultation_id)]))[0]


async def list_campaigns(
    uow: UnitOfWork, actor: Principal, contract_code: str, page: PageRequest
) -> tuple[list[tuple[Consultation, Progress]], int]:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        found, total = await ConsultationRepository(uow.session).of_contract(contract_code, page)
        return await with_progress(uow, found), total


async def sync_answers(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, consultation_id: uuid.UUID, items: list[Interview]
) -> list[SyncOutcome]:
    """Interviews captured offline: each stored once (a re-sent one is `already`), a wrong one `rejected`
    with its reason while the others go in."""
    if not runs_campaigns(actor):
        raise NotBoundError("consultation")
    async with uow:
        found = await _campaign_seen_by(uow, actor, consultation_id)
        qpv_codes = set((await require_contract(registry, found.contract_code)).qpv_codes)
        problems = [interview_problem(found, qpv_codes, item) for item in items]
        valid = [item for item, problem in zip(items, problems, strict=True) if problem is None]
        repository = ConsultationRepository(uow.session)
        stored = await repository.store_answers(
            [
                {
                    "consultation_id": consultation_id,
                    "client_id": item.client_id,
                    "captured_on": item.captured_on,
                    "qpv_code": item.qpv_code,
                    "neighbourhood": item.neighbourhood,
                    "event": item.event,
                    "answers": dict(item.answers),
                }
                for item in valid
            ]
        )
        await repository.store_contacts(
            [
                {
                    "consultation_id": consultation_id,
                    "contact_client_id": item.contact_client_id,
                    "contact": item.contact,
                    "consent_text": item.consent_text,
                    "consented_on": item.captured_on,
                }
                for item in valid
                if item.contact is not None and item.client_id in stored
            ]
        )
        await ledger.created(
            uow.session,
            actor,
            action="consultation.answers_synced",
            entity_type="consultation",
            entity_id=str(consultation_id),
            after={"stored": len(stored), "sent": len(items)},
        )
        await uow.commit()
    return sync_outcomes(items, problems, stored)


async def results(
    uow: UnitOfWork, actor: Principal, consultation_id: uuid.UUID
) -> tuple[Consultation, list[QuestionFigures]]:
    async with uow.reading():
        found = await _campaign_seen_by(uow, actor, consultation_id)
        counts = await ConsultationRepository(uow.session).answer_counts(consultation_id)
    return found, question_results(found.campaign, counts)


async def contacts(
    uow: UnitOfWork, actor: Principal, consultation_id: uuid.UUID, page: PageRequest
) -> tuple[list[Contact], int]:
    """The contacts left for follow-up (a page, and how many in all): the contract's pilots only, every read
    audited."""
    async with uow:
        found = await _campaign_seen_by(uow, actor, consultation_id)
        if not reads_contacts(actor, found.contract_code):
            raise NotFoundError("consultation", str(consultation_id))
        listed, total = await ConsultationRepository(uow.session).contacts(consultation_id, page)
        await ledger.created(
            uow.session,
            actor,
            action="personal_data.read",
            entity_type="consultation",
            entity_id=str(consultation_id),
            after={"contacts": len(listed)},
        )
        await uow.commit()
    return listed, total
