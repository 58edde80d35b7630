"""Referrals, opinions, the governance's answers and the commitments that follow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from kit.auth.principal import Principal, Role
from kit.etags import etag_of_content
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import GOVERNANCE_KINDS, Body, BodyKind
from services.participation.bodies.use_cases import body_managed_by, body_seen_by, find_body
from services.participation.db.models import CommitmentRow, OpinionRow, ReferralRow
from services.participation.db.repositories import OpinionRepository
from services.participation.domain.opinions import (
    CommitmentStatus,
    OpinionKind,
    Outcome,
    ReferralKind,
    ReferralStatus,
    check_commitment_allowed,
    check_referral,
    check_response,
    referral_status,
)
from services.participation.errors import NotBoundError, NotFoundError, RuleViolationError
from services.participation.meetings.use_cases import find_meeting
from services.participation.persistence import ledger


def _answers_for_governance(actor: Principal, contract_code: str) -> None:
    if not (actor.is_platform_admin or (Role.CONTRACT_PILOT in actor.roles and actor.works_on(contract_code))):
        raise NotBoundError(contract_code)


async def _governance_body(uow: UnitOfWork, body_id: uuid.UUID, contract_code: str, field: str) -> Body:
    body = await find_body(uow, body_id)
    if body is None or body.contract_code != contract_code or BodyKind(body.kind) not in GOVERNANCE_KINDS:
        raise RuleViolationError(field, "governance-body", "a governance committee of the same contract")
    return body


@dataclass(frozen=True, slots=True)
class NewReferral:
    from_body_id: uuid.UUID
    kind: ReferralKind
    subject: str
    asked_on: date
    due_on: date


async def refer(uow: UnitOfWork, actor: Principal, to_body_id: uuid.UUID, new: NewReferral) -> ReferralRow:
    """A governance committee asks a body for its opinion by a date."""
    check_referral(new.kind, new.asked_on, new.due_on)
    async with uow:
        body = await body_seen_by(uow, actor, to_body_id)
        _answers_for_governance(actor, body.contract_code)
        await _governance_body(uow, new.from_body_id, body.contract_code, "from_body_id")
        row = ReferralRow(
            referral_id=uuid.uuid4(),
            contract_code=body.contract_code,
            from_body_id=new.from_body_id,
            to_body_id=to_body_id,
            kind=new.kind.value,
            subject=new.subject,
            asked_on=new.asked_on,
            due_on=new.due_on,
            created_at=datetime.now(UTC),
        )
        await OpinionRepository(uow.session).add(row)
        await ledger.changed(
            uow.session,
            actor,
            action="referral.made",
            entity_type="referral",
            entity_id=str(row.referral_id),
            before={},
            after={"to": str(to_body_id), "due_on": new.due_on.isoformat()},
        )
        await uow.commit()
    return row


async def referrals_to(
    uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, today: date
) -> list[tuple[ReferralRow, date | None, ReferralStatus]]:
    async with uow.reading():
        await body_seen_by(uow, actor, body_id)
        found = await OpinionRepository(uow.session).referrals_to(body_id)
    return [(row, answered, referral_status(row.due_on, answered, today)) for row, answered in found]


@dataclass(frozen=True, slots=True)
class NewOpinion:
    kind: OpinionKind
    title: str
    text: str
    adopted_on: date
    meeting_id: uuid.UUID | None
    referral_id: uuid.UUID | None
    addressed_to_body_id: uuid.UUID | None


async def adopt(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, new: NewOpinion) -> OpinionRow:
    """An opinion the body adopted, sent to a governance committee (or, for a referral, to the préfet)."""
    async with uow:
        body = await body_managed_by(uow, actor, body_id)
        if new.kind is OpinionKind.PREFECT_REFERRAL:
            if new.addressed_to_body_id is not None:
                raise RuleViolationError(
                    "addressed_to_body_id", "prefect-referral", "a referral to the préfet goes to the préfet"
                )
        elif new.addressed_to_body_id is None:
            raise RuleViolationError("addressed_to_body_id", "governance-body", "an opinion goes to a governance body")
        else:
            await _governance_body(uow, new.addressed_to_body_id, body.contract_code, "addressed_to_body_id")
        if new.meeting_id is not None:
            meeting = await find_meeting(uow, new.meeting_id)
            if meeting is None or meeting.body_id != body_id or meeting.meeting_day > new.adopted_on:
                raise RuleViolationError("meeting_id", "meeting-of-body", "a meeting of this body, held by adoption")
        repository = OpinionRepository(uow.session)
        if new.referral_id is not None:
            referral = await repository.referral(new.referral_id)
            if referral is None or referral.to_body_id != body_id or referral.asked_on > new.adopted_on:
                raise RuleViolationError("referral_id", "referral-to-body", "a referral made to this body before")
        row = OpinionRow(
            opinion_id=uuid.uuid4(),
            body_id=body_id,
            contract_code=body.contract_code,
            kind=new.kind.value,
            title=new.title,
            text=new.text,
            adopted_on=new.adopted_on,
            meeting_id=new.meeting_id,
            referral_id=new.referral_id,
            addressed_to_body_id=new.addressed_to_body_id,
            version=1,
            created_at=datetime.now(UTC),
        )
        await repository.add(row)
        await ledger.changed(
            uow.session,
            actor,
            action="opinion.adopted",
            entity_type="opinion",
            entity_id=str(row.opinion_id),
            before={},
            after={"body": str(body_id), "kind": row.kind},
        )
        await uow.commit()
    return row


@dataclass(frozen=True, slots=True)
class OpinionRecord:
    opinion: OpinionRow
    commitments: list[CommitmentRow]


async def _opinion_seen_by(uow: UnitOfWork, actor: Principal, opinion_id: uuid.UUID, *, lock: bool) -> OpinionRow:
    row = await OpinionRepository(uow.session).find(opinion_id, lock=lock)
    if row is None or not actor.works_on(row.contract_code):
        raise NotFoundError("opinion", str(opinion_id))
    return row


async def opinion_record(uow: UnitOfWork, actor: Principal, opinion_id: uuid.UUID) -> OpinionRecord:
    async with uow.reading():
        row = await _opinion_seen_by(uow, actor, opinion_id, lock=False)
        return OpinionRecord(row, await OpinionRepository(uow.session).commitments_of([opinion_id]))


async def opinions_of(
    uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, page: PageRequest
) -> tuple[list[OpinionRecord], int]:
    """A body's opinions with their answers and commitments, for those who work on its contract."""
    async with uow.reading():
        repository = OpinionRepository(uow.session)
        rows, total = await repository.of_body(body_id, actor.contract_scope, page)
        if not rows:  # only an empty page needs to tell a body without opinions from no body at all
            await body_seen_by(uow, actor, body_id)
        return await _with_commitments(repository, rows), total


