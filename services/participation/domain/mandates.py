"""People's mandates in bodies, and the rules a body's composition is checked against.

A body's rules are versioned (the 2024 reform made parity, residents' share or the préfet's
recognition optional): a change is a new version, never an edit. Breaking a hard rule (a mandate
ending before it starts, a second active mandate in one body, a member kind the rules forbid) is an
error; a composition off its targets (parity gap, residents' share, size) is a warning with its figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from services.participation.domain.draws import Gender
from services.participation.domain.opinions import add_months
from services.participation.domain.published_counts import published_breakdown
from services.participation.errors import RuleViolationError


class MemberKind(StrEnum):
    RESIDENT = "resident"
    ASSOCIATION = "association"
    LOCAL_ACTOR = "local_actor"
    INSTITUTION = "institution"
    ELECTED = "elected"


@dataclass(frozen=True, slots=True)
class BodyRules:
    version: int
    parity: bool
    residents_min_share: Decimal
    size_max: int | None
    mandate_years: int | None
    forbidden_member_kinds: frozenset[MemberKind]
    quorum_share: Decimal | None = None
    notice_days: int | None = None
    college_seats: Mapping[str, int] = field(default_factory=dict)
    representation_seats: Mapping[str, int] = field(default_factory=dict)  # citizen body id → seats


@dataclass(frozen=True, slots=True)
class Member:
    gender: Gender
    kind: MemberKind
    resident_in_qpv: bool


@dataclass(frozen=True, slots=True)
class CompositionWarning:
    rule: str
    message: str


def check_term(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise RuleViolationError("endsOn", "after-start", "a mandate ends on or after the day it starts")


def overlaps(first: tuple[date, date | None], second: tuple[date, date | None]) -> bool:
    (start_a, end_a), (start_b, end_b) = first, second
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def check_single_mandate(new: tuple[date, date | None], existing: Collection[tuple[date, date | None]]) -> None:
    if any(overlaps(new, term) for term in existing):
        raise RuleViolationError(
            "personId", "one-active-mandate", "this person already holds a mandate in this body for these dates"
        )


def check_member_kind(rules: BodyRules | None, kind: MemberKind) -> None:
    if rules is not None and kind in rules.forbidden_member_kinds:
        raise RuleViolationError(
            "personId",
            "member-kind-allowed",
            f"the body's rules (version {rules.version}) exclude {kind.value} members",
        )


def composition_warnings(rules: BodyRules | None, members: Sequence[Member]) -> list[CompositionWarning]:
    if rules is None or not members:
        return []
    warnings = []
    women = sum(1 for member in members if member.gender is Gender.WOMAN)
    men = sum(1 for member in members if member.gender is Gender.MAN)
    if rules.parity and abs(women - men) > 1:
        warnings.append(CompositionWarning("parity", f"parity gap {abs(women - men)} (women {women}, men {men}) > 1"))
    residents = sum(1 for member in members if member.kind is MemberKind.RESIDENT)
    if Decimal(residents) / len(members) < rules.residents_min_share:
        target = format((rules.residents_min_share * 100).normalize(), "f")
        warnings.append(CompositionWarning("residents-share", f"residents {residents} of {len(members)} < {target} %"))
    if rules.size_max is not None and len(members) > rules.size_max:
        warnings.append(CompositionWarning("size", f"{len(members)} members > {rules.size_max}"))
    return warnings


@dataclass(frozen=True, slots=True)
class Composition:
    """A body's members on a day as published: the total, and women, men and residents unless too few."""

    members: int
    women: int | None
    men: int | None
    residents: int | None


def published_composition(members: Sequence[tuple[Gender, MemberKind]]) -> Composition:
    """Each count by the rule of the participation indicators: with 6 members of whom 5 women, neither the
    women nor the men are published (6 − 5 would give the one man away); the same for residents."""
    genders = published_breakdown(
        {Gender.WOMAN.value: 0, Gender.MAN.value: 0, **Counter(gender.value for gender, _ in members)}
    )
    residents = sum(1 for _, kind in members if kind is MemberKind.RESIDENT)
    kinds = published_breakdown({"resident": residents, "other": len(members) - residents})
    return Composition(len(members), genders[Gender.WOMAN.value], genders[Gender.MAN.value], kinds["resident"])


