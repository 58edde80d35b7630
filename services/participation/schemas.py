"""The participation contract: what callers send and read."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from kit.money import AMOUNT_PATTERN


def wire_name(path: str) -> str:
    """A field path as the wire spells it: each snake_case segment in camelCase (`attendance/0/proxy_to` ->
    `attendance/0/proxyTo`), codes and positions as they are."""
    return re.sub(r"_([a-z])", lambda letter: letter.group(1).upper(), path)


QpvCode = Annotated[str, StringConstraints(pattern=r"^Q[A-Z0-9]{5,9}$")]
CommuneCode = Annotated[str, StringConstraints(pattern=r"^([0-9]{5}|2[AB][0-9]{3})$")]
CollegeName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")]
Institution = Annotated[str, StringConstraints(min_length=2, max_length=200, strip_whitespace=True)]
ContractCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
AgeBand = Annotated[str, StringConstraints(pattern=r"^[0-9+-]{2,10}$")]
GenderName = Literal["f", "m", "x"]
PersonName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Contact = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Title = Annotated[str, StringConstraints(min_length=2, max_length=300, strip_whitespace=True)]


class WarningRead(ApiModel):
    rule: str
    message: str


class MembersOnYearEnd(ApiModel):
    year: int
    members: int = Field(description="People holding a mandate in a citizen body on 31 December")


class MembersProfileRead(ApiModel):
    """On 31 December of the year; a count under 5 people (or one that would reveal it) is null."""

    members: int
    genders: dict[str, int | None]
    age_bands: dict[str, int | None]
    residents_share: str | None


class OpinionFiguresRead(ApiModel):
    issued: int
    by_kind: dict[str, int]
    answered: int
    taken_up: int = Field(description="Accepted in full or in part")
    rejected: int
    share_answered: str | None
    share_taken_up: str | None = Field(description="Of the opinions answered")
    median_days_to_answer: str | None


QuestionCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]
AnswerText = Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class QuestionModel(ApiInput):
    code: QuestionCode
    text: Annotated[str, StringConstraints(min_length=2, max_length=1000)]
    kind: Literal["text", "choice", "scale"]
    choices: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=30
    )


class TargetsModel(ApiInput):
    interviews: int | None = Field(default=None, ge=0, le=1_000_000)
    events: int | None = Field(default=None, ge=0, le=10_000)
    neighbourhoods: int | None = Field(default=None, ge=0, le=1_000)


class ConsultationCreate(ApiInput):
    contract_code: ContractCode
    title: Title
    starts_on: date
    ends_on: date
    questions: list[QuestionModel] = Field(min_length=1, max_length=100)
    territory_questions: dict[QpvCode, list[QuestionModel]] = Field(
        default_factory=dict, max_length=50, description="Questions asked only in one QPV"
    )
    targets: TargetsModel = Field(default_factory=TargetsModel)


class QuestionRead(ApiModel):
    code: str
    text: str
    kind: str
    choices: list[str]


class ProgressRead(ApiModel):
    interviews: int
    events: int
    neighbourhoods: int
    reached: dict[str, bool | None] = Field(description="Per target; null when no target was set")


class ConsultationRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    title: str
    starts_on: date
    ends_on: date
    questions: list[QuestionRead]
    territory_questions: dict[str, list[QuestionRead]]
    targets: dict[str, int | None]
    progress: ProgressRead


class InterviewModel(ApiInput):
    client_id: uuid.UUID = Field(description="Made by the device: sending the interview again changes nothing")
    captured_on: date
    qpv_code: QpvCode | None = None
    neighbourhood: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="Where, when not in a QPV (a quartier de veille, a town centre)"
    )
    event: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    answers: dict[QuestionCode, AnswerText] = Field(max_length=100)
    contact_client_id: uuid.UUID | None = Field(default=None, description="Another device-made id, for the contact")
    contact: Annotated[str, StringConstraints(min_length=3, max_length=300)] | None = Field(
        default=None, description="Kept apart from the answers, only with consent"
    )
    consent_text: Annotated[str, StringConstraints(min_length=10, max_length=2000)] | None = None


class AnswersSync(ApiInput):
    interviews: list[InterviewModel] = Field(min_length=1, max_length=2000)


class SyncOutcomeRead(ApiModel):
    client_id: uuid.UUID
    status: Literal["stored", "already", "rejected"]
    problem: str | None


class QuestionResult(ApiModel):
    code: str
    kind: str
    answered: int
    counts: dict[str, int] = Field(description="Per choice or scale value; empty for free text")


class ConsultationResults(ApiModel):
    consultation_id: uuid.UUID
    questions: list[QuestionResult]


class ContactRead(ApiModel):
    contact: str
    consent_text: str
    consented_on: date


class ConsultationFigures(ApiModel):
    title: str
    progress: ProgressRead


class ThemeLevelFigures(ApiModel):
    """Participation levels of the bodies' themes, declared and observed, on the ladder."""

    declared: dict[str, int]
    observed: dict[str, int]
    observed_below_declared: int


