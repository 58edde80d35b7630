"""The participation contract: what callers send and read."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.participation.domain.bodies import BodyKind, ParticipationLevel

QpvCode = Annotated[str, StringConstraints(pattern=r"^Q[A-Z0-9]{5,9}$")]


class BodyRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    name: str
    kind: BodyKind
    participation_level: ParticipationLevel
    qpv_codes: list[str]
    version: int


class BodyCreate(ApiInput):
    contract_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
    name: Annotated[str, StringConstraints(min_length=2, max_length=200, strip_whitespace=True)]
    kind: BodyKind
    participation_level: ParticipationLevel
    qpv_codes: list[QpvCode] = Field(default_factory=list, max_length=50)


class BodyUpdate(ApiInput):
    name: Annotated[str, StringConstraints(min_length=2, max_length=200, strip_whitespace=True)] | None = None
    kind: BodyKind | None = None
    participation_level: ParticipationLevel | None = None
    qpv_codes: list[QpvCode] | None = Field(default=None, max_length=50)
