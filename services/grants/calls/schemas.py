"""The calls' wire."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from kit.api_models import ApiInput, ApiModel
from services.grants.calls.domain import Scheme
from services.grants.schemas import ContractCode, Title


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
