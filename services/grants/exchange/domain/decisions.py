"""Each line of a decisions file matched to an application (Dauphin number, then SIRET + year + normalised
title, else the manual queue) and compared with what we hold: what is missing is set, what differs is a
divergence reported and never overwritten silently (research/grants.md §4.3). What we hold is compared as
our programmation export shows it, so that the export returned untouched changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from services.grants.applications.domain.financing import LineDecision
from services.grants.applications.domain.workflow import LIVE, State
from services.grants.errors import spaced
from services.grants.exchange.domain.cells import LineError, folded
from services.grants.exchange.domain.decision_files import DecisionLine


@dataclass(frozen=True, slots=True)
class Held:
    """What we hold of one application and its State (P147) line."""

    application_id: uuid.UUID
    state: str
    dauphin_number: str | None
    siret: str
    year: int
    title: str
    requested_cents: int | None  # None: no P147 line
    decided_cents: int | None
    decision: str | None
    decided_on: date | None
    chorus_commitment: str | None
    decision_day: date | None = None  # the day the application was last decided (its "decide" move)
    paid_commitment: str | None = None  # the Chorus EJ its State tranches were last paid under


def shown_decision_day(decided_on: date | None, decision: str | None, decision_day: date | None) -> date | None:
    """The day a line's decision is dated by in our files: the one a decisions file gave, else, for a line
    that holds a decision, the day the application was decided (research/grants.md §4.2, `date_decision`)."""
    if decided_on is not None or decision is None:
        return decided_on
    return decision_day


def shown_commitment(chorus_commitment: str | None, paid_commitment: str | None) -> str | None:
    """A line's Chorus EJ in our files (research/grants.md §4.2 and §4.3, `chorus_ej`: the engagement the
    payments are made under): the one a decisions file gave, else the one its payments name."""
    return chorus_commitment if chorus_commitment is not None else paid_commitment


class LineStatus(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    NOTHING_TO_DECIDE = "nothing_to_decide"  # the line gives no decision's value (decision_files.decides)
    DIVERGENT = "divergent"
    UNMATCHED = "unmatched"
    ERROR = "error"
    RESOLVED_APPLIED = "resolved_applied"
    RESOLVED_KEPT = "resolved_kept"


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    ours: Any
    theirs: Any
    divergent: bool


def status_of(changes: Sequence[Change]) -> LineStatus:
    """A matched line without errors: divergent, else applied when it changes anything."""
    if any(change.divergent for change in changes):
        return LineStatus.DIVERGENT
    return LineStatus.APPLIED if changes else LineStatus.UNCHANGED


# A decision can be recorded on the State's line from the submission on (as the financer's own PATCH), not
# while the operator corrects its file.
DECIDABLE_STATES = frozenset(state.value for state in LIVE - {State.CORRECTION_REQUESTED})


def compare(line: DecisionLine, held: Held) -> tuple[list[Change], list[LineError]]:
    """What the line would change: a value we lack is set, a value that differs is a divergence. A decision's
    day or EJ our files show without holding it on the line (the day of the "decide" move, the EJ of a
    payment) is no change when the line gives it again; another day is set (the prefecture's decision is
    dated by it), another EJ than the payments' is a divergence."""
    errors: list[LineError] = []
    if held.requested_cents is None:
        errors.append(LineError("application", "state-line", "the application has no line of the State (P147)"))
        return [], errors
    changes: list[Change] = []

    def against(name: str, ours: Any, theirs: Any) -> None:
        if theirs is not None and theirs != ours:
            changes.append(Change(name, ours, theirs, divergent=ours is not None))

    decided = line.decided_cents
    if line.decision in {LineDecision.REFUSED.value, LineDecision.NO_FOLLOW_UP.value} and decided is None:
        decided = 0
    if decided is not None and decided > held.requested_cents:
        errors.append(
            LineError(
                "decided_amount",
                "within-requested",
                f"{spaced(decided)} decided > {spaced(held.requested_cents)} requested",
            )
        )
    against("decided_amount", held.decided_cents, decided)
    implied = None if decided is None else (LineDecision.GRANTED if decided else LineDecision.REFUSED).value
    against("decision", held.decision, line.decision or implied)
    shown_day = shown_decision_day(held.decided_on, held.decision, held.decision_day)
    if line.decision_date != shown_day:
        against("decision_date", _iso(held.decided_on), _iso(line.decision_date))
    against("chorus_commitment", shown_commitment(held.chorus_commitment, held.paid_commitment), line.chorus_commitment)
    against("dauphin_number", held.dauphin_number, line.dauphin_number)
    if changes and held.state not in DECIDABLE_STATES and any(not change.divergent for change in changes):
        errors.append(LineError("application", "not-decidable", f"the application is {held.state}"))
    return changes, errors


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


@dataclass(slots=True)
class Matcher:
    """Applications found by Dauphin number, full or 8-digit code, else by SIRET + year + folded title."""

    by_number: dict[str, list[Held]] = field(default_factory=dict)
    by_code: dict[str, list[Held]] = field(default_factory=dict)
    by_identity: dict[tuple[str, int, str], list[Held]] = field(default_factory=dict)

    @classmethod
    def of(cls, held: Iterable[Held]) -> Matcher:
        matcher = cls()
        for item in held:
            if item.dauphin_number:
                matcher.by_number.setdefault(item.dauphin_number, []).append(item)
                matcher.by_code.setdefault(item.dauphin_number[2:10], []).append(item)
            matcher.by_identity.setdefault((item.siret, item.year, folded(item.title)), []).append(item)
        return matcher

    def match(self, line: DecisionLine) -> tuple[Held | None, str | None, LineError | None]:
        """(application, how it was matched, or why the line is ambiguous)."""
        if line.dauphin_code is not None:
            found = (
                self.by_number.get(line.dauphin_number, [])
                if line.dauphin_number
                else self.by_code.get(line.dauphin_code, [])
            )
            if len(found) > 1:
                return (
                    None,
                    None,
                    LineError(
                        "dauphin_number",
                        "ambiguous-match",
                        f"{line.dauphin_number or line.dauphin_code} matches {len(found)} applications",
                    ),
                )
            if found:
                return found[0], "dauphin_number", None
        if line.siret and line.year and line.title:
            found = self.by_identity.get((line.siret, line.year, folded(line.title)), [])
            if len(found) > 1:
                return (
                    None,
                    None,
                    LineError("title", "ambiguous-match", f"SIRET, year and title match {len(found)} applications"),
                )
            if found:
                return found[0], "siret_year_title", None
        return None, None, None


def duplicate_key(line: DecisionLine) -> tuple[Any, ...] | None:
    if line.dauphin_number or line.dauphin_code:
        return ("dauphin", line.dauphin_number or line.dauphin_code)
    if line.siret and line.year and line.title:
        return ("identity", line.siret, line.year, folded(line.title))
    return None
