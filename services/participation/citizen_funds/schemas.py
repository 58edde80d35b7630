"""The wire of citizen funds: envelope, residents' projects, decision, payment, report."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from kit.money import AMOUNT_PATTERN
from services.participation.schemas import QpvCode, Title

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
