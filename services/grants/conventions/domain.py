"""Conventions: the annual agreement or the multi-year one (CPO) between an operator and its financers,
with the amount each financer plans for each year of the term, who reads and manages them, and the
indicators a CPO commits its operator to.

A CPO's amounts beyond the current year are planned "subject to the vote of credits": a year's amount is
voted once that financer's envelope for that year exists (research/grants.md §3.3). A decision above
23,000 € for one financer and one year needs a signed convention before it can be notified (décret
n°2001-495, art. 1)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from identity.principal import Principal, Role
from services.grants.errors import (
    ForbiddenMoveError,
    GrantsError,
    NotEditableError,
    RulesBrokenError,
    RuleViolationError,
    raise_broken,
    spaced,
)
from services.grants.operators.domain import own_organisations
from services.grants.roles import INSTRUCTORS, PILOTS

# A CPO runs 2 to 4 years: the circulaire n°5811/SG du 29 septembre 2015 recommends four.
MAX_TERM_YEARS = 4
CONVENTION_THRESHOLD_CENTS = 2_300_000  # décret n°2001-495: a written convention above 23,000 € a year
# A convention binds its operator and its financers: besides them, the contract's pilots, the State and
# auditors read it; another co-financer of the contract reads none of it (404, like a missing record).
READ_WITHOUT_PARTY = INSTRUCTORS | {Role.AUDITOR}


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
AMENDABLE = frozenset({ConventionStatus.DRAFT, ConventionStatus.SIGNED})


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


def check_move(move: ConventionMove, reason: str | None, on: date | None) -> None:
    """A suspension or a termination says why; a signature says when."""
    if move in NEEDS_REASON and not (reason and reason.strip()):
        raise RuleViolationError("reason", "reason-required", f"{move.value} needs a reason")
    if move is ConventionMove.SIGN and on is None:
        raise RuleViolationError("on", "signature-date", "sign needs the date of signature (on)")


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


def term_broken(term: Term) -> RuleViolationError | None:
    """The rule the term breaks, if any."""
    length = term.last_year - term.first_year + 1
    if term.last_year < term.first_year:
        return RuleViolationError("last_year", "term-order", "a term cannot end before it begins")
    if term.kind is ConventionKind.ANNUAL and length != 1:
        return RuleViolationError("last_year", "annual-one-year", "an annual convention covers one year")
    if term.kind is ConventionKind.MULTI_YEAR and not 2 <= length <= MAX_TERM_YEARS:
        message = f"a multi-year convention covers 2 to {MAX_TERM_YEARS} years, not {length}"
        return RuleViolationError("last_year", "cpo-term", message)
    return None


def _amounts_broken(term: Term | None, amounts: Sequence[YearAmount]) -> list[RuleViolationError]:
    """The rules the yearly amounts break; those of the term's years only when the term holds (`term`)."""
    broken = []
    seen: set[tuple[int, uuid.UUID]] = set()
    for index, amount in enumerate(amounts):
        if term is not None and amount.year not in term.years:
            message = f"{amount.year} is outside the term {term.first_year}–{term.last_year}"
            broken.append(RuleViolationError(f"amounts/{index}/year", "year-in-term", message))
        if amount.amount_cents <= 0:
            broken.append(
                RuleViolationError(f"amounts/{index}/amount", "positive-amount", "a planned amount is above 0")
            )
        if (amount.year, amount.institution_id) in seen:
            message = f"financer {amount.institution_id} has two amounts for {amount.year}"
            broken.append(RuleViolationError(f"amounts/{index}", "one-amount-per-year-and-financer", message))
        seen.add((amount.year, amount.institution_id))
    funded = {amount.year for amount in amounts}
    unfunded = [year for year in (term.years if term is not None else ()) if year not in funded]
    if unfunded:
        message = f"no amount for {', '.join(str(year) for year in unfunded)}"
        broken.append(RuleViolationError("amounts", "every-year-funded", message))
    return broken


def total_of(term: Term, amounts: Sequence[YearAmount], declared_total_cents: int | None) -> int:
    """The convention's total, which is the sum of its yearly amounts; checks the term and every amount against
    it, every broken rule answered at once."""
    broken_term = term_broken(term)
    broken = [broken_term] if broken_term is not None else []
    broken += _amounts_broken(term if broken_term is None else None, amounts)
    total = sum(amount.amount_cents for amount in amounts)
    if declared_total_cents is not None and declared_total_cents != total:
        message = f"total {spaced(declared_total_cents)} differs from the sum of the yearly amounts {spaced(total)}"
        broken.append(RuleViolationError("total", "total-is-sum-of-years", message))
    raise_broken(broken)
    return total


def needs_convention(decided_cents: int | None) -> bool:
    return decided_cents is not None and decided_cents > CONVENTION_THRESHOLD_CENTS


def check_amendable(status: ConventionStatus) -> None:
    if status not in AMENDABLE:
        raise NotEditableError(f"a {status.value} convention is not amended")


def check_takes_years(status: ConventionStatus) -> None:
    if status in ENDED:
        raise NotEditableError(f"a {status.value} convention carries no new year")


