"""The reference territories of the INSEE Code officiel géographique: regions, departements, EPCIs, communes.

Read by everyone; written only by the imports (see services/territories/imports).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

# The types a contrat de ville sorts an EPCI's communes into: the CU d'Arras' contract counts « 1 commune
# centre », « 7 communes périurbaines », « 38 communes rurales » (002_…txt l. 307-309).
TYPOLOGY = ("centre", "periurban", "rural")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    nom: str


@dataclass(frozen=True, slots=True)
class Departement:
    code: str
    nom: str
    code_region: str


@dataclass(frozen=True, slots=True)
class Epci:
    """An intercommunality, by its SIREN; `kind` is the INSEE nature (CU, CA, CC, METRO…)."""

    code: str
    nom: str
    nom_long: str | None
    kind: str
    code_departement: str
    code_region: str
    population: int | None
    population_year: int | None
    typology: dict[str, Any] | None = None  # as the EPCI's contract counts its communes (`TYPOLOGY`)


@dataclass(frozen=True, slots=True)
class Commune:
    code: str
    nom: str
    aliases: tuple[str, ...]
    siren: str | None
    code_epci: str | None
    code_departement: str
    code_region: str
    codes_postaux: tuple[str, ...]
    population: int | None
    population_year: int | None
    typology: str | None = None  # one of `TYPOLOGY`, where the contract names the commune's type


@dataclass(frozen=True, slots=True)
class CommuneFilters:
    code_epci: str | None = None
    code_departement: str | None = None
    code_region: str | None = None
    nom: str | None = None


def searchable(name: str) -> str:
    """Name matching as API Géo does it: case- and accent-insensitive, hyphens and apostrophes as spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.lower().replace("-", " ").replace("'", " ").split())
