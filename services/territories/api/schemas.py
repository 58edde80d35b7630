"""The territories contract: what callers send and read."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel

CommuneCode = Annotated[str, StringConstraints(pattern=r"^(\d[0-9AB]\d{3})$")]
QpvCode = Annotated[str, StringConstraints(pattern=r"^Q[A-Z0-9]{5,9}$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]


class EpciRead(ApiModel):
    code: str = Field(description="SIREN of the EPCI")
    nom: str
    nom_long: str | None
    type: str
    code_departement: str
    code_region: str
    population: int | None
    population_year: int | None = Field(description="Vintage (millésime) of the population")


class CommuneRead(ApiModel):
    code: str = Field(description="INSEE code")
    nom: str
    aliases: list[str]
    siren: str | None
    code_epci: str | None
    code_departement: str
    code_region: str
    codes_postaux: list[str]
    population: int | None
    population_year: int | None = Field(description="Vintage (millésime) of the population")


class QpvLink(ApiModel):
    id: uuid.UUID
    code: str | None
    nom: str
    generation: str
    kind: Literal["split", "merge", "rename", "extension", "contour_modified", "unchanged"]
    inferred: bool = Field(description="True when no source states the link (it is deduced)")
    note: str | None


class QpvRead(ApiModel):
    id: uuid.UUID = Field(description="Stable id; the only handle of records the sources give no code")
    code: str | None
    nom: str
    aliases: list[str]
    generation: str
    status: Literal["qpv", "veille_active"]
    codes_communes: list[str]
    code_epci: str | None
    legal_act: str | None
    starts_on: date | None
    population: int | None
    population_year: int | None
    predecessors: list[QpvLink]
    successors: list[QpvLink]


class GenerationRead(ApiModel):
    generation: str
    label: str
    legal_act: str
    starts_on: date
    ends_on: date | None


class NamedQpv(ApiModel):
    code: str | None
    nom: str


class NearestQpv(NamedQpv):
    distance_m: float = Field(description="Metres (Lambert-93) from the point to the perimeter")


class LocalisationRead(ApiModel):
    lat: float
    lon: float
    generation: str
    qpvs: list[NamedQpv] = Field(description="QPVs whose perimeter contains the point")
    nearest: NearestQpv | None = Field(description="Apart from those, the nearest QPV within the tolerance")
    tolerance_m: float
    indicative: bool = True
    notice: str = "Indicative result computed on published perimeters; only the decree's perimeter is authoritative."


class PerimeterFeature(ApiModel):
    type: Literal["Feature"] = "Feature"
    properties: dict[str, Any]
    geometry: dict[str, Any]


class SignatoryModel(ApiInput):
    name: ShortText
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")]


class ContractRead(ApiModel):
    code: str
    nom: str
    code_epci: str
    start_year: int
    end_year: int
    qpv_codes: list[str]
    signatories: list[SignatoryModel]
    version: int


class ContractCreate(ApiInput):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
    nom: ShortText
    code_epci: Annotated[str, StringConstraints(pattern=r"^\d{9}$")]
    start_year: int = Field(ge=2000, le=2100)
    end_year: int = Field(ge=2000, le=2100)
    qpv_codes: list[QpvCode] = Field(default_factory=list, max_length=200)
    signatories: list[SignatoryModel] = Field(default_factory=list, max_length=200)


class ContractUpdate(ApiInput):
    nom: ShortText | None = None
    start_year: int | None = Field(default=None, ge=2000, le=2100)
    end_year: int | None = Field(default=None, ge=2000, le=2100)
    qpv_codes: list[QpvCode] | None = Field(default=None, max_length=200)
    signatories: list[SignatoryModel] | None = Field(default=None, max_length=200)
