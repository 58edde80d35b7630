"""The financers' and partners' wire."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.grants.institutions.domain import InstitutionKind
from services.grants.schemas import ContractCode, Title


class InstitutionRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    code: str
    nom: str
    kind: InstitutionKind
    cerfa_subline: str = Field(description="CERFA 12156 account 74 sub-line: 74etat, 74epci, 74com…")
    dauphin_funder_title: str | None
    siret: str | None = Field(description="The attribuant's identifier in the SCDL open data")
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
    siret: Annotated[str, StringConstraints(pattern=r"^[0-9]{14}$")] | None = None
