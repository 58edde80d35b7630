"""Conventions: the annual agreement or the multi-year one (CPO, at most four years) between an operator and
its financers, with the amount each financer plans for each year of the term.

A CPO's amounts beyond the current year are planned "subject to the vote of credits": a year's amount is
voted once that financer's envelope for that year exists. A decision above 23,000 € for one financer and
one year needs a signed convention before it can be notified (décret 2001-495)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from services.grants.errors import GrantsError, RuleViolationError
from services.grants.money import spaced

MAX_TERM_YEARS = 4
CONVENTION_THRESHOLD_CENTS = 2_300_000


class ConventionKind(StrEnum):
    ANNUAL = "annual"
    MULTI_YEAR = "multi_year"


class ConventionStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    CLOSED = "closed"  # by its final evaluation


# A convention that takes no more years, indicators or values.
ENDED = frozenset({ConventionStatus.TERMINATED, ConventionStatus.CLOSED})


class ConventionMove(StrEnum):
    SIGN = "sign"
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"


MOVES: dict[ConventionMove, tuple[frozenset[ConventionStatus], ConventionStatus]] = {
    ConventionMove.SIGN: (frozenset({ConventionStatus.DRAFT}), ConventionStatus.SIGNED),
    ConventionMove.SUSPEND: (frozenset({ConventionStatus.SIGNED}), ConventionStatus.SUSPENDED),
    ConventionMove.RESUME: (frozenset({ConventionStatus.SUSPENDED}), ConventionStatus.SIGNED),
    ConventionMove.TERMINATE: (
        frozenset({ConventionStatus.SIGNED, ConventionStatus.SUSPENDED}),
        ConventionStatus.TERMINATED,
    ),
}
NEEDS_REASON = frozenset({ConventionMove.SUSPEND, ConventionMove.TERMINATE})


class ConventionMoveRefusedError(GrantsError):
    def __init__(self, move: ConventionMove, status: ConventionStatus) -> None:
        allowed = sorted(item.value for item, (sources, _) in MOVES.items() if status in sources)
        super().__init__(f"{move.value} is not allowed from {status.value}; allowed: {', '.join(allowed) or 'none'}")


def next_status(status: ConventionStatus, move: ConventionMove) -> ConventionStatus:
    sources, target = MOVES[move]
    if status not in sources:
        raise ConventionMoveRefusedError(move, status)
    return target


@dataclass(frozen=True, slots=True)
class YearAmount:
    """What one financer plans for one year of the term."""

    year: int
    institution_id: uuid.UUID
    amount_cents: int


@dataclass(frozen=True, slots=True)
class Term:
    kind: ConventionKind
    first_year: int
    last_year: int

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


def check_term(term: Term) -> None:
    if term.last_year < term.first_year:
        raise RuleViolationError("lastYear", "term-order", "lastYear must not precede firstYear")
    length = term.last_year - term.first_year + 1
    if term.kind is ConventionKind.ANNUAL and length != 1:
        raise RuleViolationError("lastYear", "annual-one-year", "an annual convention covers one year")
    if term.kind is ConventionKind.MULTI_YEAR and not 2 <= length <= MAX_TERM_YEARS:
        raise RuleViolationError(
            "lastYear",
            "cpo-term",
            f"a multi-year convention covers 2 to {MAX_TERM_YEARS} years, not {length}",
        )


def total_of(term: Term, amounts: Sequence[YearAmount], declared_total_cents: int | None) -> int:
    """The convention's total, which is the sum of its yearly amounts; checks every amount against the term."""
    check_term(term)
    seen: set[tuple[int, uuid.UUID]] = set()
    for index, amount in enumerate(amounts):
        if amount.year not in term.years:
            raise RuleViolationError(
                f"amounts/{index}/year",
                "year-in-term",
                f"{amount.year} is outside the term {term.first_year}–{term.last_year}",
            )
        if amount.amount_cents <= 0:
            raise RuleViolationError(f"amounts/{index}/amount", "positive-amount", "a planned amount is above 0")
        if (amount.year, amount.institution_id) in seen:
            raise RuleViolationError(
                f"amounts/{index}",
                "one-amount-per-year-and-financer",
                f"financer {amount.institution_id} has two amounts for {amount.year}",
            )
        seen.add((amount.year, amount.institution_id))
    funded = {amount.year for amount in amounts}
    unfunded = [year for year in term.years if year not in funded]
    if unfunded:
        raise RuleViolationError(
            "amounts", "every-year-funded", f"no amount for {', '.join(str(year) for year in unfunded)}"
        )
    total = sum(amount.amount_cents for amount in amounts)
    if declared_total_cents is not None and declared_total_cents != total:
        raise RuleViolationError(
            "total",
            "total-is-sum-of-years",
            f"total {spaced(declared_total_cents)} differs from the sum of the yearly amounts {spaced(total)}",
        )
    return total


def needs_convention(decided_cents: int | None) -> bool:
    return decided_cents is not None and decided_cents > CONVENTION_THRESHOLD_CENTS
