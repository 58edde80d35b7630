"""Consultation campaigns: set up by the contract's pilots or a commune, answers synced from the field
(idempotently, each interview judged on its own), results as counts, contacts for the pilots only."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from kit.auth.principal import Principal, Role
from kit.pagination import PageRequest
from kit.tenancy import ContractRegistry, require_contract
from kit.unit_of_work import UnitOfWork
from services.participation.db.models import ConsultationContactRow, ConsultationRow
from services.participation.db.repositories import ConsultationRepository
from services.participation.domain.consultations import (
    Campaign,
    Progress,
    Question,
    QuestionKind,
    Targets,
    check_answers,
    check_campaign,
)
from services.participation.errors import NotBoundError, NotFoundError, RuleViolationError
from services.participation.persistence import ledger

RUNNERS = frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.COMMUNE, Role.BODY_FACILITATOR})


@dataclass(frozen=True, slots=True)
class NewCampaign:
    contract_code: str
    title: str
    starts_on: date
    ends_on: date
    questions: tuple[Question, ...]
    territory_questions: Mapping[str, tuple[Question, ...]]
    targets: Targets


def _question_json(question: Question) -> dict[str, Any]:
    return {
        "code": question.code,
        "text": question.text,
        "kind": question.kind.value,
        "choices": list(question.choices),
    }


def _question(data: Mapping[str, Any]) -> Question:
    return Question(data["code"], data["text"], QuestionKind(data["kind"]), tuple(data.get("choices", ())))


def campaign_of(row: ConsultationRow) -> Campaign:
    return Campaign(
        questions=tuple(_question(item) for item in row.questions),
        territory_questions={
            code: tuple(_question(item) for item in items) for code, items in row.territory_questions.items()
        },
    )


def targets_of(row: ConsultationRow) -> Targets:
    return Targets(row.target_interviews, row.target_events, row.target_neighbourhoods)


async def open_campaign(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, new: NewCampaign
) -> ConsultationRow:
    if not actor.works_on(new.contract_code):
        raise NotBoundError(new.contract_code)
    if new.ends_on < new.starts_on:
        raise RuleViolationError("ends_on", "after-start", "a campaign ends on or after the day it starts")
    check_campaign(new.questions, new.territory_questions)
    contract = await require_contract(registry, new.contract_code)
    outside = sorted(set(new.territory_questions) - set(contract.qpv_codes))
    if outside:
        raise RuleViolationError(
            "territory_questions", "qpv-of-contract", "QPV not covered by the contract: " + ", ".join(outside)
        )
    async with uow:
        row = ConsultationRow(
            consultation_id=uuid.uuid4(),
            contract_code=new.contract_code,
            title=new.title,
            starts_on=new.starts_on,
            ends_on=new.ends_on,
            questions=[_question_json(question) for question in new.questions],
            territory_questions={
                code: [_question_json(question) for question in items]
                for code, items in new.territory_questions.items()
            },
            target_interviews=new.targets.interviews,
            target_events=new.targets.events,
            target_neighbourhoods=new.targets.neighbourhoods,
            created_at=datetime.now(UTC),
        )
        await ConsultationRepository(uow.session).add(row)
        await ledger.created(
            uow.session,
            actor,
            action="consultation.opened",
            entity_type="consultation",
            entity_id=str(row.consultation_id),
            after={"title": new.title},
        )
        await uow.commit()
    return row


async def _campaign_seen_by(uow: UnitOfWork, actor: Principal, consultation_id: uuid.UUID) -> ConsultationRow:
    row = await ConsultationRepository(uow.session).find(consultation_id)
    if row is None or not actor.works_on(row.contract_code):
        raise NotFoundError("consultation", str(consultation_id))
    return row


async def campaign_with_progress(
    uow: UnitOfWork, actor: Principal, consultation_id: uuid.UUID
) -> tuple[ConsultationRow, Progress]:
    async with uow.reading():
        row = await _campaign_seen_by(uow, actor, consultation_id)
        done = (await ConsultationRepository(uow.session).progress([consultation_id])).get(consultation_id, (0, 0, 0))
    return row, Progress(*done, targets=targets_of(row))


async def list_campaigns(
    uow: UnitOfWork, actor: Principal, page: PageRequest
) -> tuple[list[tuple[ConsultationRow, Progress]], int]:
    async with uow.reading():
        repository = ConsultationRepository(uow.session)
        rows, total = await repository.of_contracts(actor.contract_scope, page)
        done = await repository.progress([row.consultation_id for row in rows])
    return [(row, Progress(*done.get(row.consultation_id, (0, 0, 0)), targets=targets_of(row))) for row in rows], total


@dataclass(frozen=True, slots=True)
class Interview:
    client_id: uuid.UUID
    captured_on: date
    qpv_code: str | None
    neighbourhood: str | None
    event: str | None
    answers: Mapping[str, str]
    contact_client_id: uuid.UUID | None
    contact: str | None
    consent_text: str | None


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    client_id: uuid.UUID
    status: str  # stored, already, rejected
    problem: str | None


def _interview_problem(row: ConsultationRow, campaign: Campaign, qpv_codes: set[str], item: Interview) -> str | None:
    if not row.starts_on <= item.captured_on <= row.ends_on:
        return "capturedOn: outside the campaign's dates"
    if item.qpv_code is not None and item.qpv_code not in qpv_codes:
        return "qpvCode: not a QPV of the contract"
    if (item.contact is None) != (item.consent_text is None) or (item.contact is None) != (
        item.contact_client_id is None
    ):
        return "contact: a contact comes with its own id and the consent text agreed to"
    if item.contact_client_id is not None and item.contact_client_id == item.client_id:
        return "contact: its id differs from the answer's, so that they cannot be linked"
    return check_answers(campaign, item.qpv_code, item.answers)


async def sync_answers(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, consultation_id: uuid.UUID, items: list[Interview]
) -> list[SyncOutcome]:
    """Interviews captured offline: each stored once (a re-sent one is `already`), a wrong one `rejected`
    with its reason while the others go in."""
    if not RUNNERS & actor.roles:
        raise NotBoundError("consultation")
    async with uow:
        row = await _campaign_seen_by(uow, actor, consultation_id)
        qpv_codes = set((await require_contract(registry, row.contract_code)).qpv_codes)
        campaign = campaign_of(row)
        problems = [_interview_problem(row, campaign, qpv_codes, item) for item in items]
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
    outcomes, reported = [], set()
    for item, problem in zip(items, problems, strict=True):
        if problem is not None:
            outcomes.append(SyncOutcome(item.client_id, "rejected", problem))
            continue
        # An interview sent twice in one batch is stored once: the second copy is `already`.
        fresh = item.client_id in stored and item.client_id not in reported
        reported.add(item.client_id)
        outcomes.append(SyncOutcome(item.client_id, "stored" if fresh else "already", None))
    return outcomes


async def results(
    uow: UnitOfWork, actor: Principal, consultation_id: uuid.UUID
) -> tuple[ConsultationRow, list[tuple[str, str, int]]]:
    async with uow.reading():
        row = await _campaign_seen_by(uow, actor, consultation_id)
        return row, await ConsultationRepository(uow.session).answer_counts(consultation_id)


async def contacts(uow: UnitOfWork, actor: Principal, consultation_id: uuid.UUID) -> list[ConsultationContactRow]:
    """The contacts left for follow-up: the contract's pilots only, every read audited."""
    async with uow:
        row = await _campaign_seen_by(uow, actor, consultation_id)
        if not (actor.is_platform_admin or Role.CONTRACT_PILOT in actor.roles):
            raise NotFoundError("consultation", str(consultation_id))
        found = await ConsultationRepository(uow.session).contacts(consultation_id)
        await ledger.created(
            uow.session,
            actor,
            action="personal_data.read",
            entity_type="consultation",
            entity_id=str(row.consultation_id),
            after={"contacts": len(found)},
        )
        await uow.commit()
    return found
