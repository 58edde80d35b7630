"""Verifiable draws by lot for citizen bodies (loi 2014-173 art. 7: the residents of a conseil citoyen are
drawn by lot, women and men in equal numbers).

1. The pool is frozen and its hash published (`pool_hash`) before anything else.
2. A seed is committed (`commitment_of`): the hash of a value revealed only after, e.g. witnesses'
   dice or a public lottery result. The reveal must match the commitment.
3. The draw is a pure function of the pool and the seed: every candidate gets the key
   SHA-256(seed | pool hash | reference), candidates are taken in key order, and a candidate is kept
   only if the seats' constraints still hold (parity, one person per household, strata). Titulars
   first, then reserves. Nothing else (no clock, no language-specific PRNG) enters the result, so
   anyone can re-run it from the published inputs and get the same result hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from services.participation.errors import ParticipationError, RuleViolationError
from services.participation.members.domain import Gender, Mandate


class DrawStatus(StrEnum):
    COMMITTED = "committed"  # pool frozen and seed committed
    DRAWN = "drawn"  # seed revealed, result published
    PURGED = "purged"  # the pool's names deleted after the challenge period


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pseudonymous entry of the pool: no name, only what the strata need."""

    reference: str
    gender: Gender
    age_band: str
    in_qpv: bool
    household: str


@dataclass(frozen=True, slots=True)
class Seats:
    titulars: int
    reserves: int = 0
    parity: bool = True
    one_per_household: bool = True
    min_in_qpv: int = 0
    max_per_age_band: Mapping[str, int] = field(default_factory=dict)
    held: Mapping[str, int] = field(default_factory=dict)  # seats already held, by gender (vacancy draws)


def published_seats(seats: Seats) -> dict[str, Any]:
    """The seats as a draw publishes them, to re-run it from."""
    return {**asdict(seats), "max_per_age_band": dict(seats.max_per_age_band), "held": dict(seats.held)}


def seats_of(published: Mapping[str, Any]) -> Seats:
    """The seats a draw published, to re-run it."""
    return Seats(**published)


def seats_held(genders: Iterable[Gender]) -> dict[str, int]:
    """A vacancy draw's seats already held, by gender: those of the members in office."""
    held = Counter(gender.value for gender in genders)
    return {gender.value: held[gender.value] for gender in Gender if held[gender.value]}


@dataclass(frozen=True, slots=True)
class DrawResult:
    pool_hash: str
    seed: str
    titulars: tuple[str, ...]
    reserves: tuple[str, ...]
    result_hash: str


