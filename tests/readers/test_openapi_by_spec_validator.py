"""Our OpenAPI documents as a client's tooling checks them: openapi-spec-validator (the OpenAPI 3.1
specification's rules beyond its JSON Schema: parameters, references, operation ids…) on the four
committed contracts and on the gateway's aggregated document."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

COMMITTED = Path(__file__).parents[2] / "openapi"


def test_the_four_contracts_are_committed() -> None:
    assert sorted(path.name for path in COMMITTED.glob("*.json")) == [
        "gateway.json",
        "grants.json",
        "participation.json",
        "territories.json",
    ]


@pytest.mark.parametrize("name", ["territories", "grants", "participation", "gateway"])
def test_each_committed_document_is_valid_openapi(name: str) -> None:
    document = json.loads((COMMITTED / f"{name}.json").read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    validate(document)


async def test_the_gateways_aggregated_document_is_valid_openapi(gateway: httpx.AsyncClient) -> None:
    answer = await gateway.get("/api/openapi.json")
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert len(document["paths"]) > 100, "every service's operations"
    validate(document)
