"""Import of the shipped reference files (EPCI, communes, QPV, contract); a re-import changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kit.auth.principal import Principal
from kit.database import UnitOfWork
from services.territories.db.models import CommuneRow, ContractRow, EpciRow, QpvRow
from services.territories.db.repositories import ReferenceRepository
from services.territories.domain.names import searchable

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
GENERATION_2024 = "2024-2030"
DECREE_2024 = "Décret n°2023-1314 du 28 décembre 2023 (modifié par le décret n°2024-806 du 13 juillet 2024)"


@dataclass(frozen=True, slots=True)
class ImportReport:
    epcis: int
    communes: int
    qpvs: int
    contracts: int


def _latest_population(by_year: dict[str, int] | None) -> tuple[int | None, int | None]:
    if not by_year:
        return None, None
    year = max(by_year, key=int)
    return by_year[year], int(year)


def epci_and_communes_rows(document: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
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
        communes.append(
            {
                "code": commune["code"],
                "nom": commune["nom"],
                "nom_searchable": searchable(commune["nom"]),
                "aliases": list(commune.get("aliases", [])),
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


def qpv_rows(collection: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for feature in collection["features"]:
        properties = feature["properties"]
        rows.append(
            {
                "code": properties["code"],
                "generation": GENERATION_2024,
                "nom": properties["nom"],
                "aliases": [],
                "status": "qpv",
                "codes_communes": list(properties.get("codesCommunes", [])),
                "code_epci": properties.get("codeEpci"),
                "legal_act": DECREE_2024,
                "starts_on": date.fromisoformat(properties["dateDebut"]) if properties.get("dateDebut") else None,
                "population": properties.get("populationMunicipale"),
                "population_year": properties.get("populationMillesime"),
                "perimeter": feature["geometry"],
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
    del actor  # reference data is not audited row by row; the import command logs its report
    communes_document = json.loads((data_dir / "cua_communes.json").read_text(encoding="utf-8"))
    qpv_document = json.loads((data_dir / "cua_qpv_2024.geojson").read_text(encoding="utf-8"))
    contract_document = json.loads((data_dir / "contract_coeur_de_quartier.json").read_text(encoding="utf-8"))
    epci, communes = epci_and_communes_rows(communes_document)
    async with uow:
        repository = ReferenceRepository(uow.session)
        report = ImportReport(
            epcis=await repository.upsert(EpciRow, [epci], ["code"]),
            communes=await repository.upsert(CommuneRow, communes, ["code"]),
            qpvs=await repository.upsert(QpvRow, qpv_rows(qpv_document), ["code", "generation"]),
            contracts=await repository.upsert(ContractRow, [contract_row(contract_document)], ["code"]),
        )
        await uow.commit()
    return report