async def public_page(uow: UnitOfWork, body_id: uuid.UUID, page: PageRequest) -> tuple[Body, list[OpinionRecord], int]:
    """A body and its opinions with their answers and commitments, as anyone may read them."""
    async with uow.reading():
        body = await find_body(uow, body_id)
        if body is None:
            raise NotFoundError("body", str(body_id))
        repository = OpinionRepository(uow.session)
        rows, total = await repository.of_body(body_id, None, page)
        return body, await _with_commitments(repository, rows), total


async def _with_commitments(repository: OpinionRepository, rows: list[OpinionRow]) -> list[OpinionRecord]:
    commitments: dict[uuid.UUID, list[CommitmentRow]] = {row.opinion_id: [] for row in rows}
    for commitment in await repository.commitments_of(list(commitments)) if rows else []:
        commitments[commitment.opinion_id].append(commitment)
    return [OpinionRecord(row, commitments[row.opinion_id]) for row in rows]


@dataclass(frozen=True, slots=True)
class Answer:
    outcome: Outcome
    reason: str | None
    redirected_to: str | None
    responded_on: date


async def respond(uow: UnitOfWork, actor: Principal, opinion_id: uuid.UUID, answer: Answer) -> OpinionRecord:
    """The governance's answer, once; not accepting an opinion takes a reason."""
    async with uow:
        row = await _opinion_seen_by(uow, actor, opinion_id, lock=True)
        _answers_for_governance(actor, row.contract_code)
        if row.outcome is not None:
            raise RuleViolationError("outcome", "answered-once", "this opinion has its answer already")
        check_response(answer.outcome, answer.reason, answer.redirected_to, row.adopted_on, answer.responded_on)
        row.outcome, row.reason, row.redirected_to = answer.outcome.value, answer.reason, answer.redirected_to
        row.responded_on, row.responded_by, row.version = answer.responded_on, actor.subject, row.version + 1
        await ledger.changed(
            uow.session,
            actor,
            action="opinion.answered",
            entity_type="opinion",
            entity_id=str(opinion_id),
            before={"outcome": None},
            after={"outcome": row.outcome},
        )
        await uow.commit()
    return OpinionRecord(row, [])


