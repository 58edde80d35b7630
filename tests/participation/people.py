"""A fictitious person for a test: the body the API asks for, and one created through the gateway."""

from __future__ import annotations

from typing import Any

import httpx

API = "/api/participation"


def fictitious_person(contract: str, **fields: Any) -> dict[str, Any]:
    """A resident of a QPV, 26 to 59, flagged fictitious; `fields` overrides or adds (wire names)."""
    return {
        "contractCode": contract,
        "gender": "f",
        "ageBand": "26-59",
        "memberKind": "resident",
        "residentInQpv": True,
        "fictitious": True,
        "familyName": "Fictive",
        "givenName": "Personne",
        **fields,
    }


async def new_person(gateway: httpx.AsyncClient, headers: dict[str, str], contract: str, **fields: Any) -> str:
    created = await gateway.post(f"{API}/people", json=fictitious_person(contract, **fields), headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])
