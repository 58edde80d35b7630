"""The participation part of the contract's evaluation (chapter "Participation citoyenne" and
"Gouvernance"): bodies, members and their evolution, meetings and participants, institutions
represented, opinions and how they were taken into account.

People are only ever counted, and published by the rule of `published_counts`.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from services.participation.members.domain import published_breakdown
from services.participation.opinions.domain import TAKEN_UP, Outcome, ReferralStatus, referral_status


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


def members_profile(profiles: Sequence[tuple[str, str, str]]) -> MembersProfile:
    """Who holds a mandate: counts by gender (women and men always listed) and age band, residents' share."""
    genders = Counter(gender for gender, _, _ in profiles)
    return MembersProfile(
        members=len(profiles),
        genders=published_breakdown({"f": genders["f"], "m": genders["m"], **genders}),
        age_bands=published_breakdown(Counter(band for _, band, _ in profiles)),
        residents_share=share(sum(1 for _, _, kind in profiles if kind == "resident"), len(profiles)),
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