class ParticipationIndicatorsRead(ApiModel):
    contract_code: str
    year: int
    bodies_by_kind: dict[str, int] = Field(description="Bodies not dissolved")
    bodies_by_level: dict[str, int]
    bodies_by_status: dict[str, int]
    members_by_year: list[MembersOnYearEnd]
    members_profile: MembersProfileRead
    meetings_by_kind: dict[str, int]
    attendances: int = Field(description="Presences at the year's meetings")
    participants: int = Field(description="Distinct people present at least once")
    institutions_represented: list[str]
    opinions: OpinionFiguresRead
    referrals: dict[str, int]
    consultations: list[ConsultationFigures] = Field(description="Campaigns started that year against their targets")
    theme_levels: ThemeLevelFigures


Amount = Annotated[str, StringConstraints(pattern=AMOUNT_PATTERN)]


class CitizenFundCreate(ApiInput):
    committee_body_id: uuid.UUID = Field(description="The body of kind comite_fonds_participation that decides")
    name: Title
    year: int = Field(ge=2000, le=2100)
    envelope: Amount = Field(description="Euros, at most 2 decimals")


class FundApplicationCreate(ApiInput):
    title: Title
    group_name: Title = Field(description="The residents' group or association carrying the project")
    description: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    qpv_codes: list[QpvCode] = Field(default_factory=list, max_length=20)
    amount_requested: Amount


class ConflictInput(ApiInput):
    person_id: uuid.UUID
    declared_on: date


class FundDecisionInput(ApiInput):
    decided_on: date
    amount_granted: Amount = Field(description="0 when refused")
    voter_ids: list[uuid.UUID] = Field(max_length=200, description="Committee members who voted")
    votes_for: int = Field(ge=0, le=200)
    votes_against: int = Field(ge=0, le=200)
    abstentions: int = Field(default=0, ge=0, le=200)


class FundPaymentInput(ApiInput):
    paid_on: date
    amount: Amount


class FundReportInput(ApiInput):
    reported_on: date
    spent: Amount
    participants: int = Field(ge=0, le=1_000_000)
    text: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


class FundApplicationRead(ApiModel):
    id: uuid.UUID
    fund_id: uuid.UUID
    title: str
    group_name: str
    description: str
    qpv_codes: list[str]
    amount_requested: str
    status: Literal["submitted", "granted", "refused", "paid", "reported"]
    amount_granted: str | None
    decided_on: date | None
    votes: dict[str, int] | None
    amount_paid: str | None
    paid_on: date | None
    spent: str | None
    participants: int | None
    reported_on: date | None


class CitizenFundRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    committee_body_id: uuid.UUID
    name: str
    year: int
    envelope: str
    granted: str
    paid: str
    remaining: str = Field(description="Envelope minus the amounts granted")
    applications: list[FundApplicationRead]
