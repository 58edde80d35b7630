"""What participation's use-case tests are given: a clock set on a day, and the records a story needs (a body,
people, rules, mandates), each made by its own feature's use case inside the test's rolled-back unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from identity.communes import CommuneLookup
from identity.contracts import ContractRegistry
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import Body, BodyKind, ParticipationLevel
from services.participation.bodies.use_cases import create_body
from services.participation.members.domain import BodyRules, Gender, Identity, Mandate, MemberKind, Person
from services.participation.members.use_cases.people import register_person
from services.participation.members.use_cases.rules import set_rules
from tests.clock import FixedClock
from tests.participation.use_cases.callers import ADMIN, CONTRACT, PILOT


class DayClock(FixedClock):
    """A clock stopped on a day (at ten, UTC), moved from day to day by the story."""

    def __init__(self, day: date) -> None:
        super().__init__(datetime.combine(day, time(10), tzinfo=UTC))

    def move_to(self, day: date) -> None:
        self.instant = datetime.combine(day, time(10), tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Territories:
    """What a body's creation asks territories: the contract and its communes (the stack's territories)."""

    registry: ContractRegistry
    communes: CommuneLookup


async def a_body(
    uow: UnitOfWork, territories: Territories, kind: BodyKind = BodyKind.CONSEIL_CITOYEN, name: str = "Conseil citoyen"
) -> Body:
    body = Body(uuid.uuid4(), CONTRACT, name, kind, ParticipationLevel.CONCERTATION, ("QN06261M",))
    return await create_body(uow, territories.registry, territories.communes, PILOT, body)


async def a_person(
    uow: UnitOfWork,
    gender: Gender = Gender.WOMAN,
    kind: MemberKind = MemberKind.RESIDENT,
    contract: str = CONTRACT,
) -> Person:
    person = Person(uuid.uuid4(), contract, gender, "26-59", kind, resident_in_qpv=True, fictitious=True)
    return await register_person(uow, ADMIN, person, Identity("Fictive", "Personne", None))


# Rules that ask nothing (no parity, no residents' share): a test adds what its story needs.
NO_RULES = BodyRules(
    version=0,
    parity=False,
    residents_min_share=Decimal(0),
    size_max=None,
    mandate_years=None,
    forbidden_member_kinds=frozenset(),
)


async def with_rules(uow: UnitOfWork, body: Body, **given: Any) -> BodyRules:
    """A new version of the body's rules: NO_RULES with what is `given`."""
    return await set_rules(uow, PILOT, body.body_id, replace(NO_RULES, **given))


def a_mandate(
    body: Body, person: Person, starts_on: date = date(2025, 1, 1), ends_on: date | None = None, **given: Any
) -> Mandate:
    """A member's mandate in the body (role, college… as `given`)."""
    return replace(Mandate(uuid.uuid4(), person.person_id, body.body_id, "member", None, starts_on, ends_on), **given)
