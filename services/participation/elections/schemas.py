"""The wire of elections to a body: paper tallies, logged corrections, proclamation."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.participation.schemas import CollegeName


class TallyLine(ApiInput):
    person_id: uuid.UUID
    votes: int = Field(ge=0, le=1_000_000)


class ElectionCreate(ApiInput):
    held_on: date
    seats: int = Field(ge=1, le=200)
    college: CollegeName | None = None
    tallies: list[TallyLine] = Field(min_length=1, max_length=500)


class TallyCorrection(ApiInput):
    person_id: uuid.UUID
    votes: int = Field(ge=0, le=1_000_000)
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class Proclamation(ApiInput):
    starts_on: date
    ends_on: date | None = None
    tie_break: list[uuid.UUID] = Field(
        default_factory=list, max_length=200, description="The tied candidates in the order the returning officer set"
    )


class TallyRead(ApiModel):
    person_id: uuid.UUID
    votes: int
    elected: bool


class CorrectionRead(ApiModel):
    person_id: uuid.UUID
    votes_before: int
    votes_after: int
    reason: str
    corrected_at: datetime


class ElectionRead(ApiModel):
    id: uuid.UUID
    body_id: uuid.UUID
    held_on: date
    seats: int
    college: str | None
    proclaimed_on: date | None
    tie_break: list[str] | None
    tallies: list[TallyRead]
    corrections: list[CorrectionRead] = Field(description="Every change made to the tallies, with its reason")
