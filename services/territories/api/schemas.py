"""The territories contract: what callers send and read."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from kit.api_models import ApiInput, ApiModel
from services.territories.schemas import ExactDecimal, ImportReportRead

CommuneCode = Annotated[str, StringConstraints(pattern=r"^([0-9][0-9AB][0-9]{3})$")]
QpvCode = Annotated[str, StringConstraints(pattern=r"^Q[A-Z0-9]{5,9}$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]


class SquareImportRead(ImportReportRead):
    changed: int = Field(description="Squares whose values the file changes")


class VulnerabilityRequest(ApiInput):
    communes: list[CommuneCode] | None = Field(
        default=None, min_length=1, max_length=1000, description="The communes to compute on (or codeEpci)"
    )
    code_epci: Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")] | None = Field(
        default=None, description="All communes of this EPCI (or communes)"
    )
    vintage: int | None = Field(default=None, ge=2015, le=2100, description="Filosofi vintage; default: latest")
    poor_share_min: Decimal = Field(
        default=Decimal("0.256"), ge=0, le=1, max_digits=7, decimal_places=6, description="Share of poor households"
    )
    mean_standard_of_living_max: Decimal | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        max_digits=12,
        decimal_places=2,
        description="EUR per person per year, e.g. the urban unit's median: compared with the square's mean"
        " standard of living (the documented proxy; squares carry no median)",
    )
    imputed: Literal["exclude", "flag"] = Field(
        default="exclude", description="Squares with fewer than 11 households (imputed values)"
    )
    adjacency: Literal["edge", "corner"] = "edge"
    min_zone_population: int = Field(default=0, ge=0, le=10_000_000)
    generation: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{4}$")] = "2024-2030"

    @model_validator(mode="after")
    def _one_selection(self) -> VulnerabilityRequest:
        if (self.communes is None) == (self.code_epci is None):
            raise ValueError("give either communes or codeEpci")
        return self


class ComputationParameters(ApiModel):
    communes: list[str]
    code_epci: str | None
    vintage: int
    poor_share_min: ExactDecimal
    mean_standard_of_living_max: ExactDecimal | None
    imputed: Literal["exclude", "flag"]
    adjacency: Literal["edge", "corner"]
    min_zone_population: int
    generation: str


class ZoneRead(ApiModel):
    zone: int
    squares: int
    individuals: float
    households: float
    poor_households: float
    poor_share: float
    imputed_squares: int
    squares_in_qpv: int
    qpv_codes: list[str]


class QpvOverlap(ApiModel):
    code: str | None
    share: float = Field(description="Share of the square's area inside the QPV")


class VulnerableSquareRead(ApiModel):
    id: str = Field(description="INSEE square id (EPSG:3035 south-west corner)")
    zone: int
    individuals: float
    households: float
    poor_households: float
    poor_share: float
    mean_standard_of_living: int = Field(description="ind_snv / ind, EUR per person per year (a mean)")
    imputed: bool
    in_qpv: bool
    qpv_overlaps: list[QpvOverlap]


class VulnerabilityComputationRead(ApiModel):
    id: uuid.UUID
    created_at: datetime
    parameters: ComputationParameters
    input_squares: int
    input_digest: str = Field(description="SHA-256 of the input squares: the same input gives the same digest")
    qualifying_squares: int
    zones: list[ZoneRead]
    method: str


class ZoneCollection(ApiModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]
