"""Referrals, opinions, the governance's answers and the commitments that follow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from kit.auth.principal import Principal
from kit.etags import etag_of_content
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import Body
from services.participation.bodies.use_cases import body_managed_by, body_seen_by, find_body
from services.participation.errors import NotBoundError, NotFoundError
from services.participation.meetings.use_cases import find_meeting
from services.participation.opinions.domain import (
    Commitment,
    CommitmentStatus,
    Opinion,
    OpinionKind,
    Outcome,
    Referral,
    ReferralKind,
    ReferralStatus,
    answers_for_governance,
    check_addressee,
    check_commitment_allowed,
    check_follow_up,
    check_governance_body,
    check_meeting_of_body,
    check_referral,
    check_referral_to_body,
    check_response,
    check_unanswered,
    referral_status,
)
from services.participation.opinions.models import CommitmentRow, OpinionRow, ReferralRow
from services.participation.opinions.repository import OpinionRepository, commitment_from_row, opinion_from_row
from services.participation.persistence import ledger


def _check_governs(actor: Principal, contract_code: str) -> None:
    if not answers_for_governance(actor, contract_code):
        raise NotBoundError(contract_code)


@dataclass(frozen=True, slots=True)
class NewReferral:
    from_body_id: uuid.UUID
    kind: ReferralKind
    subject: str
    asked_on: date
    due_on: date


async def refer(uow: UnitOfWork, actor: Principal, to_body_id: uuid.UUID, new: NewReferral) -> Referral:
    """A governance committee asks a body for its opinion by a date."""
    check_referral(new.kind, new.asked_on, new.due_on)
    async with uow:
        body = await body_seen_by(uow, actor, to_body_id)
        _check_governs(actor, body.contract_code)
        check_governance_body(await find_body(uow, new.from_body_id), body.contract_code, "from_body_id")
        referral = Referral(
            uuid.uuid4(),
            body.contract_code,
            new.from_body_id,
            to_body_id,
            new.kind,
            new.subject,
            new.asked_on,
            new.due_on,
        )
        await OpinionRepository(uow.session).add(
            ReferralRow(
                referral_id=referral.referral_id,
                contract_code=referral.contract_code,
                from_body_id=new.from_body_id,
                to_body_id=to_body_id,
                kind=new.kind.value,
                subject=new.subject,
                asked_on=new.asked_on,
                due_on=new.due_on,
                created_at=datetime.now(UTC),
            )
        )
        await ledger.changed(
            uow.session,
            actor,
            action="referral.made",
            entity_type="referral",
            entity_id=str(referral.referral_id),
            before={},
            after={"to": str(to_body_id), "due_on": new.due_on.isoformat()},
        )
        await uow.commit()
    return referral


async def referrals_to(
    uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, today: date
) -> list[tuple[Referral, date | None, ReferralStatus]]:
    async with uow.reading():
        await body_seen_by(uow, actor, body_id)
        found = await OpinionRepository(uow.session).referrals_to(body_id)
    return [(referral, answered, referral_status(referral.due_on, answered, today)) for referral, answered in found]


@dataclass(frozen=True, slots=True)
class NewOpinion:
    kind: OpinionKind
    title: str
    text: str
    adopted_on: date
    meeting_id: uuid.UUID | None
    referral_id: uuid.UUID | None
    addressed_to_body_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class OpinionRecord:
    opinion: Opinion
    commitments: list[Commitment]


async def adopt(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, new: NewOpinion) -> Opinion:
    """An opinion the body adopted, sent to a governance committee (or, for a referral, to the préfet)."""
    async with uow:
        body = await body_managed_by(uow, actor, body_id)
        if check_addressee(new.kind, new.addressed_to_body_id) and new.addressed_to_body_id is not None:
            addressee = await find_body(uow, new.addressed_to_body_id)
            check_governance_body(addressee, body.contract_code, "addressed_to_body_id")
        if new.meeting_id is not None:
            meeting = await find_meeting(uow, new.meeting_id)
            check_meeting_of_body(
                None if meeting is None else (meeting.body_id, meeting.meeting_day), body_id, new.adopted_on
            )
        repository = OpinionRepository(uow.session)
        if new.referral_id is not None:
            check_referral_to_body(await repository.referral(new.referral_id), body_id, new.adopted_on)
        adopted = Opinion(
            opinion_id=uuid.uuid4(),
            body_id=body_id,
            contract_code=body.contract_code,
            kind=new.kind,
            title=new.title,
            text=new.text,
            adopted_on=new.adopted_on,
            meeting_id=new.meeting_id,
            referral_id=new.referral_id,
            addressed_to_body_id=new.addressed_to_body_id,
        )
        await repository.add(
            OpinionRow(
                opinion_id=adopted.opinion_id,
                body_id=body_id,
                contract_code=body.contract_code,
                kind=adopted.kind.value,
                title=adopted.title,
                text=adopted.text,
                adopted_on=adopted.adopted_on,
                meeting_id=adopted.meeting_id,
                referral_id=adopted.referral_id,
                addressed_to_body_id=adopted.addressed_to_body_id,
                version=1,
                created_at=datetime.now(UTC),
            )
        )
        await ledger.changed(
            uow.session,
            actor,
            action="opinion.adopted",
            entity_type="opinion",
            entity_id=str(adopted.opinion_id),
            before={},
            after={"body": str(body_id), "kind": adopted.kind.value},
        )
        await uow.commit()
    return adopted


async def _opinion_seen_by(uow: UnitOfWork, actor: Principal, opinion_id: uuid.UUID, *, lock: bool) -> OpinionRow:
    row = await OpinionRepository(uow.session).find(opinion_id, lock=lock)
    if row is None or not actor.works_on(row.contract_code):
        raise NotFoundError("opinion", str(opinion_id))
    return row


async def opinion_record(uow: UnitOfWork, actor: Principal, opinion_id: uuid.UUID) -> OpinionRecord:
    async with uow.reading():
        row = await _opinion_seen_by(uow, actor, opinion_id, lock=False)
        return OpinionRecord(opinion_from_row(row), await OpinionRepository(uow.session).commitments_of([opinion_id]))


async def opinions_of(
    uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, page: PageRequest
) -> tuple[list[OpinionRecord], int]:
    """A body's opinions with their answers and commitments, for those who work on its contract."""
    async with uow.reading():
        repository = OpinionRepository(uow.session)
        found, total = await repository.of_body(body_id, actor.contract_scope, page)
        if not found:  # only an empty page needs to tell a body without opinions from no body at all
            await body_seen_by(uow, actor, body_id)
        return await _with_commitments(repository, found), total


