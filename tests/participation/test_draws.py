"""Verifiable draws: published pool hash, committed seed, constraints kept, same result for anyone."""

from __future__ import annotations

import pytest

from services.participation.draws.domain import (
    Candidate,
    DrawIntegrityError,
    Seats,
    check_reveal,
    commitment_of,
    draw,
    pool_hash,
    replacement,
    verify,
)
from services.participation.errors import RuleViolationError
from services.participation.members.domain import Gender

SEED = "dés: 3-6-1-4-2-5 ; témoins: 2"


def _pool(size: int = 200) -> list[Candidate]:
    return [
        Candidate(
            reference=f"P{index:05d}",
            gender=Gender.WOMAN if index % 3 else Gender.MAN,  # two women for one man
            age_band=["16-25", "26-59", "60+"][index % 3],
            in_qpv=index % 4 != 0,
            household=f"H{index // 2}",  # two people per household
        )
        for index in range(size)
    ]


def test_the_same_inputs_give_the_same_result_hash() -> None:
    pool = _pool()
    published = pool_hash(pool)
    first = draw(pool, published, commitment_of(SEED), SEED, Seats(titulars=12, reserves=4))
    again = draw(list(reversed(pool)), published, commitment_of(SEED), SEED, Seats(titulars=12, reserves=4))
    assert first == again  # the order the pool is read in does not matter
    assert verify(pool, published, commitment_of(SEED), SEED, Seats(titulars=12, reserves=4), first.result_hash)
    other = draw(pool, published, commitment_of("another seed"), "another seed", Seats(titulars=12, reserves=4))
    assert other.titulars != first.titulars


def test_parity_households_and_strata_hold() -> None:
    pool = _pool()
    by_reference = {candidate.reference: candidate for candidate in pool}
    seats = Seats(titulars=10, reserves=4, min_in_qpv=8, max_per_age_band={"60+": 3})
    result = draw(pool, pool_hash(pool), commitment_of(SEED), SEED, seats)
    chosen = [by_reference[reference] for reference in result.titulars]
    assert sum(1 for item in chosen if item.gender is Gender.WOMAN) == 5
    assert sum(1 for item in chosen if item.gender is Gender.MAN) == 5
    assert sum(1 for item in chosen if item.in_qpv) >= 8
    assert sum(1 for item in chosen if item.age_band == "60+") <= 3
    everyone = [by_reference[reference] for reference in result.titulars + result.reserves]
    assert len({item.household for item in everyone}) == len(everyone)
    assert not set(result.titulars) & set(result.reserves)


def test_a_changed_pool_or_a_wrong_seed_is_refused() -> None:
    pool = _pool()
    published = pool_hash(pool)
    changed = [*pool[:-1], Candidate("P99999", Gender.MAN, "26-59", True, "H99999")]
    with pytest.raises(DrawIntegrityError) as refused:
        draw(changed, published, commitment_of(SEED), SEED, Seats(titulars=4))
    assert refused.value.rule == "pool-unchanged"
    with pytest.raises(DrawIntegrityError) as wrong_seed:
        check_reveal(commitment_of(SEED), SEED + " ")
    assert wrong_seed.value.rule == "seed-matches-commitment"


def test_too_few_candidates_names_the_rule() -> None:
    pool = [candidate for candidate in _pool(40) if candidate.gender is Gender.WOMAN]
    with pytest.raises(RuleViolationError) as refused:
        draw(pool, pool_hash(pool), commitment_of(SEED), SEED, Seats(titulars=6))
    assert refused.value.rule == "enough-candidates"  # parity needs men


def test_a_replacement_keeps_parity() -> None:
    pool = _pool()
    by_reference = {candidate.reference: candidate for candidate in pool}
    result = draw(pool, pool_hash(pool), commitment_of(SEED), SEED, Seats(titulars=8, reserves=4))
    man = next(reference for reference in result.titulars if by_reference[reference].gender is Gender.MAN)
    assert by_reference[replacement(result, pool, man)].gender is Gender.MAN
    outsider = next(item.reference for item in pool if item.reference not in {*result.titulars, *result.reserves})
    with pytest.raises(RuleViolationError):
        replacement(result, pool, outsider)
    with pytest.raises(RuleViolationError, match="no reserve is left"):
        replacement(result, pool, man, used=result.reserves)


def test_a_vacancy_draw_restores_parity_with_the_seats_already_held() -> None:
    pool = _pool()
    by_reference = {candidate.reference: candidate for candidate in pool}
    # Five women and one man still sit: four vacant seats go to men so that the body is 5/5.
    seats = Seats(titulars=4, held={"f": 5, "m": 1})
    result = draw(pool, pool_hash(pool), commitment_of(SEED), SEED, seats)
    assert [by_reference[reference].gender for reference in result.titulars] == [Gender.MAN] * 4
    assert verify(pool, pool_hash(pool), commitment_of(SEED), SEED, seats, result.result_hash)
