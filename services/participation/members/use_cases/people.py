"""People: registered by the body's facilitators or the contract's pilots (the identity stored apart), their
consents and declarations, and what the RGPD gives them: access to their data and its erasure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import Body
from services.participation.bodies.use_cases import body_managed_by
from services.participation.draws.repository import DrawRepository
from services.participation.errors import NotBoundError, NotFoundError, RuleViolationError
from services.participation.members.domain import (
    Consent,
    Declaration,
    Identity,
    Mandate,
    Person,
    check_declaration,
    handles_personal_data,
)
from services.participation.members.models import (
    IndependenceDeclarationRow,
    PersonConsentRow,
    PersonIdentityRow,
    PersonRow,
)
from services.participation.members.repository import MemberRepository
from services.participation.persistence import columns_of, ledger


async def add_person(uow: UnitOfWork, person: Person, identity: Identity) -> None:
    """Store the pseudonymous record and, apart, the identity, inside the caller's unit of work."""
    repository = MemberRepository(uow.session)
    await repository.add(PersonRow(**columns_of(person), created_at=uow.now()))
    await repository.add(PersonIdentityRow(person_id=person.person_id, **columns_of(identity)))


async def register_person(uow: UnitOfWork, actor: Principal, person: Person, identity: Identity) -> Person:
    """The pseudonymous record and, apart, the identity; the audit keeps neither name nor contact."""
    if not actor.works_on(person.contract_code):
        raise NotBoundError(person.contract_code)
    async with uow:
        await add_person(uow, person, identity)
        await ledger.changed(
            uow.session,
            actor,
            action="person.registered",
            entity_type="person",
            entity_id=str(person.person_id),
            before={},
            after={"member_kind": person.member_kind.value, "fictitious": person.fictitious},
        )
        await uow.commit()
    return person


@dataclass(frozen=True, slots=True)
class PersonalData:
    person: Person
    identity: Identity | None
    mandates: list[Mandate]
    consents: list[Consent]
    declarations: list[Declaration]
    drawn_as: list[tuple[uuid.UUID, str, Identity]]  # (draw, reference, name) in the pools they were drawn from


def _drawn_from(mandates: list[Mandate]) -> list[tuple[uuid.UUID, str]]:
    """The pool entries a person was drawn as: their mandates' draws and references."""
    return sorted({(item.draw_id, item.drawn_reference) for item in mandates if item.draw_id and item.drawn_reference})


async def _person_handled_by(uow: UnitOfWork, actor: Principal, person_id: uuid.UUID) -> Person:
    """The person, if the caller handles their personal data (another contract's answers like a missing one)."""
    person = await MemberRepository(uow.session).person(person_id)
    if person is None or not handles_personal_data(actor, person.contract_code):
        raise NotFoundError("person", str(person_id))
    return person


async def export_person(uow: UnitOfWork, actor: Principal, person_id: uuid.UUID) -> PersonalData:
    """Everything held on a person (RGPD art. 15, right of access): for the contract's pilots, audited."""
    async with uow:
        person = await _person_handled_by(uow, actor, person_id)
        repository = MemberRepository(uow.session)
        held = await repository.mandates_of(person_id)
        data = PersonalData(
            person,
            await repository.identity(person_id),
            held,
            await repository.consents(person_id),
            await repository.declarations(person_id),
            await DrawRepository(uow.session).identities_drawn_as(_drawn_from(held)),
        )
        await ledger.changed(
            uow.session,
            actor,
            action="personal_data.exported",
            entity_type="person",
            entity_id=str(person_id),
            before={},
            after={"mandates": len(data.mandates)},
        )
        await uow.commit()
    return data


async def erase_person(uow: UnitOfWork, actor: Principal, person_id: uuid.UUID) -> bool:
    """RGPD art. 17 erasure: the identity goes, and the name the draws' pools they were drawn from still keep
    (until their challenge period ends); the pseudonymous record and mandates stay for the statistics
    (art. 17.3.d: archiving and statistics). True when a name was erased now, False when none was left."""
    async with uow:
        await _person_handled_by(uow, actor, person_id)
        repository = MemberRepository(uow.session)
        identities = await repository.erase_identities([person_id])
        drawn = _drawn_from(await repository.mandates_of(person_id))
        pool_names = await DrawRepository(uow.session).erase_identities_drawn_as(drawn)
        erased = identities + pool_names > 0
        await ledger.changed(
            uow.session,
            actor,
            action="personal_data.erased",
            entity_type="person",
            entity_id=str(person_id),
            before={},
            after={"erased_now": erased, "pool_names_erased": pool_names},
        )
        await uow.commit()
    return erased


async def _person_of_actor(uow: UnitOfWork, actor: Principal, person_id: uuid.UUID) -> Person:
    person = await MemberRepository(uow.session).person(person_id)
    if person is None or not actor.works_on(person.contract_code):
        raise NotFoundError("person", str(person_id))
    return person


async def record_consent(uow: UnitOfWork, actor: Principal, person_id: uuid.UUID, consent: Consent) -> Consent:
    """A consent given or withdrawn: a new line each time, the latest per purpose in force."""
    async with uow:
        await _person_of_actor(uow, actor, person_id)
        row = PersonConsentRow(
            consent_id=uuid.uuid4(),
            person_id=person_id,
            purpose=consent.purpose.value,
            given=consent.given,
            recorded_on=consent.on,
            wording=consent.wording,
        )
        await MemberRepository(uow.session).add(row)
        await ledger.created(
            uow.session,
            actor,
            action="person.consent_recorded",
            entity_type="person",
            entity_id=str(person_id),
            after={"purpose": consent.purpose.value, "given": consent.given},
        )
        await uow.commit()
    return consent


async def declare_independence(
    uow: UnitOfWork, actor: Principal, person_id: uuid.UUID, declaration: Declaration
) -> Declaration:
    """A member's declaration of independence (or of the interests that bind them) for one body."""
    async with uow:
        person = await _person_of_actor(uow, actor, person_id)
        body: Body | None
        try:
            body = await body_managed_by(uow, actor, declaration.body_id)
        except NotFoundError:
            body = None
        if body is None or body.contract_code != person.contract_code:
            raise RuleViolationError("body_id", "body-of-contract", "a body of the person's contract")
        check_declaration(declaration.independent, declaration.interests)
        row = IndependenceDeclarationRow(declaration_id=uuid.uuid4(), person_id=person_id, **columns_of(declaration))
        await MemberRepository(uow.session).add(row)
        await ledger.created(
            uow.session,
            actor,
            action="person.independence_declared",
            entity_type="person",
            entity_id=str(person_id),
            after={"body": str(declaration.body_id), "independent": declaration.independent},
        )
        await uow.commit()
    return declaration
