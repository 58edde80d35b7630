"""The participation part of the contract's evaluation (its object "Participation citoyenne": 002_…txt
l. 2243-2245, and the governance axis the ONPV asks of every evaluation: the guide, 001_…txt l. 60-63): bodies,
members and their evolution, meetings and participants, institutions represented, opinions and how they were
taken into account.

People are only ever counted, and published by the rule of `members.domain.published_breakdown`.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from services.participation.bodies.domain import (
    GOVERNANCE_KINDS,
    Body,
    BodyKind,
    BodyStatus,
    ParticipationLevel,
    ThemeLevel,
    below_declared,
)
from services.participation.members.domain import GENDERS, published_breakdown
from services.participation.opinions.domain import TAKEN_UP, Outcome, ReferralStatus, referral_status

# Members are counted in citizen bodies, not in the governance committees (the contract's indicator: the
# residents who take part, 002_…txt l. 2245).
CITIZEN_KINDS = sorted(kind.value for kind in BodyKind if kind not in GOVERNANCE_KINDS)


def share(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class MembersProfile:
    members: int
    genders: dict[str, int | None]
    age_bands: dict[str, int | None]
    residents_share: Decimal | None


def published_share(part: int, whole: int) -> Decimal | None:
    """The share of people a part makes of a whole whose count is published: null when the part or the rest
    would be hidden as a count (6 residents of 7 members would give the one other away, as the count 6 would),
    by the rule of `published_breakdown`."""
    if published_breakdown({"part": part, "rest": whole - part}, listed=("part",))["part"] is None:
        return None
    return share(part, whole)


def members_profile(profiles: Sequence[tuple[str, str, str]], *, year_ended: bool = True) -> MembersProfile:
    """Who holds a mandate: counts by gender (every gender listed) and age band, residents' share. Of a year
    not yet ended, the count alone: its 31 December counts the mandates started so far, and its profile,
    compared from one day to the next, would tell the gender, age and residence of whoever joined between."""
    if not year_ended:
        return MembersProfile(len(profiles), dict.fromkeys(GENDERS), {}, None)
    return MembersProfile(
        members=len(profiles),
        genders=published_breakdown(Counter(gender for gender, _, _ in profiles), listed=GENDERS),
        age_bands=published_breakdown(Counter(band for _, band, _ in profiles)),
        residents_share=published_share(sum(1 for _, _, kind in profiles if kind == "resident"), len(profiles)),
    )


@dataclass(frozen=True, slots=True)
class OpinionFigures:
    issued: int
    by_kind: dict[str, int]
    answered: int
    taken_up: int
    rejected: int
    share_answered: Decimal | None
    share_taken_up: Decimal | None
    median_days_to_answer: Decimal | None


def opinion_figures(opinions: Sequence[tuple[str, str | None, int | None]]) -> OpinionFigures:
    answered = [(outcome, days) for _, outcome, days in opinions if outcome is not None]
    taken_up = sum(1 for outcome, _ in answered if Outcome(outcome) in TAKEN_UP)
    delays = [days for _, days in answered if days is not None]
    return OpinionFigures(
        issued=len(opinions),
        by_kind=dict(sorted(Counter(kind for kind, _, _ in opinions).items())),
        answered=len(answered),
        taken_up=taken_up,
        rejected=sum(1 for outcome, _ in answered if outcome == Outcome.REJECTED.value),
        share_answered=share(len(answered), len(opinions)),
        share_taken_up=share(taken_up, len(answered)),
        median_days_to_answer=Decimal(str(statistics.median(delays))) if delays else None,
    )


def referral_figures(referrals: Sequence[tuple[date, date | None]], today: date) -> dict[str, int]:
    states = Counter(referral_status(due_on, answered_on, today) for due_on, answered_on in referrals)
    return {"made": len(referrals), **{state.value: states[state] for state in ReferralStatus}}


def counted(values: Iterable[str]) -> dict[str, int]:
    """How many of each value, by value."""
    return dict(sorted(Counter(values).items()))


@dataclass(frozen=True, slots=True)
class BodyFigures:
    by_kind: dict[str, int]  # bodies living on the year's last day
    by_level: dict[str, int]  # bodies living on the year's last day
    by_status: dict[str, int]  # bodies established by the year's last day, by their status on that day


def status_on(body: Body, day: date) -> str:
    """A body's status on a day: dissolved once its dissolution day has come; before it, a body dissolved
    since was active."""
    if body.dissolved_by(day):
        return BodyStatus.DISSOLVED.value
    return BodyStatus.ACTIVE.value if body.status == BodyStatus.DISSOLVED else body.status.value


def body_figures(bodies: Sequence[Body], year_end: date) -> BodyFigures:
    """The contract's bodies as they stood on the year's last day: those not yet established are not
    counted, those dissolved by then are counted as dissolved only (a year's count follows the bodies' dates)."""
    established = [body for body in bodies if body.established_by(year_end)]
    living = [body for body in established if not body.dissolved_by(year_end)]
    return BodyFigures(
        by_kind=counted(body.kind.value for body in living),
        by_level=counted(body.participation_level.value for body in living),
        by_status=counted(status_on(body, year_end) for body in established),
    )


@dataclass(frozen=True, slots=True)
class ThemeFigures:
    declared: dict[str, int]
    observed: dict[str, int]
    below_declared: int


def theme_figures(levels: Sequence[tuple[str, str | None]]) -> ThemeFigures:
    """From the (declared, observed) levels of the themes of the contract's living bodies."""
    themes = [
        ThemeLevel("", ParticipationLevel(declared), None if observed is None else ParticipationLevel(observed))
        for declared, observed in levels
    ]
    return ThemeFigures(
        declared=counted(level.declared.value for level in themes),
        observed=counted(level.observed.value for level in themes if level.observed is not None),
        below_declared=sum(1 for level in themes if below_declared(level)),
    )


SERIES_YEARS = 5  # the members' series starts this many years before the year asked, unless told


def series_start(year: int, since: int | None) -> int:
    return year - SERIES_YEARS if since is None else since


def year_ends(since: int, year: int) -> dict[int, date]:
    """The days members are counted on: 31 December of each year of the series."""
    return {each: date(each, 12, 31) for each in range(since, year + 1)}
