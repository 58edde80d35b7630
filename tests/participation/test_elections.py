"""Residents elected to a social centre's steering group from paper tallies, with the correction log and a
tie for the last seat settled by the returning officer; consents and independence declarations."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from identity.principal import Role
from tests.clock import TravellingClock
from tests.participation.bodies import new_body
from tests.participation.people import new_person
from tests.running_stack import RunningStack
from tests.steps import step

API = "/api/participation"


async def _candidate(gateway: httpx.AsyncClient, headers: dict[str, str], contract: str, index: int) -> str:
    return await new_person(
        gateway,
        headers,
        contract,
        gender="fm"[index % 2],
        ageBand="60+",
        familyName=f"Candidat{index}",
        givenName="Fictif",
    )


async def test_an_election_is_tallied_corrected_and_proclaimed(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    clock.travel_to(date(2025, 3, 15))
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    candidates = [await _candidate(gateway, pilot, new_contract, index) for index in range(5)]
    votes = [40, 31, 25, 25, 12]

    async def record(seats: int, tallies: list[dict[str, Any]], **election: str) -> httpx.Response:
        held = {"heldOn": "2025-03-15", "seats": seats, "tallies": tallies, **election}
        return await gateway.post(f"{API}/bodies/{body_id}/elections", json=held, headers=pilot)

    with step("the paper tallies of five candidates for three seats, one line per candidate"):
        tallies = [{"personId": person, "votes": count} for person, count in zip(candidates, votes, strict=True)]
        recorded = await record(3, tallies, college="residents")
        assert recorded.status_code == 201, recorded.text
        twice = await record(1, [{"personId": candidates[0], "votes": 3}, {"personId": candidates[0], "votes": 4}])
        assert (twice.status_code, twice.json()["errors"][0]["rule"]) == (422, "one-line-per-candidate")
    url = f"{API}/elections/{recorded.json()['id']}"
    with step("a tally is corrected with its reason, and the log keeps the count before"):
        unreasoned = await gateway.post(
            f"{url}/corrections", json={"personId": candidates[1], "votes": 30, "reason": "   "}, headers=pilot
        )
        assert (unreasoned.status_code, unreasoned.json()["errors"][0]["rule"]) == (422, "correction-reason")
        corrected = await gateway.post(
            f"{url}/corrections",
            json={"personId": candidates[1], "votes": 30, "reason": "Bulletin compté deux fois (bureau 2)"},
            headers=pilot,
        )
        assert corrected.status_code == 200, corrected.text
        assert [(item["votesBefore"], item["votesAfter"]) for item in corrected.json()["corrections"]] == [(31, 30)]
    clock.travel_to(date(2025, 3, 20))
    with step("on 20 March the returning officer settles the tie for the last seat and proclaims"):
        tied = await gateway.post(f"{url}/proclamation", json={"startsOn": "2025-04-01"}, headers=pilot)
        assert (tied.status_code, tied.json()["errors"][0]["rule"]) == (422, "tie-at-last-seat")
        assert "2 candidates tie at 25 votes" in tied.json()["detail"]
        proclaimed = await gateway.post(
            f"{url}/proclamation",
            json={"startsOn": "2025-04-01", "tieBreak": [candidates[3], candidates[2]]},  # e.g. the elder first
            headers=pilot,
        )
        assert proclaimed.status_code == 200, proclaimed.text
        assert proclaimed.json()["proclaimedOn"] == "2025-03-20"  # the services' day
        elected = {item["personId"] for item in proclaimed.json()["tallies"] if item["elected"]}
        assert elected == {candidates[0], candidates[1], candidates[3]}
        composition = (await gateway.get(f"{API}/bodies/{body_id}/composition?on=2025-04-02", headers=pilot)).json()
        assert composition["members"] == 3
    with step("once proclaimed, the results are neither corrected nor proclaimed again"):
        late = await gateway.post(
            f"{url}/corrections", json={"personId": candidates[4], "votes": 50, "reason": "Oubli"}, headers=pilot
        )
        assert (late.status_code, late.json()["errors"][0]["rule"]) == (422, "before-proclamation")
        again = await gateway.post(f"{url}/proclamation", json={"startsOn": "2025-04-01"}, headers=pilot)
        assert (again.status_code, again.json()["errors"][0]["rule"]) == (422, "proclaimed-once")
        assert "Candidat" not in (await gateway.get(url, headers=pilot)).text


async def test_consents_and_independence_declarations_are_kept_and_exported(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    person = await _candidate(gateway, pilot, new_contract, 0)
    wording = "J'accepte que mon nom figure sur la page publique du conseil."
    for given, on in ((True, "2025-01-10"), (False, "2025-06-01")):
        recorded = await gateway.post(
            f"{API}/people/{person}/consents",
            json={"purpose": "name_publication", "given": given, "on": on, "wording": wording},
            headers=pilot,
        )
        assert recorded.status_code == 201, recorded.text
    unexplained = await gateway.post(
        f"{API}/people/{person}/declarations",
        json={"bodyId": body_id, "declaredOn": "2025-01-10", "independent": False},
        headers=pilot,
    )
    assert (unexplained.status_code, unexplained.json()["errors"][0]["rule"]) == (422, "interests-declared")
    declared = await gateway.post(
        f"{API}/people/{person}/declarations",
        json={"bodyId": body_id, "declaredOn": "2025-01-10", "independent": True},
        headers=pilot,
    )
    assert declared.status_code == 201, declared.text
    export = (await gateway.get(f"{API}/people/{person}/export", headers=pilot)).json()
    assert [(item["given"], item["on"]) for item in export["consents"]] == [(True, "2025-01-10"), (False, "2025-06-01")]
    assert [(item["bodyId"], item["independent"]) for item in export["declarations"]] == [(body_id, True)]
    stranger = stack.headers([Role.CONTRACT_PILOT], ["OTHER-CONTRACT"])
    hidden = await gateway.post(
        f"{API}/people/{person}/consents",
        json={"purpose": "photo", "given": True, "on": "2025-01-10", "wording": wording},
        headers=stranger,
    )
    assert hidden.status_code == 404
