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


class SchemeEnvelopeRead(ApiModel):
    """What the contract's text puts into a scheme of its calls."""

    contract_code: str
    scheme: Scheme
    financer_code: str = Field(description="The financer's code among the contract's institutions")
    beneficiaries: str = Field(description="Who the scheme's money goes to")
    amount: str = Field(description="Euros, as the text gives them")
    period: str | None = Field(description="The period the amount covers, when the text says")
    source: str = Field(description="The text that gives the envelope (the contract and its line)")


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
