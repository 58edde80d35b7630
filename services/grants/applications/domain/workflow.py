"""An application's workflow: its states, the moves between them, and who may make which move.

The operator carrying the action drafts, submits and withdraws; the instructors (the contract's pilots and
the State) make every other move but one: an application is decided when every financer has decided its own
line (financing.py), never by a move someone asks for. Each financer sets and decides its own line
(research/grants.md §3.4)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from identity.principal import Principal
from services.grants.errors import ForbiddenMoveError, GrantsError, NotEditableError, RuleViolationError
from services.grants.operators.domain import own_organisations
from services.grants.roles import FUNDERS, INSTRUCTORS, PILOTS


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


FINAL = frozenset({State.NOT_RECEIVABLE, State.NOTIFIED, State.WITHDRAWN})
EDITABLE = frozenset({State.DRAFT, State.CORRECTION_REQUESTED})
# Submitted and not yet out of the programmation: what the programmation counts and shows.
LIVE = frozenset(
    {
        State.SUBMITTED,
        State.RECEIVABLE,
        State.UNDER_INSTRUCTION,
        State.CORRECTION_REQUESTED,
        State.PROPOSED,
        State.DECIDED,
        State.NOTIFIED,
    }
)


def data_part(state: State) -> str:
    """The part of its contract's data an application in `state` belongs to, as remembered answers tell
    them apart (kit/response_cache.py): out of the programmation ("drafts": drafts, withdrawn and not
    receivable files), in it ("live"), or notified ("notified": the public totals' decisions)."""
    if state is State.NOTIFIED:
        return "notified"
    return "live" if state in LIVE else "drafts"


def data_parts(call_id: uuid.UUID, year: int, *states: State) -> frozenset[str]:
    """What a write of an application of a call (of `year`) in these states (before and after) changes:
    each state's part of the contract's data, of every year and of that year (`live@2027`), and its call's
    applications (`call@<id>`): the answers of another year or call stand."""
    parts = {data_part(state) for state in states}
    return frozenset(parts | {year_part(part, year) for part in parts} | {call_part(call_id)})


def call_part(call_id: uuid.UUID) -> str:
    return f"call@{call_id}"


def year_part(part: str, year: int) -> str:
    return f"{part}@{year}"


# From the submission to the proposal, the financers give their opinions and amounts, and mark the file.
INSTRUCTED = frozenset({State.SUBMITTED, State.RECEIVABLE, State.UNDER_INSTRUCTION, State.PROPOSED})
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
# The move the financers' decisions make, when the last of them decides its line.
BY_THE_FINANCERS = frozenset({Transition.DECIDE})
# A financer decides its line from the submission until the application is notified (an act replacing an
# earlier one included, while the application is decided and not notified yet).
LINE_DECIDABLE = INSTRUCTED | {State.DECIDED}


class TransitionRefusedError(GrantsError):
    def __init__(self, transition: Transition, state: State) -> None:
        allowed = sorted(move.value for move, (sources, _) in MOVES.items() if state in sources)
        super().__init__(
            f"{transition.value} is not allowed from {state.value}; allowed: {', '.join(allowed) or 'none'}"
        )
        self.transition = transition
        self.state = state


def next_state(state: State, transition: Transition) -> State:
    sources, target = MOVES[transition]
    if state not in sources:
        raise TransitionRefusedError(transition, state)
    return target


def moved(actor: Principal, state: State, transition: Transition, reason: str | None) -> State:
    """Where `transition` takes an application in `state` when `actor` makes it: the operator's users submit
    and withdraw, the instructors make every move; a refusal, a correction, a withdrawal or a reopening says
    why. (Whether the actor reads the application at all is checked before.)"""
    if transition in BY_THE_FINANCERS:
        raise RuleViolationError(
            "transition", "decided-by-financers", "an application is decided when every financer has decided its line"
        )
    operator_side = own_organisations(actor) is not None
    if operator_side and transition not in OPERATOR_MOVES:
        raise ForbiddenMoveError(f"{transition.value} belongs to the instructors")
    if not operator_side and not actor.roles & INSTRUCTORS:
        raise ForbiddenMoveError(f"{transition.value} belongs to the operator or the instructors")
    if transition in NEEDS_REASON and not (reason and reason.strip()):
        raise RuleViolationError("reason", "reason-required", f"{transition.value} needs a reason")
    return next_state(state, transition)


def check_editor(actor: Principal) -> None:
    """The operator's own users (who read it) or the instructors change an application's content."""
    if own_organisations(actor) is None and not actor.roles & INSTRUCTORS:
        raise ForbiddenMoveError("only the operator or the instructors change an application")


def check_editable(state: State) -> None:
    if state not in EDITABLE:
        raise NotEditableError(f"an application is changed in draft or correction_requested, not {state.value}")


def check_line_setter(actor: Principal, institution_code: str, institution_nom: str) -> None:
    """A financer's users set their institution's own line; the contract's pilots set any line."""
    own_line = bool(actor.roles & FUNDERS) and actor.institution == institution_code
    if not (own_line or actor.roles & PILOTS):
        raise ForbiddenMoveError(f"only {institution_nom} or the contract's pilots set this line")


def check_line_editable(state: State) -> None:
    if state not in INSTRUCTED:
        raise NotEditableError(f"financing lines are set from submission to proposal, not in {state.value}")


def check_line_decider(actor: Principal, institution_code: str, institution_nom: str) -> None:
    """A financer decides its own line, by its own act: only those who speak for it (or a platform
    administrator) record it; the contract's pilots decide their own institution's line, no other's."""
    own_line = bool(actor.roles & (FUNDERS | PILOTS)) and actor.institution == institution_code
    if not (own_line or actor.is_platform_admin):
        raise ForbiddenMoveError(f"only {institution_nom} decides its own line")


def check_line_decidable(state: State) -> None:
    if state not in LINE_DECIDABLE:
        raise NotEditableError(f"a financer decides its line from submission until decided, not in {state.value}")


def check_in_time(state: State, today: date, closes_on: date, late_reason: str | None, is_pilot: bool) -> bool:
    """A file is submitted by the call's closing day; a late one only by a pilot's exception, with its reason
    (kept and audited). A file sent back for correction is submitted again whenever it is corrected. Whether
    this submission is a late file's exception."""
    if state is not State.DRAFT or today <= closes_on:
        return False
    if is_pilot and late_reason and late_reason.strip():
        return True
    raise RuleViolationError(
        "transition",
        "submitted-before-closing",
        f"the call closed on {closes_on.isoformat()}: a late file is submitted by a pilot with the reason of its"
        " exception",
    )


def check_notification_letter(notified_on: date | None, today: date, decided_on: date | None) -> date:
    """The notification is dated by its letter (given, never the moment it is recorded): not after today,
    not before the last financer's act."""
    if notified_on is None:
        raise RuleViolationError("notified_on", "letter-date-required", "a notification gives its letter's date")
    if notified_on > today:
        raise RuleViolationError("notified_on", "not-in-future", f"a letter is dated {today.isoformat()} at the latest")
    if decided_on is not None and notified_on < decided_on:
        raise RuleViolationError(
            "notified_on", "after-decision", f"the letter follows the last decision, of {decided_on.isoformat()}"
        )
    return notified_on
