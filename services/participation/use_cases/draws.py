"""Draws by lot for a body: opened with a frozen pool and a committed seed, performed at the reveal,
verifiable by anyone from what is published; the pool's personal data is kept apart, shown only to
the body's facilitators and the contract's pilots (each access audited), and deleted after the
challenge period."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from kit.auth.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import manages_body
from services.participation.bodies.use_cases import body_managed_by, find_body
from services.participation.db.models import (
    DrawCandidateRow,
    DrawIdentityRow,
    DrawRow,
    MandateRow,
    PersonIdentityRow,
    PersonRow,
)
from services.participation.db.repositories import DrawRepository, MembershipRepository
from services.participation.domain.draws import (
    Candidate,
    DrawIntegrityError,
    DrawResult,
    Gender,
    Seats,
    check_reveal,
    draw,
    pool_hash,
    replacement,
)
from services.participation.domain.mandates import (
    CompositionWarning,
    EndReason,
    Member,
    MemberKind,
    Term,
    check_end,
    check_member_kind,
    check_term,
    composition_warnings,
)
from services.participation.errors import NotBoundError, NotFoundError, RuleViolationError
from services.participation.persistence import ledger
from services.participation.use_cases.mandates import rules_of


@dataclass(frozen=True, slots=True)
class PoolEntry:
    gender: Gender
    age_band: str
    in_qpv: bool
    household: str
    family_name: str
    given_name: str
    contact: str | None


@dataclass(frozen=True, slots=True)
class DrawView:
    row: DrawRow
    candidates: list[DrawCandidateRow]


def _household_token(draw_id: uuid.UUID, household: str) -> str:
    """What is published of a household: equal for equal households of this draw, nothing more."""
    return hashlib.sha256(f"{draw_id}|{household.strip().lower()}".encode()).hexdigest()[:16]


def candidates_of(rows: list[DrawCandidateRow]) -> list[Candidate]:
    return [Candidate(row.reference, Gender(row.gender), row.age_band, row.in_qpv, row.household) for row in rows]


def seats_of(row: DrawRow) -> Seats:
    return Seats(**row.seats)


async def open_draw(
    uow: UnitOfWork,
    actor: Principal,
    body_id: uuid.UUID,
    seats: Seats,
    commitment: str,
    challenge_ends_on: date,
    entries: list[PoolEntry],
    *,
    fill_vacancies_on: date | None = None,
) -> DrawView:
    if len(entries) < seats.titulars + seats.reserves:
        raise RuleViolationError(
            "candidates", "pool-size", f"{len(entries)} candidates for {seats.titulars + seats.reserves} seats"
        )
    async with uow:
        body = await body_managed_by(uow, actor, body_id)
        if fill_vacancies_on is not None:
            in_office = await MembershipRepository(uow.session).members_on(body_id, fill_vacancies_on)
            held = {gender.value: sum(1 for row in in_office if row.gender == gender.value) for gender in Gender}
            seats = replace(seats, held={gender: count for gender, count in held.items() if count})
        draw_id = uuid.uuid4()
        width = max(5, len(str(len(entries))))
        candidates = [
            DrawCandidateRow(
                draw_id=draw_id,
                reference=f"C{position + 1:0{width}d}",
                gender=entry.gender.value,
                age_band=entry.age_band,
                in_qpv=entry.in_qpv,
                household=_household_token(draw_id, entry.household),
            )
            for position, entry in enumerate(entries)
        ]
        identities = [
            DrawIdentityRow(
                draw_id=draw_id,
                reference=candidate.reference,
                family_name=entry.family_name,
                given_name=entry.given_name,
                contact=entry.contact,
            )
            for candidate, entry in zip(candidates, entries, strict=True)
        ]
        row = DrawRow(
            draw_id=draw_id,
            body_id=body_id,
            contract_code=body.contract_code,
            seats={**asdict(seats), "max_per_age_band": dict(seats.max_per_age_band), "held": dict(seats.held)},
            pool_hash=pool_hash(candidates_of(candidates)),
            commitment=commitment,
            seed=None,
            titulars=[],
            reserves=[],
            result_hash=None,
            status="committed",
            challenge_ends_on=challenge_ends_on,
            created_at=datetime.now(UTC),
        )
        repository = DrawRepository(uow.session)
        await repository.add(row)
        await repository.add(*candidates, *identities)
        await ledger.changed(
            uow.session,
            actor,
            action="draw.opened",
            entity_type="draw",
            entity_id=str(draw_id),
            before={},
            after={"body": str(body_id), "pool": len(entries), "pool_hash": row.pool_hash},
        )
        await uow.commit()
    return DrawView(row, candidates)


async def _draw(uow: UnitOfWork, draw_id: uuid.UUID, *, lock: bool = False) -> DrawRow:
    row = await DrawRepository(uow.session).find(draw_id, lock=lock)
    if row is None:
        raise NotFoundError("draw", str(draw_id))
    return row


async def _draw_run_by(uow: UnitOfWork, actor: Principal, draw_id: uuid.UUID, *, lock: bool = False) -> DrawRow:
    """The draw, if the caller runs draws for its body (another contract's answers like a missing one)."""
    row = await _draw(uow, draw_id, lock=lock)
    body = await find_body(uow, row.body_id)
    if body is None or not actor.works_on(row.contract_code):
        raise NotFoundError("draw", str(draw_id))
    if not manages_body(actor, body.contract_code, body.body_id):
        raise NotBoundError(row.contract_code)
    return row


async def reveal(uow: UnitOfWork, actor: Principal, draw_id: uuid.UUID, seed: str) -> DrawView:
    """The seed is revealed and the draw performed: once, and only with the committed seed."""
    async with uow:
        row = await _draw_run_by(uow, actor, draw_id, lock=True)
        if row.status != "committed":
            raise DrawIntegrityError("drawn-once", "this draw was performed already")
        check_reveal(row.commitment, seed)
        repository = DrawRepository(uow.session)
        candidates = await repository.candidates(draw_id)
        result = draw(candidates_of(candidates), row.pool_hash, row.commitment, seed, seats_of(row))
        row.seed, row.titulars, row.reserves = seed, list(result.titulars), list(result.reserves)
        row.result_hash, row.status = result.result_hash, "drawn"
        await ledger.changed(
            uow.session,
            actor,
            action="draw.performed",
            entity_type="draw",
            entity_id=str(draw_id),
            before={"status": "committed"},
            after={"status": "drawn", "result_hash": result.result_hash},
        )
        await uow.commit()
    return DrawView(row, candidates)


async def public_view(uow: UnitOfWork, draw_id: uuid.UUID) -> DrawView:
    async with uow.reading():
        row = await _draw(uow, draw_id)
        return DrawView(row, await DrawRepository(uow.session).candidates(draw_id))


async def verification(uow: UnitOfWork, draw_id: uuid.UUID) -> tuple[DrawRow, str | None]:
    """The result hash recomputed from the published inputs (None before the reveal)."""
    view = await public_view(uow, draw_id)
    row = view.row
    if row.seed is None:
        return row, None
    result = draw(candidates_of(view.candidates), row.pool_hash, row.commitment, row.seed, seats_of(row))
    return row, result.result_hash


async def drawn_people(uow: UnitOfWork, actor: Principal, draw_id: uuid.UUID) -> tuple[DrawRow, list[DrawIdentityRow]]:
    """Who was drawn, by name: for the body's facilitators and the contract's pilots; audited."""
    async with uow:
        try:
            row = await _draw_run_by(uow, actor, draw_id)
        except NotBoundError:
            raise NotFoundError("draw", str(draw_id)) from None  # names: no hint that the draw exists
        identities = await DrawRepository(uow.session).identities(draw_id, [*row.titulars, *row.reserves])
        await ledger.changed(
            uow.session,
            actor,
            action="personal_data.read",
            entity_type="draw",
            entity_id=str(draw_id),
            before={},
            after={"people": len(identities)},
        )
        await uow.commit()
    return row, identities


async def purge(uow: UnitOfWork, actor: Principal, draw_id: uuid.UUID, today: date) -> dict[str, Any]:
    """Delete the pool's personal data once the challenge period is over."""
    async with uow:
        row = await _draw_run_by(uow, actor, draw_id, lock=True)
        if today <= row.challenge_ends_on:
            raise RuleViolationError(
                "challengeEndsOn",
                "challenge-period-over",
                f"the pool is kept until {row.challenge_ends_on.isoformat()}",
            )
        deleted = await purge_pool(uow, actor, row, reason=None)
        await uow.commit()
    return {"deleted": deleted}


async def purge_pool(uow: UnitOfWork, actor: Principal, row: DrawRow, *, reason: str | None) -> int:
    """Delete a draw's pool identities, inside the caller's unit of work, audited; how many went."""
    deleted = await DrawRepository(uow.session).purge_identities(row.draw_id)
    row.status = "purged"
    await ledger.changed(
        uow.session,
        actor,
        action="personal_data.deleted",
        entity_type="draw",
        entity_id=str(row.draw_id),
        before={},
        after={"identities_deleted": deleted},
        reason=reason,
    )
    return deleted


async def _enrol_drawn(
    membership: MembershipRepository,
    contract_code: str,
    gender: str,
    age_band: str,
    in_qpv: bool,
    identity: DrawIdentityRow,
    fictitious: bool,
) -> PersonRow:
    """A person drawn becomes a resident of the contract's records, the identity kept apart as always."""
    person = PersonRow(
        person_id=uuid.uuid4(),
        contract_code=contract_code,
        gender=gender,
        age_band=age_band,
        member_kind=MemberKind.RESIDENT.value,
        resident_in_qpv=in_qpv,
        fictitious=fictitious,
        created_at=datetime.now(UTC),
    )
    await membership.add(person)
    await membership.add(
        PersonIdentityRow(
            person_id=person.person_id,
            family_name=identity.family_name,
            given_name=identity.given_name,
            contact=identity.contact,
        )
    )
    return person


@dataclass(frozen=True, slots=True)
class Appointment:
    mandates: list[MandateRow]
    warnings: list[CompositionWarning]


async def appoint(
    uow: UnitOfWork, actor: Principal, draw_id: uuid.UUID, starts_on: date, ends_on: date | None, *, fictitious: bool
) -> Appointment:
    """The titulars drawn become members: a person (identity kept apart) and a mandate each, at once."""
    check_term(starts_on, ends_on)
    async with uow:
        row = await _draw_run_by(uow, actor, draw_id, lock=True)
        if row.status != "drawn":
            raise DrawIntegrityError(
                "appoint-drawn", "appointments follow a performed draw whose pool still holds names"
            )
        if row.appointed_on is not None:
            raise DrawIntegrityError("appointed-once", "this draw's titulars were appointed already")
        repository = DrawRepository(uow.session)
        candidates = {item.reference: item for item in await repository.candidates(draw_id)}
        identities = {item.reference: item for item in await repository.identities(draw_id, row.titulars)}
        membership = MembershipRepository(uow.session)
        versions = await membership.rules(row.body_id)
        rules = rules_of(versions[-1]) if versions else None
        check_member_kind(rules, MemberKind.RESIDENT)
        now = datetime.now(UTC)
        mandates: list[MandateRow] = []
        for reference in row.titulars:
            candidate, identity = candidates[reference], identities[reference]
            person = await _enrol_drawn(
                membership,
                row.contract_code,
                candidate.gender,
                candidate.age_band,
                candidate.in_qpv,
                identity,
                fictitious,
            )
            mandates.append(
                MandateRow(
                    mandate_id=uuid.uuid4(),
                    body_id=row.body_id,
                    person_id=person.person_id,
                    role="member",
                    college="residents",
                    starts_on=starts_on,
                    ends_on=ends_on,
                    draw_id=draw_id,
                    drawn_reference=reference,
                    created_at=now,
                )
            )
        await membership.add(*mandates)
        row.appointed_on = starts_on
        members = [
            Member(Gender(item.gender), MemberKind(item.member_kind), item.resident_in_qpv)
            for item in await membership.members_on(row.body_id, starts_on)
        ]
        await ledger.changed(
            uow.session,
            actor,
            action="draw.appointed",
            entity_type="draw",
            entity_id=str(draw_id),
            before={},
            after={"mandates": len(mandates), "starts_on": starts_on.isoformat()},
        )
        await uow.commit()
    return Appointment(mandates, composition_warnings(rules, members))


async def replace_from_reserves(
    uow: UnitOfWork, actor: Principal, draw_id: uuid.UUID, mandate_id: uuid.UUID, on: date, *, fictitious: bool
) -> tuple[MandateRow, MandateRow]:
    """A titular drawn by this draw leaves: their mandate ends the day before `on`, and the first reserve
    of the same gender (parity kept; else the first reserve) takes the seat from `on`."""
    async with uow:
        row = await _draw_run_by(uow, actor, draw_id, lock=True)
        if row.status != "drawn" or row.appointed_on is None:
            raise DrawIntegrityError("appoint-drawn", "replacements come from an appointed draw still holding names")
        membership = MembershipRepository(uow.session)
        leaving = await membership.mandate(mandate_id, lock=True)
        if leaving is None or leaving.draw_id != draw_id or leaving.drawn_reference is None:
            raise RuleViolationError("mandateId", "drawn-mandate", "a mandate given by this draw")
        ends_on = date.fromordinal(on.toordinal() - 1)
        check_end(
            Term(str(leaving.mandate_id), leaving.role, leaving.starts_on, leaving.ends_on),
            ends_on,
            leaving.end_reason is None,
        )
        repository = DrawRepository(uow.session)
        pool = candidates_of(await repository.candidates(draw_id))
        used = {item.drawn_reference for item in await membership.mandates_in(row.body_id) if item.draw_id == draw_id}
        result = DrawResult(
            row.pool_hash, row.seed or "", tuple(row.titulars), tuple(row.reserves), row.result_hash or ""
        )
        reference = replacement(result, pool, leaving.drawn_reference, used={item for item in used if item})
        candidate = next(item for item in pool if item.reference == reference)
        identity = (await repository.identities(draw_id, [reference]))[0]
        leaving.ends_on, leaving.end_reason = ends_on, EndReason.REPLACED.value
        person = await _enrol_drawn(
            membership,
            row.contract_code,
            candidate.gender.value,
            candidate.age_band,
            candidate.in_qpv,
            identity,
            fictitious,
        )
        arriving = MandateRow(
            mandate_id=uuid.uuid4(),
            body_id=row.body_id,
            person_id=person.person_id,
            role=leaving.role,
            college=leaving.college,
            starts_on=on,
            ends_on=None,
            replaces=leaving.mandate_id,
            draw_id=draw_id,
            drawn_reference=reference,
            created_at=datetime.now(UTC),
        )
        await membership.add(arriving)
        await ledger.created(
            uow.session,
            actor,
            action="draw.replacement",
            entity_type="draw",
            entity_id=str(draw_id),
            after={"leaving": str(leaving.mandate_id), "arriving": str(arriving.mandate_id), "reserve": reference},
        )
        await uow.commit()
    return leaving, arriving
