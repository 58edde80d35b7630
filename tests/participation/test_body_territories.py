"""Bodies sit on the contract's territories (QPV and communes checked against territories over HTTP) and
declare a participation level per theme, beside the level the evaluation observes."""

from __future__ import annotations

from typing import Any

import httpx

from identity.principal import Role
from tests.conditional_writes import write_if_match
from tests.running_stack import RunningStack

API = "/api/participation"


def _body(contract: str, **extra: Any) -> dict[str, Any]:
    return {
        "contractCode": contract,
        "name": "Conseil de quartier Arras Sud",
        "kind": "conseil_de_quartier",
        "participationLevel": "concertation",
        **extra,
    }


async def test_communes_are_those_of_the_contract(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    created = await gateway.post(
        f"{API}/bodies", json=_body(new_contract, communeCodes=["62041", "62004"]), headers=pilot
    )
    assert created.status_code == 201, created.text
    assert created.json()["communeCodes"] == ["62041", "62004"]
    lille = await gateway.post(
        f"{API}/bodies", json=_body(new_contract, communeCodes=["62041", "59350"]), headers=pilot
    )
    assert lille.status_code == 422
    assert (lille.json()["errors"][0]["field"], lille.json()["errors"][0]["rule"]) in {
        ("communeCodes/1", "commune-of-contract"),
        ("communeCodes/1", "commune-exists"),  # territories may hold only the CUA's communes
    }
    unknown = await gateway.post(f"{API}/bodies", json=_body(new_contract, communeCodes=["62999"]), headers=pilot)
    assert (unknown.status_code, unknown.json()["errors"][0]["rule"]) == (422, "commune-exists")
    malformed = await gateway.post(f"{API}/bodies", json=_body(new_contract, communeCodes=["6204"]), headers=pilot)
    assert malformed.status_code == 422
    # Every broken rule at once: a QPV outside the contract and two unknown communes.
    several = await gateway.post(
        f"{API}/bodies",
        json=_body(new_contract, qpvCodes=["QN06259M"], communeCodes=["62041", "62998", "62999"]),
        headers=pilot,
    )
    assert (several.status_code, several.json()["title"]) == (422, "Rules broken")
    assert [(item["field"], item["rule"]) for item in several.json()["errors"]] == [
        ("qpvCodes", "qpv-of-contract"),
        ("communeCodes/1", "commune-exists"),
        ("communeCodes/2", "commune-exists"),
    ]


async def test_levels_per_theme_declared_and_observed(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = (await gateway.post(f"{API}/bodies", json=_body(new_contract), headers=pilot)).json()["id"]
    themes = {
        "themes": [
            {"theme": "cadre_de_vie", "declaredLevel": "concertation", "observedLevel": "consultation"},
            {"theme": "jeunesse", "declaredLevel": "information", "observedLevel": "concertation"},
            {"theme": "emploi", "declaredLevel": "consultation"},
        ]
    }
    saved = await write_if_match(gateway, "PUT", f"{API}/bodies/{body_id}/themes", json=themes, headers=pilot)
    assert saved.status_code == 200, saved.text
    assert [(item["theme"], item["belowDeclared"]) for item in saved.json()] == [
        ("cadre_de_vie", True),
        ("emploi", False),
        ("jeunesse", False),
    ]
    twice = {"themes": [themes["themes"][0], themes["themes"][0]]}
    refused = await write_if_match(gateway, "PUT", f"{API}/bodies/{body_id}/themes", json=twice, headers=pilot)
    assert (refused.status_code, refused.json()["errors"][0]["rule"]) == (422, "one-level-per-theme")
    facilitator = stack.headers([Role.BODY_FACILITATOR], [new_contract], bodies=[body_id])
    assert (
        await write_if_match(gateway, "PUT", f"{API}/bodies/{body_id}/themes", json=themes, headers=facilitator)
    ).status_code == 403
    figures = (
        await gateway.get(
            f"{API}/participation-indicators", params={"contractCode": new_contract, "year": 2025}, headers=pilot
        )
    ).json()["themeLevels"]
    assert figures == {
        "declared": {"concertation": 1, "consultation": 1, "information": 1},
        "observed": {"concertation": 1, "consultation": 1},
        "observedBelowDeclared": 1,
    }


async def test_a_commune_sets_up_the_bodies_of_its_own_communes_only(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """Arras set up, changed and dissolved a body of Achicourt: a commune's token named its communes, and no
    write compared them with the body's."""
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    arras = stack.headers([Role.COMMUNE], [new_contract], communes=["62041"])
    achicourts = await gateway.post(f"{API}/bodies", json=_body(new_contract, communeCodes=["62004"]), headers=pilot)
    assert achicourts.status_code == 201, achicourts.text
    url = f"{API}/bodies/{achicourts.json()['id']}"
    etag = achicourts.headers["etag"]
    dissolve = {"status": "dissolved", "dissolvedOn": "2026-01-01"}
    refused = await gateway.patch(url, json=dissolve, headers={**arras, "If-Match": etag})
    assert refused.status_code == 403, refused.text
    themes = await gateway.put(f"{url}/themes", json={"themes": []}, headers={**arras, "If-Match": etag})
    assert themes.status_code == 403, themes.text
    for communes in (["62004"], ["62041", "62004"], []):
        elsewhere = await gateway.post(f"{API}/bodies", json=_body(new_contract, communeCodes=communes), headers=arras)
        assert elsewhere.status_code == 422, (communes, elsewhere.text)
        assert [(error["field"], error["rule"]) for error in elsewhere.json()["errors"]] == [
            ("communeCodes", "own-communes")
        ]
    own = await gateway.post(f"{API}/bodies", json=_body(new_contract, communeCodes=["62041"]), headers=arras)
    assert own.status_code == 201, own.text
    own_url = f"{API}/bodies/{own.json()['id']}"
    moved = await gateway.patch(
        own_url, json={"communeCodes": ["62004"]}, headers={**arras, "If-Match": own.headers["etag"]}
    )
    assert (moved.status_code, moved.json()["errors"][0]["rule"]) == (422, "own-communes")
    renamed = await gateway.patch(
        own_url, json={"name": "Conseil citoyen d'Arras"}, headers={**arras, "If-Match": own.headers["etag"]}
    )
    assert renamed.status_code == 200, renamed.text
