"""The CU d'Arras' 100 000 euros for its communes (002_…txt l. 876) as a scheme of its own: its envelope loaded
with the reference data at start and read through the gateway, and calls of that scheme opened beside the
P147 call of the same year."""

from __future__ import annotations

import httpx

from identity.principal import Role
from tests.running_stack import CUA_CONTRACT, RunningStack

API = "/api/grants"


async def test_the_cua_envelope_for_its_communes_is_a_scheme_of_its_own(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT])
    listed = await gateway.get(f"{API}/schemes", params={"contractCode": CUA_CONTRACT}, headers=pilot)
    assert listed.status_code == 200, listed.text
    [envelope] = listed.json()["items"]
    assert (envelope["scheme"], envelope["financerCode"], envelope["amount"], envelope["period"]) == (
        "solidarite_communautaire",
        "cua",
        "100000.00",
        None,
    )
    assert envelope["source"].startswith("contrat « Cœur de Quartier », l. 876")
    assert "solidarité communautaire" in envelope["beneficiaries"]
    financers = await gateway.get(
        f"{API}/institutions", params={"contractCode": CUA_CONTRACT, "limit": 100}, headers=pilot
    )
    assert {"cua": "epci"}.items() <= {item["code"]: item["kind"] for item in financers.json()["items"]}.items()
    outsider = stack.headers([Role.CONTRACT_PILOT], ["CV-ELSEWHERE"])
    hidden = await gateway.get(f"{API}/schemes", params={"contractCode": CUA_CONTRACT}, headers=outsider)
    assert hidden.status_code == 404


async def test_a_call_of_that_scheme_opens_beside_the_p147_call(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    opened = []
    for scheme in ("p147", "solidarite_communautaire"):
        call = await gateway.post(
            f"{API}/calls",
            headers=pilot,
            json={
                "contractCode": new_contract,
                "year": 2025,
                "scheme": scheme,
                "title": f"Appel 2025 {scheme}",
                "opensOn": "2024-10-01",
                "closesOn": "2024-11-30",
            },
        )
        assert call.status_code == 201, call.text
        opened.append(call.json()["scheme"])
    assert opened == ["p147", "solidarite_communautaire"]
    listed = await gateway.get(f"{API}/calls", params={"contractCode": new_contract, "year": 2025}, headers=pilot)
    assert sorted(item["scheme"] for item in listed.json()["items"]) == ["p147", "solidarite_communautaire"]
