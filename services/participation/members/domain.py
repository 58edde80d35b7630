"""People, their mandates in bodies, and the rules a body's composition is checked against.

A body's rules are versioned, since a body need not keep the conseil citoyen's (the contract leaves the forms
of participation open, 002_…txt l. 1437; Arras' commissions citoyennes are meant to be less rigid, l. 1713):
a change is a new version, never an edit. Breaking a hard rule (a mandate ending before it starts, a second
active mandate in one body, a member kind the rules forbid) is an error; a composition off its targets (parity
gap, residents' share, size) is a warning with its figures. A person's identity is kept apart from the
pseudonymous record the rules and statistics use.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from identity.principal import Principal
from services.participation.bodies.domain import Body, BodyStatus, pilots_contract
from services.participation.errors import RuleViolationError
from services.participation.opinions.domain import add_months

SMALL_GROUP = 5  # statistics on fewer people are not published
SUBSTITUTE = "substitute"


class Gender(StrEnum):
    WOMAN = "f"
    MAN = "m"
    OTHER = "x"


class MemberKind(StrEnum):
    RESIDENT = "resident"
    ASSOCIATION = "association"
    LOCAL_ACTOR = "local_actor"
    INSTITUTION = "institution"
    ELECTED = "elected"


class EndReason(StrEnum):
    TERM_OVER = "term_over"
    RESIGNED = "resigned"
    MOVED_AWAY = "moved_away"
    DECEASED = "deceased"
    EXCLUDED = "excluded"
    REPLACED = "replaced"
    BODY_DISSOLVED = "body_dissolved"


class ConsentPurpose(StrEnum):
    CONTACT = "contact"
    PHOTO = "photo"
    NAME_PUBLICATION = "name_publication"
    SHARING_WITH_PARTNERS = "sharing_with_partners"


# Parity and the residents' share: loi 2014-173 art. 7 and the cadre de référence des conseils citoyens
# (juin 2014), both cited by the contract (002_…txt l. 1431).
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
class Person:
    """The pseudonymous record of a person: what rules and statistics need, no identity."""

    person_id: uuid.UUID
    contract_code: str
    gender: Gender
    age_band: str
    member_kind: MemberKind
    resident_in_qpv: bool
    fictitious: bool = False


@dataclass(frozen=True, slots=True)
class Identity:
    family_name: str
    given_name: str
    contact: str | None


@dataclass(frozen=True, slots=True)
class Mandate:
    """A person's seat in a body, from a day (to a day), with its role and college."""

    mandate_id: uuid.UUID
    person_id: uuid.UUID
    body_id: uuid.UUID
    role: str
    college: str | None
    starts_on: date
    ends_on: date | None
    end_reason: EndReason | None = None
    represented_organisation: str | None = None
    represented_body_id: uuid.UUID | None = None
    substitute_for: uuid.UUID | None = None
    replaces: uuid.UUID | None = None
    draw_id: uuid.UUID | None = None
    drawn_reference: str | None = None


@dataclass(frozen=True, slots=True)
class Consent:
    """A consent given or withdrawn, with the words agreed to (RGPD art. 7: a consent can be shown and
    withdrawn); the latest per purpose is the one in force."""

    purpose: ConsentPurpose
    given: bool
    on: date
    wording: str


@dataclass(frozen=True, slots=True)
class Declaration:
    body_id: uuid.UUID
    declared_on: date
    independent: bool
    interests: str | None


@dataclass(frozen=True, slots=True)
class CompositionWarning:
    rule: str
    message: str


def check_body_sitting(body: Body, starts_on: date, ends_on: date | None) -> None:
    """A dissolved body gives no mandate: its members' mandates ended with it (`body_dissolved`); the conseils
    citoyens replaced by Arras' commissions citoyennes are such bodies (002_…txt l. 1713). A past mandate of a
    dissolved body whose dissolution day is known may be recorded, if it ended by that day."""
    if body.dissolved_on is None and body.status == BodyStatus.DISSOLVED:
        raise RuleViolationError("body_id", "body-not-dissolved", "the body is dissolved: it gives no mandate")
    if body.dissolved_on is not None and (ends_on is None or ends_on > body.dissolved_on):
        raise RuleViolationError(
            "body_id", "body-not-dissolved", f"the body was dissolved on {body.dissolved_on.isoformat()}"
        )
    if body.established_on is not None and starts_on < body.established_on:
        raise RuleViolationError(
            "starts_on", "body-established", f"the body was established on {body.established_on.isoformat()}"
        )


