"""Elections of residents to a steering group (e.g. Saint-Nicolas' social centre, whose residents are
elected: 002_…txt l. 1875-1893): paper tallies typed in, every correction logged with its reason, then the
proclamation of the elected for the seats.

A tie for the last seat is not settled by the software: the returning officer's tie-break (the law or
the statutes: age, a draw) is given explicitly and recorded with the proclamation.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.participation.errors import RuleViolationError, raise_broken


@dataclass(frozen=True, slots=True)
class Election:
    election_id: uuid.UUID
    body_id: uuid.UUID
    contract_code: str
    held_on: date
    seats: int
    college: str | None
    proclaimed_on: date | None = None
    tie_break: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class CandidateTally:
    person_id: uuid.UUID
    votes: int
    elected: bool = False


@dataclass(frozen=True, slots=True)
class Correction:
    """A tally corrected: the count before and after, why, and when (who is in the audit)."""

    person_id: uuid.UUID
    votes_before: int
    votes_after: int
    reason: str
    corrected_at: datetime


def check_candidates(lines: Sequence[tuple[uuid.UUID, int]], seats: int) -> dict[uuid.UUID, int]:
    """One line per candidate, no negative count, no more seats than candidates: the votes by candidate."""
    votes = dict(lines)
    if len(votes) != len(lines):
        raise RuleViolationError("tallies", "one-line-per-candidate", "a candidate appears once")
    check_tallies({str(person): count for person, count in votes.items()})
    if seats > len(votes):
        raise RuleViolationError("seats", "seats-within-candidates", f"{seats} seats for {len(votes)} candidates")
    return votes


def check_known(candidates: Collection[uuid.UUID], known: Collection[uuid.UUID]) -> None:
    unknown = [str(person) for person in candidates if person not in known]
    if unknown:
        raise RuleViolationError("tallies", "person-of-contract", "candidates not found: " + ", ".join(unknown))


def check_candidate(tallies: Collection[CandidateTally], person_id: uuid.UUID) -> CandidateTally:
    tally = next((item for item in tallies if item.person_id == person_id), None)
    if tally is None:
        raise RuleViolationError("person_id", "candidate", "not a candidate of this election")
    return tally


def check_unproclaimed(election: Election) -> None:
    if election.proclaimed_on is not None:
        raise RuleViolationError("starts_on", "proclaimed-once", "the results were proclaimed already")


def in_rank_order(tallies: Iterable[CandidateTally]) -> list[CandidateTally]:
    """Most votes first; equal counts in a stable order."""
    return sorted(tallies, key=lambda tally: (-tally.votes, str(tally.person_id)))


def check_tallies(votes: Mapping[str, int]) -> None:
    if any(count < 0 for count in votes.values()):
        raise RuleViolationError("tallies", "votes-not-negative", "a candidate's votes are 0 or more")


def check_correction(reason: str | None, proclaimed: bool) -> None:
    broken = []
    if proclaimed:
        broken.append(RuleViolationError("votes", "before-proclamation", "the results were proclaimed: no correction"))
    if not (reason and reason.strip()):
        broken.append(RuleViolationError("reason", "correction-reason", "a correction of a tally gives its reason"))
    raise_broken(broken)


def elected(votes: Mapping[str, int], seats: int, tie_break: Sequence[str]) -> list[str]:
    """The candidates elected, most votes first; a tie across the last seat needs `tie_break`, an order of
    the tied candidates."""
    ranked = sorted(votes, key=lambda candidate: -votes[candidate])
    if len(ranked) <= seats:
        return ranked
    boundary = votes[ranked[seats - 1]]
    if votes[ranked[seats]] != boundary:
        return ranked[:seats]
    tied = {candidate for candidate in ranked if votes[candidate] == boundary}
    if set(tie_break) != tied:
        raise RuleViolationError(
            "tie_break", "tie-at-last-seat", f"{len(tied)} candidates tie at {boundary} votes for the last seat(s)"
        )
    above = [candidate for candidate in ranked if votes[candidate] > boundary]
    return above + list(tie_break)[: seats - len(above)]
