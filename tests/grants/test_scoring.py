"""Scoring grids versioned per call, the State's gender-equality grid, marks private to each institution."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conditional_writes import write_if_match
from tests.grants.playbook import API, Year, budget, draft, open_year, send, submit
from tests.running_stack import RunningStack


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


GENDER_GRID: dict[str, Any] = {
    "code": "gender-equality",
    "label": "Grille de cotation égalité femmes-hommes",
    "criteria": [
        {"code": "diagnostic", "label": "Diagnostic sexué", "weight": 1, "scaleMax": 2},
        {"code": "actions", "label": "Actions correctrices", "weight": 2, "scaleMax": 2},
    ],
}


async def _submitted(gateway: httpx.AsyncClient, year: Year) -> str:
    application = await draft(gateway, year)
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))).status_code == 200
    assert (await submit(gateway, year, application["id"], year.operator)).status_code == 200
    return str(application["id"])


async def test_the_state_owns_the_gender_grid_and_its_versions(gateway: httpx.AsyncClient, year: Year) -> None:
    url = f"{API}/calls/{year.call_id}/scoring-grids"
    assert (await gateway.post(url, json=GENDER_GRID, headers=year.cua)).status_code == 403
    first = await gateway.post(url, json=GENDER_GRID, headers=year.state)
    assert first.status_code == 201, first.text
    assert (first.json()["version"], first.json()["ownerInstitution"]) == (1, "etat-p147")
    second = await gateway.post(url, json={**GENDER_GRID, "label": "Grille 2025"}, headers=year.state)
    assert second.json()["version"] == 2
    cua_grid = {**GENDER_GRID, "code": "cua-criteres", "label": "Critères CUA"}
    assert (await gateway.post(url, json=cua_grid, headers=year.cua)).status_code == 201
    taken = await gateway.post(url, json=cua_grid, headers=year.caf)
    assert taken.status_code == 403
    assert "cua" in taken.json()["detail"]
    listed = (await gateway.get(url, headers=year.operator)).json()
    assert [(grid["code"], grid["version"]) for grid in listed] == [
        ("cua-criteres", 1),
        ("gender-equality", 1),
        ("gender-equality", 2),
    ]
    repeated = {**GENDER_GRID, "criteria": [GENDER_GRID["criteria"][0], GENDER_GRID["criteria"][0]]}
    refused = await gateway.post(url, json=repeated, headers=year.state)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["rule"] == "unique-criterion"


async def test_marks_are_private_to_each_institution(gateway: httpx.AsyncClient, year: Year) -> None:
    grid = (
        await gateway.post(f"{API}/calls/{year.call_id}/scoring-grids", json=GENDER_GRID, headers=year.state)
    ).json()
    application = await _submitted(gateway, year)
    marks_url = f"{API}/applications/{application}/marks"
    partial = await write_if_match(
        gateway,
        "PUT",
        marks_url,
        json={"gridId": grid["id"], "marks": [{"criterion": "diagnostic", "value": 2}]},
        headers=year.state,
    )
    assert partial.status_code == 200, partial.text
    assert partial.json()[0]["total"] is None  # not every criterion is marked yet
    full = await write_if_match(
        gateway,
        "PUT",
        marks_url,
        json={"gridId": grid["id"], "marks": [{"criterion": "actions", "value": 1, "comment": "à renforcer"}]},
        headers=year.state,
    )
    assert full.json()[0]["total"] == "66.7"  # (2/2×1 + 1/2×2) / 3
    cua_view = await write_if_match(
        gateway,
        "PUT",
        marks_url,
        json={"gridId": grid["id"], "marks": [{"criterion": "diagnostic", "value": 0}]},
        headers=year.cua,
    )
    assert [mark["value"] for mark in cua_view.json()[0]["marks"]] == [0]
    state_view = (await gateway.get(marks_url, headers=year.state)).json()
    assert {mark["criterion"]: mark["value"] for mark in state_view[0]["marks"]} == {"diagnostic": 2, "actions": 1}
    assert (await gateway.get(marks_url, headers=year.caf)).json() == []
    assert (await gateway.get(marks_url, headers=year.operator)).status_code == 403
    out_of_scale = await write_if_match(
        gateway,
        "PUT",
        marks_url,
        json={"gridId": grid["id"], "marks": [{"criterion": "actions", "value": 3}]},
        headers=year.state,
    )
    assert out_of_scale.status_code == 422
    assert out_of_scale.json()["errors"][0]["rule"] == "within-scale"
    unknown = await write_if_match(
        gateway,
        "PUT",
        marks_url,
        json={"gridId": grid["id"], "marks": [{"criterion": "budget", "value": 1}]},
        headers=year.state,
    )
    assert unknown.json()["errors"][0]["rule"] == "criterion-of-grid"
