"""A conseil citoyen's draw through the API: frozen pool and commitment published, the reveal, anyone's
verification, names only for the facilitators and pilots, the pool's identities deleted afterwards. The draw's
own rules (parity, a reveal once, the challenge period's last day…): tests/participation/use_cases/test_draws.py."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any

import httpx

from identity.principal import Role
from tests.clock import TravellingClock
from tests.participation.bodies import new_body
from tests.running_stack import RunningStack

API = "/api/participation"
SEED = "dés lancés en séance: 4-2-6-1-5-3"
COMMITMENT = hashlib.sha256(SEED.encode()).hexdigest()
DRAWN_ON = date(2025, 3, 1)  # the services' day in these stories: the pool is frozen and drawn on it
CHALLENGE_ENDS_ON = DRAWN_ON + timedelta(days=30)


def _candidates(count: int) -> list[dict[str, Any]]:
    return [
        {
            "gender": "f" if index % 2 else "m",
            "ageBand": ["16-25", "26-59", "60+"][index % 3],
            "inQpv": index % 5 != 0,
            "household": f"{index // 2} rue Fictive, Arras",
            "familyName": f"Fictif{index}",
            "givenName": "Personne",
            "contact": f"fictif{index}@example.org",
        }
        for index in range(count)
    ]


def _draw_body(challenge_ends_on: date, count: int = 30) -> dict[str, Any]:
    return {
        "seats": {"titulars": 6, "reserves": 2, "minInQpv": 4},
        "commitment": COMMITMENT,
        "challengeEndsOn": challenge_ends_on.isoformat(),
        "candidates": _candidates(count),
    }


async def test_a_draw_is_published_performed_and_verified(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    clock.travel_to(DRAWN_ON)
    body_id = await new_body(stack, gateway, new_contract)
    facilitator = stack.headers([Role.BODY_FACILITATOR], [new_contract], bodies=[body_id])
    opened = await gateway.post(
        f"{API}/bodies/{body_id}/draws", json=_draw_body(CHALLENGE_ENDS_ON), headers=facilitator
    )
    assert opened.status_code == 201, opened.text
    draw = opened.json()
    assert (draw["status"], draw["commitment"], draw["seed"]) == ("committed", COMMITMENT, None)
    assert len(draw["pool"]) == 30
    assert "Fictif" not in opened.text
    assert "rue Fictive" not in opened.text  # households are published as tokens
    # …keyed: equal for one household, but nobody holding the draw's id and a street directory rebuilds them.
    tokens = [entry["household"] for entry in draw["pool"]]
    assert tokens[0] == tokens[1] != tokens[2]
    directory = {
        hashlib.sha256(f"{draw['id']}|{number} rue fictive, arras".encode()).hexdigest()[:16] for number in range(15)
    }
    assert directory.isdisjoint(tokens)
    url = f"{API}/draws/{draw['id']}"
    wrong = await gateway.post(f"{url}/reveal", json={"seed": SEED + "!"}, headers=facilitator)
    assert wrong.status_code == 409
    assert wrong.json()["errors"][0]["rule"] == "seed-matches-commitment"
    revealed = await gateway.post(f"{url}/reveal", json={"seed": SEED}, headers=facilitator)
    assert revealed.status_code == 200, revealed.text
    assert len(revealed.json()["titulars"]) == 6
    assert len(revealed.json()["reserves"]) == 2
    published = await gateway.get(url)  # anyone, no token
    assert published.status_code == 200
    assert published.json()["resultHash"] == revealed.json()["resultHash"]
    assert "Fictif" not in published.text
    verified = (await gateway.get(f"{url}/verification")).json()
    assert verified == {
        "resultHash": revealed.json()["resultHash"],
        "recomputedHash": revealed.json()["resultHash"],
        "matches": True,
    }
    drawn = await gateway.get(f"{url}/drawn", headers=facilitator)
    assert drawn.status_code == 200
    assert [person["seat"] for person in drawn.json()["items"]] == ["titular"] * 6 + ["reserve"] * 2
    assert all(person["familyName"].startswith("Fictif") for person in drawn.json()["items"])
    assert drawn.json()["total"] == 8
    reserves = (await gateway.get(f"{url}/drawn", params={"limit": 2, "offset": 6}, headers=facilitator)).json()
    assert reserves["items"] == drawn.json()["items"][6:]
    assert (await gateway.get(f"{url}/drawn")).status_code == 401
    other_body = stack.headers([Role.BODY_FACILITATOR], [new_contract], bodies=["00000000-0000-0000-0000-000000000000"])
    assert (await gateway.get(f"{url}/drawn", headers=other_body)).status_code == 404
    early = await gateway.post(f"{url}/purge", headers=facilitator)
    assert (early.status_code, early.json()["errors"][0]["rule"]) == (422, "challenge-period-over")


async def _performed_draw(
    stack: RunningStack, gateway: httpx.AsyncClient, contract: str, pilot: dict[str, str]
) -> tuple[str, str]:
    """A draw of a new body of the contract, performed by its pilot: its id and its URL."""
    body_id = await new_body(stack, gateway, contract)
    opened = await gateway.post(f"{API}/bodies/{body_id}/draws", json=_draw_body(CHALLENGE_ENDS_ON), headers=pilot)
    url = f"{API}/draws/{opened.json()['id']}"
    assert (await gateway.post(f"{url}/reveal", json={"seed": SEED}, headers=pilot)).status_code == 200
    return opened.json()["id"], url


async def test_the_pool_identities_are_deleted_after_the_challenge(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    clock.travel_to(DRAWN_ON)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    _, url = await _performed_draw(stack, gateway, new_contract, pilot)
    clock.travel_to(CHALLENGE_ENDS_ON + timedelta(days=1))
    purged = await gateway.post(f"{url}/purge", headers=pilot)
    assert purged.json() == {"deleted": 30}
    assert (await gateway.get(f"{url}/drawn", headers=pilot)).json()["items"] == []
    still = (await gateway.get(f"{url}/verification")).json()
    assert still["matches"] is True  # the published pseudonymous pool still verifies


async def test_bad_draws_are_refused(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    clock.travel_to(DRAWN_ON)
    body_id = await new_body(stack, gateway, new_contract)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    small = await gateway.post(
        f"{API}/bodies/{body_id}/draws", json=_draw_body(CHALLENGE_ENDS_ON, count=5), headers=pilot
    )
    assert (small.status_code, small.json()["errors"][0]["rule"]) == (422, "pool-size")
    bad_commitment = {**_draw_body(CHALLENGE_ENDS_ON), "commitment": "abc"}
    refused = await gateway.post(f"{API}/bodies/{body_id}/draws", json=bad_commitment, headers=pilot)
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "commitment")
    operator = stack.headers([Role.OPERATOR], [new_contract])
    assert (
        await gateway.post(f"{API}/bodies/{body_id}/draws", json=_draw_body(CHALLENGE_ENDS_ON), headers=operator)
    ).status_code == 403
    stranger = stack.headers([Role.CONTRACT_PILOT], ["CV-ELSEWHERE"])
    assert (
        await gateway.post(f"{API}/bodies/{body_id}/draws", json=_draw_body(CHALLENGE_ENDS_ON), headers=stranger)
    ).status_code == 404


async def test_a_large_pool_passes_the_body_limit_of_its_path_only(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    clock.travel_to(DRAWN_ON)
    body_id = await new_body(stack, gateway, new_contract)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    large = _draw_body(CHALLENGE_ENDS_ON, count=9000)
    assert len(json.dumps(large)) > 1_048_576  # over the default limit of every other path
    opened = await gateway.post(f"{API}/bodies/{body_id}/draws", json=large, headers=pilot)
    assert opened.status_code == 201, opened.text[:300]
    assert len(opened.json()["pool"]) == 9000
    elsewhere = await gateway.post(f"{API}/bodies/{body_id}/opinions", json=large, headers=pilot)
    assert elsewhere.status_code == 413


async def test_a_person_drawn_is_exported_and_erased_with_the_name_the_pool_keeps(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    """Until its challenge period ends, a pool keeps the names of those drawn: the right of access shows them,
    the right to erasure takes them too (an erased member's name and contact were still in `/drawn`)."""
    clock.travel_to(DRAWN_ON)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    draw_id, url = await _performed_draw(stack, gateway, new_contract, pilot)
    appointed = await gateway.post(f"{url}/appointments", json={"startsOn": "2025-03-01"}, headers=pilot)
    assert appointed.status_code == 201, appointed.text
    person = appointed.json()["mandates"][0]["personId"]
    drawn = {item["reference"]: item for item in (await gateway.get(f"{url}/drawn", headers=pilot)).json()["items"]}
    exported = await gateway.get(f"{API}/people/{person}/export", headers=pilot)
    assert exported.status_code == 200, exported.text
    (entry,) = exported.json()["drawnAs"]
    named = drawn[entry["reference"]]
    assert entry == {
        "drawId": draw_id,
        "reference": named["reference"],
        "identity": {key: named[key] for key in ("familyName", "givenName", "contact")},
    }
    erased = await gateway.post(f"{API}/people/{person}/erasure", headers=pilot)
    assert erased.json() == {"erasedNow": True}
    after = (await gateway.get(f"{url}/drawn", headers=pilot)).json()["items"]
    assert sorted(item["reference"] for item in after) == sorted(set(drawn) - {named["reference"]})
    assert named["contact"] not in str(after)
    again = await gateway.get(f"{API}/people/{person}/export", headers=pilot)
    assert (again.json()["identity"], again.json()["drawnAs"]) == (None, [])
