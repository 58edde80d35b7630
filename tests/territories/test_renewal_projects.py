"""Urban renewal projects: the contract's projects loaded at start, writes by admins and pilots."""

from __future__ import annotations

import uuid

import httpx

from identity.principal import Role
from tests.running_stack import CUA_CONTRACT, RunningStack

URL = "/api/territories/renewal-projects"


async def test_the_contract_projects_are_served_by_qpv(gateway: httpx.AsyncClient) -> None:
    baudimont = (await gateway.get(URL, params={"qpv": "QN06259M"})).json()["items"]
    names = {item["nom"]: item for item in baudimont}
    assert "Projet de renouvellement urbain de Baudimont" in names
    project = names["Projet de renouvellement urbain de Baudimont"]
    assert (project["programme"], project["startsYear"], project["endsYear"]) == ("NPNRU", 2020, 2030)
    assert project["codeEpci"] == "200033579"
    chanteclair = (await gateway.get(URL, params={"qpv": "QN06263M"})).json()["items"]
    assert any("172 logements" in (item["notes"] or "") for item in chanteclair)
    by_epci = (await gateway.get(URL, params={"codeEpci": "200033579", "limit": 100})).json()
    assert by_epci["total"] >= 5


async def test_only_what_the_contract_names_is_loaded(gateway: httpx.AsyncClient) -> None:
    """Cheminots has no renewal project but a roadmap of urban change (002_…txt l. 613); the tour Cézanne is
    a writing seminar's proposal (l. 1651), not a project."""
    cheminots = (await gateway.get(URL, params={"qpv": "QN06262M"})).json()["items"]
    [roadmap] = [item for item in cheminots if item["nom"] == "Feuille de route de mutation urbaine des Cheminots"]
    assert (roadmap["programme"], roadmap["status"], roadmap["codeEpci"]) == ("other", "in_progress", "200033579")
    assert "ne connait pas de projet de renouvellement urbain" in roadmap["notes"]
    assert "613" in roadmap["notes"]
    every = (await gateway.get(URL, params={"codeEpci": "200033579", "limit": 100})).json()["items"]
    assert not [item for item in every if "Cézanne" in item["nom"]]


def _body(**extra: object) -> dict[str, object]:
    return {"nom": f"Projet {uuid.uuid4().hex[:8]}", "programme": "NPNRU", "qpvCodes": ["QN06258M"], **extra}


async def test_a_pilot_records_and_edits_a_project(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT])
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = _body(interest="regional", startsYear=2025, endsYear=2029, status="planned")
    created = await gateway.post(URL, json=body, headers={**pilot, **key})
    assert created.status_code == 201, created.text
    replay = await gateway.post(URL, json=body, headers={**pilot, **key})
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == created.json()["id"]
    location = f"{URL}/{created.json()['id']}"
    read = await gateway.get(location)
    etag = read.headers["etag"]
    assert (await gateway.patch(location, json={"status": "in_progress"}, headers=pilot)).status_code == 428
    changed = await gateway.patch(location, json={"status": "in_progress"}, headers={**pilot, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["status"], changed.json()["version"]) == ("in_progress", 2)
    stale = await gateway.patch(location, json={"status": "completed"}, headers={**pilot, "If-Match": etag})
    assert stale.status_code == 412
    cleared = await gateway.patch(
        location, json={"interest": None}, headers={**pilot, "If-Match": changed.headers["etag"]}
    )
    assert cleared.json()["interest"] is None


async def test_who_may_write(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    assert (await gateway.post(URL, json=_body())).status_code == 401
    operator = stack.headers([Role.OPERATOR])
    assert (await gateway.post(URL, json=_body(), headers=operator)).status_code == 403
    other_pilot = stack.headers([Role.CONTRACT_PILOT], ["CV-ELSEWHERE"])
    assert (await gateway.post(URL, json=_body(), headers=other_pilot)).status_code == 403


async def test_bad_projects_are_refused_naming_the_field(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    admin = stack.headers([Role.PLATFORM_ADMIN])
    cases = [
        (_body(qpvCodes=["QN99999Z"]), "qpvCodes", "known-qpv"),
        (_body(startsYear=2030, endsYear=2020), "endsYear", "after-start"),
        (_body(programme="other", interest="national"), "interest", "national-programme"),
        (_body(programme="ANRU"), "programme", "literal_error"),
        (_body(qpvCodes=[]), "qpvCodes", "too_short"),
    ]
    for body, field, rule in cases:
        response = await gateway.post(URL, json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        [error] = response.json()["errors"]
        assert (error["field"], error["rule"]) == (field, rule), response.text
    unknown = await gateway.post(URL, json=_body(qpvCodes=["QN99999Z"]), headers=admin)
    assert "QN99999Z" in unknown.json()["errors"][0]["message"]
    assert (await gateway.get(f"{URL}/{uuid.uuid4()}")).status_code == 404
