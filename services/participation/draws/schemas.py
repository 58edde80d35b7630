"""The wire of draws by lot."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictInt, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.participation.schemas import AgeBand, Contact, GenderName, PersonName


class SeatsModel(ApiInput):
    titulars: int = Field(ge=1, le=500)
    reserves: int = Field(default=0, ge=0, le=500)
    parity: bool = True
    one_per_household: bool = True
    min_in_qpv: int = Field(default=0, ge=0, le=500)
    max_per_age_band: dict[AgeBand, Annotated[StrictInt, Field(ge=0, le=500)]] = Field(
        default_factory=dict, max_length=20
    )
    fill_vacancies: bool = Field(
        default=False,
        description="A vacancy draw: parity counts the members in office today, whose seats are published",
    )


class PoolEntryModel(ApiInput):
    gender: GenderName = Field(description="Only for parity")
    age_band: AgeBand
    in_qpv: bool
    household: Annotated[str, StringConstraints(min_length=1, max_length=300)] = Field(
        description="Anything equal for people of one household (published only as a token)"
    )
    family_name: PersonName
    given_name: PersonName
    contact: Contact | None = None


class DrawCreate(ApiInput):
    seats: SeatsModel
    commitment: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="SHA-256 (hex) of the seed revealed later"
    )
    challenge_ends_on: date = Field(description="The pool's personal data is kept until this date")
    candidates: list[PoolEntryModel] = Field(min_length=1, max_length=50_000)


class RevealInput(ApiInput):
    seed: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class PublishedCandidate(ApiModel):
    reference: str
    gender: str
    age_band: str
    in_qpv: bool
    household: str


class PublishedSeatsRead(ApiModel):
    """The seats as the draw published them, to re-run it from."""

    titulars: int
    reserves: int
    parity: bool
    one_per_household: bool
    min_in_qpv: int
    max_per_age_band: dict[str, int]
    held: dict[str, int] = Field(description="Seats already held, by gender (a vacancy draw)")


class DrawRead(ApiModel):
    id: uuid.UUID
    body_id: uuid.UUID
    status: Literal["committed", "drawn", "purged"]
    seats: PublishedSeatsRead
    pool_hash: str
    commitment: str
    seed: str | None
    titulars: list[str]
    reserves: list[str]
    result_hash: str | None
    challenge_ends_on: date
    pool: list[PublishedCandidate] = Field(description="The pool as published: pseudonymous, enough to re-run")


class DrawVerification(ApiModel):
    result_hash: str | None
    recomputed_hash: str | None
    matches: bool


class DrawnPerson(ApiModel):
    reference: str
    seat: Literal["titular", "reserve"]
    family_name: str
    given_name: str
    contact: str | None