class DrawIntegrityError(ParticipationError):
    """The published inputs do not match: a changed pool, or a seed that is not the one committed."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def _line(candidate: Candidate) -> str:
    return "|".join(
        (
            candidate.reference,
            candidate.gender.value,
            candidate.age_band,
            "1" if candidate.in_qpv else "0",
            candidate.household,
        )
    )


def pool_hash(pool: Iterable[Candidate]) -> str:
    """SHA-256 of the pool's canonical text: one line per candidate, sorted."""
    lines = sorted(_line(candidate) for candidate in pool)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def commitment_of(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def check_reveal(commitment: str, seed: str) -> None:
    if commitment_of(seed) != commitment:
        raise DrawIntegrityError("seed-matches-commitment", "the revealed seed does not match its commitment")


def _key(seed: str, published_pool_hash: str, reference: str) -> str:
    return hashlib.sha256(f"{seed}|{published_pool_hash}|{reference}".encode()).hexdigest()


def _result_hash(published_pool_hash: str, seed: str, titulars: Sequence[str], reserves: Sequence[str]) -> str:
    text = "\n".join([published_pool_hash, seed, "titulars", *titulars, "reserves", *reserves])
    return hashlib.sha256(text.encode()).hexdigest()


def _pick(
    ordered: Sequence[Candidate],
    count: int,
    seats: Seats,
    taken: set[str],
    households: set[str],
    min_in_qpv: int,
    held: Mapping[str, int],
) -> list[Candidate]:
    """`count` candidates in key order that keep the constraints. Parity: at most ⌈n/2⌉ per gender over
    the n seats of the body, those already `held` included, so that a vacancy draw restores the balance."""
    seated = held.get(Gender.WOMAN.value, 0) + held.get(Gender.MAN.value, 0)
    caps = {
        gender: max(0, -(-(count + seated) // 2) - held.get(gender.value, 0)) for gender in (Gender.WOMAN, Gender.MAN)
    }
    genders: Counter[Gender] = Counter()
    bands: Counter[str] = Counter()
    chosen: list[Candidate] = []
    in_qpv_needed = min(min_in_qpv, count)
    for candidate in ordered:
        if len(chosen) == count:
            break
        if candidate.reference in taken or (seats.one_per_household and candidate.household in households):
            continue
        if (
            seats.parity
            and candidate.gender is not Gender.OTHER
            and genders[candidate.gender] >= caps[candidate.gender]
        ):
            continue
        limit = seats.max_per_age_band.get(candidate.age_band)
        if limit is not None and bands[candidate.age_band] >= limit:
            continue
        still_needed = in_qpv_needed - sum(1 for item in chosen if item.in_qpv)
        if not candidate.in_qpv and count - len(chosen) <= still_needed:
            continue  # the remaining seats are kept for residents of a QPV
        chosen.append(candidate)
        taken.add(candidate.reference)
        households.add(candidate.household)
        genders[candidate.gender] += 1
        bands[candidate.age_band] += 1
    if len(chosen) < count:
        raise RuleViolationError(
            "seats",
            "enough-candidates",
            f"only {len(chosen)} of {count} seats can be filled under the constraints (parity, households, strata)",
        )
    return chosen


def draw(pool: Sequence[Candidate], published_pool_hash: str, commitment: str, seed: str, seats: Seats) -> DrawResult:
    """Titulars and reserves from the frozen pool, checked against the published hash and commitment."""
    if pool_hash(pool) != published_pool_hash:
        raise DrawIntegrityError("pool-unchanged", "the pool changed after its hash was published")
    check_reveal(commitment, seed)
    references = [candidate.reference for candidate in pool]
    if len(set(references)) != len(references):
        raise RuleViolationError("pool", "unique-reference", "a reference appears twice in the pool")
    ordered = sorted(pool, key=lambda candidate: _key(seed, published_pool_hash, candidate.reference))
    taken: set[str] = set()
    households: set[str] = set()
    titulars = _pick(ordered, seats.titulars, seats, taken, households, seats.min_in_qpv, seats.held)
    reserves = _pick(ordered, seats.reserves, seats, taken, households, 0, {}) if seats.reserves else []
    titular_refs = tuple(candidate.reference for candidate in titulars)
    reserve_refs = tuple(candidate.reference for candidate in reserves)
    return DrawResult(
        published_pool_hash,
        seed,
        titular_refs,
        reserve_refs,
        _result_hash(published_pool_hash, seed, titular_refs, reserve_refs),
    )


def verify(
    pool: Sequence[Candidate], published_pool_hash: str, commitment: str, seed: str, seats: Seats, claimed: str
) -> bool:
    """Anyone's re-run from the published inputs: True when it gives the claimed result hash."""
    return draw(pool, published_pool_hash, commitment, seed, seats).result_hash == claimed


def replacement(
    result: DrawResult, pool: Sequence[Candidate], leaving: str, used: Collection[str] = frozenset()
) -> str:
    """The reserve who takes a leaving member's seat: the first reserve not seated yet of the same gender
    (parity kept), else the first one left."""
    by_reference = {candidate.reference: candidate for candidate in pool}
    if leaving not in result.titulars and leaving not in result.reserves:
        raise RuleViolationError("reference", "titular", "only a drawn member's seat is replaced")
    seated = set(result.titulars) | set(used)
    available = [reference for reference in result.reserves if reference not in seated]
    if not available:
        raise RuleViolationError("reserves", "reserve-available", "no reserve is left")
    gender = by_reference[leaving].gender
    return next((reference for reference in available if by_reference[reference].gender is gender), available[0])


@dataclass(frozen=True, slots=True)
class Draw:
    """A draw as it is published, with its state."""

    draw_id: uuid.UUID
    body_id: uuid.UUID
    contract_code: str
    seats: Mapping[str, Any]  # as published (see `published_seats`)
    pool_hash: str
    commitment: str
    seed: str | None
    titulars: tuple[str, ...]
    reserves: tuple[str, ...]
    result_hash: str | None
    status: DrawStatus
    challenge_ends_on: date
    appointed_on: date | None = None

    @property
    def result(self) -> DrawResult:
        return DrawResult(self.pool_hash, self.seed or "", self.titulars, self.reserves, self.result_hash or "")


Seat = Literal["titular", "reserve"]


@dataclass(frozen=True, slots=True)
class DrawnIdentity:
    """A person drawn, by name: shown only to those who run the body's draws."""

    reference: str
    seat: Seat
    family_name: str
    given_name: str
    contact: str | None


def check_pool_size(pool: int, seats: Seats) -> None:
    if pool < seats.titulars + seats.reserves:
        raise RuleViolationError(
            "candidates", "pool-size", f"{pool} candidates for {seats.titulars + seats.reserves} seats"
        )


def pool_references(pool: int) -> list[str]:
    """The published references of a pool's entries, in the order given: C00001…"""
    width = max(5, len(str(pool)))
    return [f"C{position + 1:0{width}d}" for position in range(pool)]


def household_key() -> bytes:
    """The key of one draw's household tokens: drawn at random when the pool is frozen, used for its entries,
    then forgotten (the tokens are kept; the key is neither stored nor published)."""
    return secrets.token_bytes(32)


def household_token(key: bytes, household: str) -> str:
    """What is published of a household: equal for equal households of this draw, nothing more. Keyed
    (HMAC-SHA-256 under the draw's `household_key`): a plain hash of the draw's public id and the address
    was reversed by hashing a street directory (900 addresses gave back the 12 of a pool)."""
    return hmac.new(key, household.strip().lower().encode(), hashlib.sha256).hexdigest()[:16]


def check_revealable(status: DrawStatus) -> None:
    if status is not DrawStatus.COMMITTED:
        raise DrawIntegrityError("drawn-once", "this draw was performed already")


def check_appointable(draw: Draw) -> None:
    """The titulars of a performed draw whose pool still holds their names are appointed, once."""
    if draw.status is not DrawStatus.DRAWN:
        raise DrawIntegrityError("appoint-drawn", "appointments follow a performed draw whose pool still holds names")
    if draw.appointed_on is not None:
        raise DrawIntegrityError("appointed-once", "this draw's titulars were appointed already")


def check_replaceable(draw: Draw, leaving: Mandate | None) -> tuple[Mandate, str]:
    """A reserve replaces a member this draw seated, while the pool still holds names: the leaving mandate
    and the reference it was drawn as."""
    if draw.status is not DrawStatus.DRAWN or draw.appointed_on is None:
        raise DrawIntegrityError("appoint-drawn", "replacements come from an appointed draw still holding names")
    if leaving is None or leaving.draw_id != draw.draw_id or leaving.drawn_reference is None:
        raise RuleViolationError("mandate_id", "drawn-mandate", "a mandate given by this draw")
    return leaving, leaving.drawn_reference


def check_purgeable(draw: Draw, today: date) -> None:
    """The pool's personal data is kept through the challenge period, then deleted (RGPD art. 5.1.e)."""
    if today <= draw.challenge_ends_on:
        raise RuleViolationError(
            "challenge_ends_on",
            "challenge-period-over",
            f"the pool is kept until {draw.challenge_ends_on.isoformat()}",
        )


def seat_of(draw: Draw, reference: str) -> Seat:
    """The seat a reference was drawn for: titular, else reserve."""
    return "titular" if reference in draw.titulars else "reserve"
