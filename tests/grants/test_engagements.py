"""The signatories and their engagement sheets, played through the gateway as their users would: the
public, a pilot, a commune's user, an association signatory's user, another signatory's user."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from identity.principal import Role
from tests.conditional_writes import write_if_match
from tests.running_stack import CUA_CONTRACT, RunningStack

API = "/api/grants"
TREE: dict[str, Any] = {
    "ambitions": [
        {
            "code": "A2",
            "label": "Quartier de plein emploi",
            "strategicObjectives": [
                {
                    "code": "OS3",
                    "label": "Promouvoir l'économie sociale et solidaire",
                    "operationalObjectives": [
                        {
                            "code": "3A",
                            "label": "Accompagner les initiatives ESS au sein des quartiers",
                            "p147Theme": "2.2",
                        }
                    ],
                }
            ],
        }
    ]
}


def _sheet(**content: Any) -> dict[str, Any]:
    return {
        "interventions": [{"key": "centre-social", "title": "Centre social", "description": "Accueil de proximité"}],
        "qpvCodes": [],
        "vulnerabilityZones": ["Beaurains"],
        "agents": [{"function": "Directrice du centre social", "name": "Camille Exemple"}],
        "commitments": [
            {
                "key": "ess",
                "text": "Accompagner les initiatives ESS",
                "objectives": [{"code": "A2/OS3/3A", "label": "Accompagner les initiatives ESS au sein des quartiers"}],
            }
        ],
        "means": [
            {
                "key": "centre-social",
                "label": "Centre social",
                "year": 2024,
                "declared": {"amount": "25000.00", "actions": 6, "etp": "0.5"},
            }
        ],
        "staff": [{"function": "Directeur général", "etp": "0.3"}],
        **content,
    }


async def _signatory(gateway: httpx.AsyncClient, pilot: dict[str, str], contract: str, **body: Any) -> str:
    response = await gateway.post(
        f"{API}/signatories",
        headers={**pilot, "Idempotency-Key": str(uuid.uuid4())},
        json={"contractCode": contract, **body},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _contract_with_tree(stack: RunningStack, gateway: httpx.AsyncClient, contract: str) -> dict[str, str]:
    pilot = stack.headers([Role.CONTRACT_PILOT], [contract])
    replaced = await write_if_match(gateway, "PUT", f"{API}/frameworks/{contract}", json=TREE, headers=pilot)
    assert replaced.status_code == 200, replaced.text
    return pilot


async def test_the_contract_counts_17_signatories_and_names_those_it_names(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(f"{API}/signatories", params={"contractCode": CUA_CONTRACT, "limit": 100})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 17
    by_code = {item["code"]: item for item in page["items"]}
    named = {code for code, item in by_code.items() if item["basis"] == "named"}
    assert named == {
        "etat",
        "cua",
        "achicourt",
        "arras",
        "beaurains",
        "saint-laurent-blangy",
        "saint-nicolas",
        "bge-hdf",
    }
    unnamed = [item for item in page["items"] if item["basis"] == "unnamed"]
    assert len(unnamed) == 7
    assert all(item["nom"] is None for item in unnamed)
    assert by_code["beaurains"]["codeInsee"] == "62099"
    assert by_code["beaurains"]["institutionId"] is None
    assert 911 in by_code["beaurains"]["sourceLines"]
    assert by_code["cua"]["institutionCode"] == "cua"
    missing = await gateway.get(f"{API}/signatories")
    assert missing.status_code == 422


async def test_an_unnamed_slot_carries_no_sheet(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT])
    page = (await gateway.get(f"{API}/signatories", params={"contractCode": CUA_CONTRACT, "limit": 100})).json()
    slot = next(item["id"] for item in page["items"] if item["code"] == "unnamed-01")
    refused = await gateway.put(f"{API}/signatories/{slot}/engagement-sheets/2024", json=_sheet(), headers=pilot)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/not-editable")


async def test_bge_sheet_keeps_the_objectives_the_tree_lacks_and_hides_the_agents_name(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT])
    signatories = (await gateway.get(f"{API}/signatories", params={"contractCode": CUA_CONTRACT, "limit": 100})).json()
    bge = next(item["id"] for item in signatories["items"] if item["code"] == "bge-hdf")
    response = await gateway.get(f"{API}/signatories/{bge}/engagement-sheets/2024", headers=pilot)
    assert response.status_code == 200, response.text
    sheet = response.json()
    assert sheet["agents"] == [{"function": "Responsable Territorial", "name": "Auréline DELIERRE"}]
    refs = {ref["code"]: ref for item in sheet["commitments"] for ref in item["objectives"]}
    assert refs["A2/OS3/3A"]["status"] == "resolved"
    assert refs["A2/OS4/4A"]["status"] == "resolved"
    # The tree's A2/OS2/2A and 2B are other objectives than the sheet's: kept as written, reported.
    assert refs["A2/OS2/2A"]["status"] == "unresolved"
    assert "Rencontrer des professionnels" in refs["A2/OS2/2A"]["reason"]
    assert refs["A2/OS2/2B"]["status"] == "unresolved"
    assert sheet["unresolvedObjectives"] == 2
    assert sheet["isFictitious"] is False
    assert "2315" in sheet["source"]
    co_financer = stack.headers([Role.CO_FINANCER], [CUA_CONTRACT], institution="caf-62")
    listed = await gateway.get(
        f"{API}/engagement-sheets",
        params={"contractCode": CUA_CONTRACT, "year": 2024, "signatoryId": bge},
        headers=co_financer,
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"][0]["agents"] == [{"function": "Responsable Territorial", "name": None}]
    public = await gateway.get(
        f"{API}/open-data/engagement-sheets", params={"contractCode": CUA_CONTRACT, "year": 2024}
    )
    assert public.status_code == 200, public.text
    assert public.json()["total"] == 8
    assert "DELIERRE" not in public.text
    assert {"function": "Responsable Territorial"} in [
        agent for item in public.json()["items"] for agent in item["agents"]
    ]
    assert (await gateway.get(f"{API}/engagement-sheets", params={"contractCode": CUA_CONTRACT})).status_code == 401


async def test_the_engineering_staff_of_2024_is_the_contracts_more_than_13_etp(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    reader = stack.headers([Role.STATE], [CUA_CONTRACT], institution="etat-p147")
    response = await gateway.get(
        f"{API}/engineering-staff", params={"contractCode": CUA_CONTRACT, "year": 2024}, headers=reader
    )
    assert response.status_code == 200, response.text
    staff = response.json()
    assert staff["totalEtp"] == "13.45"
    by_code = {item["signatoryCode"]: item for item in staff["signatories"]}
    assert by_code["arras"]["totalEtp"] == "6.3"
    assert by_code["cua"]["totalEtp"] == "1.95"
    assert by_code["beaurains"]["functions"] == [
        {"function": "Directeur général et directrice du centre social", "etp": "0.3"}
    ]


async def test_the_droit_commun_of_a_year_declared_and_realised(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    reader = stack.headers([Role.STATE], [CUA_CONTRACT], institution="etat-p147")
    response = await gateway.get(
        f"{API}/droit-commun", params={"contractCode": CUA_CONTRACT, "year": 2025}, headers=reader
    )
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["totals"] == {
        "lines": 2,
        "realisedLines": 2,
        "declared": {"amount": "125000.00", "actions": 18, "etp": "0.5"},
        "realised": {"amount": "120300.50", "actions": 16, "etp": "0.5"},
    }
    assert [(item["signatoryCode"], item["isFictitious"]) for item in found["signatories"]] == [
        ("beaurains", True),
        ("cua", True),
    ]
    first = await gateway.get(
        f"{API}/droit-commun", params={"contractCode": CUA_CONTRACT, "year": 2024}, headers=reader
    )
    assert first.json()["totals"]["declared"]["amount"] == "100000.00"
    assert first.json()["totals"]["realisedLines"] == 0


async def test_the_2024_sheets_compared_with_2026(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT])
    response = await gateway.get(
        f"{API}/engagement-comparisons", params={"contractCode": CUA_CONTRACT, "year": 2024}, headers=pilot
    )
    assert response.status_code == 200, response.text
    comparisons = response.json()["comparisons"]
    assert [item["against"] for item in comparisons] == [2026, 2027]
    n2 = {item["signatoryCode"]: item for item in comparisons[0]["signatories"]}
    cua = n2["cua"]
    assert cua["amount"] == {
        "key": "amount",
        "label": "droit commun",
        "change": "grew",
        "base": "100000.00",
        "later": "155000.00",
    }
    assert {item["key"]: item["change"] for item in cua["means"]} == {
        "enveloppe-communes": "grew",
        "mediation-sociale": "appeared",
    }
    assert cua["commitments"]["disappeared"] == ["ancrage-operateurs"]
    assert n2["bge-hdf"]["interventions"]["disappeared"] == ["artoilab"]
    assert n2["bge-hdf"]["qpvCodes"]["disappeared"] == ["QN06258M", "QN06261M", "QN06262M"]
    assert n2["arras"]["hasLater"] is False
    assert comparisons[0]["etp"]["base"] == "13.45"
    later = await gateway.get(
        f"{API}/engagement-comparisons",
        params={"contractCode": CUA_CONTRACT, "year": 2024, "against": 2024},
        headers=pilot,
    )
    assert later.status_code == 422
    assert later.json()["errors"][0]["rule"] == "later-year"


async def test_a_commune_writes_its_own_sheet_and_not_anothers(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = await _contract_with_tree(stack, gateway, new_contract)
    beaurains = await _signatory(
        gateway, pilot, new_contract, code="beaurains", nom="Ville de Beaurains", kind="commune", codeInsee="62099"
    )
    bge = await _signatory(gateway, pilot, new_contract, code="bge-hdf", nom="BGE Hauts-de-France", kind="association")
    commune = stack.headers([Role.COMMUNE], [new_contract], communes=["62099"])
    url = f"{API}/signatories/{beaurains}/engagement-sheets/2024"
    created = await gateway.put(url, json=_sheet(), headers=commune)
    assert created.status_code == 200, created.text
    assert created.json()["agents"][0]["name"] == "Camille Exemple"
    assert created.json()["commitments"][0]["objectives"][0]["status"] == "resolved"
    etag = created.headers["etag"]
    assert (await gateway.put(url, json=_sheet(), headers=commune)).status_code == 428
    replaced = await gateway.put(url, json=_sheet(staff=[]), headers={**commune, "If-Match": etag})
    assert replaced.status_code == 200
    assert replaced.json()["version"] == 2
    stale = await gateway.put(url, json=_sheet(), headers={**commune, "If-Match": etag})
    assert stale.status_code == 412
    # Another signatory's sheet: refused, naming the rule.
    other = await gateway.put(f"{API}/signatories/{bge}/engagement-sheets/2024", json=_sheet(), headers=commune)
    assert other.status_code == 403, other.text
    assert "own-signatory-sheet" in other.json()["detail"]
    assert other.json()["errors"][0] == {
        "pointer": "/path/signatory_id",
        "field": "signatoryId",
        "rule": "own-signatory-sheet",
        "message": other.json()["detail"],
    }
    # BGE's own user (its institution claim) writes BGE's sheet.
    bge_user = stack.headers([Role.OPERATOR], [new_contract], institution="bge-hdf")
    own = await gateway.put(f"{API}/signatories/{bge}/engagement-sheets/2024", json=_sheet(), headers=bge_user)
    assert own.status_code == 200, own.text
    # A stranger to the contract does not learn the signatory exists.
    stranger = stack.headers([Role.COMMUNE], ["CV-ELSEWHERE"], communes=["62099"])
    assert (await gateway.put(url, json=_sheet(), headers=stranger)).status_code == 404
    events = await gateway.get(
        "/api/events",
        params={"contractCode": new_contract},
        headers=pilot,
    )
    assert events.status_code == 200, events.text
    assert [item["type"] for item in events.json()["items"] if item["type"].startswith("engagement_sheet.")] == [
        "engagement_sheet.created",
        "engagement_sheet.updated",
        "engagement_sheet.created",
    ]
    assert "Camille" not in events.text


async def test_bad_sheets_are_refused_naming_each_field_and_rule(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, admin: dict[str, str]
) -> None:
    pilot = await _contract_with_tree(stack, gateway, new_contract)
    beaurains = await _signatory(
        gateway, pilot, new_contract, code="beaurains", nom="Ville de Beaurains", kind="commune", codeInsee="62099"
    )
    url = f"{API}/signatories/{beaurains}/engagement-sheets/2024"
    means = [{"key": "m", "label": "Centre social", "year": 2024, "declared": {"amount": "1500,50"}}]
    wire = await gateway.put(
        url, json=_sheet(means=means, staff=[{"function": "Directeur", "etp": "-1"}]), headers=pilot
    )
    assert wire.status_code == 422, wire.text
    pointers = {error["pointer"]: error["rule"] for error in wire.json()["errors"]}
    assert "/body/means/0/declared/amount" in pointers
    assert pointers["/body/staff/0/etp"] == "greater_than_equal"
    rules = await gateway.put(
        url,
        json=_sheet(
            qpvCodes=["QN99999M"], staff=[{"function": "Adjoint", "etp": "1"}, {"function": "Adjoint", "etp": "2"}]
        ),
        headers=pilot,
    )
    assert rules.status_code == 422, rules.text
    assert {(error["field"], error["rule"]) for error in rules.json()["errors"]} == {
        ("qpvCodes", "qpv-of-contract"),
        ("staff", "unique-key"),
    }
    # An objective of another contract's tree: by id, or by a code prefixed with that contract.
    other = "CV-TEST-" + uuid.uuid4().hex[:10].upper()
    registered = await gateway.post(
        "/api/territories/contracts",
        headers=admin,
        json={
            "code": other,
            "nom": "Autre",
            "codeEpci": "200033579",
            "startYear": 2024,
            "endYear": 2030,
            "qpvCodes": [],
        },
    )
    assert registered.status_code == 201, registered.text
    other_pilot = await _contract_with_tree(stack, gateway, other)
    tree = (await gateway.get(f"{API}/frameworks/{other}", headers=other_pilot)).json()
    foreign_id = tree["ambitions"][0]["children"][0]["children"][0]["id"]
    commitments = [
        {"key": "a", "text": "x", "objectives": [{"objectiveId": foreign_id}]},
        {"key": "b", "text": "y", "objectives": [{"code": f"{other}:A2/OS3/3A"}]},
    ]
    foreign = await gateway.put(url, json=_sheet(commitments=commitments), headers=pilot)
    assert foreign.status_code == 422, foreign.text
    assert {(error["field"], error["rule"]) for error in foreign.json()["errors"]} == {
        ("commitments/0/objectives/0/objectiveId", "objective-of-contract"),
        ("commitments/1/objectives/0/code", "objective-of-contract"),
    }
    # A code the tree lacks is kept, reported.
    lacking = [{"key": "a", "text": "x", "objectives": [{"code": "A2/OS2/2Z", "label": "Aller vers"}]}]
    kept = await gateway.put(url, json=_sheet(commitments=lacking), headers=pilot)
    assert kept.status_code == 200, kept.text
    ref = kept.json()["commitments"][0]["objectives"][0]
    assert (ref["code"], ref["status"]) == ("A2/OS2/2Z", "unresolved")
    assert kept.json()["unresolvedObjectives"] == 1
    late = await gateway.put(f"{API}/signatories/{beaurains}/engagement-sheets/2031", json=_sheet(), headers=pilot)
    assert late.status_code == 422
    assert late.json()["errors"][0]["rule"] == "year-of-contract"
