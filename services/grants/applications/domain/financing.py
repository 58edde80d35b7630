"""Each financer's line of an application: what the budget asks of it (its 74 lines), its opinion, the
amounts proposed and decided, its decision; and the application's outcome once every line is decided."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from services.grants.errors import RuleViolationError, spaced


class Outcome(StrEnum):
    GRANTED = "granted"
    PARTIALLY_GRANTED = "partially_granted"
    REFUSED = "refused"
    NO_FOLLOW_UP = "no_follow_up"


# Dauphin's decision of a financing line: voted, rejected, without follow-up (research/grants.md §3.2).
class LineDecision(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"
    NO_FOLLOW_UP = "no_follow_up"


class Opinion(StrEnum):
    FAVOURABLE = "favourable"
    UNFAVOURABLE = "unfavourable"
    RESERVED = "reserved"


NOTHING_GRANTED = frozenset({LineDecision.REFUSED, LineDecision.NO_FOLLOW_UP})


@dataclass(frozen=True, slots=True)
class FinancingLine:
    institution_id: uuid.UUID
    requested_cents: int
    proposed_cents: int | None = None
    decided_cents: int | None = None
    opinion: Opinion | None = None
    opinion_comment: str | None = None
    decision: LineDecision | None = None


def check_line_amounts(line: FinancingLine, nom: str) -> None:
    for name, value in (("proposed", line.proposed_cents), ("decided", line.decided_cents)):
        if value is not None and not 0 <= value <= line.requested_cents:
            raise RuleViolationError(
                name,
                f"{name}-within-requested",
                f"{name} {spaced(value)} for {nom} must be between 0 and the requested {spaced(line.requested_cents)}",
            )
    if line.decision in NOTHING_GRANTED and line.decided_cents not in (None, 0):
        raise RuleViolationError("decided", "refused-is-zero", f"a {line.decision.value} line decides 0 €")
    if line.decision is LineDecision.GRANTED and not line.decided_cents:
        raise RuleViolationError("decided", "granted-needs-amount", "a granted line decides an amount above 0 €")


def changed_line(line: FinancingLine, changes: Mapping[str, Any], nom: str) -> FinancingLine:
    """The line once a financer's changes are made: a refusal without an amount decides 0 €."""
    changed = replace(line, **changes)
    if changed.decision in NOTHING_GRANTED and "decided_cents" not in changes:
        changed = replace(changed, decided_cents=0)
    check_line_amounts(changed, nom)
    return changed


def decided_line(line: FinancingLine, decided_cents: int) -> FinancingLine:
    """The line as the comité des financeurs decides it: granted what it gives, refused when nothing."""
    decision = LineDecision.GRANTED if decided_cents > 0 else LineDecision.REFUSED
    return replace(line, decided_cents=decided_cents, decision=decision)


def outcome_of(lines: list[FinancingLine], names: Mapping[uuid.UUID, str]) -> Outcome:
    """The application's decision, once every financer has decided its line."""
    undecided = [names.get(line.institution_id, str(line.institution_id)) for line in lines if line.decision is None]
    if undecided:
        raise RuleViolationError(
            "financing_lines", "every-financer-decided", f"no decision yet from {', '.join(sorted(undecided))}"
        )
    decisions = {line.decision for line in lines}
    if decisions == {LineDecision.NO_FOLLOW_UP}:
        return Outcome.NO_FOLLOW_UP
    if LineDecision.GRANTED not in decisions:
        return Outcome.REFUSED
    if all(line.decision is LineDecision.GRANTED and line.decided_cents == line.requested_cents for line in lines):
        return Outcome.GRANTED
    return Outcome.PARTIALLY_GRANTED
