"""Yearly applications: the CERFA 12156 budget, the instruction workflow and each financer's line.

Budget lines are whole euros (the CERFA says so); decisions may carry cents. Amounts are integer
cents throughout. The rules that make a file acceptable are checked at submission, all of them, and
each broken one is named with its figures.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from services.grants.errors import GrantsError, RulesBrokenError, RuleViolationError
from services.grants.money import spaced

CHARGE_ACCOUNTS = frozenset({"60", "61", "62", "63", "64", "65", "66", "67", "68", "indirect"})
PRODUCT_ACCOUNTS = frozenset({"70", "71", "72", "73", "74", "75", "76", "77", "78", "own_funds"})
IN_KIND_ACCOUNTS = frozenset({"86", "87"})
ACCOUNTS = CHARGE_ACCOUNTS | PRODUCT_ACCOUNTS | IN_KIND_ACCOUNTS
DAUPHIN_NUMBER = re.compile(r"^DA([0-9]{8})-([0-9]{1,3})$")


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RECEIVABLE = "receivable"
    NOT_RECEIVABLE = "not_receivable"
    UNDER_INSTRUCTION = "under_instruction"
    CORRECTION_REQUESTED = "correction_requested"
    PROPOSED = "proposed"
    DECIDED = "decided"
    NOTIFIED = "notified"
    WITHDRAWN = "withdrawn"


class Transition(StrEnum):
    SUBMIT = "submit"
    DECLARE_RECEIVABLE = "declare_receivable"
    DECLARE_NOT_RECEIVABLE = "declare_not_receivable"
    INSTRUCT = "instruct"
    REQUEST_CORRECTION = "request_correction"
    PROPOSE = "propose"
    DECIDE = "decide"
    NOTIFY = "notify"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"


class Outcome(StrEnum):
    GRANTED = "granted"
    PARTIALLY_GRANTED = "partially_granted"
    REFUSED = "refused"
    NO_FOLLOW_UP = "no_follow_up"


class LineDecision(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"
    NO_FOLLOW_UP = "no_follow_up"


class Opinion(StrEnum):
    FAVOURABLE = "favourable"
    UNFAVOURABLE = "unfavourable"
    RESERVED = "reserved"


FINAL = frozenset({State.NOT_RECEIVABLE, State.NOTIFIED, State.WITHDRAWN})
EDITABLE = frozenset({State.DRAFT, State.CORRECTION_REQUESTED})
MOVES: dict[Transition, tuple[frozenset[State], State]] = {
    Transition.SUBMIT: (frozenset({State.DRAFT, State.CORRECTION_REQUESTED}), State.SUBMITTED),
    Transition.DECLARE_RECEIVABLE: (frozenset({State.SUBMITTED}), State.RECEIVABLE),
    Transition.DECLARE_NOT_RECEIVABLE: (frozenset({State.SUBMITTED}), State.NOT_RECEIVABLE),
    Transition.INSTRUCT: (frozenset({State.RECEIVABLE}), State.UNDER_INSTRUCTION),
    Transition.REQUEST_CORRECTION: (frozenset({State.UNDER_INSTRUCTION}), State.CORRECTION_REQUESTED),
    Transition.PROPOSE: (frozenset({State.UNDER_INSTRUCTION}), State.PROPOSED),
    Transition.DECIDE: (frozenset({State.PROPOSED}), State.DECIDED),
    Transition.NOTIFY: (frozenset({State.DECIDED}), State.NOTIFIED),
    Transition.WITHDRAW: (frozenset(State) - FINAL - {State.DECIDED}, State.WITHDRAWN),
    Transition.REOPEN: (frozenset({State.DECIDED}), State.UNDER_INSTRUCTION),
}
NEEDS_REASON = frozenset(
    {Transition.DECLARE_NOT_RECEIVABLE, Transition.REQUEST_CORRECTION, Transition.WITHDRAW, Transition.REOPEN}
)
# What the operator carrying the action may do; every other move belongs to the instructors.
OPERATOR_MOVES = frozenset({Transition.SUBMIT, Transition.WITHDRAW})


class TransitionRefusedError(GrantsError):
    def __init__(self, transition: Transition, state: State) -> None:
        allowed = sorted(move.value for move, (sources, _) in MOVES.items() if state in sources)
        super().__init__(
            f"{transition.value} is not allowed from {state.value}; allowed: {', '.join(allowed) or 'none'}"
        )
        self.transition = transition
        self.state = state


@dataclass(frozen=True, slots=True)
class BudgetLine:
    account: str
    label: str
    amount_cents: int
    institution_id: uuid.UUID | None = None


@dataclass(slots=True)
class FinancingLine:
    institution_id: uuid.UUID
    requested_cents: int
    proposed_cents: int | None = None
    decided_cents: int | None = None
    opinion: Opinion | None = None
    opinion_comment: str | None = None
    decision: LineDecision | None = None


@dataclass(frozen=True, slots=True)
class Beneficiaries:
    total: int | None = None
    women: int | None = None
    men: int | None = None
    age_bands: Mapping[str, int] = field(default_factory=dict)
    share_in_qpv_percent: int | None = None


def next_state(state: State, transition: Transition) -> State:
    sources, target = MOVES[transition]
    if state not in sources:
        raise TransitionRefusedError(transition, state)
    return target


def normalised_dauphin(number: str) -> str:
    """`da 2024 0001-1` and `DA20240001-1` are the same Dauphin file."""
    compact = "".join(number.split()).upper()  # any spaces, the no-break ones of French formatting too
    if not DAUPHIN_NUMBER.fullmatch(compact):
        raise RuleViolationError("dauphinNumber", "dauphin-number", "dauphinNumber must be DA + 8 digits + -n")
    return compact


def check_budget_lines(lines: Iterable[BudgetLine], institutions: Mapping[uuid.UUID, str]) -> None:
    """What a draft budget must already respect (the balance is checked at submission)."""
    for position, line in enumerate(lines):
        where = f"lines/{position}"
        if line.account not in ACCOUNTS:
            raise RuleViolationError(f"{where}/account", "cerfa-account", f"account must be one of {sorted(ACCOUNTS)}")
        if line.amount_cents < 0 or line.amount_cents % 100:
            raise RuleViolationError(f"{where}/amount", "whole-euros", "budget amounts are whole euros ≥ 0 (CERFA)")
        if line.account == "74":
            if line.institution_id is None:
                raise RuleViolationError(f"{where}/institutionId", "financer-required", "a 74 line names its financer")
            if line.institution_id not in institutions:
                raise RuleViolationError(
                    f"{where}/institutionId",
                    "financer-of-contract",
                    "the financer is not an institution of the contract",
                )
        elif line.institution_id is not None:
            raise RuleViolationError(f"{where}/institutionId", "financer-on-74", "only 74 lines name a financer")


def requested_by_financer(lines: Iterable[BudgetLine]) -> dict[uuid.UUID, int]:
    requested: dict[uuid.UUID, int] = defaultdict(int)
    for line in lines:
        if line.account == "74" and line.institution_id is not None:
            requested[line.institution_id] += line.amount_cents
    return dict(requested)


def check_submission(lines: list[BudgetLine]) -> None:
    """The CERFA's balance rules, all checked, each broken one named with its figures."""
    charges = sum(line.amount_cents for line in lines if line.account in CHARGE_ACCOUNTS)
    products = sum(line.amount_cents for line in lines if line.account in PRODUCT_ACCOUNTS)
    in_kind_uses = sum(line.amount_cents for line in lines if line.account == "86")
    in_kind_resources = sum(line.amount_cents for line in lines if line.account == "87")
    broken = []
    if charges == 0:
        broken.append(RuleViolationError("lines", "charges-required", "the budget has no charge"))
    if charges != products:
        broken.append(
            RuleViolationError(
                "lines",
                "balanced-budget",
                f"total charges {spaced(charges)} ≠ total products {spaced(products)}"
                f" (gap {spaced(charges - products)})",
            )
        )
    if in_kind_uses != in_kind_resources:
        broken.append(
            RuleViolationError(
                "lines",
                "in-kind-balanced",
                f"in-kind uses (86) {spaced(in_kind_uses)} ≠ in-kind resources (87) {spaced(in_kind_resources)}",
            )
        )
    if not requested_by_financer(lines):
        broken.append(RuleViolationError("lines", "financer-requested", "no amount is requested from a financer (74)"))
    if broken:
        raise RulesBrokenError(broken)


