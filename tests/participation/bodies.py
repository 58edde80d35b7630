"""A body of its own for a test."""

from __future__ import annotations

import httpx

from identity.principal import Role
from tests.running_stack import RunningStack

API = "/api/participation"


async def new_body(stack: RunningStack, gateway: httpx.AsyncClient, contract: str) -> str:
    created = await gateway.post(
        f"{API}/bodies",
        headers=stack.headers([Role.CONTRACT_PILOT], [contract]),
        json={
            "contractCode": contract,
            "name": "Conseil citoyen Saint-Michel",
            "kind": "conseil_citoyen",
            "participationLevel": "concertation",
            "qpvCodes": ["QN06261M"],
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])
