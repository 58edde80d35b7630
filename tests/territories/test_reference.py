"""The CU d'Arras reference data, read through the gateway."""

from __future__ import annotations

from typing import Any

import httpx

from cli.data_imports import import_reference
from tests.running_stack import CUA_CONTRACT, RunningStack
from tests.territories.cua import CUA_QPVS_2024


async def test_cua_has_46_communes_and_6_qpv_2024(gateway: httpx.AsyncClient) -> None:
    communes = await gateway.get("/api/territories/communes", params={"codeEpci": "200033579", "limit": 100})
    assert communes.json()["total"] == 46
    arras = next(item for item in communes.json()["items"] if item["code"] == "62041")
    assert arras["nom"] == "Arras"
    assert arras["populationYear"] == 2023
    qpvs = await gateway.get("/api/territories/qpvs", params={"codeEpci": "200033579", "generation": "2024-2030"})
    assert {item["code"] for item in qpvs.json()["items"]} == CUA_QPVS_2024
    cheminots = await gateway.get("/api/territories/qpvs/QN06262M")
    assert cheminots.json()["codesCommunes"] == ["62004", "62041"]


async def test_the_communes_typology_is_the_contract_s(gateway: httpx.AsyncClient) -> None:
    """1 centre, 7 periurban, 38 rural (002_…txt l. 305-309): the counts on the EPCI, and a type on the five
    communes the contract names; none is guessed for the other 41."""
    epci = (await gateway.get("/api/territories/epcis/200033579")).json()
    assert epci["typology"] == {
        "centre": 1,
        "periurban": 7,
        "rural": 38,
        "source": "contrat « Cœur de Quartier », l. 305-309",
    }
    communes = (await gateway.get("/api/territories/communes", params={"codeEpci": "200033579", "limit": 100})).json()
    typed = {item["nom"]: item["typology"] for item in communes["items"] if item["typology"] is not None}
    assert typed == {
        "Arras": "centre",
        "Achicourt": "periurban",
        "Beaurains": "periurban",
        "Saint-Laurent-Blangy": "periurban",
        "Saint-Nicolas": "periurban",
    }
    assert sum(1 for item in communes["items"] if item["typology"] is None) == 41


async def test_commune_name_filter_ignores_accents_and_case(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/territories/communes", params={"nom": "SAINT-LAURENT"})
    assert [item["code"] for item in response.json()["items"]] == ["62753"]
    accented = await gateway.get("/api/territories/communes", params={"nom": "étrun"})
    plain = await gateway.get("/api/territories/communes", params={"nom": "etrun"})
    assert accented.json()["items"] == plain.json()["items"]


async def test_perimeter_is_geojson_and_can_be_lighter(gateway: httpx.AsyncClient) -> None:
    answered = await gateway.get("/api/territories/qpvs/QN06259M/perimeter")
    assert answered.headers["content-type"] == "application/geo+json"  # RFC 7946 §12
    feature = answered.json()
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "MultiPolygon"
    light = (await gateway.get("/api/territories/qpvs/QN06259M/perimeter", params={"toleranceM": 50})).json()

    def vertices(geometry: dict[str, Any]) -> int:
        return sum(len(ring) for polygon in geometry["coordinates"] for ring in polygon)

    assert 0 < vertices(light["geometry"]) < vertices(feature["geometry"])
    assert light["properties"]["simplifiedToleranceM"] == 50
    too_coarse = await gateway.get("/api/territories/qpvs/QN06259M/perimeter", params={"toleranceM": 501})
    assert too_coarse.json()["errors"][0]["field"] == "toleranceM"


async def test_contract_registry_holds_coeur_de_quartier(gateway: httpx.AsyncClient) -> None:
    contract = (await gateway.get(f"/api/territories/contracts/{CUA_CONTRACT}")).json()
    assert contract["startYear"] == 2024
    assert contract["endYear"] == 2030
    assert len(contract["qpvCodes"]) == 6


async def test_reimport_changes_nothing(stack: RunningStack) -> None:
    assert await import_reference(stack.role_url("territories")) == (
        "epcis=0 communes=0 qpvs=0 contracts=0 indicatorValues=0 squares=0 renewalProjects=0"
    )


async def test_usual_names_are_aliases(gateway: httpx.AsyncClient) -> None:
    by_alias = await gateway.get("/api/territories/communes", params={"nom": "nicolas-lez-arras"})
    [commune] = by_alias.json()["items"]
    assert (commune["code"], commune["nom"]) == ("62764", "Saint-Nicolas")
    assert "Saint-Nicolas-lez-Arras" in commune["aliases"]
    quatre_as = (await gateway.get("/api/territories/qpvs/QN06258M")).json()
    assert (quatre_as["nom"], quatre_as["aliases"]) == ("Quatre As", ["4 As"])
