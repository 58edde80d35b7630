"""Mandates through their use cases, on a transaction rolled back at each test's end: who gives and ends them,
the hard rules that refuse one (term, one mandate at a time, member kinds, substitutes within their titular's
term, representation seats), the targets that only warn (mandate length, college seats, parity, residents'
share, size), and what is written."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import Body, BodyKind
from services.participation.errors import NotBoundError, NotFoundError
from services.participation.members.domain import SUBSTITUTE, EndReason, Gender, Mandate, MemberKind, Person
from services.participation.members.use_cases.mandates import composition, end_mandate, give_mandate
from services.participation.members.use_cases.people import export_person
from services.participation.members.use_cases.rules import rule_versions
from tests.participation.use_cases.callers import ADMIN, OPERATOR, PILOT, STRANGER, facilitator_of
from tests.participation.use_cases.checks import audited, refused
from tests.participation.use_cases.records import Territories, a_body, a_mandate, a_person, with_rules
from tests.steps import step

JANUARY = date(2025, 1, 1)


async def test_rules_are_versioned_never_edited(uow: UnitOfWork, territories: Territories) -> None:
    body = await a_body(uow, territories)
    first = await with_rules(uow, body, parity=True)
    second = await with_rules(uow, body, parity=True, forbidden_member_kinds=frozenset({MemberKind.ELECTED}))
    assert (first.version, second.version) == (1, 2)
    assert await rule_versions(uow, PILOT, body.body_id) == [first, second]
    assert await audited(uow, body.body_id) == ["body.created", "body_rules.versioned", "body_rules.versioned"]


async def test_who_gives_a_mandate(uow: UnitOfWork, territories: Territories) -> None:
    body, other_body = await a_body(uow, territories), await a_body(uow, territories)
    person = await a_person(uow)
    with pytest.raises(NotFoundError):  # another contract's body answers like a missing one
        await give_mandate(uow, STRANGER, a_mandate(body, person))
    for outsider in (OPERATOR, facilitator_of(other_body)):
        with pytest.raises(NotBoundError):
            await give_mandate(uow, outsider, a_mandate(body, person))
    given = await give_mandate(uow, facilitator_of(body), a_mandate(body, person))
    assert (await export_person(uow, ADMIN, person.person_id)).mandates == [given.mandate]
    assert await audited(uow, given.mandate.mandate_id) == ["mandate.given"]


async def test_the_hard_rules_refuse_a_mandate_and_write_nothing(uow: UnitOfWork, territories: Territories) -> None:
    body = await a_body(uow, territories)
    await with_rules(uow, body, forbidden_member_kinds=frozenset({MemberKind.ELECTED}))
    woman = await a_person(uow)
    await give_mandate(uow, PILOT, a_mandate(body, woman, JANUARY))
    with refused("after-start"):
        await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow), date(2030, 1, 1), date(2029, 1, 1)))
    with refused("one-active-mandate"):  # her first mandate has no end: a second overlaps it
        await give_mandate(uow, PILOT, a_mandate(body, woman, date(2025, 6, 1), date(2026, 6, 1)))
    with refused("member-kind-allowed"):
        await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow, Gender.MAN, MemberKind.ELECTED)))
    elsewhere = await a_person(uow, contract="CV-ELSEWHERE")
    for none_of_the_body in (elsewhere, replace(elsewhere, person_id=uuid.uuid4())):
        with pytest.raises(NotFoundError):  # another contract's person answers like an unknown one
            await give_mandate(uow, PILOT, a_mandate(body, none_of_the_body))
    assert (await composition(uow, PILOT, body.body_id, date(2025, 7, 1))).members == 1


async def test_a_mandate_longer_than_the_rules_set_is_a_warning(uow: UnitOfWork, territories: Territories) -> None:
    body, unruled = await a_body(uow, territories), await a_body(uow, territories)
    await with_rules(uow, body, mandate_years=3)
    too_long = [("mandate-length", "the rules set mandates of 3 years: end by 2028-01-01")]
    for ends_on, warnings in (
        (None, too_long),
        (date(2028, 1, 2), too_long),
        (date(2028, 1, 1), []),
        (date(2027, 12, 31), []),
    ):
        given = await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow), JANUARY, ends_on))
        assert [(item.rule, item.message) for item in given.warnings] == warnings, ends_on
    assert (await give_mandate(uow, PILOT, a_mandate(unruled, await a_person(uow)))).warnings == []


async def test_a_college_over_its_seats_is_a_warning_with_its_figures(
    uow: UnitOfWork, territories: Territories
) -> None:
    body = await a_body(uow, territories)
    await with_rules(uow, body, college_seats={"residents": 1, "associations": 2})
    association = await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow), college="associations"))
    first = await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow), college="residents"))
    assert association.warnings == first.warnings == []
    later = await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow), date(2025, 9, 1), college="residents"))
    assert [(item.rule, item.message) for item in later.warnings] == [
        ("college-seats", "college residents: 2 members for 1 seats")
    ]
    await end_mandate(uow, PILOT, first.mandate.mandate_id, date(2025, 12, 31), EndReason.RESIGNED)
    next_year = await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow), date(2026, 1, 1), college="x"))
    assert next_year.warnings == []  # counted on the day it starts: the first resident has left


async def test_parity_the_residents_share_and_the_size_are_targets(uow: UnitOfWork, territories: Territories) -> None:
    body = await a_body(uow, territories)
    await with_rules(uow, body, parity=True, residents_min_share=Decimal("0.5"), size_max=3)
    assert (await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow)))).warnings == []  # a gap of 1
    for _ in range(2):
        given = await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow)))
    assert [(item.rule, item.message) for item in given.warnings] == [("parity", "parity gap 3 (women 3, men 0) > 1")]
    for kind in (MemberKind.ASSOCIATION, MemberKind.INSTITUTION, MemberKind.LOCAL_ACTOR):
        given = await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow, Gender.MAN, kind)))
    assert [(item.rule, item.message) for item in given.warnings] == [("size", "6 members > 3")]  # 3 residents of 6
    seventh = await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow, Gender.MAN, MemberKind.ASSOCIATION)))
    assert [(item.rule, item.message) for item in seventh.warnings] == [
        ("residents-share", "residents 3 of 7 < 50 %"),
        ("size", "7 members > 3"),
    ]


async def test_a_substitute_stands_in_for_one_titular_during_their_term(
    uow: UnitOfWork, territories: Territories
) -> None:
    body, other_body = await a_body(uow, territories), await a_body(uow, territories)
    titular = (await give_mandate(uow, PILOT, a_mandate(body, await a_person(uow), JANUARY))).mandate
    foreign = (await give_mandate(uow, PILOT, a_mandate(other_body, await a_person(uow)))).mandate
    substitute, second = await a_person(uow), await a_person(uow)

    def standing_in(
        person: Person, for_mandate: Mandate, starts_on: date = JANUARY, ends_on: date | None = None
    ) -> Mandate:
        return a_mandate(body, person, starts_on, ends_on, role=SUBSTITUTE, substitute_for=for_mandate.mandate_id)

    with step("what a substitute's mandate names"):
        with refused("substitute-role"):  # a member stands in for no one
            await give_mandate(uow, PILOT, a_mandate(body, substitute, substitute_for=titular.mandate_id))
        with refused("substitute-of-titular"):
            await give_mandate(uow, PILOT, a_mandate(body, substitute, role=SUBSTITUTE))
        with refused("substitute-of-titular"):  # another body's titular is none of this body's
            await give_mandate(uow, PILOT, standing_in(substitute, foreign))
        with refused("within-titular-term"):
            await give_mandate(uow, PILOT, standing_in(substitute, titular, date(2024, 12, 1)))
    with step("one substitute for the titular at a time"):
        first = await give_mandate(uow, PILOT, standing_in(substitute, titular, JANUARY, date(2025, 6, 30)))
        assert (first.mandate.role, first.mandate.substitute_for) == (SUBSTITUTE, titular.mandate_id)
        with refused("one-substitute-per-titular"):
            await give_mandate(uow, PILOT, standing_in(second, titular, date(2025, 6, 1)))
        after_the_first = await give_mandate(uow, PILOT, standing_in(second, titular, date(2025, 7, 1)))
        assert after_the_first.mandate.substitute_for == titular.mandate_id
    with step("no substitute of a substitute, nor after the titular's term"):
        with refused("substitute-of-titular"):
            await give_mandate(uow, PILOT, standing_in(await a_person(uow), first.mandate))
        await end_mandate(uow, PILOT, titular.mandate_id, date(2025, 12, 31), EndReason.MOVED_AWAY)
        with refused("within-titular-term"):
            await give_mandate(uow, PILOT, standing_in(await a_person(uow), titular, date(2026, 1, 1)))


async def test_a_citizen_body_holds_its_seats_in_a_governance_committee(
    uow: UnitOfWork, territories: Territories
) -> None:
    commission = await a_body(uow, territories)
    copil = await a_body(uow, territories, BodyKind.COMITE_DE_PILOTAGE, "Comité de pilotage")
    await with_rules(uow, copil, representation_seats={str(commission.body_id): 1})
    member, other_member, outsider = [await a_person(uow) for _ in range(3)]
    for person in (member, other_member):
        await give_mandate(uow, PILOT, a_mandate(commission, person, JANUARY, date(2025, 6, 30)))

    def representing(person: Person, represented: Body, starts_on: date, ends_on: date | None = None) -> Mandate:
        return a_mandate(copil, person, starts_on, ends_on, represented_body_id=represented.body_id)

    with refused("represents-own-body"):
        await give_mandate(uow, PILOT, representing(outsider, commission, JANUARY))
    seated = await give_mandate(uow, PILOT, representing(member, commission, JANUARY, date(2025, 3, 31)))
    assert seated.mandate.represented_body_id == commission.body_id
    with refused("representation-seats"):  # the commission's one seat is taken
        await give_mandate(uow, PILOT, representing(other_member, commission, date(2025, 2, 1)))
    with refused("representation-seats"):  # the rules give no seat to the committee itself
        await give_mandate(uow, PILOT, representing(other_member, copil, date(2025, 2, 1)))
    freed = await give_mandate(uow, PILOT, representing(other_member, commission, date(2025, 4, 1), date(2025, 6, 30)))
    assert freed.mandate.represented_body_id == commission.body_id  # the seat is free once the first mandate ended
    with refused("represents-own-body"):  # no longer a member of the commission on the day
        await give_mandate(uow, PILOT, representing(member, commission, date(2025, 7, 1)))


async def test_a_mandate_ends_once_with_its_reason(uow: UnitOfWork, territories: Territories) -> None:
    body, other_body = await a_body(uow, territories), await a_body(uow, territories)
    person = await a_person(uow)
    mandate = (await give_mandate(uow, PILOT, a_mandate(body, person, JANUARY))).mandate
    with refused("after-start"):
        await end_mandate(uow, PILOT, mandate.mandate_id, date(2024, 6, 30), EndReason.RESIGNED)
    for stranger, mandate_id in ((STRANGER, mandate.mandate_id), (PILOT, uuid.uuid4())):
        with pytest.raises(NotFoundError):
            await end_mandate(uow, stranger, mandate_id, date(2025, 6, 30), EndReason.RESIGNED)
    with pytest.raises(NotBoundError):
        await end_mandate(uow, facilitator_of(other_body), mandate.mandate_id, date(2025, 6, 30), EndReason.RESIGNED)
    ended = await end_mandate(uow, facilitator_of(body), mandate.mandate_id, date(2025, 6, 30), EndReason.MOVED_AWAY)
    assert (ended.ends_on, ended.end_reason) == (date(2025, 6, 30), EndReason.MOVED_AWAY)
    with refused("mandate-open"):
        await end_mandate(uow, PILOT, mandate.mandate_id, date(2025, 7, 30), EndReason.RESIGNED)
    assert (await export_person(uow, ADMIN, person.person_id)).mandates == [ended]
    members = [
        (await composition(uow, PILOT, body.body_id, day)).members for day in (date(2025, 6, 30), date(2025, 7, 1))
    ]
    assert members == [1, 0]  # a mandate runs through the day it ends
    assert await audited(uow, mandate.mandate_id) == ["mandate.given", "mandate.ended"]
