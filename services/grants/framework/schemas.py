"""The strategic framework's wire."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from kit.api_models import ApiModel


class ObjectiveRead(ApiModel):
    id: uuid.UUID
    level: Literal["ambition", "strategic", "operational"]
    code: str = Field(description="As the contract writes it (not unique: use the id)")
    label: str
    parent_id: uuid.UUID | None
    position: int
    p147_theme: str | None
    pillar: str | None
    source_line: int | None
    children: list[ObjectiveRead] = Field(default_factory=list)


class FrameworkRead(ApiModel):
    contract_code: str
    ambitions: list[ObjectiveRead]


class FrameworkReplaced(ApiModel):
    ambition: int = 0
    strategic: int = 0
    operational: int = 0
    removed: int = 0
