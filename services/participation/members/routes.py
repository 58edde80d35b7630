"""HTTP routes of bodies' rules, people and mandates, and of the mandates a draw gives."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Query, Response, status

from kit.api_models import IsoDate, plain_decimal, read_of
from kit.database import request_unit_of_work
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.participation.draws import use_cases as draws
from services.participation.members.domain import (
    BodyRules,
    CompositionWarning,
    Consent,
    ConsentPurpose,
    Declaration,
    EndReason,
    Gender,
    Identity,
    Mandate,
    MemberKind,
    Person,
)
from services.participation.members.schemas import (
    AppointmentInput,
    AppointmentRead,
    BodyRulesInput,
    BodyRulesRead,
    CompositionRead,
    ConsentInput,
    ConsentRead,
    DeclarationInput,
    DeclarationRead,
    DrawnAsRead,
    ErasureRead,
    IdentityRead,
    MandateCreate,
    MandateEnd,
    MandateRead,
    PersonalDataRead,
    PersonCreate,
    PersonMandateRead,
    PersonRead,
    ReplacementInput,
    ReplacementRead,
)
from services.participation.members.use_cases import mandates, people, rules
from services.participation.policies import CompositionReader, DrawRunner, MemberManager, PersonalDataHandler, Reader
from services.participation.schemas import WarningRead

router = platform_router(["members"], authenticated=True, writes=True)
# The mandates a draw gives: listed with the draws, answered as mandates.
appointments = platform_router(["draws"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _rules(version: BodyRules) -> BodyRulesRead:
    return read_of(
        BodyRulesRead,
        version,
        residents_min_share=plain_decimal(version.residents_min_share),
        quorum_share=None if version.quorum_share is None else plain_decimal(version.quorum_share),
        forbidden_member_kinds=sorted(kind.value for kind in version.forbidden_member_kinds),
    )


def _warnings(warnings: list[CompositionWarning]) -> list[WarningRead]:
    return [read_of(WarningRead, item) for item in warnings]


def _mandate(mandate: Mandate, warnings: list[CompositionWarning]) -> MandateRead:
    return read_of(MandateRead, mandate, id=mandate.mandate_id, warnings=_warnings(warnings))


def _person(person: Person) -> PersonRead:
    return read_of(PersonRead, person, id=person.person_id)


def _consent(consent: Consent) -> ConsentRead:
    return read_of(ConsentRead, consent)


def _declaration(declaration: Declaration) -> DeclarationRead:
    return read_of(DeclarationRead, declaration)


@router.put("/bodies/{body_id}/rules", operation_id="version_body_rules", response_model=BodyRulesRead)
async def version_body_rules(
    uow: Uow, response: Response, body_id: uuid.UUID, body: BodyRulesInput, principal: MemberManager
) -> BodyRulesRead:
    """A new version of the body's rules (parity, residents' share, size, mandate length, excluded kinds)."""
    proposed = BodyRules(
        version=0,
        parity=body.parity,
        residents_min_share=Decimal(body.residents_min_share),
        size_max=body.size_max,
        mandate_years=body.mandate_years,
        forbidden_member_kinds=frozenset(MemberKind(kind) for kind in body.forbidden_member_kinds),
        quorum_share=None if body.quorum_share is None else Decimal(body.quorum_share),
        notice_days=body.notice_days,
        college_seats=dict(body.college_seats),
        representation_seats={str(key): seats for key, seats in body.representation_seats.items()},
    )
    stored = await rules.set_rules(uow, principal, body_id, proposed)
    response.headers["ETag"] = rules.rules_etag(body_id, [stored])
    return _rules(stored)


@router.get("/bodies/{body_id}/rules", operation_id="list_body_rules", response_model=list[BodyRulesRead])
async def list_body_rules(uow: Uow, response: Response, body_id: uuid.UUID, principal: Reader) -> list[BodyRulesRead]:
    """Every version of the body's rules, oldest first; the ETag is the latest version's. Not paged: the
    history of one document, a version per amendment."""
    versions = await rules.rule_versions(uow, principal, body_id)
    response.headers["ETag"] = rules.rules_etag(body_id, versions)
    return [_rules(version) for version in versions]


@router.post("/people", operation_id="register_person", response_model=PersonRead, status_code=status.HTTP_201_CREATED)
async def register_person(uow: Uow, body: PersonCreate, principal: MemberManager) -> PersonRead:
    """A person (facilitators, pilots): the identity is stored apart and never answered here."""
    person = Person(
        person_id=uuid.uuid4(),
        contract_code=body.contract_code,
        gender=Gender(body.gender),
        age_band=body.age_band,
        member_kind=MemberKind(body.member_kind),
        resident_in_qpv=body.resident_in_qpv,
        fictitious=body.fictitious,
    )
    identity = Identity(family_name=body.family_name, given_name=body.given_name, contact=body.contact)
    return _person(await people.register_person(uow, principal, person, identity))


@router.post(
    "/bodies/{body_id}/mandates",
    operation_id="give_mandate",
    response_model=MandateRead,
    status_code=status.HTTP_201_CREATED,
)
async def give_mandate(uow: Uow, body_id: uuid.UUID, body: MandateCreate, principal: MemberManager) -> MandateRead:
    """A mandate: refused if it ends before it starts, overlaps the person's other mandate in the body or
    breaks the rules; the composition's missed targets come back as warnings."""
    new = Mandate(
        mandate_id=uuid.uuid4(),
        body_id=body_id,
        person_id=body.person_id,
        role=body.role,
        college=body.college,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        represented_organisation=body.represented_organisation,
        represented_body_id=body.represented_body_id,
        substitute_for=body.substitute_for,
    )
    outcome = await mandates.give_mandate(uow, principal, new)
    return _mandate(outcome.mandate, outcome.warnings)


