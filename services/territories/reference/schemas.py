"""The reference territories on the wire (API Géo's names: code, nom, population with its year)."""

from __future__ import annotations

from typing import Literal

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


class EpciTypology(ApiModel):
    """How many of the EPCI's communes are of each type, as its contract counts them."""

    centre: int
    periurban: int
    rural: int
    source: str = Field(description="The text that gives the counts (the contract and its lines)")


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
    typology: EpciTypology | None = Field(
        default=None, description="The communes per type as the EPCI's contract counts them; null when unknown"
    )

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
            typology=None if epci.typology is None else EpciTypology.model_validate(epci.typology),
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
    typology: Literal["centre", "periurban", "rural"] | None = Field(
        default=None,
        description="The commune's type where its EPCI's contract names it (null where the contract gives only"
        " counts: see its EPCI's `typology`)",
    )
