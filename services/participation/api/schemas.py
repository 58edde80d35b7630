"""The participation contract: what callers send and read."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.participation.domain.bodies import BodyKind, ParticipationLevel

QpvCode = Annotated[str, StringConstraints(pattern=r"^Q[A-Z0-9]{5,9}$")]


class BodyRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    name: str
    kind: BodyKind
    participation_level: ParticipationLevel
    qpv_codes: list[str]
    version: int


class BodyCreate(ApiInput):
    contract_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
    name: Annotated[str, StringConstraints(min_length=2, max_length=200, strip_whitespace=True)]
    kind: BodyKind
    participation_level: ParticipationLevel
    qpv_codes: list[QpvCode] = Field(default_factory=list, max_length=50)


class BodyUpdate(ApiInput):
    name: Annotated[str, StringConstraints(min_length=2, max_length=200, strip_whitespace=True)] | None = None
    kind: BodyKind | None = None
    participation_level: ParticipationLevel | None = None
    qpv_codes: list[QpvCode] | None = Field(default=None, max_length=50)


class SeatsModel(ApiInput):
    titulars: int = Field(ge=1, le=500)
    reserves: int = Field(default=0, ge=0, le=500)
    parity: bool = True
    one_per_household: bool = True
    min_in_qpv: int = Field(default=0, ge=0, le=500)
    max_per_age_band: dict[
        Annotated[str, StringConstraints(pattern=r"^[0-9+-]{2,10}$")], Annotated[StrictInt, Field(ge=0, le=500)]
    ] = Field(default_factory=dict, max_length=20)


class PoolEntryModel(ApiInput):
    gender: Literal["f", "m", "x"] = Field(description="Only for parity")
    age_band: Annotated[str, StringConstraints(pattern=r"^[0-9+-]{2,10}$")]
    in_qpv: bool
    household: Annotated[str, StringConstraints(min_length=1, max_length=300)] = Field(
        description="Anything equal for people of one household (published only as a token)"
    )
    family_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    given_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    contact: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None


class DrawCreate(ApiInput):
    seats: SeatsModel
    commitment: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="SHA-256 (hex) of the seed revealed later"
    )
    challenge_ends_on: date = Field(description="The pool's personal data is kept until this date")
    candidates: list[PoolEntryModel] = Field(min_length=1, max_length=5000)


class RevealInput(ApiInput):
    seed: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class PublishedCandidate(ApiModel):
    reference: str
    gender: str
    age_band: str
    in_qpv: bool
    household: str


class DrawRead(ApiModel):
    id: uuid.UUID
    body_id: uuid.UUID
    status: Literal["committed", "drawn", "purged"]
    seats: dict[str, Any]
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


MemberKindName = Literal["resident", "association", "local_actor", "institution", "elected"]


class BodyRulesInput(ApiInput):
    parity: bool = True
    residents_min_share: Annotated[str, StringConstraints(pattern=r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$")] = "0.5"
    size_max: int | None = Field(default=None, ge=1, le=1000)
    mandate_years: int | None = Field(default=None, ge=1, le=10)
    forbidden_member_kinds: list[MemberKindName] = Field(default_factory=list, max_length=5)


class BodyRulesRead(ApiModel):
    version: int
    parity: bool
    residents_min_share: str
    size_max: int | None
    mandate_years: int | None
    forbidden_member_kinds: list[str]


class PersonCreate(ApiInput):
    contract_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
    gender: Literal["f", "m", "x"] = Field(description="Only for parity")
    age_band: Annotated[str, StringConstraints(pattern=r"^[0-9+-]{2,10}$")]
    member_kind: MemberKindName
    resident_in_qpv: bool
    fictitious: bool = Field(default=False, description="Demo data: a person who does not exist")
    family_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    given_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    contact: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None


class PersonRead(ApiModel):
    """The pseudonymous record: no name, no contact."""

    id: uuid.UUID
    contract_code: str
    gender: str
    age_band: str
    member_kind: str
    resident_in_qpv: bool
    fictitious: bool


class MandateCreate(ApiInput):
    person_id: uuid.UUID
    role: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")] = "member"
    college: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")] | None = None
    starts_on: date
    ends_on: date | None = None


class WarningRead(ApiModel):
    rule: str
    message: str


class MandateRead(ApiModel):
    id: uuid.UUID
    body_id: uuid.UUID
    person_id: uuid.UUID
    role: str
    college: str | None
    starts_on: date
    ends_on: date | None
    warnings: list[WarningRead] = Field(description="The composition's targets missed, with their figures")


class CompositionRead(ApiModel):
    """Counts of the members on a day; a count under 5 people is not published (null)."""

    on: date
    members: int
    women: int | None
    men: int | None
    residents: int | None


class IdentityRead(ApiModel):
    family_name: str
    given_name: str
    contact: str | None


class PersonMandateRead(ApiModel):
    body_id: uuid.UUID
    role: str
    college: str | None
    starts_on: date
    ends_on: date | None


class PersonalDataRead(ApiModel):
    person: PersonRead
    identity: IdentityRead | None = Field(description="Null once erased")
    mandates: list[PersonMandateRead]


class ErasureRead(ApiModel):
    erased_now: bool = Field(description="False when the identity had been erased already")
