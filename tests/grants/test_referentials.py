"""Grants referentials: the CUA's strategic framework and financers, operators with their identifiers."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from identity.principal import Role
from services.grants.errors import RuleViolationError
from services.grants.operators.domain import check_siret, luhn_valid
from tests.conditional_writes import write_if_match
from tests.running_stack import CUA_CONTRACT, RunningStack

API = "/api/grants"


def _walk(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for node in nodes:
        found.append(node)
        found.extend(_walk(node["children"]))
    return found


async def test_the_cua_framework_is_loaded_as_the_contract_writes_it(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT])
    response = await gateway.get(f"{API}/frameworks/{CUA_CONTRACT}", headers=headers)
    assert response.status_code == 200, response.text
    ambitions = response.json()["ambitions"]
    nodes = _walk(ambitions)
    by_level: dict[str, list[dict[str, Any]]] = {}
    for node in nodes:
        by_level.setdefault(node["level"], []).append(node)
    assert [item["label"] for item in ambitions] == [
        "Quartier apaisé",
        "Quartier de plein emploi",
        "Quartier émancipé",
        "Quartier de transitions",
    ]
    assert len(by_level["strategic"]) == 22
    assert len(by_level["operational"]) == 107
    # The contract's numbering: a gap (3D, 3E missing) and a code repeated under one parent.
    apaise_os3 = next(item for item in ambitions[0]["children"] if item["code"] == "OS3")
    assert [item["code"] for item in apaise_os3["children"]] == ["3A", "3B", "3C", "3F"]
    transitions_os2 = next(item for item in ambitions[3]["children"] if item["code"] == "OS2")
    assert [item["code"] for item in transitions_os2["children"]].count("2E") == 2
    assert len({item["id"] for item in nodes}) == len(nodes)
    health = next(item for item in ambitions[0]["children"] if item["code"] == "OS5")
    assert {(item["p147Theme"], item["pillar"]) for item in health["children"]} == {("1.2", "cohesion_sociale")}


async def test_the_framework_is_for_those_who_work_on_the_contract(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    stranger = stack.headers([Role.CONTRACT_PILOT], ["CV-ELSEWHERE"])
    assert (await gateway.get(f"{API}/frameworks/{CUA_CONTRACT}", headers=stranger)).status_code == 404
    assert (await gateway.get(f"{API}/frameworks/{CUA_CONTRACT}")).status_code == 401


async def test_a_pilot_replaces_its_framework_and_ids_stay(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    document: dict[str, Any] = {
        "ambitions": [
            {
                "code": "A",
                "label": "Quartier apaisé",
                "strategicObjectives": [
                    {
                        "code": "OS1",
                        "label": "Médiation",
                        "operationalObjectives": [
                            {"code": "1A", "label": "Tiers-lieux", "p147Theme": "1.5"},
                            {"code": "1B", "label": "Médiation par les pairs", "p147Theme": "3.2"},
                        ],
                    }
                ],
            }
        ]
    }
    first = await write_if_match(gateway, "PUT", f"{API}/frameworks/{new_contract}", json=document, headers=pilot)
    assert first.status_code == 200, first.text
    assert first.json() == {"ambition": 1, "strategic": 1, "operational": 2, "removed": 0}
    before = _walk((await gateway.get(f"{API}/frameworks/{new_contract}", headers=pilot)).json()["ambitions"])
    ambition: dict[str, Any] = document["ambitions"][0]
    ambition["strategicObjectives"][0]["operationalObjectives"].pop()
    ambition["label"] = "Un quartier apaisé"
    second = await write_if_match(gateway, "PUT", f"{API}/frameworks/{new_contract}", json=document, headers=pilot)
    assert second.json()["removed"] == 1
    after = _walk((await gateway.get(f"{API}/frameworks/{new_contract}", headers=pilot)).json()["ambitions"])
    assert [item["id"] for item in after] == [item["id"] for item in before[:3]]
    assert after[0]["label"] == "Un quartier apaisé"


@pytest.mark.parametrize(
    ("document", "pointer", "rule"),
    [
        ({"ambitions": []}, "/body/ambitions", "required"),
        ({"ambitions": [{"code": "A"}]}, "/body/ambitions/0/label", "text"),
        (
            {
                "ambitions": [
                    {
                        "code": "A",
                        "label": "x",
                        "strategicObjectives": [
                            {"code": "OS1", "label": "y", "operationalObjectives": [{"code": "1A", "label": "z"}]}
                        ],
                    }
                ]
            },
            "/body/ambitions/0/strategicObjectives/0/operationalObjectives/0/p147Theme",
            "p147-theme",
        ),
    ],
)
async def test_a_bad_framework_is_refused_whole(
    stack: RunningStack,
    gateway: httpx.AsyncClient,
    new_contract: str,
    document: dict[str, Any],
    pointer: str,
    rule: str,
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    response = await write_if_match(gateway, "PUT", f"{API}/frameworks/{new_contract}", json=document, headers=pilot)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["pointer"], error["rule"]) == (pointer, rule)
    framework = (await gateway.get(f"{API}/frameworks/{new_contract}", headers=pilot)).json()
    assert framework["ambitions"] == []
    operator = stack.headers([Role.OPERATOR], [new_contract])
    assert (
        await write_if_match(gateway, "PUT", f"{API}/frameworks/{new_contract}", json=document, headers=operator)
    ).status_code == 403


async def test_the_cua_financers_are_loaded(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    headers = stack.headers([Role.STATE], [CUA_CONTRACT])
    response = await gateway.get(f"{API}/institutions", params={"contractCode": CUA_CONTRACT}, headers=headers)
    institutions = {item["code"]: item for item in response.json()["items"]}
    assert response.json()["total"] == len(institutions)
    assert (institutions["etat-p147"]["kind"], institutions["etat-p147"]["cerfaSubline"]) == ("state_p147", "74etat")
    assert institutions["cua"]["cerfaSubline"] == "74epci"
    assert institutions["caf-62"]["cerfaSubline"] == "74orgasoc"


async def test_a_pilot_registers_an_institution_once(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body = {"contractCode": new_contract, "code": "bailleur-pdc", "nom": "Pas-de-Calais Habitat", "kind": "landlord"}
    created = await gateway.post(f"{API}/institutions", json=body, headers=pilot)
    assert created.status_code == 201, created.text
    assert created.json()["cerfaSubline"] == "74aidespriv"
    again = await gateway.post(f"{API}/institutions", json=body, headers=pilot)
    assert again.status_code == 409
    other = stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT])
    assert (await gateway.post(f"{API}/institutions", json=body, headers=other)).status_code == 403


def test_siret_keys() -> None:
    assert luhn_valid("73282932000074")  # a SIRET of the INSEE documentation
    check_siret("73282932000074")
    check_siret("35600000049837")  # a La Poste establishment: digits sum to a multiple of 5, no Luhn
    assert not luhn_valid("35600000049837")
    check_siret("35600000000048")  # La Poste's head office follows Luhn
    for bad, rule in (
        ("73282932000075", "siret-key"),
        ("73282932100074", "siren-key"),
        ("7328293200007", "siret-format"),
    ):
        with pytest.raises(RuleViolationError) as raised:
            check_siret(bad)
        assert raised.value.rule == rule
    with pytest.raises(RuleViolationError):
        check_siret("35600000049838")


def _operator(contract: str, **extra: object) -> dict[str, object]:
    return {
        "contractCode": contract,
        "nom": f"Association {uuid.uuid4().hex[:6]}",
        "siret": "73282932000074",
        "rna": "W623001234",
        "codeCommune": "62041",
        "profile": "association",
        **extra,
    }


async def test_an_operator_sees_and_edits_only_its_own(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    mine = await gateway.post(f"{API}/operators", json=_operator(new_contract), headers=pilot)
    assert mine.status_code == 201, mine.text
    theirs = await gateway.post(
        f"{API}/operators", json=_operator(new_contract, siret="35600000000048", rna=None), headers=pilot
    )
    assert theirs.status_code == 201, theirs.text
    duplicate = await gateway.post(f"{API}/operators", json=_operator(new_contract), headers=pilot)
    assert duplicate.status_code == 409
    member = stack.headers([Role.OPERATOR], [new_contract], organisations=[mine.json()["id"]])
    listed = (await gateway.get(f"{API}/operators", params={"contractCode": new_contract}, headers=member)).json()
    assert [item["id"] for item in listed["items"]] == [mine.json()["id"]]
    assert listed["items"][0]["siren"] == "732829320"
    hidden = await gateway.get(f"{API}/operators/{theirs.json()['id']}", headers=member)
    assert hidden.status_code == 404
    etag = (await gateway.get(f"{API}/operators/{mine.json()['id']}", headers=member)).headers["etag"]
    edited = await gateway.patch(
        f"{API}/operators/{mine.json()['id']}", json={"address": "1 rue de Rouen"}, headers={**member, "If-Match": etag}
    )
    assert edited.status_code == 200, edited.text
    foreign = await gateway.patch(
        f"{API}/operators/{theirs.json()['id']}", json={"address": "x"}, headers={**member, "If-Match": etag}
    )
    assert foreign.status_code == 404
    state = stack.headers([Role.STATE], [new_contract])
    everyone = (await gateway.get(f"{API}/operators", params={"contractCode": new_contract}, headers=state)).json()
    assert everyone["total"] == 2


async def test_bad_operator_identifiers_name_the_rule(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    for extra, field, rule in (
        ({"siret": "73282932000075"}, "siret", "siret-key"),
        ({"siret": "1234"}, "siret", "string_pattern_mismatch"),
        ({"rna": "X123"}, "rna", "string_pattern_mismatch"),
        ({"profile": "club"}, "profile", "enum"),
    ):
        response = await gateway.post(f"{API}/operators", json=_operator(new_contract, **extra), headers=pilot)
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert (error["field"], error["rule"]) == (field, rule)
    operator = stack.headers([Role.OPERATOR], [new_contract])
    assert (await gateway.post(f"{API}/operators", json=_operator(new_contract), headers=operator)).status_code == 403
