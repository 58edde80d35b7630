"""The registry of contracts on the wire."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.territories.contracts.domain import CONTRACT_CODE, Contract, Signatory
from services.territories.schemas import EpciCode, QpvCode, ShortText

ContractCode = Annotated[str, StringConstraints(pattern=CONTRACT_CODE.pattern)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class SignatoryModel(ApiInput):
    name: ShortText
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")]

    def signatory(self) -> Signatory:
        return Signatory(name=self.name, kind=self.kind)


class ContractRead(ApiModel):
    code: str
    nom: str
    code_epci: str
    start_year: int
    end_year: int
    qpv_codes: list[str]
    signatories: list[SignatoryModel]
    version: int

    @classmethod
    def of(cls, contract: Contract) -> ContractRead:
        return cls.model_validate(contract, from_attributes=True)


class ContractCreate(ApiInput):
    code: ContractCode
    nom: ShortText
    code_epci: EpciCode
    start_year: Year
    end_year: Year
    qpv_codes: list[QpvCode] = Field(default_factory=list, max_length=200)
    signatories: list[SignatoryModel] = Field(default_factory=list, max_length=200)

    def contract(self) -> Contract:
        return Contract(
            code=self.code,
            nom=self.nom,
            code_epci=self.code_epci,
            start_year=self.start_year,
            end_year=self.end_year,
            qpv_codes=tuple(self.qpv_codes),
            signatories=tuple(item.signatory() for item in self.signatories),
        )


class ContractUpdate(ApiInput):
    nom: ShortText | None = None
    start_year: Year | None = None
    end_year: Year | None = None
    qpv_codes: list[QpvCode] | None = Field(default=None, max_length=200)
    signatories: list[SignatoryModel] | None = Field(default=None, max_length=200)

    def changes(self) -> dict[str, Any]:
        """The fields sent, as the domain holds them (null leaves a field as it is)."""
        changes: dict[str, Any] = {name: getattr(self, name) for name in self.model_fields_set}
        if self.qpv_codes is not None:
            changes["qpv_codes"] = tuple(self.qpv_codes)
        if self.signatories is not None:
            changes["signatories"] = tuple(item.signatory() for item in self.signatories)
        return {name: value for name, value in changes.items() if value is not None}
