"""The wire of meetings: convocation, attendance, decisions, minutes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.participation.schemas import Institution, Title, WarningRead


class MeetingCreate(ApiInput):
    title: Title
    meeting_day: date
    place: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    convened_on: date = Field(description="Day the convocation was sent")
    agenda: list[Title] = Field(default_factory=list, max_length=50)


class MeetingSummary(ApiModel):
    id: uuid.UUID
    body_id: uuid.UUID
    title: str
    meeting_day: date
    place: str | None
    convened_on: date
    agenda: list[str]


class AttendanceLine(ApiInput):
    person_id: uuid.UUID
    capacity: Literal["member", "substitute", "representative", "guest", "technician"]
    presence: Literal["present", "excused", "absent"]
    institution: Institution | None = Field(default=None, description="Institution represented")
    proxy_to: uuid.UUID | None = Field(default=None, description="The member present who holds this one's proxy")


class AttendanceInput(ApiInput):
    lines: list[AttendanceLine] = Field(max_length=1000)


class AttendanceRead(ApiModel):
    person_id: uuid.UUID
    capacity: str
    presence: str
    institution: str | None
    proxy_to: uuid.UUID | None


class DecisionCreate(ApiInput):
    subject: Title
    votes_for: int = Field(ge=0, le=10000)
    votes_against: int = Field(ge=0, le=10000)
    abstentions: int = Field(default=0, ge=0, le=10000)


class DecisionRead(ApiModel):
    id: uuid.UUID
    subject: str
    votes_for: int
    votes_against: int
    abstentions: int
    voters: int = Field(description="Members present plus proxies")
    quorum: int
    adopted: bool


class MinutesInput(ApiInput):
    text: Annotated[str, StringConstraints(min_length=1, max_length=100_000)]


class MinutesAdoption(ApiInput):
    version: int = Field(ge=1, le=10000)
    adopted_on: date


class MinutesRead(ApiModel):
    version: int
    text: str
    adopted_on: date | None


class MeetingRead(MeetingSummary):
    attendance: list[AttendanceRead]
    decisions: list[DecisionRead]
    minutes: list[MinutesRead]
    warnings: list[WarningRead]
