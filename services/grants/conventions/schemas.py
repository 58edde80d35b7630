"""The conventions' wire: a convention, its moves and amendments, the application of each year, and the
indicators it commits its operator to."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.grants.schemas import ContractCode, LongText, Money, Title

ConventionReference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,59}$")]


Year = Annotated[StrictInt, Field(ge=2000, le=2100)]


class ConventionAmountInput(ApiInput):
    year: Year
    institution_id: uuid.UUID
    amount: Money


class ConventionCreate(ApiInput):
    contract_code: ContractCode
    operator_id: uuid.UUID
    reference: ConventionReference = Field(description="The convention's number, unique in the contract")
    kind: Literal["annual", "multi_year"] = Field(description="multi_year: a CPO of 2 to 4 years")
    first_year: Year
    last_year: Year
    amounts: list[ConventionAmountInput] = Field(min_length=1, max_length=200)
    total: Money | None = Field(default=None, description="When given, it must equal the sum of the yearly amounts")


class ConventionMoveInput(ApiInput):
    move: Literal["sign", "suspend", "resume", "terminate"]
    reason: LongText | None = Field(default=None, description="Required to suspend or terminate")
    on: date | None = Field(default=None, description="The date of signature (required to sign) or of the event")


class AmendmentInput(ApiInput):
    reason: LongText
    last_year: Year
    amounts: list[ConventionAmountInput] = Field(min_length=1, max_length=200)
    total: Money | None = None


class ConventionApplicationInput(ApiInput):
    application_id: uuid.UUID


class ConventionAmountRead(ApiModel):
    year: int
    institution_id: uuid.UUID
    institution_code: str
    amount: str
    credits: Literal["planned", "voted"] = Field(description="voted once the financer's envelope of the year exists")


class ConventionYearRead(ApiModel):
    year: int
    application_id: uuid.UUID


class ConventionEventRead(ApiModel):
    at: datetime
    actor: str
    actor_institution: str | None
    event: str
    from_status: str
    to_status: str
    reason: str | None
    details: dict[str, Any]


class ConventionRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    operator_id: uuid.UUID
    reference: str
    kind: Literal["annual", "multi_year"]
    first_year: int
    last_year: int
    signed_on: date | None
    status: Literal["draft", "signed", "suspended", "terminated", "closed"]
    status_reason: str | None
    total: str
    amounts: list[ConventionAmountRead]
    applications: list[ConventionYearRead]
    events: list[ConventionEventRead] = Field(description="Empty in lists; the history of one convention")
    version: int


class ConventionRenewalInput(ApiInput):
    call_id: uuid.UUID = Field(description="The call of the year renewed")


Measure = Annotated[str, StringConstraints(pattern=r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$")]


class IndicatorInput(ApiInput):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]
    label: Title
    unit: Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]
    baseline: Measure
    targets: dict[Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")], Measure] = Field(
        min_length=1, max_length=10, description='Target per year, e.g. {"2025": "40", "2026": "60"}'
    )


class IndicatorsInput(ApiInput):
    indicators: list[IndicatorInput] = Field(max_length=30)
    reason: LongText | None = Field(default=None, description="Required once the convention is signed")


class IndicatorValueInput(ApiInput):
    value: Measure
    source: Annotated[str, StringConstraints(min_length=3, max_length=500, strip_whitespace=True)] = Field(
        description="Where the figure comes from (attendance sheets, partner's register…)"
    )


class IndicatorYearRead(ApiModel):
    year: int
    target: str | None
    value: str | None
    source: str | None
    progress_percent: str | None = Field(description="From the baseline to the target: 100 means reached")


class IndicatorRead(ApiModel):
    code: str
    label: str
    unit: str
    baseline: str
    years: list[IndicatorYearRead]


class IndicatorsRead(ApiModel):
    convention_id: uuid.UUID
    indicators: list[IndicatorRead]
