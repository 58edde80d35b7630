"""The contract indicators' wire."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.grants.contract_indicators.domain import Direction, EvaluationObject
from services.grants.schemas import ContractCode, LongText, Title

Value = Annotated[Decimal, Field(ge=-1_000_000_000_000, le=1_000_000_000_000, max_digits=18, decimal_places=4)]
Year = Annotated[int, Field(ge=1990, le=2100)]
Perimeter = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]


class BaselineModel(ApiInput):
    value: Value | None = None
    year: Year | None = None
    perimeter: Perimeter | None = Field(default=None, description="e.g. QPV 2024-2030, the EPCI, the former QPV")
    source: LongText | None = Field(default=None, description="Where the figure comes from (the contract's lines…)")


class TargetModel(ApiInput):
    value: Value | None = None
    year: Year | None = None
    direction: Direction = Field(
        default=Direction.AT_LEAST, description="at_least: reached at or above; at_most: a cap"
    )
    source: LongText | None = None


class ContractIndicatorCreate(ApiInput):
    contract_code: ContractCode
    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,59}$")]
    label: Title
    unit: Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]
    evaluation_object: EvaluationObject = Field(description="Which of the six objects the contract evaluates it serves")
    baseline: BaselineModel = Field(default_factory=BaselineModel)
    target: TargetModel = Field(default_factory=TargetModel)


class ObservationWrite(ApiInput):
    value: Value
    perimeter: Perimeter | None = None
    source: LongText | None = None


class BaselineRead(ApiModel):
    value: str | None
    year: int | None
    perimeter: str | None
    source: str | None
    is_fictitious: bool


class TargetRead(ApiModel):
    value: str | None
    year: int | None
    direction: Direction
    source: str | None
    is_fictitious: bool


class ObservationRead(ApiModel):
    year: int
    value: str
    perimeter: str | None
    source: str | None
    is_fictitious: bool


class StandingRead(ApiModel):
    year: int | None = Field(description="The year of the latest value observed up to the year asked")
    value: str | None
    since_baseline: str | None = Field(description="value − baseline")
    to_target: str | None = Field(description="target − value")
    reached: bool | None = Field(description="null: no value or no target")
    is_fictitious: bool


class ContractIndicatorRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    code: str
    label: str
    unit: str
    evaluation_object: EvaluationObject
    baseline: BaselineRead
    target: TargetRead
    values: list[ObservationRead]
    standing: StandingRead = Field(description="Where it stands at the year asked (default: the latest value)")
    version: int
