"""Payments: the tranches of a financer's decided amount (advance, instalments, balance), what gates them,
and what was paid. Planned tranches add up to the decided amount exactly; paid never exceeds decided
(research/grants.md §3.3, rule 7); each financer plans and pays its own line."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from identity.principal import Principal
from services.grants.applications.domain.workflow import State
from services.grants.errors import ForbiddenMoveError, RuleViolationError, spaced

# A financer plans its tranches once its amount is decided; it pays them once the decision is notified.
PLANNED_FROM = frozenset({State.DECIDED, State.NOTIFIED})


class TrancheKind(StrEnum):
    SINGLE = "single"
    ADVANCE = "advance"
    INSTALMENT = "instalment"
    BALANCE = "balance"


class TrancheStatus(StrEnum):
    PLANNED = "planned"
    PAID = "paid"
    FAILED = "failed"
    REPLACED = "replaced"


class Gate(StrEnum):
    """A condition a tranche waits for; the payer may override it with a reason (kept and audited)."""

    # The advance of a new year waits for the previous year's financial report, accepted (CERFA 15059 is
    # due "avant toute nouvelle demande"; a CPO's yearly advance follows the previous year's account).
    PREVIOUS_REPORT_ACCEPTED = "previous-report-accepted"
    # The balance of a year is paid once that year's financial report is received (submitted, or accepted):
    # the solde "est versé après production du compte rendu financier" (CERFA 15059, art. 10 of the loi
    # n°2000-321; the conventions' usual clause).
    REPORT_RECEIVED = "report-received"
    # A CPO's later years are planned "subject to the vote of credits": the financer's envelope exists.
    CREDITS_VOTED = "credits-voted"


GATE_MESSAGES = {
    Gate.PREVIOUS_REPORT_ACCEPTED: "the financial report of the action's previous year is not accepted",
    Gate.REPORT_RECEIVED: "the financial report of the year is not received",
    Gate.CREDITS_VOTED: "the financer's envelope for the call is not voted",
}
# Which tranches wait for which report: the year's first payment (its advance, or its single payment) for
# the previous year's, accepted; its balance for its own, received.
PREVIOUS_REPORT_GATED = frozenset({TrancheKind.ADVANCE, TrancheKind.SINGLE})
OWN_REPORT_GATED = frozenset({TrancheKind.BALANCE})


def report_gates(kind: TrancheKind, previous_notified: bool, previous_accepted: bool, own_received: bool) -> list[Gate]:
    """The report gates a tranche of `kind` does not meet."""
    unmet = []
    if kind in PREVIOUS_REPORT_GATED and previous_notified and not previous_accepted:
        unmet.append(Gate.PREVIOUS_REPORT_ACCEPTED)
    if kind in OWN_REPORT_GATED and not own_received:
        unmet.append(Gate.REPORT_RECEIVED)
    return unmet


@dataclass(frozen=True, slots=True)
class Tranche:
    """One tranche of a financer's decided amount: planned, then paid (or failed, and replaced when reissued)."""

    tranche_id: uuid.UUID
    application_id: uuid.UUID
    institution_id: uuid.UUID
    position: int
    kind: TrancheKind
    planned_cents: int
    planned_on: date | None
    status: TrancheStatus
    paid_cents: int | None
    paid_on: date | None
    chorus_commitment: str | None  # Chorus's engagement juridique (EJ)
    chorus_payment: str | None  # Chorus's demande de paiement (DP)
    overridden_gates: tuple[Gate, ...]
    override_reason: str | None
    failure_reason: str | None
    replaces: uuid.UUID | None
    version: int


def check_payer(actor: Principal, institution_code: str, institution_nom: str) -> None:
    """Only the financer plans and pays its own line (or a platform administrator)."""
    if not actor.is_platform_admin and actor.institution != institution_code:
        raise ForbiddenMoveError(f"only {institution_nom} plans and pays its own line")


@dataclass(frozen=True, slots=True)
class PlannedTranche:
    kind: TrancheKind
    weight: int | None
    amount_cents: int | None


def split_largest_remainder(total_cents: int, weights: Sequence[int]) -> list[int]:
    """Parts of `total_cents` in proportion to `weights` that add up to it exactly: each part is rounded
    down, then the cents left go one by one to the largest remainders (the earliest first on a tie)."""
    whole = sum(weights)
    if whole <= 0 or any(weight < 0 for weight in weights):
        raise ValueError("weights are non-negative and not all zero")
    floors = [total_cents * weight // whole for weight in weights]
    remainders = [total_cents * weight % whole for weight in weights]
    left = total_cents - sum(floors)
    for index in sorted(range(len(weights)), key=lambda position: (-remainders[position], position))[:left]:
        floors[index] += 1
    return floors


def planned_amounts(decided_cents: int, plan: Sequence[PlannedTranche]) -> list[int]:
    """Each tranche's amount: given in cents (all of them) or by weight (all of them), adding up exactly."""
    if not plan:
        raise RuleViolationError("tranches", "at-least-one", "a plan has at least one tranche")
    kinds = [item.kind for item in plan]
    if TrancheKind.SINGLE in kinds and len(plan) > 1:
        raise RuleViolationError("tranches", "single-alone", "a single payment is the plan's only tranche")
    if TrancheKind.BALANCE in kinds and (kinds.count(TrancheKind.BALANCE) > 1 or kinds[-1] is not TrancheKind.BALANCE):
        raise RuleViolationError("tranches", "balance-last", "one balance at most, and it comes last")
    if kinds.count(TrancheKind.ADVANCE) > 1 or (TrancheKind.ADVANCE in kinds and kinds[0] is not TrancheKind.ADVANCE):
        raise RuleViolationError("tranches", "advance-first", "one advance at most, and it comes first")
    by_weight = [item.weight is not None for item in plan]
    by_amount = [item.amount_cents is not None for item in plan]
    for index, item in enumerate(plan):
        if (item.weight is None) == (item.amount_cents is None):
            raise RuleViolationError(f"tranches/{index}", "amount-or-weight", "a tranche has an amount or a weight")
    if any(by_weight) and any(by_amount):
        raise RuleViolationError("tranches", "one-way", "give every tranche an amount, or every tranche a weight")
    if all(by_weight):
        weights = [item.weight or 0 for item in plan]
        if sum(weights) <= 0:
            raise RuleViolationError("tranches", "positive-weights", "the weights add up to more than 0")
        amounts = split_largest_remainder(decided_cents, weights)
    else:
        amounts = [item.amount_cents or 0 for item in plan]
        total = sum(amounts)
        if total != decided_cents:
            raise RuleViolationError(
                "tranches",
                "tranches-add-up",
                f"the tranches add up to {spaced(total)}, the decided amount is {spaced(decided_cents)}",
            )
    for index, amount in enumerate(amounts):
        if amount <= 0:
            raise RuleViolationError(f"tranches/{index}", "positive-amount", "every tranche is above 0")
    return amounts


def check_payment(amount_cents: int, planned_cents: int, paid_on_line_cents: int, decided_cents: int) -> None:
    if amount_cents <= 0:
        raise RuleViolationError("amount", "positive-amount", "a payment is above 0")
    if amount_cents > planned_cents:
        raise RuleViolationError(
            "amount",
            "paid-within-tranche",
            f"{spaced(amount_cents)} is more than the tranche's {spaced(planned_cents)}",
        )
    if paid_on_line_cents + amount_cents > decided_cents:
        raise RuleViolationError(
            "amount",
            "paid-within-decided",
            f"{spaced(paid_on_line_cents)} paid already: {spaced(amount_cents)} more exceeds the decided"
            f" {spaced(decided_cents)}",
        )