def check_term(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise RuleViolationError("ends_on", "after-start", "a mandate ends on or after the day it starts")


def overlaps(first: tuple[date, date | None], second: tuple[date, date | None]) -> bool:
    (start_a, end_a), (start_b, end_b) = first, second
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def check_single_mandate(new: tuple[date, date | None], existing: Collection[tuple[date, date | None]]) -> None:
    if any(overlaps(new, term) for term in existing):
        raise RuleViolationError(
            "person_id", "one-active-mandate", "this person already holds a mandate in this body for these dates"
        )


def check_member_kind(rules: BodyRules | None, kind: MemberKind) -> None:
    if rules is not None and kind in rules.forbidden_member_kinds:
        raise RuleViolationError(
            "person_id",
            "member-kind-allowed",
            f"the body's rules (version {rules.version}) exclude {kind.value} members",
        )


def check_end(mandate: Mandate, ends_on: date) -> None:
    if mandate.end_reason is not None:
        raise RuleViolationError("ends_on", "mandate-open", "this mandate has ended already")
    if ends_on < mandate.starts_on:
        raise RuleViolationError("ends_on", "after-start", "a mandate ends on or after the day it starts")


def check_substitute(
    role: str, titular: Mandate | None, new: tuple[date, date | None], others: Sequence[Mandate]
) -> None:
    """A substitute stands in for one titular of the same body, during the titular's mandate, one at a time."""
    if role != SUBSTITUTE:
        if titular is not None:
            raise RuleViolationError("substitute_for", "substitute-role", "only a substitute stands in for someone")
        return
    if titular is None or titular.role == SUBSTITUTE:
        raise RuleViolationError("substitute_for", "substitute-of-titular", "a substitute names a titular's mandate")
    if not overlaps(new, (titular.starts_on, titular.ends_on)) or new[0] < titular.starts_on:
        raise RuleViolationError("starts_on", "within-titular-term", "a substitute serves during the titular's mandate")
    if any(
        item.substitute_for == titular.mandate_id and overlaps(new, (item.starts_on, item.ends_on)) for item in others
    ):
        raise RuleViolationError(
            "substitute_for", "one-substitute-per-titular", "this titular already has a substitute for these dates"
        )


def check_representation(seats: int | None, represented_body_holds_person: bool, already_seated: int) -> None:
    """A citizen body's seat in a governance committee: held by one of its members, within the seats (loi
    2014-173 art. 7: the conseil citoyen sits in the contract's steering bodies; 002_…txt l. 1711)."""
    if seats is None:
        raise RuleViolationError(
            "represented_body_id", "representation-seats", "the committee's rules give this body no seat"
        )
    if not represented_body_holds_person:
        raise RuleViolationError(
            "represented_body_id", "represents-own-body", "a representative holds a mandate in the body represented"
        )
    if already_seated >= seats:
        raise RuleViolationError(
            "represented_body_id", "representation-seats", f"the body's {seats} seats in this committee are taken"
        )


def check_declaration(independent: bool, interests: str | None) -> None:
    """A member who is not independent of the body's elected officials and institutions says why (loi 2014-173
    art. 7: conseils citoyens act independently of the public authorities)."""
    if not independent and not (interests and interests.strip()):
        raise RuleViolationError("interests", "interests-declared", "a member who is not independent says why")


def composition_warnings(rules: BodyRules | None, members: Sequence[Person]) -> list[CompositionWarning]:
    if rules is None or not members:
        return []
    warnings = []
    women = sum(1 for member in members if member.gender is Gender.WOMAN)
    men = sum(1 for member in members if member.gender is Gender.MAN)
    if rules.parity and abs(women - men) > 1:
        warnings.append(CompositionWarning("parity", f"parity gap {abs(women - men)} (women {women}, men {men}) > 1"))
    residents = sum(1 for member in members if member.member_kind is MemberKind.RESIDENT)
    if Decimal(residents) / len(members) < rules.residents_min_share:
        target = format((rules.residents_min_share * 100).normalize(), "f")
        warnings.append(CompositionWarning("residents-share", f"residents {residents} of {len(members)} < {target} %"))
    if rules.size_max is not None and len(members) > rules.size_max:
        warnings.append(CompositionWarning("size", f"{len(members)} members > {rules.size_max}"))
    return warnings


def college_warnings(college_seats: Mapping[str, int], in_office: Sequence[str | None]) -> list[CompositionWarning]:
    """A college over its seats is a warning with its figures."""
    counts = Counter(college for college in in_office if college is not None)
    return [
        CompositionWarning("college-seats", f"college {college}: {counts[college]} members for {seats} seats")
        for college, seats in sorted(college_seats.items())
        if counts[college] > seats
    ]


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


@dataclass(frozen=True, slots=True)
class Composition:
    """A body's members on a day as published: the total, and women, men and residents unless too few."""

    members: int
    women: int | None
    men: int | None
    residents: int | None


GENDERS = tuple(gender.value for gender in Gender)  # always listed: that a gender is listed says nothing


def published_composition(members: Sequence[Person]) -> Composition:
    """Each count by the rule of the participation indicators (`published_breakdown`): with 6 members of whom
    5 women, neither the women nor the men are published (6 − 5 would give the one man away); with 10
    women, 10 men and one member of another gender, neither (21 − 20 would give that one away); the same
    for residents."""
    genders = published_breakdown(Counter(member.gender.value for member in members), listed=GENDERS)
    residents = sum(1 for member in members if member.member_kind is MemberKind.RESIDENT)
    kinds = published_breakdown({"resident": residents, "other": len(members) - residents}, ("resident", "other"))
    return Composition(len(members), genders[Gender.WOMAN.value], genders[Gender.MAN.value], kinds["resident"])


def published_breakdown(counts: Mapping[str, int], listed: Sequence[str] = ()) -> dict[str, int | None]:
    """The counts of a breakdown whose total is published, whole or not at all (statistical disclosure
    control, as INSEE's secret statistique applies it to small groups):
    - when any count is 1 to 4, no count is published (null), since the total and the other counts would
      rebuild it; nor is any category named but the `listed` ones, since a category is named only when
      someone is in it (3 members in 3 age bands named would be one in each);
    - otherwise every count is, the `listed` categories at zero included: a zero reveals no one.
    No hidden count can then be rebuilt from what is published (tests/participation/test_published_figures.py
    tries every breakdown of up to 12 people)."""
    complete: dict[str, int | None] = {**dict.fromkeys(listed, 0), **counts}
    if any(0 < value < SMALL_GROUP for value in counts.values()):
        return dict.fromkeys(listed)
    return complete


def handles_personal_data(caller: Principal, contract_code: str) -> bool:
    """A person's data is exported (RGPD art. 15) or erased (RGPD art. 17) by the contract's pilots only."""
    return pilots_contract(caller, contract_code)
