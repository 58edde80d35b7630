"""The INSEE Code officiel géographique as published by @etalab/decoupage-administratif.

Its `regions.json`, `departements.json`, `communes.json` and `epci.json` give one population per
commune without its vintage (it depends on the package version): the import is told the year. EPCI
membership comes from `epci.json` (`membres`), and an EPCI's population is the sum of its members'
so that both carry the same vintage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.territories.errors import TerritoriesError
from services.territories.reference.domain import searchable

CURRENT_COMMUNE = "commune-actuelle"


class CogFileError(TerritoriesError):
    """A file is not in the decoupage-administratif format: nothing is imported."""


@dataclass(slots=True)
class CogRows:
    regions: list[dict[str, Any]] = field(default_factory=list)
    departements: list[dict[str, Any]] = field(default_factory=list)
    epcis: list[dict[str, Any]] = field(default_factory=list)
    communes: list[dict[str, Any]] = field(default_factory=list)
    other_entries: int = 0  # delegated and associated communes, municipal arrondissements: not imported


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 300:
        raise CogFileError(f"{where}: '{key}' must be non-empty text")
    return value


def _entries(document: Any, where: str) -> Sequence[Mapping[str, Any]]:
    if not isinstance(document, list) or not all(isinstance(entry, dict) for entry in document):
        raise CogFileError(f"{where} must be a JSON array of objects")
    return document


def cog_rows(
    regions: Any,
    departements: Any,
    communes: Any,
    epcis: Any,
    population_year: int,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> CogRows:
    rows = CogRows()
    for index, entry in enumerate(_entries(regions, "regions.json")):
        where = f"regions.json[{index}]"
        rows.regions.append({"code": _text(entry, "code", where), "nom": _text(entry, "nom", where)})
    for index, entry in enumerate(_entries(departements, "departements.json")):
        where = f"departements.json[{index}]"
        rows.departements.append(
            {
                "code": _text(entry, "code", where),
                "nom": _text(entry, "nom", where),
                "code_region": _text(entry, "region", where),
            }
        )
    epci_of: dict[str, str] = {}
    epci_entries = _entries(epcis, "epci.json")
    for index, entry in enumerate(epci_entries):
        code = _text(entry, "code", f"epci.json[{index}]")
        for member in _entries(entry.get("membres", []), f"epci.json[{index}].membres"):
            epci_of[_text(member, "code", f"epci.json[{index}].membres")] = code
    members: dict[str, list[dict[str, Any]]] = {}
    for index, entry in enumerate(_entries(communes, "communes.json")):
        where = f"communes.json[{index}]"
        if entry.get("type", CURRENT_COMMUNE) != CURRENT_COMMUNE:
            rows.other_entries += 1
            continue
        code, nom = _text(entry, "code", where), _text(entry, "nom", where)
        population = entry.get("population")
        if population is not None and (not isinstance(population, int) or population < 0):
            raise CogFileError(f"{where}: 'population' must be a whole number ≥ 0")
        names = [nom, *(aliases or {}).get(code, [])]
        code_epci = epci_of.get(code)
        row: dict[str, Any] = {
            "code": code,
            "nom": nom,
            "nom_searchable": " | ".join(searchable(name) for name in names),
            "aliases": names[1:],
            "siren": entry.get("siren"),
            "code_epci": code_epci,
            "code_departement": _text(entry, "departement", where),
            "code_region": _text(entry, "region", where),
            "codes_postaux": [str(postcode) for postcode in entry.get("codesPostaux", [])],
            "population": population,
            "population_year": population_year if population is not None else None,
        }
        rows.communes.append(row)
        if code_epci is not None:
            members.setdefault(code_epci, []).append(row)
    for index, entry in enumerate(epci_entries):
        where = f"epci.json[{index}]"
        code = _text(entry, "code", where)
        own = members.get(code, [])
        if not own:
            raise CogFileError(f"{where}: EPCI {code} has no member among the communes of communes.json")
        # An EPCI lies in the department and region of most of its members.
        departement = Counter(member["code_departement"] for member in own).most_common(1)[0][0]
        region = Counter(member["code_region"] for member in own).most_common(1)[0][0]
        known = [member["population"] for member in own if member["population"] is not None]
        rows.epcis.append(
            {
                "code": code,
                "nom": _text(entry, "nom", where),
                "kind": str(entry.get("type") or "EPCI"),
                "code_departement": departement,
                "code_region": region,
                "population": sum(known) if len(known) == len(own) else None,
                "population_year": population_year if len(known) == len(own) else None,
            }
        )
    return rows
