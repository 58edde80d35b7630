"""National reference files (@etalab/decoupage-administratif format): imported idempotently into a
database of its own; national QPVs then list under the EPCI of their communes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kit.database import create_engine, create_sessionmaker
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.territories.imports.domain import CogFileError
from services.territories.imports.use_cases import DATA_DIR, import_cog, import_national_qpvs
from services.territories.qpvs import use_cases as qpvs
from services.territories.reference import use_cases as reference
from services.territories.reference.domain import CommuneFilters
from tests.running_stack import RunningStack
from tests.territories.cua import CUA_QPVS_2024


def national_format() -> dict[str, Any]:
    """The shipped CUA data rewritten as the package's national files, with the entries it leaves out."""
    shipped = json.loads((DATA_DIR / "cua_communes.json").read_text(encoding="utf-8"))
    communes: list[dict[str, Any]] = [
        {
            "code": commune["code"],
            "nom": commune["nom"],
            "typeLiaison": 0,
            "zone": "metro",
            "arrondissement": commune["codeArrondissement"],
            "departement": commune["codeDepartement"],
            "region": commune["codeRegion"],
            "type": "commune-actuelle",
            "siren": commune["siren"],
            "codesPostaux": commune["codesPostaux"],
            "population": commune["populationMunicipaleParMillesime"]["2023"],
        }
        for commune in shipped["communes"]
    ]
    communes.append({"code": "62999", "nom": "Ancienne commune", "type": "commune-deleguee", "departement": "62"})
    epci = shipped["epci"]
    return {
        "regions.json": [{"code": "32", "nom": "Hauts-de-France", "chefLieu": "59350"}],
        "departements.json": [{"code": "62", "nom": "Pas-de-Calais", "region": "32", "chefLieu": "62041"}],
        "communes.json": communes,
        "epci.json": [
            {
                "code": epci["code"],
                "nom": epci["nom"],
                "type": epci["type"],
                "modeFinancement": epci["modeFinancement"],
                "membres": [
                    {"code": item["code"], "siren": item["siren"], "nom": item["nom"]} for item in shipped["communes"]
                ],
            }
        ],
    }


@pytest.fixture(scope="module")
def cog_url(stack: RunningStack) -> str:
    return stack.territories_database("cdq_cog_check")


@pytest.fixture
async def cog_uow(cog_url: str) -> AsyncIterator[UnitOfWork]:
    engine = create_engine(cog_url, "territories", application_name="test-cog")
    yield UnitOfWork(create_sessionmaker(engine))
    await engine.dispose()


async def test_national_files_load_once_with_their_population_year(cog_uow: UnitOfWork) -> None:
    documents = national_format()
    first = await import_cog(cog_uow, documents, 2023, {"62764": ["Saint-Nicolas-lez-Arras"]})
    assert (first.regions, first.departements, first.epcis, first.communes, first.other_entries) == (1, 1, 1, 46, 1)
    again = await import_cog(cog_uow, documents, 2023, {"62764": ["Saint-Nicolas-lez-Arras"]})
    assert again.changed == 0
    arras = await reference.get_commune(cog_uow, "62041")
    assert (arras.code_epci, arras.population, arras.population_year) == ("200033579", 42875, 2023)
    epci = await reference.get_epci(cog_uow, "200033579")
    assert (epci.population, epci.population_year, epci.code_departement) == (109884, 2023, "62")
    found = await reference.list_communes(cog_uow, PageRequest(limit=10, offset=0), CommuneFilters(nom="lez-arras"))
    assert [row.code for row in found[0]] == ["62764"]


async def test_national_qpvs_list_under_the_epci_of_their_communes(cog_uow: UnitOfWork) -> None:
    await import_cog(cog_uow, national_format(), 2023, {})
    await import_national_qpvs(cog_uow, DATA_DIR / "qpv_2024_france.geojson.gz")
    linked, total = await qpvs.list_qpvs(cog_uow, PageRequest(limit=100, offset=0), "2024-2030", "200033579", None)
    assert total == 6
    assert {item.code for item in linked} == CUA_QPVS_2024


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda documents: documents.update({"regions.json": {"code": "32"}}), "JSON array"),
        (lambda documents: documents["communes.json"][0].pop("departement"), "departement"),
        (lambda documents: documents["communes.json"][0].update({"population": -1}), "population"),
        (lambda documents: documents["epci.json"][0].update({"membres": []}), "no member"),
    ],
)
async def test_malformed_files_import_nothing(cog_uow: UnitOfWork, breakage: Any, message: str) -> None:
    documents = national_format()
    breakage(documents)
    with pytest.raises(CogFileError, match=message):
        await import_cog(cog_uow, documents, 2023, {})
