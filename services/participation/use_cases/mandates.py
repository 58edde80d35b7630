"""Bodies' rules (versioned), people (identity kept apart) and their mandates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from kit.auth.principal import Principal, Role
from kit.etags import etag_of
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.use_cases import body_managed_by, body_seen_by
from services.participation.db.models import (
    BodyRulesRow,
    IndependenceDeclarationRow,
    MandateRow,
    PersonConsentRow,
    PersonIdentityRow,
    PersonRow,
)
from services.participation.db.repositories import MembershipRepository, PersonRecordRepository
from services.participation.domain.draws import Gender
from services.participation.domain.mandates import (
    BodyRules,
    CompositionWarning,
    ConsentPurpose,
    EndReason,
    Member,
    MemberKind,
    Term,
    check_end,
    check_member_kind,
    check_representation,
    check_single_mandate,
    check_substitute,
    check_term,
    college_warnings,
    composition_warnings,
    term_warnings,
)
from services.participation.errors import NotBoundError, NotFoundError, RuleViolationError
from services.participation.persistence import ledger


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
        college_seats=dict(row.college_seats),
        representation_seats=dict(row.representation_seats),
    )


def rules_etag(body_id: uuid.UUID, versions: list[BodyRulesRow]) -> str:
    """The ETag of a body's rules: that of their latest version (version 0: none yet, an empty list)."""
    return etag_of(f"{body_id}/rules", versions[-1].version if versions else 0)


def _rules_audit(row: BodyRulesRow) -> dict[str, Any]:
    return {
        "version": row.version,
        "parity": row.parity,
        "residentsMinShare": str(row.residents_min_share),
        "sizeMax": row.size_max,
        "mandateYears": row.mandate_years,
        "forbiddenMemberKinds": list(row.forbidden_member_kinds),
        "quorumShare": None if row.quorum_share is None else str(row.quorum_share),
        "noticeDays": row.notice_days,
        "collegeSeats": dict(row.college_seats),
        "representationSeats": dict(row.representation_seats),
    }


async def set_rules(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, rules: BodyRules) -> BodyRulesRow:
    """A new version of the body's rules; earlier versions stay as they were."""
    async with uow:
        await body_managed_by(uow, actor, body_id, lock=True)
        repository = MembershipRepository(uow.session)
        versions = await repository.rules(body_id)
        uow.check_precondition(rules_etag(body_id, versions))
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
            college_seats=dict(rules.college_seats),
            representation_seats=dict(rules.representation_seats),
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
            before=_rules_audit(versions[-1]) if versions else None,
            after=_rules_audit(row),
        )
        await uow.commit()
    return row


async def rule_versions(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID) -> list[BodyRulesRow]:
    async with uow.reading():
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


@dataclass(frozen=True, slots=True)
class NewMandate:
    person_id: uuid.UUID
    role: str
    college: str | None
    starts_on: date
    ends_on: date | None
    represented_organisation: str | None = None
    represented_body_id: uuid.UUID | None = None
    substitute_for: uuid.UUID | None = None


def _term(row: MandateRow) -> Term:
    return Term(
        str(row.mandate_id),
        row.role,
        row.starts_on,
        row.ends_on,
        None if row.substitute_for is None else str(row.substitute_for),
    )


async def give_mandate(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, new: NewMandate) -> MandateOutcome:
    """A mandate, if the hard rules hold; the composition's targets come back as warnings."""
    check_term(new.starts_on, new.ends_on)
    async with uow:
        body = await body_managed_by(uow, actor, body_id)
        repository = MembershipRepository(uow.session)
        person = await repository.person(new.person_id)
        if person is None or person.contract_code != body.contract_code:
            raise NotFoundError("person", str(new.person_id))
        versions = await repository.rules(body_id)
        rules = rules_of(versions[-1]) if versions else None
        check_member_kind(rules, MemberKind(person.member_kind))
        term = (new.starts_on, new.ends_on)
        check_single_mandate(term, await repository.terms(body_id, new.person_id))
        titular = None if new.substitute_for is None else await repository.mandate(new.substitute_for)
        if titular is not None and titular.body_id != body_id:
            titular = None
        body_terms = [_term(row) for row in await repository.mandates_in(body_id)]
        check_substitute(new.role, None if titular is None else _term(titular), term, body_terms)
        if new.represented_body_id is not None:
            seats = None if rules is None else rules.representation_seats.get(str(new.represented_body_id))
            holds = new.person_id in {
                row.person_id for row in await repository.members_on(new.represented_body_id, new.starts_on)
            }
            seated = await repository.representatives_on(body_id, new.represented_body_id, new.starts_on)
            check_representation(seats, holds, seated)
        mandate = MandateRow(
            mandate_id=uuid.uuid4(),
            body_id=body_id,
            person_id=new.person_id,
            role=new.role,
            college=new.college,
            starts_on=new.starts_on,
            ends_on=new.ends_on,
            represented_organisation=new.represented_organisation,
            represented_body_id=new.represented_body_id,
            substitute_for=None if titular is None else titular.mandate_id,
            created_at=datetime.now(UTC),
        )
        await repository.add(mandate)
        warnings = term_warnings(rules, new.starts_on, new.ends_on)
        warnings += await _composition_warnings(repository, rules, body_id, new.starts_on)
        await ledger.changed(
            uow.session,
            actor,
            action="mandate.given",
            entity_type="mandate",
            entity_id=str(mandate.mandate_id),
            before={},
            after={"body": str(body_id), "role": new.role, "starts_on": new.starts_on.isoformat()},
        )
        await uow.commit()
    return MandateOutcome(mandate, warnings)