@router.post("/mandates/{mandate_id}/end", operation_id="end_mandate", response_model=MandateRead)
async def end_mandate(uow: Uow, mandate_id: uuid.UUID, body: MandateEnd, principal: MemberManager) -> MandateRead:
    """End a mandate with its reason (resignation, moving away, term over…)."""
    ended = await mandates.end_mandate(uow, principal, mandate_id, body.ends_on, EndReason(body.reason))
    return _mandate(ended, [])


@router.get("/bodies/{body_id}/composition", operation_id="body_composition", response_model=CompositionRead)
async def body_composition(
    uow: Uow,
    body_id: uuid.UUID,
    principal: CompositionReader,
    on: Annotated[IsoDate | None, Query(description="Default: today")] = None,
) -> CompositionRead:
    """How many members on a day, and how many women, men and residents — each only from 5 people. For the
    body's runners (its pilots and facilitators); partners read the year's participation indicators."""
    day = on or uow.today()
    return read_of(CompositionRead, await mandates.composition(uow, principal, body_id, day), on=day)


@router.get("/people/{person_id}/export", operation_id="export_person", response_model=PersonalDataRead)
async def export_person(uow: Uow, person_id: uuid.UUID, principal: PersonalDataHandler) -> PersonalDataRead:
    """Everything held on a person (right of access): the contract's pilots; every export audited."""
    data = await people.export_person(uow, principal, person_id)
    return PersonalDataRead(
        person=_person(data.person),
        identity=None if data.identity is None else read_of(IdentityRead, data.identity),
        mandates=[read_of(PersonMandateRead, item) for item in data.mandates],
        consents=[_consent(item) for item in data.consents],
        declarations=[_declaration(item) for item in data.declarations],
        drawn_as=[
            DrawnAsRead(draw_id=draw_id, reference=reference, identity=read_of(IdentityRead, identity))
            for draw_id, reference, identity in data.drawn_as
        ],
    )


@router.post("/people/{person_id}/consents", operation_id="record_consent", response_model=ConsentRead, status_code=201)
async def record_consent(uow: Uow, person_id: uuid.UUID, body: ConsentInput, principal: MemberManager) -> ConsentRead:
    """A consent given or withdrawn (contact, photo, publication of the name, sharing with partners)."""
    consent = Consent(purpose=ConsentPurpose(body.purpose), given=body.given, on=body.on, wording=body.wording)
    return _consent(await people.record_consent(uow, principal, person_id, consent))


@router.post(
    "/people/{person_id}/declarations",
    operation_id="declare_independence",
    response_model=DeclarationRead,
    status_code=201,
)
async def declare_independence(
    uow: Uow, person_id: uuid.UUID, body: DeclarationInput, principal: MemberManager
) -> DeclarationRead:
    """A member's declaration of independence for a body, or of the interests that bind them."""
    declaration = Declaration(
        body_id=body.body_id, declared_on=body.declared_on, independent=body.independent, interests=body.interests
    )
    return _declaration(await people.declare_independence(uow, principal, person_id, declaration))


@router.post("/people/{person_id}/erasure", operation_id="erase_person", response_model=ErasureRead)
async def erase_person(uow: Uow, person_id: uuid.UUID, principal: PersonalDataHandler) -> ErasureRead:
    """Right to erasure: the identity is deleted; the pseudonymous record and mandates stay for statistics."""
    return ErasureRead(erased_now=await people.erase_person(uow, principal, person_id))


@appointments.post(
    "/draws/{draw_id}/appointments",
    operation_id="appoint_drawn",
    response_model=AppointmentRead,
    status_code=status.HTTP_201_CREATED,
)
async def appoint_drawn(uow: Uow, draw_id: uuid.UUID, body: AppointmentInput, principal: DrawRunner) -> AppointmentRead:
    """The titulars of a performed draw become members of the body, each with a mandate (once)."""
    outcome = await draws.appoint(uow, principal, draw_id, body.starts_on, body.ends_on, fictitious=body.fictitious)
    return AppointmentRead(
        mandates=[_mandate(item, []) for item in outcome.mandates], warnings=_warnings(outcome.warnings)
    )


@appointments.post(
    "/draws/{draw_id}/replacements", operation_id="replace_from_reserves", response_model=ReplacementRead
)
async def replace_from_reserves(
    uow: Uow, draw_id: uuid.UUID, body: ReplacementInput, principal: DrawRunner
) -> ReplacementRead:
    """A drawn member leaves: the first reserve of the same gender takes the seat (parity kept)."""
    leaving, arriving = await draws.replace_from_reserves(
        uow, principal, draw_id, body.mandate_id, body.on, fictitious=body.fictitious
    )
    return ReplacementRead(leaving=_mandate(leaving, []), arriving=_mandate(arriving, []))
