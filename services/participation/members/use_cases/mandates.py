"""Mandates: given by the body's facilitators or the contract's pilots under the body's rules, ended with
their reason; and the seats that draws and elections fill inside their own unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.use_cases import body_managed_by
from services.participation.errors import BrokenRules, NotFoundError
from services.participation.members.domain import (
    BodyRules,
    Composition,
    CompositionWarning,
    EndReason,
    Mandate,
    check_body_sitting,
    check_end,
    check_member_kind,
    check_representation,
    check_single_mandate,
    check_substitute,
    check_term,
    college_warnings,
    composition_warnings,
    published_composition,
    term_warnings,
)
from services.participation.members.models import MandateRow
from services.participation.members.repository import MemberRepository
from services.participation.members.use_cases.rules import rules_in_force
from services.participation.persistence import columns_of, ledger


@dataclass(frozen=True, slots=True)
class MandateOutcome:
    mandate: Mandate
    warnings: list[CompositionWarning]


async def add_mandates(uow: UnitOfWork, mandates: Sequence[Mandate]) -> None:
    """Store mandates inside the caller's unit of work (the caller audits what gave them)."""
    now = uow.now()
    await MemberRepository(uow.session).add(*(MandateRow(**columns_of(item), created_at=now) for item in mandates))


async def close_mandate(uow: UnitOfWork, mandate: Mandate, ends_on: date, reason: EndReason) -> Mandate:
    """End a mandate inside the caller's unit of work: checked, then written; the mandate as it ends."""
    check_end(mandate, ends_on)
    await MemberRepository(uow.session).end(mandate.mandate_id, ends_on, reason.value)
    return replace(mandate, ends_on=ends_on, end_reason=reason)


async def give_mandate(uow: UnitOfWork, actor: Principal, new: Mandate) -> MandateOutcome:
    """A mandate, if the hard rules hold (every broken one named at once); the composition's targets come back
    as warnings."""
    body_id = new.body_id
    async with uow:
        # The body locked: its mandates, read for the rules, stay as read until this one is written (three
        # identical requests at once each found none and each gave the mandate).
        body = await body_managed_by(uow, actor, body_id, lock=True)
        repository = MemberRepository(uow.session)
        person = await repository.person(new.person_id)
        if person is None or person.contract_code != body.contract_code:
            raise NotFoundError("person", str(new.person_id))
        rules = await rules_in_force(uow, body_id)
        term = (new.starts_on, new.ends_on)
        titular = None if new.substitute_for is None else await repository.mandate(new.substitute_for)
        if titular is not None and titular.body_id != body_id:
            titular = None
        checks = BrokenRules()
        with checks.checking():
            check_body_sitting(body, new.starts_on, new.ends_on)
        with checks.checking():
            check_term(new.starts_on, new.ends_on)
        with checks.checking():
            check_member_kind(rules, person.member_kind)
        with checks.checking():
            check_single_mandate(term, await repository.terms(body_id, new.person_id))
        with checks.checking():
            check_substitute(new.role, titular, term, await repository.mandates_in(body_id))
        if new.represented_body_id is not None:
            seats = None if rules is None else rules.representation_seats.get(str(new.represented_body_id))
            holds = new.person_id in await repository.mandated_on(new.represented_body_id, new.starts_on)
            seated = await repository.representatives_on(body_id, new.represented_body_id, new.starts_on)
            with checks.checking():
                check_representation(seats, holds, seated)
        checks.raise_any()
        mandate = replace(new, substitute_for=None if titular is None else titular.mandate_id)
        await add_mandates(uow, [mandate])
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
    repository: MemberRepository, rules: BodyRules | None, body_id: uuid.UUID, day: date
) -> list[CompositionWarning]:
    members = await repository.members_on(body_id, day)
    if rules is None:
        return []
    colleges = [mandate.college for mandate in await repository.mandates_in(body_id, on=day)]
    return composition_warnings(rules, members) + college_warnings(rules.college_seats, colleges)


async def end_mandate(
    uow: UnitOfWork, actor: Principal, mandate_id: uuid.UUID, ends_on: date, reason: EndReason
) -> Mandate:
    """A mandate ends early (resignation, moving away…) or at its term, with its reason."""
    async with uow:
        mandate = await MemberRepository(uow.session).mandate(mandate_id, lock=True)
        if mandate is None:
            raise NotFoundError("mandate", str(mandate_id))
        try:
            await body_managed_by(uow, actor, mandate.body_id)
        except NotFoundError:
            raise NotFoundError("mandate", str(mandate_id)) from None
        ended = await close_mandate(uow, mandate, ends_on, reason)
        await ledger.changed(
            uow.session,
            actor,
            action="mandate.ended",
            entity_type="mandate",
            entity_id=str(mandate_id),
            before={
                "ends_on": mandate.ends_on.isoformat() if mandate.ends_on else None,
                "reason": None if mandate.end_reason is None else mandate.end_reason.value,
            },
            after={"ends_on": ends_on.isoformat(), "reason": reason.value},
        )
        await uow.commit()
    return ended


async def composition(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, day: date) -> Composition:
    """The body's members on a day, counted as they may be published, for those who run the body."""
    async with uow.reading():
        await body_managed_by(uow, actor, body_id)
        return published_composition(await MemberRepository(uow.session).members_on(body_id, day))