@dataclass(frozen=True, slots=True)
class NewCommitment:
    description: str
    owner: str
    due_on: date | None
    status_on: date


async def commit_to(uow: UnitOfWork, actor: Principal, opinion_id: uuid.UUID, new: NewCommitment) -> CommitmentRow:
    async with uow:
        opinion = await _opinion_seen_by(uow, actor, opinion_id, lock=True)
        _answers_for_governance(actor, opinion.contract_code)
        check_commitment_allowed(None if opinion.outcome is None else Outcome(opinion.outcome))
        row = CommitmentRow(
            commitment_id=uuid.uuid4(),
            opinion_id=opinion_id,
            description=new.description,
            owner=new.owner,
            due_on=new.due_on,
            status=CommitmentStatus.PLANNED.value,
            status_on=new.status_on,
            created_at=datetime.now(UTC),
        )
        await OpinionRepository(uow.session).add(row)
        await ledger.created(
            uow.session,
            actor,
            action="commitment.made",
            entity_type="opinion",
            entity_id=str(opinion_id),
            after={"commitment": str(row.commitment_id), "status": row.status, "dueOn": str(row.due_on)},
        )
        await uow.commit()
    return row


def commitment_etag(row: CommitmentRow) -> str:
    """A commitment carries no version: its ETag is the digest of its status and the day it was reached."""
    return etag_of_content(str(row.commitment_id), row.status, row.status_on.isoformat())


async def get_commitment(uow: UnitOfWork, actor: Principal, commitment_id: uuid.UUID) -> CommitmentRow:
    async with uow.reading():
        repository = OpinionRepository(uow.session)
        row = await repository.commitment(commitment_id)
        opinion = None if row is None else await repository.find(row.opinion_id)
        if row is None or opinion is None or not actor.works_on(opinion.contract_code):
            raise NotFoundError("commitment", str(commitment_id))
        return row


async def follow_up(
    uow: UnitOfWork, actor: Principal, commitment_id: uuid.UUID, status: CommitmentStatus, on: date
) -> CommitmentRow:
    async with uow:
        repository = OpinionRepository(uow.session)
        row = await repository.commitment(commitment_id, lock=True)
        opinion = None if row is None else await repository.find(row.opinion_id)
        if row is None or opinion is None or not actor.works_on(opinion.contract_code):
            raise NotFoundError("commitment", str(commitment_id))
        _answers_for_governance(actor, opinion.contract_code)
        uow.check_precondition(commitment_etag(row))
        if on < row.status_on:
            raise RuleViolationError("on", "status-in-order", "a status change is dated after the previous one")
        before = {"status": row.status, "statusOn": row.status_on.isoformat()}
        row.status, row.status_on = status.value, on
        await ledger.changed(
            uow.session,
            actor,
            action="commitment.followed_up",
            entity_type="commitment",
            entity_id=str(commitment_id),
            before=before,
            after={"status": status.value, "statusOn": on.isoformat()},
        )
        await uow.commit()
    return row
