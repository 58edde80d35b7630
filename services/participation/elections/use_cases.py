"""Elections to a body: tallies typed in from paper, corrections logged, proclamation into mandates."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.use_cases import body_managed_by, body_seen_by
from services.participation.elections.domain import (
    CandidateTally,
    Correction,
    Election,
    check_candidate,
    check_candidates,
    check_correction,
    check_known,
    check_tallies,
    check_unproclaimed,
    elected,
    in_rank_order,
)
from services.participation.elections.models import ElectionCorrectionRow, ElectionRow, ElectionTallyRow
from services.participation.elections.repository import ElectionRepository, election_from_row, tally_from_row
from services.participation.errors import NotFoundError
from services.participation.members.domain import Mandate, check_single_mandate, check_term
from services.participation.members.repository import MemberRepository
from services.participation.members.use_cases.mandates import add_mandates
from services.participation.persistence import ledger


@dataclass(frozen=True, slots=True)
class ElectionRecord:
    election: Election
    tallies: list[CandidateTally]  # most votes first
    corrections: list[Correction]


def _record(
    election: ElectionRow, tallies: Sequence[ElectionTallyRow], corrections: list[Correction]
) -> ElectionRecord:
    return ElectionRecord(election_from_row(election), in_rank_order(map(tally_from_row, tallies)), corrections)


async def record_election(
    uow: UnitOfWork,
    actor: Principal,
    body_id: uuid.UUID,
    held_on: date,
    seats: int,
    college: str | None,
    lines: list[tuple[uuid.UUID, int]],
) -> ElectionRecord:
    votes = check_candidates(lines, seats)
    async with uow:
        body = await body_managed_by(uow, actor, body_id)
        check_known(votes, await MemberRepository(uow.session).people_of_contract(body.contract_code, list(votes)))
        election = ElectionRow(
            election_id=uuid.uuid4(),
            body_id=body_id,
            contract_code=body.contract_code,
            held_on=held_on,
            seats=seats,
            college=college,
            created_at=uow.now(),
        )
        tallies = [
            ElectionTallyRow(election_id=election.election_id, person_id=person, votes=count, elected=False)
            for person, count in votes.items()
        ]
        repository = ElectionRepository(uow.session)
        await repository.add(election)
        await repository.add(*tallies)
        await ledger.created(
            uow.session,
            actor,
            action="election.recorded",
            entity_type="election",
            entity_id=str(election.election_id),
            after={"candidates": len(votes), "seats": seats},
        )
        await uow.commit()
    return _record(election, tallies, [])


async def _election_run_by(uow: UnitOfWork, actor: Principal, election_id: uuid.UUID) -> ElectionRow:
    election = await ElectionRepository(uow.session).find(election_id, lock=True)
    if election is None or not actor.works_on(election.contract_code):
        raise NotFoundError("election", str(election_id))
    await body_managed_by(uow, actor, election.body_id)
    return election


async def election_record(uow: UnitOfWork, actor: Principal, election_id: uuid.UUID) -> ElectionRecord:
    async with uow.reading():
        repository = ElectionRepository(uow.session)
        election = await repository.find(election_id)
        if election is None or not actor.works_on(election.contract_code):
            raise NotFoundError("election", str(election_id))
        await body_seen_by(uow, actor, election.body_id)
        return _record(election, await repository.tallies(election_id), await repository.corrections(election_id))


async def correct_tally(
    uow: UnitOfWork, actor: Principal, election_id: uuid.UUID, person_id: uuid.UUID, votes: int, reason: str | None
) -> ElectionRecord:
    """A tally corrected before the proclamation; the log keeps the count before, after, who and why."""
    async with uow:
        election = await _election_run_by(uow, actor, election_id)
        check_correction(reason, election.proclaimed_on is not None)
        check_tallies({str(person_id): votes})
        repository = ElectionRepository(uow.session)
        tallies = await repository.tallies(election_id)
        before = check_candidate([tally_from_row(row) for row in tallies], person_id).votes
        await repository.add(
            ElectionCorrectionRow(
                correction_id=uuid.uuid4(),
                election_id=election_id,
                person_id=person_id,
                votes_before=before,
                votes_after=votes,
                reason=str(reason),
                corrected_by=actor.subject,
                corrected_at=uow.now(),
            )
        )
        next(row for row in tallies if row.person_id == person_id).votes = votes
        await ledger.changed(
            uow.session,
            actor,
            action="election.tally_corrected",
            entity_type="election",
            entity_id=str(election_id),
            before={"votes": before},
            after={"votes": votes},
            reason=reason,
        )
        await uow.commit()
        return _record(election, tallies, await repository.corrections(election_id))


async def proclaim(
    uow: UnitOfWork,
    actor: Principal,
    election_id: uuid.UUID,
    starts_on: date,
    ends_on: date | None,
    tie_break: list[uuid.UUID],
) -> ElectionRecord:
    """The elected for the seats, each given a mandate in the body; once."""
    check_term(starts_on, ends_on)
    async with uow:
        election = await _election_run_by(uow, actor, election_id)
        check_unproclaimed(election_from_row(election))
        repository = ElectionRepository(uow.session)
        tallies = await repository.tallies(election_id)
        winners = elected(
            {str(item.person_id): item.votes for item in tallies}, election.seats, [str(item) for item in tie_break]
        )
        members = MemberRepository(uow.session)
        for item in tallies:
            item.elected = str(item.person_id) in winners
            if item.elected:
                check_single_mandate((starts_on, ends_on), await members.terms(election.body_id, item.person_id))
                mandate = Mandate(
                    mandate_id=uuid.uuid4(),
                    person_id=item.person_id,
                    body_id=election.body_id,
                    role="member",
                    college=election.college,
                    starts_on=starts_on,
                    ends_on=ends_on,
                )
                await add_mandates(uow, [mandate])
        election.proclaimed_on = uow.today()
        election.tie_break = [str(item) for item in tie_break] or None
        await ledger.created(
            uow.session,
            actor,
            action="election.proclaimed",
            entity_type="election",
            entity_id=str(election_id),
            after={"elected": len(winners)},
        )
        await uow.commit()
        return _record(election, tallies, await repository.corrections(election_id))
