"""Draws by lot for a body: opened with a frozen pool and a committed seed, performed at the reveal,
verifiable by anyone from what is published; the pool's personal data is kept apart, shown only to
the body's facilitators and the contract's pilots (each access audited), and deleted after the
challenge period. What a draw gives the body: its titulars appointed, a leaving member replaced by a reserve."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta

from identity.principal import Principal
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import manages_body
from services.participation.bodies.use_cases import body_managed_by, find_body
from services.participation.draws.domain import (
    Candidate,
    Draw,
    DrawnIdentity,
    DrawStatus,
    Seats,
    check_appointable,
    check_pool_size,
    check_purgeable,
    check_replaceable,
    check_reveal,
    check_revealable,
    draw,
    household_key,
    household_token,
    pool_hash,
    pool_references,
    published_seats,
    replacement,
    seat_of,
    seats_held,
    seats_of,
)
from services.participation.draws.models import DrawCandidateRow, DrawIdentityRow, DrawRow
from services.participation.draws.repository import DrawRepository, draw_from_row
from services.participation.errors import NotBoundError, NotFoundError
from services.participation.members import domain as members
from services.participation.members.repository import MemberRepository
from services.participation.members.use_cases.mandates import add_mandates, close_mandate
from services.participation.members.use_cases.people import add_person
from services.participation.members.use_cases.rules import rules_in_force
from services.participation.persistence import columns_of, ledger


@dataclass(frozen=True, slots=True)
class PoolEntry:
    gender: members.Gender
    age_band: str
    in_qpv: bool
    household: str
    identity: members.Identity


@dataclass(frozen=True, slots=True)
class DrawView:
    draw: Draw
    candidates: list[Candidate]


async def open_draw(
    uow: UnitOfWork,
    actor: Principal,
    body_id: uuid.UUID,
    seats: Seats,
    commitment: str,
    challenge_ends_on: date,
    entries: list[PoolEntry],
    *,
    fill_vacancies: bool = False,
) -> DrawView:
    """A vacancy draw (`fill_vacancies`) publishes the seats held by the members in office today."""
    check_pool_size(len(entries), seats)
    async with uow:
        body = await body_managed_by(uow, actor, body_id)
        if fill_vacancies:
            in_office = await MemberRepository(uow.session).members_on(body_id, uow.today())
            seats = replace(seats, held=seats_held(person.gender for person in in_office))
        draw_id = uuid.uuid4()
        key = household_key()
        candidates = [
            Candidate(reference, entry.gender, entry.age_band, entry.in_qpv, household_token(key, entry.household))
            for reference, entry in zip(pool_references(len(entries)), entries, strict=True)
        ]
        opened = Draw(
            draw_id=draw_id,
            body_id=body_id,
            contract_code=body.contract_code,
            seats=published_seats(seats),
            pool_hash=pool_hash(candidates),
            commitment=commitment,
            seed=None,
            titulars=(),
            reserves=(),
            result_hash=None,
            status=DrawStatus.COMMITTED,
            challenge_ends_on=challenge_ends_on,
        )
        repository = DrawRepository(uow.session)
        await repository.add(DrawRow(**columns_of(opened), created_at=uow.now()))
        await repository.add(
            *(DrawCandidateRow(draw_id=draw_id, **columns_of(item)) for item in candidates),
            *(
                DrawIdentityRow(draw_id=draw_id, reference=item.reference, **columns_of(entry.identity))
                for item, entry in zip(candidates, entries, strict=True)
            ),
        )
        await ledger.changed(
            uow.session,
            actor,
            action="draw.opened",
            entity_type="draw",
            entity_id=str(draw_id),
            before={},
            after={"body": str(body_id), "pool": len(entries), "pool_hash": opened.pool_hash},
        )
        await uow.commit()
    return DrawView(opened, candidates)


async def _draw_row(uow: UnitOfWork, draw_id: uuid.UUID, *, lock: bool = False) -> DrawRow:
    row = await DrawRepository(uow.session).find(draw_id, lock=lock)
    if row is None:
        raise NotFoundError("draw", str(draw_id))
    return row


async def _draw_run_by(uow: UnitOfWork, actor: Principal, draw_id: uuid.UUID, *, lock: bool = False) -> DrawRow:
    """The draw, if the caller runs draws for its body (another contract's answers like a missing one)."""
    row = await _draw_row(uow, draw_id, lock=lock)
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
        check_revealable(DrawStatus(row.status))
        check_reveal(row.commitment, seed)
        candidates = await DrawRepository(uow.session).candidates(draw_id)
        result = draw(candidates, row.pool_hash, row.commitment, seed, seats_of(row.seats))
        row.seed, row.titulars, row.reserves = seed, list(result.titulars), list(result.reserves)
        row.result_hash, row.status = result.result_hash, DrawStatus.DRAWN.value
        await ledger.changed(
            uow.session,
            actor,
            action="draw.performed",
            entity_type="draw",
            entity_id=str(draw_id),
            before={"status": DrawStatus.COMMITTED.value},
            after={"status": DrawStatus.DRAWN.value, "result_hash": result.result_hash},
        )
        await uow.commit()
    return DrawView(draw_from_row(row), candidates)


async def public_view(uow: UnitOfWork, draw_id: uuid.UUID) -> DrawView:
    async with uow.reading():
        row = await _draw_row(uow, draw_id)
        return DrawView(draw_from_row(row), await DrawRepository(uow.session).candidates(draw_id))


async def verification(uow: UnitOfWork, draw_id: uuid.UUID) -> tuple[Draw, str | None]:
    """The result hash recomputed from the published inputs (None before the reveal)."""
    view = await public_view(uow, draw_id)
    published = view.draw
    if published.seed is None:
        return published, None
    result = draw(view.candidates, published.pool_hash, published.commitment, published.seed, seats_of(published.seats))
    return published, result.result_hash


async def drawn_people(
    uow: UnitOfWork, actor: Principal, draw_id: uuid.UUID, page: PageRequest
) -> tuple[list[DrawnIdentity], int]:
    """Who was drawn, by name, titulars first (a page, and how many in all): for the body's facilitators and
    the contract's pilots; audited."""
    async with uow:
        try:
            found = draw_from_row(await _draw_run_by(uow, actor, draw_id))
        except NotBoundError:
            raise NotFoundError("draw", str(draw_id)) from None  # names: no hint that the draw exists
        identities, total = await DrawRepository(uow.session).identities_page(
            draw_id, [*found.titulars, *found.reserves], page
        )
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
    drawn = [
        DrawnIdentity(reference, seat_of(found, reference), name.family_name, name.given_name, name.contact)
        for reference, name in identities
    ]
    return drawn, total


async def purge(uow: UnitOfWork, actor: Principal, draw_id: uuid.UUID) -> int:
    """Delete the pool's personal data once the challenge period is over (on the unit of work's day); how
    many identities went."""
    async with uow:
        row = await _draw_run_by(uow, actor, draw_id, lock=True)
        check_purgeable(draw_from_row(row), uow.today())
        deleted = await _purge_pool(uow, actor, row, reason=None)
        await uow.commit()
    return deleted


async def purge_expired(uow: UnitOfWork, actor: Principal, today: date, *, reason: str) -> tuple[int, int]:
    """Inside the caller's unit of work, purge every pool past its challenge period: (draws, identities)."""
    expired = await DrawRepository(uow.session).past_challenge(today)
    deleted = 0
    for row in expired:
        deleted += await _purge_pool(uow, actor, row, reason=reason)
    return len(expired), deleted


async def _purge_pool(uow: UnitOfWork, actor: Principal, row: DrawRow, *, reason: str | None) -> int:
    """Delete a draw's pool identities, inside the caller's unit of work, audited; how many went."""
    deleted = await DrawRepository(uow.session).purge_identities(row.draw_id)
    row.status = DrawStatus.PURGED.value
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


async def _enrol(
    uow: UnitOfWork, contract_code: str, drawn: Candidate, identity: members.Identity, fictitious: bool
) -> uuid.UUID:
    """A person drawn becomes a resident of the contract's records, the identity kept apart as always."""
    person = members.Person(
        uuid.uuid4(), contract_code, drawn.gender, drawn.age_band, members.MemberKind.RESIDENT, drawn.in_qpv, fictitious
    )
    await add_person(uow, person, identity)
    return person.person_id


@dataclass(frozen=True, slots=True)
class Appointment:
    mandates: list[members.Mandate]
    warnings: list[members.CompositionWarning]


async def appoint(
    uow: UnitOfWork, actor: Principal, draw_id: uuid.UUID, starts_on: date, ends_on: date | None, *, fictitious: bool
) -> Appointment:
    """The titulars drawn become members: a person (identity kept apart) and a mandate each, at once."""
    members.check_term(starts_on, ends_on)
    async with uow:
        row = await _draw_run_by(uow, actor, draw_id, lock=True)
        found = draw_from_row(row)
        check_appointable(found)
        repository = DrawRepository(uow.session)
        candidates = {item.reference: item for item in await repository.candidates(draw_id)}
        identities = await repository.identities(draw_id, found.titulars)
        rules = await rules_in_force(uow, found.body_id)
        members.check_member_kind(rules, members.MemberKind.RESIDENT)
        mandates = [
            members.Mandate(
                mandate_id=uuid.uuid4(),
                body_id=found.body_id,
                person_id=await _enrol(
                    uow, found.contract_code, candidates[reference], identities[reference], fictitious
                ),
                role="member",
                college="residents",
                starts_on=starts_on,
                ends_on=ends_on,
                draw_id=draw_id,
                drawn_reference=reference,
            )
            for reference in found.titulars
        ]
        await add_mandates(uow, mandates)
        row.appointed_on = starts_on
        in_office = await MemberRepository(uow.session).members_on(found.body_id, starts_on)
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
    return Appointment(mandates, members.composition_warnings(rules, in_office))


async def replace_from_reserves(
    uow: UnitOfWork, actor: Principal, draw_id: uuid.UUID, mandate_id: uuid.UUID, on: date, *, fictitious: bool
) -> tuple[members.Mandate, members.Mandate]:
    """A titular drawn by this draw leaves: their mandate ends the day before `on`, and the first reserve
    of the same gender (parity kept; else the first reserve) takes the seat from `on`."""
    async with uow:
        found = draw_from_row(await _draw_run_by(uow, actor, draw_id, lock=True))
        membership = MemberRepository(uow.session)
        leaving, leaving_reference = check_replaceable(found, await membership.mandate(mandate_id, lock=True))
        ended = await close_mandate(uow, leaving, on - timedelta(days=1), members.EndReason.REPLACED)
        repository = DrawRepository(uow.session)
        pool = await repository.candidates(draw_id)
        used = {
            item.drawn_reference
            for item in await membership.mandates_in(found.body_id)
            if item.draw_id == draw_id and item.drawn_reference
        }
        reference = replacement(found.result, pool, leaving_reference, used=used)
        drawn = next(item for item in pool if item.reference == reference)
        identity = (await repository.identities(draw_id, [reference]))[reference]
        arriving = members.Mandate(
            mandate_id=uuid.uuid4(),
            body_id=found.body_id,
            person_id=await _enrol(uow, found.contract_code, drawn, identity, fictitious),
            role=leaving.role,
            college=leaving.college,
            starts_on=on,
            ends_on=None,
            replaces=leaving.mandate_id,
            draw_id=draw_id,
            drawn_reference=reference,
        )
        await add_mandates(uow, [arriving])
        await ledger.created(
            uow.session,
            actor,
            action="draw.replacement",
            entity_type="draw",
            entity_id=str(draw_id),
            after={"leaving": str(leaving.mandate_id), "arriving": str(arriving.mandate_id), "reserve": reference},
        )
        await uow.commit()
    return ended, arriving
