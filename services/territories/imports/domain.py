"""The reference files, read into the rows of their records: the national INSEE Code officiel géographique,
the QPV files, the CU d'Arras' shipped data. Pure: reading a file and writing its rows are the use cases'.

The COG is read as @etalab/decoupage-administratif publishes it: `regions.json`, `departements.json`,
`communes.json` and `epci.json` give one population per commune without its vintage (it depends on the
package version), so the import is told the year. EPCI membership comes from `epci.json` (`membres`), and an
EPCI's population is the sum of its members' so that both carry the same vintage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.territories.errors import TerritoriesError
from services.territories.qpvs.domain import (
    DECREE_2015,
    DECREE_2024,
    GENERATION_2015,
    GENERATION_2024,
    InvalidPerimeterError,
    LineageKind,
    QpvStatus,
    check_perimeter,
    lineage_kind,
    stable_qpv_id,
)
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


def region_rows(document: Any) -> list[dict[str, Any]]:
    """The rows of `regions.json`."""
    return [
        {"code": _text(entry, "code", f"regions.json[{index}]"), "nom": _text(entry, "nom", f"regions.json[{index}]")}
        for index, entry in enumerate(_entries(document, "regions.json"))
    ]


def departement_rows(document: Any) -> list[dict[str, Any]]:
    """The rows of `departements.json`."""
    rows = []
    for index, entry in enumerate(_entries(document, "departements.json")):
        where = f"departements.json[{index}]"
        rows.append(
            {
                "code": _text(entry, "code", where),
                "nom": _text(entry, "nom", where),
                "code_region": _text(entry, "region", where),
            }
        )
    return rows


def cog_rows(
    regions: Any,
    departements: Any,
    communes: Any,
    epcis: Any,
    population_year: int,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> CogRows:
    rows = CogRows(regions=region_rows(regions), departements=departement_rows(departements))
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


# The QPV files: the ANCT's perimeters of the 2024 list (décret n°2023-1314), of France or of the CUA, and the
# CUA's generations (data/cua_qpv_generations.json, compiled from IREV and the ANCT).
GENERATION_CODES = {"QPV2015": GENERATION_2015, "QPV2024": GENERATION_2024}
CUA_EPCI = "200033579"  # the SIREN of the Communauté urbaine d'Arras
# The contract keeps Beaurains as a "quartier de veille active" of 2015-2023 (contract lines 166 and 301); the
# sources give it no perimeter.
BEAURAINS_WATCH = {"nom": "Beaurains (quartier de veille active)", "codesCommunes": ["62099"]}


def _latest_population(by_year: dict[str, int] | None) -> tuple[int | None, int | None]:
    if not by_year:
        return None, None
    year = max(by_year, key=int)
    return by_year[year], int(year)


def epci_and_communes_rows(
    document: dict[str, Any], aliases: dict[str, list[str]] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    epci = document["epci"]
    population, year = _latest_population(epci.get("populationParMillesime"))
    epci_row = {
        "code": epci["code"],
        "nom": epci["nom"],
        "nom_long": epci.get("nomLong"),
        "kind": epci.get("type", "EPCI"),
        "code_departement": epci["codeDepartement"],
        "code_region": epci["codeRegion"],
        "population": population,
        "population_year": year,
        "typology": epci.get("typologieContrat"),
    }
    communes = []
    for commune in document["communes"]:
        population, year = _latest_population(commune.get("populationMunicipaleParMillesime"))
        names = [commune["nom"], *(aliases or {}).get(commune["code"], [])]
        communes.append(
            {
                "code": commune["code"],
                "nom": commune["nom"],
                # Official name and aliases in one searchable text: a name filter finds either.
                "nom_searchable": " | ".join(searchable(name) for name in names),
                "aliases": names[1:],
                "siren": commune.get("siren"),
                "code_epci": commune.get("codeEpci"),
                "code_departement": commune["codeDepartement"],
                "code_region": commune["codeRegion"],
                "codes_postaux": list(commune.get("codesPostaux", [])),
                "population": population,
                "population_year": year,
                "typology": commune.get("typologieContrat"),
            }
        )
    return epci_row, communes


def generation_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    acts = {"QPV2015": DECREE_2015, "QPV2024": DECREE_2024}
    return [
        {
            "generation": GENERATION_CODES[item["code"]],
            "label": item["libelle"],
            "legal_act": acts[item["code"]],
            "starts_on": date.fromisoformat(item["dateDebut"]),
            "ends_on": date.fromisoformat(item["dateFin"]) if item.get("dateFin") else None,
        }
        for item in document["generations"]
    ]


def qpv_2015_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The 2015 QPV of the CUA: names and communes only (no code, no perimeter in the sources)."""
    records = [item for item in document["qpv"] if item["generation"] == "QPV2015"]
    rows = []
    for item, status in [(record, QpvStatus.QPV) for record in records] + [(BEAURAINS_WATCH, QpvStatus.VEILLE_ACTIVE)]:
        rows.append(
            {
                "qpv_id": stable_qpv_id(GENERATION_2015, item.get("code"), item["nom"], item["codesCommunes"]),
                "code": item.get("code"),
                "generation": GENERATION_2015,
                "nom": item["nom"],
                "aliases": [],
                "status": status.value,
                "codes_communes": list(item["codesCommunes"]),
                "code_epci": CUA_EPCI,
                "legal_act": DECREE_2015,
                "starts_on": date(2015, 1, 1),
                "population": None,
                "population_year": None,
                "perimeter": None,
            }
        )
    return rows