async def _composition_warnings(
    repository: MembershipRepository, rules: BodyRules | None, body_id: uuid.UUID, day: date
) -> list[CompositionWarning]:
    members = [
        Member(Gender(row.gender), MemberKind(row.member_kind), row.resident_in_qpv)
        for row in await repository.members_on(body_id, day)
    ]
    if rules is None:
        return []
    colleges = [row.college for row in await repository.mandates_in(body_id, on=day)]
    return composition_warnings(rules, members) + college_warnings(rules.college_seats, colleges)


async def end_mandate(
    uow: UnitOfWork, actor: Principal, mandate_id: uuid.UUID, ends_on: date, reason: EndReason
) -> MandateRow:
    """A mandate ends early (resignation, moving away…) or at its term, with its reason."""
    async with uow:
        repository = MembershipRepository(uow.session)
        mandate = await repository.mandate(mandate_id, lock=True)
        if mandate is None:
            raise NotFoundError("mandate", str(mandate_id))
        try:
            await body_managed_by(uow, actor, mandate.body_id)
        except NotFoundError:
            raise NotFoundError("mandate", str(mandate_id)) from None
        check_end(_term(mandate), ends_on, mandate.end_reason is None)
        before = {"ends_on": mandate.ends_on.isoformat() if mandate.ends_on else None, "reason": mandate.end_reason}
        mandate.ends_on, mandate.end_reason = ends_on, reason.value
        await ledger.changed(
            uow.session,
            actor,
            action="mandate.ended",
            entity_type="mandate",
            entity_id=str(mandate_id),
            before=before,
            after={"ends_on": ends_on.isoformat(), "reason": reason.value},
        )
        await uow.commit()
    return mandate


async def composition(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, day: date) -> list[PersonRow]:
    async with uow.reading():
        await body_seen_by(uow, actor, body_id)
        return await MembershipRepository(uow.session).members_on(body_id, day)


@dataclass(frozen=True, slots=True)
class PersonalData:
    person: PersonRow
    identity: PersonIdentityRow | None
    mandates: list[MandateRow]
    consents: list[PersonConsentRow]
    declarations: list[IndependenceDeclarationRow]


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
        records = PersonRecordRepository(uow.session)
        data = PersonalData(
            person,
            await repository.identity(person_id),
            await repository.mandates_of(person_id),
            await records.consents(person_id),
            await records.declarations(person_id),
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


async def _person_of_actor(uow: UnitOfWork, actor: Principal, person_id: uuid.UUID) -> PersonRow:
    person = await MembershipRepository(uow.session).person(person_id)
    if person is None or not actor.works_on(person.contract_code):
        raise NotFoundError("person", str(person_id))
    return person


@dataclass(frozen=True, slots=True)
class Consent:
    purpose: ConsentPurpose
    given: bool
    on: date
    wording: str


async def record_consent(uow: UnitOfWork, actor: Principal, person_id: uuid.UUID, consent: Consent) -> PersonConsentRow:
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
        await PersonRecordRepository(uow.session).add(row)
        await ledger.created(
            uow.session,
            actor,
            action="person.consent_recorded",
            entity_type="person",
            entity_id=str(person_id),
            after={"purpose": consent.purpose.value, "given": consent.given},
        )
        await uow.commit()
    return row


async def declare_independence(
    uow: UnitOfWork,
    actor: Principal,
    person_id: uuid.UUID,
    body_id: uuid.UUID,
    on: date,
    independent: bool,
    interests: str | None,
) -> IndependenceDeclarationRow:
    """A member's declaration of independence (or of the interests that bind them) for one body."""
    async with uow:
        person = await _person_of_actor(uow, actor, person_id)
        try:
            body = await body_managed_by(uow, actor, body_id)
        except NotFoundError:
            body = None
        if body is None or body.contract_code != person.contract_code:
            raise RuleViolationError("bodyId", "body-of-contract", "a body of the person's contract")
        if not independent and not (interests and interests.strip()):
            raise RuleViolationError("interests", "interests-declared", "a member who is not independent says why")
        row = IndependenceDeclarationRow(
            declaration_id=uuid.uuid4(),
            person_id=person_id,
            body_id=body_id,
            declared_on=on,
            independent=independent,
            interests=interests,
        )
        await PersonRecordRepository(uow.session).add(row)
        await ledger.created(
            uow.session,
            actor,
            action="person.independence_declared",
            entity_type="person",
            entity_id=str(person_id),
            after={"body": str(body_id), "independent": independent},
        )
        await uow.commit()
    return row
