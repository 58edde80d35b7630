"""Bodies' rules (versioned), people (identity kept apart) and their mandates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from kit.auth.principal import Principal, Role
from kit.database import UnitOfWork
from services.participation.db.base import ledger
from services.participation.db.models import BodyRulesRow, MandateRow, PersonIdentityRow, PersonRow
from services.participation.db.repositories import MembershipRepository
from services.participation.domain.draws import Gender
from services.participation.domain.errors import NotBoundError, NotFoundError
from services.participation.domain.mandates import (
    BodyRules,
    CompositionWarning,
    Member,
    MemberKind,
    check_member_kind,
    check_single_mandate,
    check_term,
    composition_warnings,
)
from services.participation.use_cases.bodies import body_managed_by, body_seen_by


def rules_of(row: BodyRulesRow) -> BodyRules:
    return BodyRules(
        version=row.version,
        parity=row.parity,
        residents_min_share=row.residents_min_share,
        size_max=row.size_max,
        mandate_years=row.mandate_years,
        forbidden_member_kinds=frozenset(MemberKind(kind) for kind in row.forbidden_member_kinds),
        quorum_share=row.quorum_share,
        notice_days=row.notice_days,
    )


async def set_rules(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, rules: BodyRules) -> BodyRulesRow:
    """A new version of the body's rules; earlier versions stay as they were."""
    async with uow:
        await body_managed_by(uow, actor, body_id)
        repository = MembershipRepository(uow.session)
        versions = await repository.rules(body_id)
        row = BodyRulesRow(
            body_id=body_id,
            version=(versions[-1].version + 1) if versions else 1,
            parity=rules.parity,
            residents_min_share=rules.residents_min_share,
            size_max=rules.size_max,
            mandate_years=rules.mandate_years,
            forbidden_member_kinds=sorted(kind.value for kind in rules.forbidden_member_kinds),
            quorum_share=rules.quorum_share,
            notice_days=rules.notice_days,
            created_by=actor.subject,
            created_at=datetime.now(UTC),
        )
        await repository.add(row)
        await ledger.changed(
            uow.session,
            actor,
            action="body_rules.versioned",
            entity_type="body",
            entity_id=str(body_id),
            before={},
            after={"version": row.version},
        )
        await uow.commit()
    return row


async def rule_versions(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID) -> list[BodyRulesRow]:
    async with uow:
        await body_seen_by(uow, actor, body_id)
        return await MembershipRepository(uow.session).rules(body_id)


@dataclass(frozen=True, slots=True)
class NewPerson:
    contract_code: str
    gender: Gender
    age_band: str
    member_kind: MemberKind
    resident_in_qpv: bool
    fictitious: bool
    family_name: str
    given_name: str
    contact: str | None


async def register_person(uow: UnitOfWork, actor: Principal, person: NewPerson) -> PersonRow:
    """The pseudonymous record and, apart, the identity; the audit keeps neither name nor contact."""
    if not actor.works_on(person.contract_code):
        raise NotBoundError(person.contract_code)
    async with uow:
        row = PersonRow(
            person_id=uuid.uuid4(),
            contract_code=person.contract_code,
            gender=person.gender.value,
            age_band=person.age_band,
            member_kind=person.member_kind.value,
            resident_in_qpv=person.resident_in_qpv,
            fictitious=person.fictitious,
            created_at=datetime.now(UTC),
        )
        identity = PersonIdentityRow(
            person_id=row.person_id,
            family_name=person.family_name,
            given_name=person.given_name,
            contact=person.contact,
        )
        repository = MembershipRepository(uow.session)
        await repository.add(row)
        await repository.add(identity)
        await ledger.changed(
            uow.session,
            actor,
            action="person.registered",
            entity_type="person",
            entity_id=str(row.person_id),
            before={},
            after={"member_kind": row.member_kind, "fictitious": row.fictitious},
        )
        await uow.commit()
    return row


@dataclass(frozen=True, slots=True)
class MandateOutcome:
    mandate: MandateRow
    warnings: list[CompositionWarning]


async def give_mandate(
    uow: UnitOfWork,
    actor: Principal,
    body_id: uuid.UUID,
    person_id: uuid.UUID,
    role: str,
    college: str | None,
    starts_on: date,
    ends_on: date | None,
) -> MandateOutcome:
    """A mandate, if the hard rules hold; the composition's targets come back as warnings."""
    check_term(starts_on, ends_on)
    async with uow:
        body = await body_managed_by(uow, actor, body_id)
        repository = MembershipRepository(uow.session)
        person = await repository.person(person_id)
        if person is None or person.contract_code != body.contract_code:
            raise NotFoundError("person", str(person_id))
        versions = await repository.rules(body_id)
        rules = rules_of(versions[-1]) if versions else None
        check_member_kind(rules, MemberKind(person.member_kind))
        check_single_mandate((starts_on, ends_on), await repository.terms(body_id, person_id))
        mandate = MandateRow(
            mandate_id=uuid.uuid4(),
            body_id=body_id,
            person_id=person_id,
            role=role,
            college=college,
            starts_on=starts_on,
            ends_on=ends_on,
            created_at=datetime.now(UTC),
        )
        await repository.add(mandate)
        members = [
            Member(Gender(row.gender), MemberKind(row.member_kind), row.resident_in_qpv)
            for row in await repository.members_on(body_id, starts_on)
        ]
        await ledger.changed(
            uow.session,
            actor,
            action="mandate.given",
            entity_type="mandate",
            entity_id=str(mandate.mandate_id),
            before={},
            after={"body": str(body_id), "role": role, "starts_on": starts_on.isoformat()},
        )
        await uow.commit()
    return MandateOutcome(mandate, composition_warnings(rules, members))


async def composition(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, day: date) -> list[PersonRow]:
    async with uow:
        await body_seen_by(uow, actor, body_id)
        return await MembershipRepository(uow.session).members_on(body_id, day)


@dataclass(frozen=True, slots=True)
class PersonalData:
    person: PersonRow
    identity: PersonIdentityRow | None
    mandates: list[MandateRow]


def _may_handle_people(actor: Principal, person: PersonRow) -> None:
    if not (actor.is_platform_admin or (Role.CONTRACT_PILOT in actor.roles and actor.works_on(person.contract_code))):
        raise NotFoundError("person", str(person.person_id))


async def export_person(uow: UnitOfWork, actor: Principal, person_id: uuid.UUID) -> PersonalData:
    """Everything held on a person (GDPR access): for the contract's pilots, audited."""
    async with uow:
        repository = MembershipRepository(uow.session)
        person = await repository.person(person_id)
        if person is None:
            raise NotFoundError("person", str(person_id))
        _may_handle_people(actor, person)
        data = PersonalData(person, await repository.identity(person_id), await repository.mandates_of(person_id))
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
    """GDPR erasure: the identity goes; the pseudonymous record and mandates stay for the statistics.
    True when an identity was erased now, False when it was already."""
    async with uow:
        repository = MembershipRepository(uow.session)
        person = await repository.person(person_id)
        if person is None:
            raise NotFoundError("person", str(person_id))
        _may_handle_people(actor, person)
        erased = await repository.erase_identity(person_id)
        await ledger.changed(
            uow.session,
            actor,
            action="personal_data.erased",
            entity_type="person",
            entity_id=str(person_id),
            before={},
            after={"erased_now": erased},
        )
        await uow.commit()
    return erased