def lineage_rows(generations: dict[str, Any], collection: dict[str, Any]) -> list[dict[str, Any]]:
    """Links 2015 -> 2024 from the 2024 records' `predecesseurs2015`: their kind as the contract states it
    (`lineageContract`, with its lines and any other source's contrary note), else read from the source."""
    by_name_2015 = {
        item["nom"]: stable_qpv_id(GENERATION_2015, item.get("code"), item["nom"], item["codesCommunes"])
        for item in generations["qpv"]
        if item["generation"] == "QPV2015"
    }
    descriptions = {
        feature["properties"]["code"]: feature["properties"].get("lineage", "") for feature in collection["features"]
    }
    rows = []
    for item in generations["qpv"]:
        if item["generation"] != "QPV2024":
            continue
        stated = item.get("lineageContract")  # the contract's own statement wins; a contrary one is kept beside
        inferred = stated is None and bool(item.get("lineageInferred"))
        if stated is not None:
            kind, note = LineageKind(stated["kind"]), stated["wording"]
        else:
            kind = LineageKind.RENAME if inferred else lineage_kind(descriptions.get(item["code"], ""))
            note = descriptions.get(item["code"]) or None
        for name in item.get("predecesseurs2015", []):
            rows.append(
                {
                    "predecessor_id": by_name_2015[name],
                    "successor_id": stable_qpv_id(GENERATION_2024, item["code"], item["nom"], item["codesCommunes"]),
                    "kind": kind.value,
                    "is_inferred": inferred,
                    "note": note,
                    "source": None if stated is None else stated["source"],
                    "contrary_note": None if stated is None else stated.get("contraryNote"),
                }
            )
    return rows


def qpv_rows(collection: dict[str, Any], aliases: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    rows = []
    for feature in collection["features"]:
        properties = feature["properties"]
        rows.append(
            {
                "qpv_id": stable_qpv_id(
                    GENERATION_2024, properties["code"], properties["nom"], properties.get("codesCommunes", [])
                ),
                "code": properties["code"],
                "generation": GENERATION_2024,
                "nom": properties["nom"],
                "aliases": list((aliases or {}).get(properties["code"], [])),
                "status": "qpv",
                "codes_communes": list(properties.get("codesCommunes", [])),
                "code_epci": properties.get("codeEpci"),
                "legal_act": DECREE_2024,
                "starts_on": date.fromisoformat(properties["dateDebut"]) if properties.get("dateDebut") else None,
                "population": properties.get("populationMunicipale"),
                "population_year": properties.get("populationMillesime"),
                "perimeter": check_perimeter(feature["geometry"]).geometry,
            }
        )
    return rows


def contract_row(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": document["code"],
        "nom": document["nom"],
        "code_epci": document["codeEpci"],
        "start_year": document["startYear"],
        "end_year": document["endYear"],
        "qpv_codes": list(document["qpvCodes"]),
        "signatories": list(document["signatories"]),
    }


def national_qpv_rows(
    collection: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[tuple[str, str]]]:
    """Rows of the national QPV 2024 file with checked perimeters; repairs and refusals by code."""
    rows, repaired, refused = [], [], []
    for feature in collection.get("features", []):
        properties = feature.get("properties") or {}
        code = str(properties.get("code") or "")
        try:
            checked = check_perimeter(feature.get("geometry"))
        except InvalidPerimeterError as error:
            refused.append((code, str(error)))
            continue
        if checked.repair is not None:
            repaired.append((code, checked.repair))
        communes = [str(commune) for commune in properties.get("codesCommunes", [])]
        rows.append(
            {
                "qpv_id": stable_qpv_id(GENERATION_2024, code, str(properties.get("nom", "")), communes),
                "code": code,
                "generation": GENERATION_2024,
                "nom": str(properties.get("nom", "")),
                "status": QpvStatus.QPV.value,
                "codes_communes": communes,
                "legal_act": DECREE_2024,
                "perimeter": checked.geometry,
            }
        )
    return rows, repaired, refused
