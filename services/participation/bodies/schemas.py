"""The wire of bodies and their themes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.participation.bodies.domain import BodyKind, BodyStatus, ParticipationLevel
from services.participation.schemas import CommuneCode, ContractCode, QpvCode

BodyName = Annotated[str, StringConstraints(min_length=2, max_length=200, strip_whitespace=True)]
RecognitionAct = Annotated[str, StringConstraints(min_length=2, max_length=300, strip_whitespace=True)]


class BodyRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    name: str
    kind: BodyKind
    participation_level: ParticipationLevel
    qpv_codes: list[str]
    commune_codes: list[str]
    status: BodyStatus
    recognition_act: str | None = Field(description="Arrêté préfectoral or délibération, when the body has one")
    established_on: date | None = Field(description="The day the body was established, when known")
    dissolved_on: date | None = Field(description="The day it was dissolved (its status is then `dissolved`)")
    version: int


class BodyCreate(ApiInput):
    contract_code: ContractCode
    name: BodyName
    kind: BodyKind
    participation_level: ParticipationLevel
    qpv_codes: list[QpvCode] = Field(default_factory=list, max_length=50)
    commune_codes: list[CommuneCode] = Field(default_factory=list, max_length=100)
    status: BodyStatus = BodyStatus.ACTIVE
    recognition_act: RecognitionAct | None = None
    established_on: date | None = None
    dissolved_on: date | None = None


class BodyUpdate(ApiInput):
    name: BodyName | None = None
    kind: BodyKind | None = None
    participation_level: ParticipationLevel | None = None
    qpv_codes: list[QpvCode] | None = Field(default=None, max_length=50)
    commune_codes: list[CommuneCode] | None = Field(default=None, max_length=100)
    status: BodyStatus | None = None
    recognition_act: RecognitionAct | None = None
    established_on: date | None = None
    dissolved_on: date | None = None


LevelName = Literal["information", "consultation", "concertation", "co_decision"]


class ThemeLevelModel(ApiInput):
    theme: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{2,60}$")]
    declared_level: LevelName
    observed_level: LevelName | None = Field(default=None, description="As assessed by the evaluation")


class ThemeLevelsInput(ApiInput):
    themes: list[ThemeLevelModel] = Field(max_length=50)


class ThemeLevelRead(ApiModel):
    theme: str
    declared_level: str
    observed_level: str | None
    below_declared: bool = Field(description="The level observed is lower on the ladder than the one declared")
