"""A mandate's life: colleges and their seats, substitutes, representation seats of citizen bodies in a
governance committee, the end with its reason, and replacements from a draw's reserves with parity kept."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import httpx

from identity.principal import Role
from tests.clock import TravellingClock
from tests.conditional_writes import write_if_match
from tests.participation.bodies import new_body
from tests.participation.people import new_person
from tests.running_stack import RunningStack
from tests.steps import step

API = "/api/participation"
SEED = "témoins: 6-6-2-4"


async def _person(gateway: httpx.AsyncClient, headers: dict[str, str], contract: str, gender: str = "f") -> str:
    return await new_person(gateway, headers, contract, gender=gender)


async def _mandate(gateway: httpx.AsyncClient, headers: dict[str, str], body_id: str, **fields: Any) -> httpx.Response:
    return await gateway.post(
        f"{API}/bodies/{body_id}/mandates", json={"startsOn": "2025-01-01", **fields}, headers=headers
    )


async def test_colleges_substitutes_and_the_end_of_a_mandate(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """What of a mandate's rules crosses HTTP: the warnings, a refusal as a problem naming its field and rule, the
    substitute's and the end's fields (each rule's cases: tests/participation/use_cases/test_mandates.py)."""
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    rules = {
        "parity": False,
        "residentsMinShare": "0",
        "mandateYears": 3,
        "collegeSeats": {"residents": 1, "associations": 2},
    }
    assert (
        await write_if_match(gateway, "PUT", f"{API}/bodies/{body_id}/rules", json=rules, headers=pilot)
    ).status_code == 200
    with step("the mandate length and the college seats the rules set come back as warnings"):
        open_ended = await _mandate(
            gateway, pilot, body_id, personId=await _person(gateway, pilot, new_contract), college="associations"
        )
        assert open_ended.json()["warnings"] == [
            {"rule": "mandate-length", "message": "the rules set mandates of 3 years: end by 2028-01-01"}
        ]
        residents = []
        for warnings in ([], [{"rule": "college-seats", "message": "college residents: 2 members for 1 seats"}]):
            person = await _person(gateway, pilot, new_contract)
            given = await _mandate(gateway, pilot, body_id, personId=person, college="residents", endsOn="2027-12-31")
            assert given.json()["warnings"] == warnings
            residents.append(given.json()["id"])
    titular = residents[0]
    substitute = await _person(gateway, pilot, new_contract)
    with step("a substitute stands in for a titular during the titular's term"):
        before = await _mandate(
            gateway,
            pilot,
            body_id,
            personId=substitute,
            role="substitute",
            substituteFor=titular,
            startsOn="2024-12-01",
        )
        assert (before.status_code, before.json()["errors"][0]["rule"]) == (422, "within-titular-term")
        assert before.json()["errors"][0]["field"] == "startsOn"
        standing_in = await _mandate(
            gateway, pilot, body_id, personId=substitute, role="substitute", substituteFor=titular
        )
        assert (standing_in.status_code, standing_in.json()["substituteFor"]) == (201, titular)
    with step("a mandate ends, after it starts, with its reason"):
        early = await gateway.post(
            f"{API}/mandates/{titular}/end", json={"endsOn": "2024-06-30", "reason": "resigned"}, headers=pilot
        )
        assert (early.status_code, early.json()["errors"][0]["rule"]) == (422, "after-start")
        assert early.json()["errors"][0]["field"] == "endsOn"
        ended = await gateway.post(
            f"{API}/mandates/{titular}/end", json={"endsOn": "2025-06-30", "reason": "moved_away"}, headers=pilot
        )
        assert (ended.status_code, ended.json()["endsOn"], ended.json()["endReason"]) == (
            200,
            "2025-06-30",
            "moved_away",
        )
    composition = (await gateway.get(f"{API}/bodies/{body_id}/composition?on=2025-07-01", headers=pilot)).json()
    assert composition["members"] == 3  # the association's member, the second resident and the substitute


async def test_citizen_bodies_hold_their_seats_in_a_governance_committee(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    commission = await new_body(stack, gateway, new_contract)
    copil = (
        await gateway.post(
            f"{API}/bodies",
            json={
                "contractCode": new_contract,
                "name": "Comité de pilotage",
                "kind": "comite_de_pilotage",
                "participationLevel": "co_decision",
            },
            headers=pilot,
        )
    ).json()["id"]
    rules = {"parity": False, "residentsMinShare": "0", "representationSeats": {commission: 1}}
    assert (
        await write_if_match(gateway, "PUT", f"{API}/bodies/{copil}/rules", json=rules, headers=pilot)
    ).status_code == 200
    member, outsider, other_member = [await _person(gateway, pilot, new_contract) for _ in range(3)]
    for person in (member, other_member):
        assert (await _mandate(gateway, pilot, commission, personId=person)).status_code == 201
    not_member = await _mandate(gateway, pilot, copil, personId=outsider, representedBodyId=commission)
    assert (not_member.status_code, not_member.json()["errors"][0]["rule"]) == (422, "represents-own-body")
    seated = await _mandate(gateway, pilot, copil, personId=member, representedBodyId=commission)
    assert (seated.status_code, seated.json()["representedBodyId"]) == (201, commission)
    full = await _mandate(gateway, pilot, copil, personId=other_member, representedBodyId=commission)
    assert (full.status_code, full.json()["errors"][0]["rule"]) == (422, "representation-seats")
    unseated = await _mandate(gateway, pilot, copil, personId=other_member, representedBodyId=copil)
    assert (unseated.status_code, unseated.json()["errors"][0]["rule"]) == (422, "representation-seats")


async def test_a_leaving_member_is_replaced_from_the_reserves_and_a_vacancy_draw_restores_parity(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    clock.travel_to(date(2025, 1, 1))
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    pool = [
        {
            "gender": "fm"[index % 2],
            "ageBand": "26-59",
            "inQpv": True,
            "household": str(index),
            "familyName": f"F{index}",
            "givenName": "G",
        }
        for index in range(20)
    ]
    challenge = date(2025, 12, 31).isoformat()

    async def open_draw(seats: dict[str, Any], seed: str) -> httpx.Response:
        commitment = hashlib.sha256(seed.encode()).hexdigest()
        draw = {"seats": seats, "commitment": commitment, "challengeEndsOn": challenge, "candidates": pool}
        return await gateway.post(f"{API}/bodies/{body_id}/draws", json=draw, headers=pilot)

    with step("four titulars and four reserves drawn, the titulars appointed on 1 January"):
        opened = await open_draw({"titulars": 4, "reserves": 4}, SEED)
        draw_url = f"{API}/draws/{opened.json()['id']}"
        revealed = (await gateway.post(f"{draw_url}/reveal", json={"seed": SEED}, headers=pilot)).json()
        genders = {item["reference"]: item["gender"] for item in revealed["pool"]}
        appointed = (
            await gateway.post(f"{draw_url}/appointments", json={"startsOn": "2025-01-01"}, headers=pilot)
        ).json()
    leaving = appointed["mandates"][0]
    leaving_gender = genders[revealed["titulars"][0]]
    with step("a mandate this draw did not give is not replaced from its reserves"):
        other_body = await new_body(stack, gateway, new_contract)
        foreign = await _mandate(gateway, pilot, other_body, personId=await _person(gateway, pilot, new_contract))
        not_drawn = await gateway.post(
            f"{draw_url}/replacements", json={"mandateId": foreign.json()["id"], "on": "2025-05-01"}, headers=pilot
        )
        assert (not_drawn.status_code, not_drawn.json()["errors"][0]["rule"]) == (422, "drawn-mandate")
    with step("on 1 May the first reserve of the leaving member's gender takes the seat"):
        replaced = await gateway.post(
            f"{draw_url}/replacements", json={"mandateId": leaving["id"], "on": "2025-05-01"}, headers=pilot
        )
        assert replaced.status_code == 200, replaced.text
        result = replaced.json()
        assert (result["leaving"]["endsOn"], result["leaving"]["endReason"]) == ("2025-04-30", "replaced")
        assert (result["arriving"]["startsOn"], result["arriving"]["replaces"]) == ("2025-05-01", leaving["id"])
        first_reserve_of_gender = next(ref for ref in revealed["reserves"] if genders[ref] == leaving_gender)
        drawn = (await gateway.get(f"{draw_url}/drawn", headers=pilot)).json()["items"]
        names = {item["reference"]: item["familyName"] for item in drawn}
        export = (await gateway.get(f"{API}/people/{result['arriving']['personId']}/export", headers=pilot)).json()
        assert export["identity"]["familyName"] == names[first_reserve_of_gender]
    in_office = [
        (item["id"], genders[ref])
        for item, ref in zip(appointed["mandates"], revealed["titulars"], strict=True)
        if item["id"] != leaving["id"]
    ] + [(result["arriving"]["id"], leaving_gender)]
    with step("every woman leaves on 31 August"):
        for mandate_id, gender in in_office:
            if gender == "f":
                ended = await gateway.post(
                    f"{API}/mandates/{mandate_id}/end",
                    json={"endsOn": "2025-08-31", "reason": "resigned"},
                    headers=pilot,
                )
                assert ended.status_code == 200, ended.text
    clock.travel_to(date(2025, 9, 1))
    with step("on 1 September a vacancy draw for two seats beside the two men brings two women"):
        vacancy_seed = "vacances"
        vacancy = await open_draw({"titulars": 2, "fillVacancies": True}, vacancy_seed)
        assert vacancy.status_code == 201, vacancy.text
        assert vacancy.json()["seats"]["held"] == {"m": 2}  # published with the draw, so anyone can re-run it
        vacancy_url = f"{API}/draws/{vacancy.json()['id']}"
        second = (await gateway.post(f"{vacancy_url}/reveal", json={"seed": vacancy_seed}, headers=pilot)).json()
        assert [genders[ref] for ref in second["titulars"]] == ["f", "f"]
        assert (await gateway.get(f"{vacancy_url}/verification")).json()["matches"] is True