async def public_page(uow: UnitOfWork, body_id: uuid.UUID, page: PageRequest) -> tuple[Body, list[OpinionRecord], int]:
    """A body and its opinions with their answers and commitments, as anyone may read them."""
    async with uow.reading():
        body = await find_body(uow, body_id)
        if body is None:
            raise NotFoundError("body", str(body_id))
        repository = OpinionRepository(uow.session)
        found, total = await repository.of_body(body_id, None, page)
        return body, await _with_commitments(repository, found), total


async def _with_commitments(repository: OpinionRepository, opinions: list[Opinion]) -> list[OpinionRecord]:
    commitments: dict[uuid.UUID, list[Commitment]] = {opinion.opinion_id: [] for opinion in opinions}
    for commitment in await repository.commitments_of(list(commitments)) if opinions else []:
        commitments[commitment.opinion_id].append(commitment)
    return [OpinionRecord(opinion, commitments[opinion.opinion_id]) for opinion in opinions]


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
        _check_governs(actor, row.contract_code)
        check_unanswered(opinion_from_row(row))
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
    return OpinionRecord(opinion_from_row(row), [])


@dataclass(frozen=True, slots=True)
class NewCommitment:
    description: str
    owner: str
    due_on: date | None
    status_on: date


async def commit_to(uow: UnitOfWork, actor: Principal, opinion_id: uuid.UUID, new: NewCommitment) -> Commitment:
    async with uow:
        opinion = opinion_from_row(await _opinion_seen_by(uow, actor, opinion_id, lock=True))
        _check_governs(actor, opinion.contract_code)
        check_commitment_allowed(opinion.outcome)
        commitment = Commitment(
            uuid.uuid4(), opinion_id, new.description, new.owner, new.due_on, CommitmentStatus.PLANNED, new.status_on
        )
        await OpinionRepository(uow.session).add(
            CommitmentRow(
                commitment_id=commitment.commitment_id,
                opinion_id=opinion_id,
                description=new.description,
                owner=new.owner,
                due_on=new.due_on,
                status=commitment.status.value,
                status_on=new.status_on,
                created_at=datetime.now(UTC),
            )
        )
        await ledger.created(
            uow.session,
            actor,
            action="commitment.made",
            entity_type="opinion",
            entity_id=str(opinion_id),
            after={
                "commitment": str(commitment.commitment_id),
                "status": commitment.status.value,
                "dueOn": str(new.due_on),
            },
        )
        await uow.commit()
    return commitment


def commitment_etag(commitment: Commitment) -> str:
    """A commitment carries no version: its ETag is the digest of its status and the day it was reached."""
    return etag_of_content(str(commitment.commitment_id), commitment.status.value, commitment.status_on.isoformat())


async def _commitment_seen_by(
    uow: UnitOfWork, actor: Principal, commitment_id: uuid.UUID, *, lock: bool
) -> tuple[CommitmentRow, OpinionRow]:
    repository = OpinionRepository(uow.session)
    row = await repository.commitment(commitment_id, lock=lock)
    opinion = None if row is None else await repository.find(row.opinion_id)
    if row is None or opinion is None or not actor.works_on(opinion.contract_code):
        raise NotFoundError("commitment", str(commitment_id))
    return row, opinion


async def get_commitment(uow: UnitOfWork, actor: Principal, commitment_id: uuid.UUID) -> Commitment:
    async with uow.reading():
        row, _ = await _commitment_seen_by(uow, actor, commitment_id, lock=False)
        return commitment_from_row(row)


async def follow_up(
    uow: UnitOfWork, actor: Principal, commitment_id: uuid.UUID, status: CommitmentStatus, on: date
) -> Commitment:
    async with uow:
        row, opinion = await _commitment_seen_by(uow, actor, commitment_id, lock=True)
        _check_governs(actor, opinion.contract_code)
        current = commitment_from_row(row)
        uow.check_precondition(commitment_etag(current))
        check_follow_up(current, on)
        row.status, row.status_on = status.value, on
        await ledger.changed(
            uow.session,
            actor,
            action="commitment.followed_up",
            entity_type="commitment",
            entity_id=str(commitment_id),
            before={"status": current.status.value, "statusOn": current.status_on.isoformat()},
            after={"status": status.value, "statusOn": on.isoformat()},
        )
        await uow.commit()
    return replace(current, status=status, status_on=on)
