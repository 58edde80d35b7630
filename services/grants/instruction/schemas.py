"""The instruction's wire: scoring grids, an institution's marks and its private notes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.grants.schemas import LongText, Title


class AnnotationCreate(ApiInput):
    text: LongText
    score: int | None = Field(default=None, ge=0, le=100)


class AnnotationRead(ApiModel):
    id: uuid.UUID
    institution_code: str
    author: str
    text: str
    score: int | None
    created_at: datetime


class CriterionModel(ApiInput):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    label: Title
    weight: int = Field(ge=1, le=100)
    scale_max: int = Field(ge=1, le=100, description="Marks go from 0 to this")


class GridCreate(ApiInput):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")] = Field(
        description="gender-equality is the State's grid"
    )
    label: Title
    criteria: list[CriterionModel] = Field(min_length=1, max_length=30)


class CriterionRead(ApiModel):
    code: str
    label: str
    weight: int
    scale_max: int


class GridRead(ApiModel):
    id: uuid.UUID
    call_id: uuid.UUID
    code: str
    version: int
    label: str
    owner_institution: str
    criteria: list[CriterionRead]


class MarkInput(ApiInput):
    criterion: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    value: int = Field(ge=0, le=100)
    comment: LongText | None = None


class MarksInput(ApiInput):
    grid_id: uuid.UUID
    marks: list[MarkInput] = Field(min_length=1, max_length=30)


class MarkRead(ApiModel):
    criterion: str
    value: int
    comment: str | None


class GridMarksRead(ApiModel):
    grid_id: uuid.UUID
    grid_code: str
    grid_version: int
    marks: list[MarkRead]
    total: str | None = Field(description="Weighted, out of 100, once every criterion is marked")
