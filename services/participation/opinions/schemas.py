"""The wire of referrals, opinions, the governance's answers, commitments and a body's public page."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.participation.schemas import Institution, Title


class ReferralCreate(ApiInput):
    from_body_id: uuid.UUID = Field(description="The governance committee asking")
    kind: Literal["annual_report", "project", "question"]
    subject: Title
    asked_on: date
    due_on: date = Field(description="For the annual report, at least one month after asked_on")


class ReferralRead(ApiModel):
    id: uuid.UUID
    from_body_id: uuid.UUID
    to_body_id: uuid.UUID
    kind: str
    subject: str
    asked_on: date
    due_on: date
    answered_on: date | None
    status: Literal["open", "answered", "deemed_favourable"] = Field(
        description="No opinion by the due date: deemed favourable"
    )


class OpinionCreate(ApiInput):
    kind: Literal["opinion", "proposal", "alert", "prefect_referral"]
    title: Title
    text: Annotated[str, StringConstraints(min_length=1, max_length=50_000)]
    adopted_on: date
    meeting_id: uuid.UUID | None = None
    referral_id: uuid.UUID | None = None
    addressed_to_body_id: uuid.UUID | None = Field(
        default=None, description="The governance committee it goes to; none for a referral to the préfet"
    )


class ResponseInput(ApiInput):
    outcome: Literal["accepted", "partially_accepted", "rejected", "noted", "redirected"]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=10_000)] | None = Field(
        default=None, description="Required unless accepted or noted"
    )
    redirected_to: Institution | None = None
    responded_on: date


class CommitmentCreate(ApiInput):
    description: Title
    owner: Institution
    due_on: date | None = None
    made_on: date


class CommitmentUpdate(ApiInput):
    status: Literal["planned", "in_progress", "done", "abandoned"]
    on: date


class CommitmentRead(ApiModel):
    id: uuid.UUID
    description: str
    owner: str
    due_on: date | None
    status: str
    status_on: date


class OpinionRead(ApiModel):
    id: uuid.UUID
    body_id: uuid.UUID
    kind: str
    title: str
    text: str
    adopted_on: date
    meeting_id: uuid.UUID | None
    referral_id: uuid.UUID | None
    addressed_to_body_id: uuid.UUID | None
    outcome: str | None
    reason: str | None
    redirected_to: str | None
    responded_on: date | None
    commitments: list[CommitmentRead]


class PublicBodyPage(ApiModel):
    """What anyone may read of a body: no member, no personal data."""

    id: uuid.UUID
    name: str
    kind: str
    status: str
    participation_level: str
    qpv_codes: list[str]
    recognition_act: str | None
    opinions: list[OpinionRead]
    total_opinions: int
