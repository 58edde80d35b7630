"""The wire of people, their mandates, consents and declarations, and the bodies' rules."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictInt, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.participation.schemas import (
    AgeBand,
    CollegeName,
    Contact,
    ContractCode,
    GenderName,
    Institution,
    PersonName,
    WarningRead,
)

MemberKindName = Literal["resident", "association", "local_actor", "institution", "elected"]


Share = Annotated[str, StringConstraints(pattern=r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$")]


class BodyRulesInput(ApiInput):
    parity: bool = True
    residents_min_share: Share = "0.5"
    size_max: int | None = Field(default=None, ge=1, le=1000)
    mandate_years: int | None = Field(default=None, ge=1, le=10)
    forbidden_member_kinds: list[MemberKindName] = Field(default_factory=list, max_length=5)
    quorum_share: Share | None = Field(default=None, description="Share of the members in office needed to decide")
    notice_days: int | None = Field(default=None, ge=0, le=90, description="Days between convocation and meeting")
    college_seats: dict[CollegeName, Annotated[StrictInt, Field(ge=0, le=1000)]] = Field(
        default_factory=dict, max_length=20, description="Seats per college"
    )
    representation_seats: dict[uuid.UUID, Annotated[StrictInt, Field(ge=1, le=50)]] = Field(
        default_factory=dict, max_length=50, description="Seats of citizen bodies in this committee"
    )


class BodyRulesRead(ApiModel):
    version: int
    parity: bool
    residents_min_share: str
    size_max: int | None
    mandate_years: int | None
    forbidden_member_kinds: list[str]
    quorum_share: str | None
    notice_days: int | None
    college_seats: dict[str, int]
    representation_seats: dict[str, int]


class PersonCreate(ApiInput):
    contract_code: ContractCode
    gender: GenderName = Field(description="Only for parity")
    age_band: AgeBand
    member_kind: MemberKindName
    resident_in_qpv: bool
    fictitious: bool = Field(default=False, description="Demo data: a person who does not exist")
    family_name: PersonName
    given_name: PersonName
    contact: Contact | None = None


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
    role: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")] = Field(
        default="member", description="member, president, substitute…"
    )
    college: CollegeName | None = None
    starts_on: date
    ends_on: date | None = None
    represented_organisation: Institution | None = Field(default=None, description="For associations and institutions")
    represented_body_id: uuid.UUID | None = Field(
        default=None, description="A citizen body whose seat in this committee the person holds"
    )
    substitute_for: uuid.UUID | None = Field(default=None, description="The titular's mandate (role substitute)")


class MandateEnd(ApiInput):
    ends_on: date
    reason: Literal["term_over", "resigned", "moved_away", "deceased", "excluded", "replaced", "body_dissolved"]


class MandateRead(ApiModel):
    id: uuid.UUID
    body_id: uuid.UUID
    person_id: uuid.UUID
    role: str
    college: str | None
    starts_on: date
    ends_on: date | None
    end_reason: str | None
    represented_organisation: str | None
    represented_body_id: uuid.UUID | None
    substitute_for: uuid.UUID | None
    replaces: uuid.UUID | None
    warnings: list[WarningRead] = Field(description="The composition's targets missed, with their figures")


class CompositionRead(ApiModel):
    """Counts of the members on a day. When any gender counts 1 to 4 people, neither women nor men are
    published (null); the same for residents and the other members."""

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


class ErasureRead(ApiModel):
    erased_now: bool = Field(description="False when the identity had been erased already")


class AppointmentInput(ApiInput):
    starts_on: date
    ends_on: date | None = None
    fictitious: bool = Field(default=False, description="Demo data: the people drawn do not exist")


class ReplacementInput(ApiInput):
    mandate_id: uuid.UUID = Field(description="The leaving member's mandate, given by this draw")
    on: date = Field(description="The reserve's first day; the leaving mandate ends the day before")
    fictitious: bool = False


class ReplacementRead(ApiModel):
    leaving: MandateRead
    arriving: MandateRead


class AppointmentRead(ApiModel):
    mandates: list[MandateRead]
    warnings: list[WarningRead]


class ConsentInput(ApiInput):
    purpose: Literal["contact", "photo", "name_publication", "sharing_with_partners"]
    given: bool
    on: date
    wording: Annotated[str, StringConstraints(min_length=10, max_length=2000)] = Field(
        description="The text the person agreed to or withdrew"
    )


class ConsentRead(ApiModel):
    purpose: str
    given: bool
    on: date
    wording: str


class DeclarationInput(ApiInput):
    body_id: uuid.UUID
    declared_on: date
    independent: bool
    interests: Annotated[str, StringConstraints(min_length=1, max_length=5000)] | None = Field(
        default=None, description="Required when not independent"
    )


class DeclarationRead(ApiModel):
    body_id: uuid.UUID
    declared_on: date
    independent: bool
    interests: str | None


class DrawnAsRead(ApiModel):
    draw_id: uuid.UUID
    reference: str = Field(description="The pool entry the person was drawn as")
    identity: IdentityRead = Field(description="As the pool holds it, until its challenge period ends")


class PersonalDataRead(ApiModel):
    person: PersonRead
    identity: IdentityRead | None = Field(description="Null once erased")
    mandates: list[PersonMandateRead]
    consents: list[ConsentRead]
    declarations: list[DeclarationRead]
    drawn_as: list[DrawnAsRead] = Field(description="The names the draws' pools keep of the person (erased with it)")
