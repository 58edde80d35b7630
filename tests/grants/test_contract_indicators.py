"""The contract's evaluation framework through the gateway: the CU d'Arras's indicators as its contract
gives them (demo values marked fictitious), a pilot defining one and setting a year's value."""

from __future__ import annotations

import uuid

import httpx

from identity.principal import Role
from tests.conditional_writes import write_if_match
from tests.running_stack import CUA_CONTRACT, RunningStack

API = "/api/grants"


async def test_the_cua_framework_covers_the_six_objects_with_the_contracts_figures(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    reader = stack.headers([Role.CO_FINANCER], [CUA_CONTRACT], institution="caf-62")
    response = await gateway.get(
        f"{API}/contract-indicators", params={"contractCode": CUA_CONTRACT, "year": 2025, "limit": 100}, headers=reader
    )
    assert response.status_code == 200, response.text
    items = {item["code"]: item for item in response.json()["items"]}
    assert {item["evaluationObject"] for item in items.values()} == {
        "droit_commun",
        "action_impacts",
        "participation",
        "observation",
        "annual_programmations",
        "governance",
    }
    cpo = items["part-actions-cpo"]
    assert (cpo["target"]["value"], cpo["target"]["year"], cpo["target"]["isFictitious"]) == ("50", 2030, False)
    assert "1399" in cpo["target"]["source"]
    assert cpo["standing"] == {
        "year": 2025,
        "value": "46",
        "sinceBaseline": None,
        "toTarget": "4",
        "reached": False,
        "isFictitious": True,
    }
    cap = items["part-p147-vulnerabilite"]
    assert cap["target"]["direction"] == "at_most"
    assert cap["standing"]["reached"] is True
    members = items["membres-conseils-citoyens"]
    assert [(value["year"], value["value"], value["isFictitious"]) for value in members["values"]] == [
        (2019, "47", False),
        (2022, "28", False),
    ]
    assert members["standing"]["sinceBaseline"] == "-19"
    assert members["target"]["isFictitious"] is True
    assert items["etp-ingenierie"]["baseline"]["value"] == "13.45"
    governance = await gateway.get(
        f"{API}/contract-indicators",
        params={"contractCode": CUA_CONTRACT, "evaluationObject": "governance"},
        headers=reader,
    )
    assert {item["code"] for item in governance.json()["items"]} == {"etp-ingenierie", "reunions-gouvernance"}
    stranger = stack.headers([Role.CONTRACT_PILOT], ["CV-ELSEWHERE"])
    hidden = await gateway.get(f"{API}/contract-indicators", params={"contractCode": CUA_CONTRACT}, headers=stranger)
    assert hidden.status_code == 404


async def test_a_pilot_defines_an_indicator_and_records_a_years_value(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body = {
        "contractCode": new_contract,
        "code": "reunions-copil",
        "label": "Réunions du comité de pilotage",
        "unit": "meetings",
        "evaluationObject": "governance",
        "baseline": {"value": "2", "year": 2024, "perimeter": "EPCI"},
        "target": {"value": "4", "year": 2027},
    }
    created = await gateway.post(
        f"{API}/contract-indicators", json=body, headers={**pilot, "Idempotency-Key": str(uuid.uuid4())}
    )
    assert created.status_code == 201, created.text
    url = f"{API}/contract-indicators/{created.json()['id']}/values/2025"
    set_value = await write_if_match(gateway, "PUT", url, json={"value": "5", "source": "COPIL minutes"}, headers=pilot)
    assert set_value.status_code == 200, set_value.text
    standing = set_value.json()["standing"]
    assert (standing["value"], standing["sinceBaseline"], standing["reached"]) == ("5", "3", True)
    assert (await gateway.put(url, json={"value": "6"}, headers=pilot)).status_code == 428
    state = stack.headers([Role.STATE], [new_contract], institution="etat-p147")
    assert (await write_if_match(gateway, "PUT", url, json={"value": "6"}, headers=state)).status_code == 403
    late = await write_if_match(gateway, "PUT", url.replace("/2025", "/2035"), json={"value": "1"}, headers=pilot)
    assert late.status_code == 422
    assert late.json()["errors"][0]["rule"] == "year-of-contract"
    bad = {**body, "code": "autre", "target": {"value": "4", "year": 2035}, "baseline": {"value": "1", "year": 2036}}
    refused = await gateway.post(
        f"{API}/contract-indicators", json=bad, headers={**pilot, "Idempotency-Key": str(uuid.uuid4())}
    )
    assert refused.status_code == 422, refused.text
    assert {(error["field"], error["rule"]) for error in refused.json()["errors"]} == {
        ("target/year", "year-of-contract"),
        ("baseline/year", "baseline-before-target"),
    }