def reading_party(actor: Principal) -> str | None:
    """The institution the caller reads conventions as a party of (its financers' amounts name it); None
    when it reads them without being a party: pilots, State, auditors, or an operator's users (their own
    organisation's conventions, by the operators' rule)."""
    if actor.roles & READ_WITHOUT_PARTY or own_organisations(actor) is not None:
        return None
    return actor.institution or ""


def check_party(actor: Principal, financer_codes: Collection[str]) -> None:
    """The contract's pilots manage every convention; a financer only those it is party to."""
    if actor.roles & PILOTS:
        return
    if actor.institution not in financer_codes:
        raise ForbiddenMoveError("only the contract's pilots and the convention's financers manage it")


def is_operator_of(actor: Principal, operator_id: uuid.UUID) -> bool:
    """The caller speaks for the convention's operator (its users are bound to it)."""
    own = own_organisations(actor)
    return own is not None and operator_id in own


@dataclass(frozen=True, slots=True)
class Convention:
    convention_id: uuid.UUID
    contract_code: str
    operator_id: uuid.UUID
    reference: str
    term: Term
    signed_on: date | None
    status: ConventionStatus
    status_reason: str | None
    version: int


@dataclass(frozen=True, slots=True)
class ConventionEvent:
    """A step of a convention's history: signature, suspension, resumption, termination, amendment…"""

    at: datetime
    actor: str
    actor_institution: str | None
    event: str
    from_status: ConventionStatus
    to_status: ConventionStatus
    reason: str | None
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ConventionView:
    """A convention with each financer's amount per year, the application carrying each year, its history
    (empty in lists), its financers' codes and the (year, financer) pairs whose credits are voted."""

    convention: Convention
    amounts: list[YearAmount]
    years: dict[int, uuid.UUID]
    events: list[ConventionEvent]
    codes: dict[uuid.UUID, str]
    voted: set[tuple[int, uuid.UUID]]

    @property
    def total_cents(self) -> int:
        return sum(amount.amount_cents for amount in self.amounts)

    def is_voted(self, amount: YearAmount) -> bool:
        """A year's amount is voted once that financer's envelope for that year exists; planned until then."""
        return (amount.year, amount.institution_id) in self.voted


def check_notifiable(year: int, uncovered: Sequence[tuple[str, int]]) -> None:
    """A decision above the threshold is notified only under a signed convention for its year (décret
    n°2001-495): `uncovered` names each financer deciding above it without one, and its amount."""
    broken = [
        RuleViolationError(
            "financing_lines",
            "convention-required",
            f"{nom} decided {spaced(cents)} for {year}: above {spaced(CONVENTION_THRESHOLD_CENTS)},"
            " it is notified under a signed convention only",
        )
        for nom, cents in uncovered
    ]
    if broken:
        raise RulesBrokenError(broken)


# The indicators an operator commits to in a multi-year convention (baseline, a target per year), "construits
# dès le départ de la CPO par l'opérateur avec l'appui des services instructeurs" (the contract, line 1423),
# and the values it declares each year, read against the targets.
INDICATOR_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    label: str
    unit: str
    baseline: Decimal
    targets: Mapping[int, Decimal]


@dataclass(frozen=True, slots=True)
class DeclaredValue:
    """The value reached in a year, and where the figure comes from."""

    year: int
    value: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class IndicatorYear:
    year: int
    target: Decimal | None
    reached: DeclaredValue | None
    progress_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class TrackedIndicator:
    """A convention's indicator as stored, with the values declared for it."""

    indicator_id: uuid.UUID
    indicator: Indicator
    values: list[DeclaredValue]

    def years(self, term: Term) -> list[IndicatorYear]:
        """Each year of the term: its target, the value declared and the progress from the baseline."""
        declared = {value.year: value for value in self.values}
        found = []
        for year in term.years:
            target, reached = self.indicator.targets.get(year), declared.get(year)
            progress = (
                None if target is None or reached is None
                else progress_percent(self.indicator.baseline, target, reached.value)
            )  # fmt: skip
            found.append(IndicatorYear(year, target, reached, progress))
        return found


def check_indicators(indicators: Sequence[Indicator], term: Term) -> None:
    seen: set[str] = set()
    for index, indicator in enumerate(indicators):
        where = f"indicators/{index}"
        if not INDICATOR_CODE.fullmatch(indicator.code):
            raise RuleViolationError(f"{where}/code", "indicator-code", "a code is 1–40 letters, digits, . _ -")
        if indicator.code in seen:
            raise RuleViolationError(f"{where}/code", "unique-code", f"{indicator.code} is defined twice")
        seen.add(indicator.code)
        if not indicator.targets:
            raise RuleViolationError(f"{where}/targets", "target-required", "an indicator has a target per year")
        for year in indicator.targets:
            check_value_year(year, term, f"{where}/targets/{year}")


def check_value_year(year: int, term: Term, field: str = "year") -> None:
    if year not in term.years:
        raise RuleViolationError(
            field, "year-of-convention", f"{year} is outside the convention's years {term.first_year}–{term.last_year}"
        )


def progress_percent(baseline: Decimal, target: Decimal, value: Decimal) -> Decimal | None:
    """How far from the baseline toward the target the value went (100 = reached; more than 100 = beyond;
    an indicator meant to decrease has a target below its baseline). None when target = baseline."""
    if target == baseline:
        return None
    return ((value - baseline) * 100 / (target - baseline)).quantize(Decimal("0.1"))