def check_line_amounts(line: FinancingLine, nom: str) -> None:
    for name, value in (("proposed", line.proposed_cents), ("decided", line.decided_cents)):
        if value is not None and not 0 <= value <= line.requested_cents:
            raise RuleViolationError(
                name,
                f"{name}-within-requested",
                f"{name} {spaced(value)} for {nom} must be between 0 and the requested {spaced(line.requested_cents)}",
            )
    if line.decision in {LineDecision.REFUSED, LineDecision.NO_FOLLOW_UP} and line.decided_cents not in (None, 0):
        raise RuleViolationError("decided", "refused-is-zero", f"a {line.decision.value} line decides 0 €")
    if line.decision is LineDecision.GRANTED and not line.decided_cents:
        raise RuleViolationError("decided", "granted-needs-amount", "a granted line decides an amount above 0 €")


def outcome_of(lines: list[FinancingLine], names: Mapping[uuid.UUID, str]) -> Outcome:
    """The application's decision, once every financer has decided its line."""
    undecided = [names.get(line.institution_id, str(line.institution_id)) for line in lines if line.decision is None]
    if undecided:
        raise RuleViolationError(
            "financingLines", "every-financer-decided", f"no decision yet from {', '.join(sorted(undecided))}"
        )
    decisions = {line.decision for line in lines}
    if decisions == {LineDecision.NO_FOLLOW_UP}:
        return Outcome.NO_FOLLOW_UP
    if LineDecision.GRANTED not in decisions:
        return Outcome.REFUSED
    if all(line.decision is LineDecision.GRANTED and line.decided_cents == line.requested_cents for line in lines):
        return Outcome.GRANTED
    return Outcome.PARTIALLY_GRANTED
