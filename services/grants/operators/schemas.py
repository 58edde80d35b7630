"""The operators' wire."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.grants.operators.domain import OperatorProfile
from services.grants.schemas import ContractCode, Title

Siret = Annotated[str, StringConstraints(pattern=r"^[0-9]{14}$")]


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
    rna: Annotated[str, StringConstraints(pattern=r"^W[0-9]{9}$")] | None = None
    legal_form: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    address: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    code_commune: Annotated[str, StringConstraints(pattern=r"^[0-9][0-9AB][0-9]{3}$")] | None = None
    profile: OperatorProfile
    dauphin_tiers: Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")] | None = None


class OperatorUpdate(ApiInput):
    nom: Title | None = None
    siret: Siret | None = None
    rna: Annotated[str, StringConstraints(pattern=r"^W[0-9]{9}$")] | None = None
    legal_form: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    address: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    code_commune: Annotated[str, StringConstraints(pattern=r"^[0-9][0-9AB][0-9]{3}$")] | None = None
    profile: OperatorProfile | None = None
    dauphin_tiers: Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")] | None = None
