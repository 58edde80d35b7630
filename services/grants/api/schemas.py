"""The grants contract: what callers send and read."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.grants.domain.calls import Scheme
from services.grants.domain.institutions import InstitutionKind
from services.grants.domain.operators import OperatorProfile

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


class InstitutionRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    code: str
    nom: str
    kind: InstitutionKind
    cerfa_subline: str = Field(description="CERFA 12156 account 74 sub-line: 74etat, 74epci, 74com…")
    dauphin_funder_title: str | None
    version: int


class InstitutionCreate(ApiInput):
    contract_code: ContractCode
    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
    nom: Title
    kind: InstitutionKind
    cerfa_subline: Annotated[str, StringConstraints(pattern=r"^74[a-z]{1,12}$")] | None = Field(
        default=None, description="Defaults to the kind's usual sub-line"
    )
    dauphin_funder_title: Title | None = None


Siret = Annotated[str, StringConstraints(pattern=r"^\d{14}$")]


class OperatorRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    nom: str
    siret: str
    siren: str
    rna: str | None
    legal_form: str | None
    address: str | None
    code_commune: str | None
    profile: OperatorProfile
    dauphin_tiers: str | None
    version: int


class OperatorCreate(ApiInput):
    contract_code: ContractCode
    nom: Title
    siret: Siret
    rna: Annotated[str, StringConstraints(pattern=r"^W\d{9}$")] | None = None
    legal_form: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    address: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    code_commune: Annotated[str, StringConstraints(pattern=r"^\d[0-9AB]\d{3}$")] | None = None
    profile: OperatorProfile
    dauphin_tiers: Annotated[str, StringConstraints(pattern=r"^\d{8}$")] | None = None


class OperatorUpdate(ApiInput):
    nom: Title | None = None
    siret: Siret | None = None
    rna: Annotated[str, StringConstraints(pattern=r"^W\d{9}$")] | None = None
    legal_form: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    address: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    code_commune: Annotated[str, StringConstraints(pattern=r"^\d[0-9AB]\d{3}$")] | None = None
    profile: OperatorProfile | None = None
    dauphin_tiers: Annotated[str, StringConstraints(pattern=r"^\d{8}$")] | None = None
