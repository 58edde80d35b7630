"""QPV generations, lineage across them, and point -> QPV lookups through the gateway."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = json.loads(
    (ROOT / "services" / "territories" / "data" / "cua_qpv_lookup_fixtures.json").read_text(encoding="utf-8")
)["fixtures"]


async def test_both_generations_are_served(gateway: httpx.AsyncClient) -> None:
    generations = (await gateway.get("/api/territories/qpv-generations")).json()
    assert [item["generation"] for item in generations["items"]] == ["2015-2023", "2024-2030"]
    assert generations["total"] == 2
    old = (await gateway.get("/api/territories/qpvs", params={"generation": "2015-2023"})).json()
    names = {item["nom"]: item for item in old["items"]}
    assert set(names) == {
        "Arras Ouest",
        "Cheminots Jean Jaurès Moulin Hacart",
        "Nouvelles Résidences",
        "Quatre As",
        "Saint-Michel Goudemand",
        "Beaurains (quartier de veille active)",
    }
    assert all(item["code"] is None for item in old["items"])
    assert names["Beaurains (quartier de veille active)"]["status"] == "veille_active"


async def test_a_record_read_by_code_is_the_list_s_record(gateway: httpx.AsyncClient) -> None:
    """One record by code (its JSON written by PostgreSQL) is exactly the record the list gives (built from
    the domain's lineage): same fields, links in the same order, for every coded record of the CUA, those
    with predecessors among them (the 2015 records, which have no code, appear as their links)."""
    listed = (await gateway.get("/api/territories/qpvs", params={"codeEpci": "200033579", "limit": 100})).json()
    coded = [item for item in listed["items"] if item["code"] is not None]
    assert coded
    assert any(item["predecessors"] for item in coded)
    for item in coded:
        read = await gateway.get(f"/api/territories/qpvs/{item['code']}", params={"generation": item["generation"]})
        assert read.status_code == 200, read.text
        assert read.headers["content-type"] == "application/json"
        assert read.json() == item
        assert list(read.json()) == list(item)  # the read model's field order
    missing = await gateway.get("/api/territories/qpvs/QN00000M")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_arras_ouest_split_into_two(gateway: httpx.AsyncClient) -> None:
    old = (await gateway.get("/api/territories/qpvs", params={"generation": "2015-2023"})).json()
    arras_ouest = next(item for item in old["items"] if item["nom"] == "Arras Ouest")
    assert {(link["code"], link["kind"]) for link in arras_ouest["successors"]} == {
        ("QN06259M", "split"),
        ("QN06260M", "split"),
    }
    record = (await gateway.get(f"/api/territories/qpv-records/{arras_ouest['id']}")).json()
    assert record == arras_ouest
    assert all(link["source"].startswith("contrat « Cœur de Quartier », l. 35") for link in arras_ouest["successors"])


async def test_the_lineage_is_the_contract_s_with_the_contrary_notes_beside_it(gateway: httpx.AsyncClient) -> None:
    """The contract says Cheminots' and Chanteclair's perimeters are unchanged (002_…txt l. 343-347): that is
    what is loaded, stated (not inferred); the QPV code's suffix M says otherwise, and that note is kept."""
    links = {}
    for code in ("QN06258M", "QN06259M", "QN06260M", "QN06261M", "QN06262M", "QN06263M"):
        [link] = (await gateway.get(f"/api/territories/qpvs/{code}")).json()["predecessors"]
        links[code] = link
    assert {code: (link["nom"], link["kind"], link["inferred"]) for code, link in links.items()} == {
        "QN06258M": ("Quatre As", "extension", False),
        "QN06259M": ("Arras Ouest", "split", False),
        "QN06260M": ("Arras Ouest", "split", False),
        "QN06261M": ("Saint-Michel Goudemand", "contour_modified", False),
        "QN06262M": ("Cheminots Jean Jaurès Moulin Hacart", "unchanged", False),
        "QN06263M": ("Nouvelles Résidences", "unchanged", False),
    }
    assert links["QN06263M"]["source"] == "contrat « Cœur de Quartier », l. 343, 347"
    assert 'anciennement nommé "Nouvelles Résidences"' in links["QN06263M"]["note"]
    assert "suffix M" in links["QN06262M"]["contraryNote"]
    assert "suffix M" in links["QN06263M"]["contraryNote"]
    assert links["QN06261M"]["contraryNote"] is None  # the sources agree there


@pytest.mark.parametrize("fixture", FIXTURES, ids=[fixture["label"] for fixture in FIXTURES])
async def test_lookup_fixtures(gateway: httpx.AsyncClient, fixture: dict[str, Any]) -> None:
    response = await gateway.get(
        "/api/territories/localisation",
        params={"lat": fixture["lat"], "lon": fixture["lon"], "toleranceM": 5000},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["code"] for item in body["qpvs"]] == fixture["expected"]
    distances = {code: value for code, value in fixture["distancesM"].items() if code not in fixture["expected"]}
    nearest = min(distances, key=distances.__getitem__)
    assert body["nearest"]["code"] == nearest
    assert body["nearest"]["distanceM"] == pytest.approx(distances[nearest], abs=0.5)
    assert body["indicative"] is True


async def test_nearest_respects_the_tolerance(gateway: httpx.AsyncClient) -> None:
    centre = {"lat": 50.291028, "lon": 2.774389}
    near = (await gateway.get("/api/territories/localisation", params={**centre, "toleranceM": 700})).json()
    assert near["nearest"]["code"] == "QN06261M"
    far = (await gateway.get("/api/territories/localisation", params={**centre, "toleranceM": 500})).json()
    assert far["qpvs"] == []
    assert far["nearest"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 91, "lon": 2.77}, "lat"),
        ({"lat": 50.29, "lon": -181}, "lon"),
        ({"lat": "nan", "lon": 2.77}, "lat"),
        ({"lat": 50.29, "lon": "inf"}, "lon"),
        ({"lat": 50.29}, "lon"),
        ({"lat": 50.29, "lon": 2.77, "toleranceM": -1}, "toleranceM"),
    ],
)
async def test_bad_coordinates_name_the_field(gateway: httpx.AsyncClient, params: dict[str, Any], field: str) -> None:
    response = await gateway.get("/api/territories/localisation", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_unknown_generation_is_404(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(
        "/api/territories/localisation", params={"lat": 50.29, "lon": 2.77, "generation": "1996-2014"}
    )
    assert response.status_code == 404
    assert "1996-2014" in response.json()["detail"]
