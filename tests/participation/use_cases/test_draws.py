"""Draws by lot through their use cases, on a transaction rolled back at each test's end: the pool frozen and
published with the seed's commitment, the reveal performed once with the committed seed only, the names for
those who run the draw (each read audited) and kept through the challenge period only, the titulars appointed
once, a leaving member replaced by a reserve with parity kept, and a vacancy draw counting the seats held on
its day."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import Body
from services.participation.draws.domain import (
    DrawStatus,
    Seats,
    commitment_of,
    draw,
    pool_hash,
    pool_references,
    published_seats,
)
from services.participation.draws.use_cases import (
    DrawView,
    PoolEntry,
    appoint,
    drawn_people,
    open_draw,
    public_view,
    purge,
    purge_expired,
    replace_from_reserves,
    reveal,
    verification,
)
from services.participation.errors import NotBoundError, NotFoundError
from services.participation.members.domain import EndReason, Gender, Identity, MemberKind
from services.participation.members.use_cases.mandates import composition, end_mandate, give_mandate
from services.participation.members.use_cases.people import export_person
from tests.participation.use_cases.callers import ADMIN, OPERATOR, PILOT, STRANGER, facilitator_of
from tests.participation.use_cases.checks import audited, refused
from tests.participation.use_cases.records import DayClock, Territories, a_body, a_mandate, a_person, with_rules
from tests.steps import step

SEED = "dés lancés en séance: 4-2-6-1-5-3"
COMMITMENT = commitment_of(SEED)
DRAWN_ON = date(2025, 3, 1)  # the use cases' clock (conftest.STORY_STARTS_ON): the day the draws are run
CHALLENGE_ENDS_ON = date(2025, 3, 31)
SEATS = Seats(titulars=6, reserves=2, min_in_qpv=4)

ALL = PageRequest(limit=50, offset=0)


def pool(count: int = 30) -> list[PoolEntry]:
    """Women and men in turn, two people per household, one in five outside a QPV."""
    return [
        PoolEntry(
            gender=Gender.WOMAN if index % 2 else Gender.MAN,
            age_band=("16-25", "26-59", "60+")[index % 3],
            in_qpv=index % 5 != 0,
            household=f"{index // 2} rue Fictive, Arras",
            identity=Identity(f"Fictif{index}", "Personne", f"fictif{index}@example.org"),
        )
        for index in range(count)
    ]


async def opened(uow: UnitOfWork, body: Body, seats: Seats = SEATS, count: int = 30, **given: bool) -> DrawView:
    return await open_draw(uow, PILOT, body.body_id, seats, COMMITMENT, CHALLENGE_ENDS_ON, pool(count), **given)


async def performed(uow: UnitOfWork, body: Body, seats: Seats = SEATS, count: int = 30) -> DrawView:
    return await reveal(uow, PILOT, (await opened(uow, body, seats, count)).draw.draw_id, SEED)


async def test_an_opened_draw_publishes_its_frozen_pool_and_the_commitment_and_keeps_the_names_apart(
    uow: UnitOfWork, territories: Territories
) -> None:
    body = await a_body(uow, territories)
    view = await opened(uow, body)
    published = view.draw
    assert (published.status, published.commitment, published.seed, published.result_hash) == (
        DrawStatus.COMMITTED,
        COMMITMENT,
        None,
        None,
    )
    assert (published.titulars, published.reserves, published.seats) == ((), (), published_seats(SEATS))
    assert [item.reference for item in view.candidates] == pool_references(30)
    assert published.pool_hash == pool_hash(view.candidates)
    households = [item.household for item in view.candidates]
    assert households[0] == households[1] != households[2]  # one token per household of this draw
    assert not any("rue Fictive" in token for token in households)
    assert await public_view(uow, published.draw_id) == view
    assert await audited(uow, published.draw_id) == ["draw.opened"]


async def test_who_runs_a_draw(uow: UnitOfWork, territories: Territories) -> None:
    body, other_body = await a_body(uow, territories), await a_body(uow, territories)
    with pytest.raises(NotFoundError):  # another contract's body answers like a missing one
        await open_draw(uow, STRANGER, body.body_id, SEATS, COMMITMENT, CHALLENGE_ENDS_ON, pool())
    for outsider in (OPERATOR, facilitator_of(other_body)):
        with pytest.raises(NotBoundError):
            await open_draw(uow, outsider, body.body_id, SEATS, COMMITMENT, CHALLENGE_ENDS_ON, pool())
    with refused("pool-size"):
        await open_draw(uow, PILOT, body.body_id, SEATS, COMMITMENT, CHALLENGE_ENDS_ON, pool(7))
    view = await open_draw(uow, facilitator_of(body), body.body_id, SEATS, COMMITMENT, CHALLENGE_ENDS_ON, pool())
    with pytest.raises(NotFoundError):
        await reveal(uow, STRANGER, view.draw.draw_id, SEED)
    with pytest.raises(NotBoundError):
        await reveal(uow, facilitator_of(other_body), view.draw.draw_id, SEED)
    with pytest.raises(NotFoundError):
        await reveal(uow, PILOT, uuid.uuid4(), SEED)


async def test_the_reveal_performs_the_draw_once_with_the_committed_seed_only(
    uow: UnitOfWork, territories: Territories
) -> None:
    view = await opened(uow, await a_body(uow, territories))
    draw_id = view.draw.draw_id
    with refused("seed-matches-commitment"):
        await reveal(uow, PILOT, draw_id, SEED + "!")
    assert (await public_view(uow, draw_id)).draw.status is DrawStatus.COMMITTED  # nothing written
    assert (await verification(uow, draw_id))[1] is None  # nothing to recompute before the reveal
    revealed = (await reveal(uow, PILOT, draw_id, SEED)).draw
    assert (revealed.status, revealed.seed, len(revealed.titulars), len(revealed.reserves)) == (
        DrawStatus.DRAWN,
        SEED,
        6,
        2,
    )
    anyones = draw(view.candidates, view.draw.pool_hash, COMMITMENT, SEED, SEATS)  # from what is published
    assert (revealed.titulars, revealed.reserves, revealed.result_hash) == (
        anyones.titulars,
        anyones.reserves,
        anyones.result_hash,
    )
    genders = {item.reference: item.gender for item in view.candidates}
    assert sorted(genders[reference] for reference in revealed.titulars) == [Gender.WOMAN] * 3 + [Gender.MAN] * 3
    assert await verification(uow, draw_id) == (revealed, revealed.result_hash)
    with refused("drawn-once"):
        await reveal(uow, PILOT, draw_id, SEED)
    assert await audited(uow, draw_id) == ["draw.opened", "draw.performed"]


async def test_the_names_drawn_are_shown_to_those_who_run_the_draw_and_each_read_is_audited(
    uow: UnitOfWork, territories: Territories
) -> None:
    body, other_body = await a_body(uow, territories), await a_body(uow, territories)
    revealed = (await performed(uow, body)).draw
    names, total = await drawn_people(uow, facilitator_of(body), revealed.draw_id, ALL)
    assert total == len(names)
    assert [item.reference for item in names] == [*revealed.titulars, *revealed.reserves]
    assert [item.seat for item in names] == ["titular"] * 6 + ["reserve"] * 2
    by_index = {reference: index for index, reference in enumerate(pool_references(30))}
    assert [item.family_name for item in names] == [f"Fictif{by_index[item.reference]}" for item in names]
    for outsider in (STRANGER, facilitator_of(other_body)):
        with pytest.raises(NotFoundError):  # the names give no hint that the draw exists
            await drawn_people(uow, outsider, revealed.draw_id, ALL)
    assert (await audited(uow, revealed.draw_id))[-1:] == ["personal_data.read"]


async def test_the_pool_names_are_kept_through_the_challenge_period_then_deleted(
    uow: UnitOfWork, territories: Territories, day_clock: DayClock
) -> None:
    revealed = (await performed(uow, await a_body(uow, territories))).draw
    for day in (DRAWN_ON, CHALLENGE_ENDS_ON):
        day_clock.move_to(day)
        with refused("challenge-period-over"):
            await purge(uow, PILOT, revealed.draw_id)
    day_clock.move_to(CHALLENGE_ENDS_ON + timedelta(days=1))
    assert await purge(uow, PILOT, revealed.draw_id) == 30
    assert (await public_view(uow, revealed.draw_id)).draw.status is DrawStatus.PURGED
    assert await drawn_people(uow, PILOT, revealed.draw_id, ALL) == ([], 0)
    assert await verification(uow, revealed.draw_id) == (
        (await public_view(uow, revealed.draw_id)).draw,
        revealed.result_hash,  # the published pseudonymous pool still verifies
    )
    assert "personal_data.deleted" in await audited(uow, revealed.draw_id)


async def test_retention_purges_the_pools_past_their_challenge_period_only(
    uow: UnitOfWork, territories: Territories
) -> None:
    body = await a_body(uow, territories)
    day_after = CHALLENGE_ENDS_ON + timedelta(days=1)
    ended = await open_draw(uow, PILOT, body.body_id, SEATS, COMMITMENT, CHALLENGE_ENDS_ON, pool())
    last_day = await open_draw(uow, PILOT, body.body_id, SEATS, COMMITMENT, day_after, pool())
    async with uow:  # the retention command's unit of work (retention.use_cases)
        await purge_expired(uow, ADMIN, day_after, reason="challenge period over")
        await uow.commit()
    statuses = [(await public_view(uow, view.draw.draw_id)).draw.status for view in (ended, last_day)]
    assert statuses == [DrawStatus.PURGED, DrawStatus.COMMITTED]


async def test_the_titulars_drawn_are_appointed_once(uow: UnitOfWork, territories: Territories) -> None:
    body = await a_body(uow, territories)
    await with_rules(uow, body, parity=True)
    view = await opened(uow, body)
    draw_id = view.draw.draw_id
    with step("not before the draw is performed"), refused("appoint-drawn"):
        await appoint(uow, PILOT, draw_id, DRAWN_ON, None, fictitious=True)
    revealed = (await reveal(uow, PILOT, draw_id, SEED)).draw
    with step("a term that ends before it starts"), refused("after-start"):
        await appoint(uow, PILOT, draw_id, DRAWN_ON, DRAWN_ON - timedelta(days=1), fictitious=True)
    with step("the titulars appointed"):
        appointed = await appoint(uow, PILOT, draw_id, DRAWN_ON, None, fictitious=True)
        assert appointed.warnings == []  # three women, three men
        assert [item.drawn_reference for item in appointed.mandates] == list(revealed.titulars)
        terms = {(item.draw_id, item.role, item.college, item.starts_on, item.ends_on) for item in appointed.mandates}
        assert terms == {(draw_id, "member", "residents", DRAWN_ON, None)}
    with step("each titular enrolled as a resident, the name kept apart"):
        drawn = {item.reference: item for item in view.candidates}
        names = {item.reference: item.family_name for item in (await drawn_people(uow, PILOT, draw_id, ALL))[0]}
        for mandate in appointed.mandates:
            assert mandate.drawn_reference is not None
            record = await export_person(uow, ADMIN, mandate.person_id)
            assert (record.person.gender, record.person.member_kind, record.person.fictitious) == (
                drawn[mandate.drawn_reference].gender,
                MemberKind.RESIDENT,
                True,
            )
            assert record.identity is not None
            assert record.identity.family_name == names[mandate.drawn_reference]
        assert (await composition(uow, PILOT, body.body_id, DRAWN_ON)).members == 6
    with step("once"), refused("appointed-once"):
        await appoint(uow, PILOT, draw_id, DRAWN_ON, None, fictitious=True)
    assert "draw.appointed" in await audited(uow, draw_id)


async def test_the_titulars_are_appointed_only_where_the_rules_take_residents(
    uow: UnitOfWork, territories: Territories
) -> None:
    body = await a_body(uow, territories)
    await with_rules(uow, body, forbidden_member_kinds=frozenset({MemberKind.RESIDENT}))
    revealed = (await performed(uow, body)).draw
    with refused("member-kind-allowed"):
        await appoint(uow, PILOT, revealed.draw_id, DRAWN_ON, None, fictitious=True)
    assert (await composition(uow, PILOT, body.body_id, DRAWN_ON)).members == 0


async def test_a_leaving_member_is_replaced_by_the_first_reserve_left_of_the_same_gender(
    uow: UnitOfWork, territories: Territories
) -> None:
    body, other_body = await a_body(uow, territories), await a_body(uow, territories)
    seats = Seats(titulars=4, reserves=4)
    view = await performed(uow, body, seats, count=20)
    draw_id, revealed = view.draw.draw_id, view.draw
    gender = {item.reference: item.gender for item in view.candidates}
    foreign = (await give_mandate(uow, PILOT, a_mandate(other_body, await a_person(uow)))).mandate
    with step("only from an appointed draw"), refused("appoint-drawn"):
        await replace_from_reserves(uow, PILOT, draw_id, foreign.mandate_id, date(2025, 5, 1), fictitious=True)
    appointed = (await appoint(uow, PILOT, draw_id, date(2025, 1, 1), None, fictitious=True)).mandates
    with step("only a mandate this draw gave"), refused("drawn-mandate"):
        await replace_from_reserves(uow, PILOT, draw_id, foreign.mandate_id, date(2025, 5, 1), fictitious=True)
    leaving = appointed[0]
    assert leaving.drawn_reference is not None
    kept_gender = gender[leaving.drawn_reference]
    of_that_gender = [reference for reference in revealed.reserves if gender[reference] is kept_gender]
    of_the_other = [reference for reference in revealed.reserves if gender[reference] is not kept_gender]
    assert (len(of_that_gender), len(of_the_other)) == (2, 2)  # parity holds among the reserves too
    with step("the first reserve of the leaving member's gender takes the seat"):
        ended, arriving = await replace_from_reserves(
            uow, PILOT, draw_id, leaving.mandate_id, date(2025, 5, 1), fictitious=True
        )
        assert (ended.ends_on, ended.end_reason) == (date(2025, 4, 30), EndReason.REPLACED)
        assert (arriving.starts_on, arriving.ends_on, arriving.replaces) == (date(2025, 5, 1), None, leaving.mandate_id)
        assert (arriving.role, arriving.college, arriving.draw_id) == (leaving.role, leaving.college, draw_id)
        assert arriving.drawn_reference == of_that_gender[0]
        names = {item.reference: item.family_name for item in (await drawn_people(uow, PILOT, draw_id, ALL))[0]}
        arrived = await export_person(uow, ADMIN, arriving.person_id)
        assert arrived.identity is not None
        assert arrived.identity.family_name == names[of_that_gender[0]]
    with step("the reserves are used in turn, the other gender's once none of the same is left"):
        taken = []
        for day in (date(2025, 6, 1), date(2025, 7, 1), date(2025, 8, 1)):  # the last one seated leaves
            _, arriving = await replace_from_reserves(uow, PILOT, draw_id, arriving.mandate_id, day, fictitious=True)
            taken.append(arriving.drawn_reference)
        assert taken == [of_that_gender[1], of_the_other[0], of_the_other[1]]
    with step("no reserve left"), refused("reserve-available"):
        await replace_from_reserves(uow, PILOT, draw_id, arriving.mandate_id, date(2025, 9, 1), fictitious=True)
    assert "draw.replacement" in await audited(uow, draw_id)


async def test_a_vacancy_draw_counts_the_seats_held_on_its_day_and_restores_parity(
    uow: UnitOfWork, territories: Territories, day_clock: DayClock
) -> None:
    body = await a_body(uow, territories)
    first = await performed(uow, body, Seats(titulars=4), count=20)
    gender = {item.reference: item.gender for item in first.candidates}
    appointed = (await appoint(uow, PILOT, first.draw.draw_id, date(2025, 1, 1), None, fictitious=True)).mandates
    with step("the women leave at the end of March"):
        for mandate in appointed:
            if mandate.drawn_reference is not None and gender[mandate.drawn_reference] is Gender.WOMAN:
                await end_mandate(uow, PILOT, mandate.mandate_id, date(2025, 3, 31), EndReason.RESIGNED)
    vacancy = Seats(titulars=2)
    with step("on their last day every seat is held"):
        day_clock.move_to(date(2025, 3, 31))
        still_held = await opened(uow, body, vacancy, count=20, fill_vacancies=True)
        assert still_held.draw.seats["held"] == {"f": 2, "m": 2}
    with step("the day after, the men's seats are held: the draw brings two women"):
        day_clock.move_to(date(2025, 4, 1))
        view = await opened(uow, body, vacancy, count=20, fill_vacancies=True)
        assert view.draw.seats["held"] == {"m": 2}  # published with the draw, so anyone can re-run it
        refilled = (await reveal(uow, PILOT, view.draw.draw_id, SEED)).draw
        assert [gender[reference] for reference in refilled.titulars] == [Gender.WOMAN] * 2
        assert (await verification(uow, view.draw.draw_id))[1] == refilled.result_hash