class ConsentPurpose(StrEnum):
    CONTACT = "contact"
    PHOTO = "photo"
    NAME_PUBLICATION = "name_publication"
    SHARING_WITH_PARTNERS = "sharing_with_partners"


class EndReason(StrEnum):
    TERM_OVER = "term_over"
    RESIGNED = "resigned"
    MOVED_AWAY = "moved_away"
    DECEASED = "deceased"
    EXCLUDED = "excluded"
    REPLACED = "replaced"
    BODY_DISSOLVED = "body_dissolved"


@dataclass(frozen=True, slots=True)
class Term:
    """A mandate's dates and role, as the checks below need them."""

    mandate_id: str
    role: str
    starts_on: date
    ends_on: date | None
    substitute_for: str | None = None


SUBSTITUTE = "substitute"


def check_end(term: Term, ends_on: date, today_open: bool) -> None:
    if not today_open:
        raise RuleViolationError("endsOn", "mandate-open", "this mandate has ended already")
    if ends_on < term.starts_on:
        raise RuleViolationError("endsOn", "after-start", "a mandate ends on or after the day it starts")


def check_substitute(role: str, titular: Term | None, new: tuple[date, date | None], others: Sequence[Term]) -> None:
    """A substitute stands in for one titular of the same body, during the titular's mandate, one at a time."""
    if role != SUBSTITUTE:
        if titular is not None:
            raise RuleViolationError("substituteFor", "substitute-role", "only a substitute stands in for someone")
        return
    if titular is None or titular.role == SUBSTITUTE:
        raise RuleViolationError("substituteFor", "substitute-of-titular", "a substitute names a titular's mandate")
    if not overlaps(new, (titular.starts_on, titular.ends_on)) or new[0] < titular.starts_on:
        raise RuleViolationError("startsOn", "within-titular-term", "a substitute serves during the titular's mandate")
    if any(
        item.substitute_for == titular.mandate_id and overlaps(new, (item.starts_on, item.ends_on)) for item in others
    ):
        raise RuleViolationError(
            "substituteFor", "one-substitute-per-titular", "this titular already has a substitute for these dates"
        )


def college_warnings(college_seats: Mapping[str, int], in_office: Sequence[str | None]) -> list[CompositionWarning]:
    """A college over its seats is a warning with its figures."""
    counts = Counter(college for college in in_office if college is not None)
    return [
        CompositionWarning("college-seats", f"college {college}: {counts[college]} members for {seats} seats")
        for college, seats in sorted(college_seats.items())
        if counts[college] > seats
    ]


def check_representation(seats: int | None, represented_body_holds_person: bool, already_seated: int) -> None:
    """A citizen body's seat in a governance committee: held by one of its members, within the seats."""
    if seats is None:
        raise RuleViolationError(
            "representedBodyId", "representation-seats", "the committee's rules give this body no seat"
        )
    if not represented_body_holds_person:
        raise RuleViolationError(
            "representedBodyId", "represents-own-body", "a representative holds a mandate in the body represented"
        )
    if already_seated >= seats:
        raise RuleViolationError(
            "representedBodyId", "representation-seats", f"the body's {seats} seats in this committee are taken"
        )


def term_warnings(rules: BodyRules | None, starts_on: date, ends_on: date | None) -> list[CompositionWarning]:
    """A mandate longer than the rules' mandate length (or without an end when they set one) is a warning."""
    if rules is None or rules.mandate_years is None:
        return []
    limit = add_months(starts_on, 12 * rules.mandate_years)
    if ends_on is None or ends_on > limit:
        return [
            CompositionWarning(
                "mandate-length", f"the rules set mandates of {rules.mandate_years} years: end by {limit.isoformat()}"
            )
        ]
    return []
