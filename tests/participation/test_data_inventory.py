"""The record of processing stays complete, identities stay where they are kept, and retention runs."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

import services.participation.app  # noqa: F401 - every feature's tables on the metadata
from cli.data_imports import apply_retention
from identity.principal import Role
from services.participation.bodies.models import BodyRow
from services.participation.data_inventory import INVENTORY, RETENTION, DataClass
from tests.clock import TravellingClock
from tests.participation.bodies import former_and_current_members, new_body
from tests.running_stack import RunningStack

API = "/api/participation"
ROOT = Path(__file__).resolve().parents[2]
IDENTITY_FIELDS = {"familyName", "givenName", "contact"}


def test_every_column_is_classified() -> None:
    actual = {table.name: {column.name for column in table.columns} for table in BodyRow.metadata.sorted_tables}
    classified = {table: set(columns) for table, columns in INVENTORY.items()}
    assert actual == classified


def test_identities_live_only_in_tables_with_a_retention_rule() -> None:
    holding = {table for table, columns in INVENTORY.items() if DataClass.IDENTITY in columns.values()}
    assert holding == set(RETENTION) == {"person_identities", "draw_identities", "consultation_contacts"}


def _fields(schema: dict[str, Any], components: dict[str, Any], seen: set[str]) -> set[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return set()
        return _fields(components[name], components, seen | {name})
    found = set(schema.get("properties", {}))
    for nested in [*schema.get("properties", {}).values(), schema.get("items"), *schema.get("anyOf", [])]:
        if isinstance(nested, dict):
            found |= _fields(nested, components, seen)
    return found


def test_names_and_contacts_leave_only_through_the_three_audited_endpoints() -> None:
    document = json.loads((ROOT / "openapi" / "participation.json").read_text(encoding="utf-8"))  # = the code
    components = document["components"]["schemas"]
    naming = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for response in operation.get("responses", {}).values():
                for content in response.get("content", {}).values():
                    if _fields(content.get("schema", {}), components, set()) & IDENTITY_FIELDS:
                        naming.add((method, path, bool(operation.get("security"))))
    assert naming == {
        ("get", "/people/{person_id}/export", True),
        ("get", "/draws/{draw_id}/drawn", True),
        ("get", "/consultations/{consultation_id}/contacts", True),
    }


async def test_retention_deletes_expired_pools_and_former_members_identities(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    today = date(2025, 9, 1)  # the day the retention command runs (its `today`), and the services'
    clock.travel_to(today)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    seed = "retention"
    pool = [
        {
            "gender": "fm"[index % 2],
            "ageBand": "26-59",
            "inQpv": True,
            "household": str(index),
            "familyName": "F",
            "givenName": "G",
        }
        for index in range(6)
    ]
    opened = await gateway.post(
        f"{API}/bodies/{body_id}/draws",
        json={
            "seats": {"titulars": 2},
            "commitment": hashlib.sha256(seed.encode()).hexdigest(),
            "challengeEndsOn": (today - timedelta(days=1)).isoformat(),
            "candidates": pool,
        },
        headers=pilot,
    )
    assert opened.status_code == 201, opened.text
    people = await former_and_current_members(gateway, pilot, new_contract, body_id)
    report = await apply_retention(stack.role_url("participation"), today)
    assert "draws purged=" in report
    draw = (await gateway.get(f"{API}/draws/{opened.json()['id']}")).json()
    assert draw["status"] == "purged"
    former = (await gateway.get(f"{API}/people/{people['former']}/export", headers=pilot)).json()
    current = (await gateway.get(f"{API}/people/{people['current']}/export", headers=pilot)).json()
    assert former["identity"] is None
    assert len(former["mandates"]) == 1  # the pseudonymous record and mandates stay for the statistics
    assert current["identity"]["familyName"] == "current"
    assert "former members' identities deleted=0" in await apply_retention(stack.role_url("participation"), today)
