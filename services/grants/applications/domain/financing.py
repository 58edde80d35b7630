"""Each financer's line of an application: what the budget asks of it (its 74 lines), its opinion, the
amount proposed (by the comité des financeurs once it agreed the programmation), the amount its financer
decided by its own act, and the application's outcome once every line is decided.

The comité des financeurs, co-chaired by the State and the EPCI (the contract, ../shared/seeds/002…txt,
line 2095), agrees the programmation: each financer's proposal. Each financer then decides its own line by
its own act — the State by arrêté or its Dauphin decision, the CAF or the Département by their board's
deliberation (research/grants.md §3.2) — which may differ from the comité's amount and is kept beside it.
No one decides a financer's line for it: a "reserved" opinion stays what it is until that financer decides."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from services.grants.errors import NotEditableError, RuleViolationError, raise_broken, spaced


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


class ActKind(StrEnum):
    """The act by which a financer decides its line."""

    ARRETE = "arrete"  # an arrêté (the préfet's attributive arrêté, a mayor's)
    DAUPHIN_DECISION = "dauphin_decision"  # the State's decision recorded in Dauphin (its decisions file)
    DELIBERATION = "deliberation"  # a board's deliberation (CAF, Département, Région, a council)


# An arrêté and a deliberation are numbered; a Dauphin decision is known by its file's number.
NUMBERED_ACTS = frozenset({ActKind.ARRETE, ActKind.DELIBERATION})


@dataclass(frozen=True, slots=True)
class DecisionAct:
    """The financer's act that decided its line: its kind, number and date (None: a decision recorded
    before the platform kept the acts, gran0023)."""

    kind: ActKind | None
    number: str | None
    decided_on: date | None


@dataclass(frozen=True, slots=True)
class FinancingLine:
    institution_id: uuid.UUID
    requested_cents: int
    proposed_cents: int | None = None
    decided_cents: int | None = None
    opinion: Opinion | None = None
    opinion_comment: str | None = None
    decision: LineDecision | None = None
    committee_id: uuid.UUID | None = None  # the comité des financeurs that agreed the proposed amount
    act: DecisionAct | None = None
    chorus_commitment: str | None = None


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
    """The line once its financer's instruction changes are made (opinion, comment, proposed amount): the
    amount a comité agreed is its proposal and no longer changes."""
    if "proposed_cents" in changes and line.committee_id is not None:
        raise NotEditableError(f"the comité des financeurs agreed {nom}'s proposed amount: it is kept as agreed")
    changed = replace(line, **changes)
    check_line_amounts(changed, nom)
    return changed


def asked_again(line: FinancingLine, requested_cents: int) -> FinancingLine:
    """The line once a file sent back for correction is submitted again, asking its financer
    `requested_cents`. The same amount keeps what the financer gave. Another amount is a new request: its
    opinion, proposal, comité and decision were given on the former one, and are to be given again on this
    one (each within what it asks: `check_line_amounts`, `decided_by_act`)."""
    if requested_cents == line.requested_cents:
        return line
    return FinancingLine(institution_id=line.institution_id, requested_cents=requested_cents)


def proposed_by_committee(line: FinancingLine, committee_id: uuid.UUID, proposed_cents: int) -> FinancingLine:
    """The line as the comité des financeurs agrees it: the financer's proposal, not its decision."""
    return replace(line, proposed_cents=proposed_cents, committee_id=committee_id)


@dataclass(frozen=True, slots=True)
class Deciding:
    """What a financer's act decides on its line."""

    decision: LineDecision
    decided_cents: int | None
    act: DecisionAct
    chorus_commitment: str | None = None


def decided_by_act(line: FinancingLine, deciding: Deciding, nom: str, is_state: bool, today: date) -> FinancingLine:
    """The line as its financer's act decides it (research/grants.md §3.2): granted an amount above 0 and
    within the request, refused or without follow-up at 0 €; an arrêté or a deliberation has its number, a
    Dauphin decision is the State's, an act is not dated after today. Every broken rule at once."""
    act = deciding.act
    decided = deciding.decided_cents
    if deciding.decision in NOTHING_GRANTED and decided is None:
        decided = 0
    broken = []
    if deciding.decision is LineDecision.GRANTED and not decided:
        broken.append(
            RuleViolationError("amount", "granted-needs-amount", "a granted line decides an amount above 0 €")
        )
    elif deciding.decision in NOTHING_GRANTED and decided:
        broken.append(RuleViolationError("amount", "refused-is-zero", f"a {deciding.decision.value} line decides 0 €"))
    elif decided is not None and decided > line.requested_cents:
        broken.append(
            RuleViolationError(
                "amount",
                "decided-within-requested",
                f"decided {spaced(decided)} for {nom} must be at most the requested {spaced(line.requested_cents)}",
            )
        )
    if act.kind in NUMBERED_ACTS and not (act.number and act.number.strip()):
        kind = act.kind.value if act.kind else "act"
        broken.append(RuleViolationError("act_number", "act-numbered", f"an {kind} is decided under its number"))
    if act.kind is ActKind.DAUPHIN_DECISION and not is_state:
        broken.append(
            RuleViolationError("act_kind", "dauphin-is-the-states", "a Dauphin decision decides the State's line only")
        )
    if act.kind is ActKind.DELIBERATION and is_state:
        # Issue 18: "the State by its arrêté / Dauphin decision, the CAF or the Département by their board's
        # deliberation" — the préfet decides alone, no board deliberates the State's credits.
        broken.append(
            RuleViolationError(
                "act_kind", "state-decides-by-arrete", "the State decides its line by arrêté or Dauphin decision"
            )
        )
    if act.decided_on is not None and act.decided_on > today:
        broken.append(
            RuleViolationError(
                "decided_on", "not-in-future", f"an act is dated by the day it was taken, not after {today}"
            )
        )
    raise_broken(broken)
    return replace(
        line,
        decision=deciding.decision,
        decided_cents=decided,
        act=act,
        chorus_commitment=deciding.chorus_commitment or line.chorus_commitment,
    )


def every_line_decided(lines: list[FinancingLine]) -> bool:
    """An application is decided when every financer has decided its line."""
    return bool(lines) and all(line.decision is not None for line in lines)


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
