"""Import of the shipped reference files (EPCI, communes, QPV, contract); a re-import changes nothing."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from kit.auth.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.territories.contracts.models import ContractRow
from services.territories.indicators.use_cases import import_contract_indicators, read_contract_indicators
from services.territories.persistence import upsert
from services.territories.qpvs.domain import (
    InvalidPerimeterError,
    LineageKind,
    QpvStatus,
    check_perimeter,
    lineage_kind,
    stable_qpv_id,
)
from services.territories.qpvs.models import QpvGenerationRow, QpvLineageRow, QpvRow
from services.territories.qpvs.repository import QpvRepository
from services.territories.reference.domain import searchable
from services.territories.reference.models import CommuneRow, DepartementRow, EpciRow, RegionRow
from services.territories.renewal_projects.use_cases import import_seed, read_seed
from services.territories.vulnerability.use_cases import fields_dictionary, import_squares

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
GENERATION_2015 = "2015-2023"
GENERATION_2024 = "2024-2030"
GENERATION_CODES = {"QPV2015": GENERATION_2015, "QPV2024": GENERATION_2024}
DECREE_2015 = "Décret n°2014-1750 du 30 décembre 2014 (rectifié par le décret n°2015-1138 du 14 septembre 2015)"
DECREE_2024 = "Décret n°2023-1314 du 28 décembre 2023 (modifié par le décret n°2024-806 du 13 juillet 2024)"
# The contract names Beaurains a "quartier de veille active" of 2015-2023; the sources give no perimeter.
FILOSOFI_SAMPLE = "filosofi2021_200m_sample_arras.csv"
# The sample was re-published without `lcog_geo`; its window lies around QPV Saint-Michel, in Arras.
FILOSOFI_SAMPLE_COMMUNES = ("62041",)
BEAURAINS_WATCH = {"nom": "Beaurains (quartier de veille active)", "codesCommunes": ["62099"]}


@dataclass(frozen=True, slots=True)
class ImportReport:
    epcis: int
    communes: int
    qpvs: int
    contracts: int
    indicator_values: int = 0
    squares: int = 0
    renewal_projects: int = 0


def _latest_population(by_year: dict[str, int] | None) -> tuple[int | None, int | None]:
    if not by_year:
        return None, None
    year = max(by_year, key=int)
    return by_year[year], int(year)


def _aliases(data_dir: Path) -> dict[str, dict[str, list[str]]]:
    document: dict[str, dict[str, list[str]]] = json.loads((data_dir / "aliases.json").read_text(encoding="utf-8"))
    return document


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
                "code_epci": "200033579",
                "legal_act": DECREE_2015,
                "starts_on": date(2015, 1, 1),
                "population": None,
                "population_year": None,
                "perimeter": None,
            }
        )
    return rows


def lineage_rows(generations: dict[str, Any], collection: dict[str, Any]) -> list[dict[str, Any]]:
    """Links 2015 -> 2024 from the 2024 records' `predecesseurs2015`, their kind read from the source."""
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
        inferred = bool(item.get("lineageInferred"))
        kind = LineageKind.RENAME if inferred else lineage_kind(descriptions.get(item["code"], ""))
        for name in item.get("predecesseurs2015", []):
            rows.append(
                {
                    "predecessor_id": by_name_2015[name],
                    "successor_id": stable_qpv_id(GENERATION_2024, item["code"], item["nom"], item["codesCommunes"]),
                    "kind": kind.value,
                    "is_inferred": inferred,
                    "note": descriptions.get(item["code"]) or None,
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


async def import_reference_data(uow: UnitOfWork, actor: Principal, data_dir: Path = DATA_DIR) -> ImportReport:
    """Load the CU d'Arras: its EPCI, 46 communes, six QPV 2024 and the contract Cœur de Quartier."""
    communes_document = json.loads((data_dir / "cua_communes.json").read_text(encoding="utf-8"))
    qpv_document = json.loads((data_dir / "cua_qpv_2024.geojson").read_text(encoding="utf-8"))
    contract_document = json.loads((data_dir / "contract_coeur_de_quartier.json").read_text(encoding="utf-8"))
    generations_document = json.loads((data_dir / "cua_qpv_generations.json").read_text(encoding="utf-8"))
    aliases = _aliases(data_dir)
    epci, communes = epci_and_communes_rows(communes_document, aliases["communes"])
    cog = json.loads((data_dir / "cua_region_departement.json").read_text(encoding="utf-8"))
    async with uow:
        await upsert(
            uow.session, RegionRow, [{"code": item["code"], "nom": item["nom"]} for item in cog["regions"]], ["code"]
        )
        await upsert(
            uow.session,
            DepartementRow,
            [{"code": item["code"], "nom": item["nom"], "code_region": item["region"]} for item in cog["departements"]],
            ["code"],
        )
        await upsert(uow.session, QpvGenerationRow, generation_rows(generations_document), ["generation"])
        qpvs = qpv_rows(qpv_document, aliases["qpvs"]) + qpv_2015_rows(generations_document)
        report = ImportReport(
            epcis=await upsert(uow.session, EpciRow, [epci], ["code"]),
            communes=await upsert(uow.session, CommuneRow, communes, ["code"]),
            qpvs=await upsert(uow.session, QpvRow, qpvs, ["qpv_id"]),
            contracts=await upsert(uow.session, ContractRow, [contract_row(contract_document)], ["code"]),
        )
        lineage = lineage_rows(generations_document, qpv_document)
        await upsert(uow.session, QpvLineageRow, lineage, ["predecessor_id", "successor_id"])
        if report.qpvs:
            await QpvRepository(uow.session).bump_revisions({row["generation"] for row in qpvs})
        await uow.commit()
    values_path = data_dir / "cua_quartier_indicators.csv"
    catalogue, parsed = read_contract_indicators(data_dir / "indicator_catalogue.json", values_path)
    created = await import_contract_indicators(uow, catalogue, parsed, values_path.name)
    squares = await import_squares(
        uow,
        actor,
        (data_dir / FILOSOFI_SAMPLE).read_text(encoding="utf-8"),
        2021,
        FILOSOFI_SAMPLE_COMMUNES,
        fields_dictionary(),
        dry_run=False,
        skip_bad_lines=False,
    )
    projects = await import_seed(uow, read_seed(data_dir / "cua_renewal_projects.json"))
    return replace(
        report, indicator_values=created, squares=squares.created + squares.changed, renewal_projects=projects
    )


@dataclass(frozen=True, slots=True)
class NationalImportReport:
    qpvs: int
    changed: int
    repaired: list[tuple[str, str]]
    refused: list[tuple[str, str]]


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


async def import_national_qpvs(uow: UnitOfWork, path: Path, *, skip_refused: bool = False) -> NationalImportReport:
    """All QPV 2024 of France; all-or-nothing unless `skip_refused` (then refused features are reported)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        collection = json.load(handle)
    rows, repaired, refused = national_qpv_rows(collection)
    if refused and not skip_refused:
        raise InvalidPerimeterError("; ".join(f"{code}: {reason}" for code, reason in refused[:20]))
    generations = json.loads((DATA_DIR / "cua_qpv_generations.json").read_text(encoding="utf-8"))
    async with uow:
        await upsert(
            uow.session,
            QpvGenerationRow,
            [row for row in generation_rows(generations) if row["generation"] == GENERATION_2024],
            ["generation"],
        )
        changed = 0
        for start in range(0, len(rows), 500):
            changed += await upsert(uow.session, QpvRow, rows[start : start + 500], ["qpv_id"])
        if changed:
            await QpvRepository(uow.session).bump_revisions({GENERATION_2024})
        await uow.commit()
    return NationalImportReport(qpvs=len(rows), changed=changed, repaired=repaired, refused=refused)
