"""Elections of residents to a steering group (e.g. a social centre's): paper tallies typed in, every
correction logged with its reason, then the proclamation of the elected for the seats.

A tie for the last seat is not settled by the software: the returning officer's tie-break (the law or
the statutes: age, a draw) is given explicitly and recorded with the proclamation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.participation.errors import RuleViolationError


def check_tallies(votes: Mapping[str, int]) -> None:
    if any(count < 0 for count in votes.values()):
        raise RuleViolationError("tallies", "votes-not-negative", "a candidate's votes are 0 or more")


def check_correction(reason: str | None, proclaimed: bool) -> None:
    if proclaimed:
        raise RuleViolationError("votes", "before-proclamation", "the results were proclaimed: no correction")
    if not (reason and reason.strip()):
        raise RuleViolationError("reason", "correction-reason", "a correction of a tally gives its reason")


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
