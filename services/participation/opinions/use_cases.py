"""Referrals, opinions, the governance's answers and the commitments that follow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date

from identity.principal import Principal
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
    Outcome,
    Referral,
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
from services.participation.persistence import columns_of, ledger


def _check_governs(actor: Principal, contract_code: str) -> None:
    if not answers_for_governance(actor, contract_code):
        raise NotBoundError(contract_code)


async def refer(uow: UnitOfWork, actor: Principal, referral: Referral) -> Referral:
    """A governance committee asks a body for its opinion by a date."""
    check_referral(referral.kind, referral.asked_on, referral.due_on)
    async with uow:
        body = await body_seen_by(uow, actor, referral.to_body_id)
        _check_governs(actor, body.contract_code)
        check_governance_body(await find_body(uow, referral.from_body_id), body.contract_code, "from_body_id")
        row = ReferralRow(**columns_of(referral), contract_code=body.contract_code, created_at=uow.now())
        await OpinionRepository(uow.session).add(row)
        await ledger.changed(
            uow.session,
            actor,
            action="referral.made",
            entity_type="referral",
            entity_id=str(referral.referral_id),
            before={},
            after={"to": str(referral.to_body_id), "due_on": referral.due_on.isoformat()},
        )
        await uow.commit()
    return referral


async def referrals_to(
    uow: UnitOfWork, actor: Principal, body_id: uuid.UUID
) -> list[tuple[Referral, date | None, ReferralStatus]]:
    """The referrals made to the body, each with its status on the unit of work's day."""
    async with uow.reading():
        await body_seen_by(uow, actor, body_id)
        found = await OpinionRepository(uow.session).referrals_to(body_id)
    today = uow.today()
    return [(referral, answered, referral_status(referral.due_on, answered, today)) for referral, answered in found]


@dataclass(frozen=True, slots=True)
class OpinionRecord:
    opinion: Opinion
    commitments: list[Commitment]


async def adopt(uow: UnitOfWork, actor: Principal, opinion: Opinion) -> Opinion:
    """An opinion the body adopted, sent to a governance committee (or, for a referral, to the préfet)."""
    async with uow:
        body = await body_managed_by(uow, actor, opinion.body_id)
        if check_addressee(opinion.kind, opinion.addressed_to_body_id) and opinion.addressed_to_body_id is not None:
            addressee = await find_body(uow, opinion.addressed_to_body_id)
            check_governance_body(addressee, body.contract_code, "addressed_to_body_id")
        if opinion.meeting_id is not None:
            meeting = await find_meeting(uow, opinion.meeting_id)
            held = None if meeting is None else (meeting.body_id, meeting.meeting_day)
            check_meeting_of_body(held, opinion.body_id, opinion.adopted_on)
        repository = OpinionRepository(uow.session)
        if opinion.referral_id is not None:
            check_referral_to_body(await repository.referral(opinion.referral_id), opinion.body_id, opinion.adopted_on)
        row = OpinionRow(**columns_of(opinion), contract_code=body.contract_code, created_at=uow.now())
        await repository.add(row)
        await ledger.changed(
            uow.session,
            actor,
            action="opinion.adopted",
            entity_type="opinion",
            entity_id=str(opinion.opinion_id),
            before={},
            after={"body": str(opinion.body_id), "kind": opinion.kind.value},
        )
        await uow.commit()
    return opinion


async def _opinion_seen_by(uow: UnitOfWork, actor: Principal, opinion_id: uuid.UUID, *, lock: bool) -> OpinionRow:
    row = await OpinionRepository(uow.session).find(opinion_id, lock=lock)
    if row is None or not actor.works_on(row.contract_code):
        raise NotFoundError("opinion", str(opinion_id))
    return row


async def opinion_record(uow: UnitOfWork, actor: Principal, opinion_id: uuid.UUID) -> OpinionRecord:
    async with uow.reading():
        row = await _opinion_seen_by(uow, actor, opinion_id, lock=False)
        return OpinionRecord(opinion_from_row(row), await OpinionRepository(uow.session).commitments_of([opinion_id]))


async def opinions_of(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, page: PageRequest) -> tuple[str, int]:
    """A body's opinions with their answers and commitments, for those who work on its contract: the page's
    items as the JSON PostgreSQL writes of them, and the total."""
    async with uow.reading():
        items, total = await OpinionRepository(uow.session).of_body_json(body_id, actor.contract_scope, page)
        if total == 0:  # only an empty list needs to tell a body without opinions from no body at all
            await body_seen_by(uow, actor, body_id)
        return items, total


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


async def commit_to(uow: UnitOfWork, actor: Principal, commitment: Commitment) -> Commitment:
    async with uow:
        opinion = await _opinion_seen_by(uow, actor, commitment.opinion_id, lock=True)
        _check_governs(actor, opinion.contract_code)
        check_commitment_allowed(opinion_from_row(opinion).outcome)
        await OpinionRepository(uow.session).add(CommitmentRow(**columns_of(commitment), created_at=uow.now()))
        await ledger.created(
            uow.session,
            actor,
            action="commitment.made",
            entity_type="opinion",
            entity_id=str(commitment.opinion_id),
            after={
                "commitment": str(commitment.commitment_id),
                "status": commitment.status.value,
                "dueOn": str(commitment.due_on),
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
