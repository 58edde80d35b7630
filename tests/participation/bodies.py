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
