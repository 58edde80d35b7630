"""The grants contract: what callers send and read."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.grants.domain.calls import Scheme

ContractCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
Title = Annotated[str, StringConstraints(min_length=3, max_length=300, strip_whitespace=True)]


class CallRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    year: int
    scheme: Scheme
    title: str
    opens_on: date
    closes_on: date
    notification_target_on: date
    version: int


class CallCreate(ApiInput):
    contract_code: ContractCode
    year: int = Field(ge=2000, le=2100)
    scheme: Scheme
    title: Title
    opens_on: date
    closes_on: date
    notification_target_on: date | None = Field(default=None, description="Defaults to 15 February of the call's year")


class CallUpdate(ApiInput):
    title: Title | None = None
    opens_on: date | None = None
    closes_on: date | None = None
    notification_target_on: date | None = None
