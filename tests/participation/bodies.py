"""A body of its own for a test."""

from __future__ import annotations

import httpx

from identity.principal import Role
from tests.running_stack import RunningStack

API = "/api/participation"


def body_fields(
    contract: str, name: str = "Conseil citoyen Saint-Michel", level: str = "consultation"
) -> dict[str, object]:
    """A citizen council of Saint-Michel's QPV, as the API asks for it."""
    return {
        "contractCode": contract,
        "name": name,
        "kind": "conseil_citoyen",
        "participationLevel": level,
        "qpvCodes": ["QN06261M"],
    }


async def new_body(stack: RunningStack, gateway: httpx.AsyncClient, contract: str) -> str:
    created = await gateway.post(
        f"{API}/bodies",
        headers=stack.headers([Role.CONTRACT_PILOT], [contract]),
        json=body_fields(contract, level="concertation"),
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def former_and_current_members(
    gateway: httpx.AsyncClient, pilot: dict[str, str], contract: str, body_id: str
) -> dict[str, str]:
    """Two fictitious people of the body, by family name: `former` (mandate ended 31 December 2019), and
    `current` (mandate still running); their ids."""
    people = {}
    for name, ends_on in (("former", "2019-12-31"), ("current", None)):
        person = await gateway.post(
            f"{API}/people",
            json={
                "contractCode": contract,
                "gender": "f",
                "ageBand": "60+",
                "memberKind": "resident",
                "residentInQpv": True,
                "familyName": name,
                "givenName": "Fictive",
            },
            headers=pilot,
        )
        people[name] = person.json()["id"]
        mandate = {"personId": people[name], "startsOn": "2016-01-01", "endsOn": ends_on}
        assert (await gateway.post(f"{API}/bodies/{body_id}/mandates", json=mandate, headers=pilot)).status_code == 201
    return people
