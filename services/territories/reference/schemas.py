"""The reference territories on the wire (API Géo's names: code, nom, population with its year)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from kit.api_models import ApiModel
from kit.field_selection import fields_may_be_left_out
from services.territories.reference.domain import Epci


class RegionRead(ApiModel):
    code: str = Field(description="INSEE code")
    nom: str


class DepartementRead(ApiModel):
    code: str = Field(description="INSEE code")
    nom: str
    code_region: str


class EpciRead(ApiModel):
    model_config = ConfigDict(json_schema_extra=fields_may_be_left_out)

    code: str = Field(description="SIREN of the EPCI")
    nom: str
    nom_long: str | None
    type: str
    code_departement: str
    code_region: str
    population: int | None
    population_year: int | None = Field(description="Vintage (millésime) of the population")

    @classmethod
    def of(cls, epci: Epci) -> EpciRead:
        return cls(
            code=epci.code,
            nom=epci.nom,
            nom_long=epci.nom_long,
            type=epci.kind,
            code_departement=epci.code_departement,
            code_region=epci.code_region,
            population=epci.population,
            population_year=epci.population_year,
        )


class CommuneRead(ApiModel):
    model_config = ConfigDict(json_schema_extra=fields_may_be_left_out)

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
