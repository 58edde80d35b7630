"""Regions, departments, API Géo filters and `fields=` on the shared stack."""

from __future__ import annotations

import httpx

API = "/api/territories"


async def test_regions_and_departements(gateway: httpx.AsyncClient) -> None:
    regions = (await gateway.get(f"{API}/regions")).json()
    assert regions == {"items": [{"code": "32", "nom": "Hauts-de-France"}], "total": 1, "limit": 50, "offset": 0}
    assert (await gateway.get(f"{API}/regions/32")).json()["nom"] == "Hauts-de-France"
    departements = (await gateway.get(f"{API}/departements", params={"codeRegion": "32"})).json()
    assert departements["items"] == [{"code": "62", "nom": "Pas-de-Calais", "codeRegion": "32"}]
    assert departements["total"] == 1
    assert (await gateway.get(f"{API}/departements", params={"codeRegion": "11"})).json()["items"] == []
    beyond = (await gateway.get(f"{API}/departements", params={"limit": 1, "offset": 1})).json()
    assert (beyond["items"], beyond["total"], beyond["limit"]) == ([], 1, 1)
    missing = await gateway.get(f"{API}/departements/75")
    assert missing.status_code == 404
    assert "75" in missing.json()["detail"]


async def test_communes_filter_by_department_and_region(gateway: httpx.AsyncClient) -> None:
    by_departement = (await gateway.get(f"{API}/communes", params={"codeDepartement": "62", "limit": 100})).json()
    assert by_departement["total"] == 46
    by_region = (await gateway.get(f"{API}/communes", params={"codeRegion": "11"})).json()
    assert by_region["total"] == 0
    bad = await gateway.get(f"{API}/communes", params={"codeDepartement": "6"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "codeDepartement"


async def test_fields_narrow_the_answer(gateway: httpx.AsyncClient) -> None:
    page = (await gateway.get(f"{API}/communes", params={"codeEpci": "200033579", "fields": "code,nom"})).json()
    assert page["total"] == 46
    assert all(set(item) == {"code", "nom"} for item in page["items"])
    arras = (await gateway.get(f"{API}/communes/62041", params={"fields": "population,populationYear"})).json()
    assert arras == {"population": 42875, "populationYear": 2023}
    epci = (await gateway.get(f"{API}/epcis/200033579", params={"fields": "nom"})).json()
    assert epci == {"nom": "CU d'Arras"}
    full = (await gateway.get(f"{API}/communes/62041")).json()
    assert {"code", "nom", "codesPostaux", "population", "populationYear"} <= set(full)


async def test_unknown_fields_are_named(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(f"{API}/communes", params={"fields": "code,surface"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("fields", "known-field")
    assert "surface" in error["message"]
    malformed = await gateway.get(f"{API}/epcis", params={"fields": "code,,nom"})
    assert malformed.status_code == 422


async def test_pages_tell_the_same_total_on_either_side_of_the_last_row(gateway: httpx.AsyncClient) -> None:
    """46 communes: whether the total comes from the page itself or from a count, it is the same."""
    seen: list[str] = []
    for limit, offset, size in ((46, 0, 46), (45, 0, 45), (45, 45, 1), (20, 40, 6), (10, 46, 0), (10, 500, 0)):
        page = (
            await gateway.get(f"{API}/communes", params={"codeEpci": "200033579", "limit": limit, "offset": offset})
        ).json()
        assert (page["total"], len(page["items"])) == (46, size), (limit, offset)
        if limit == 45:
            seen += [item["code"] for item in page["items"]]
    assert len(set(seen)) == 46
