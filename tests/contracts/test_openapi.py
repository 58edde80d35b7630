"""The committed OpenAPI contracts equal what the code generates; every route declares a policy."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from cli.openapi_documents import OPENAPI_DIR, generated_documents, offline_apps
from kit.service_app import api_routes, route_policy

GENERATED = generated_documents()


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_committed_contract_matches_the_code(name: str) -> None:
    committed = (OPENAPI_DIR / f"{name}.json").read_text(encoding="utf-8")
    assert committed == GENERATED[name], f"openapi/{name}.json is stale: run ./dev openapi"


ROUTES = [(name, path, route) for name, app in offline_apps().items() for path, route in api_routes(app)]


def test_routes_are_found() -> None:
    assert len(ROUTES) > 20


@pytest.mark.parametrize(("name", "path", "route"), ROUTES, ids=[f"{name}:{path}" for name, path, _ in ROUTES])
def test_every_route_declares_a_policy(name: str, path: str, route: APIRoute) -> None:
    assert route_policy(route) is not None, f"{name} {path} has no policy"


def test_every_error_response_is_problem_json() -> None:
    import json

    for name, text in GENERATED.items():
        document = json.loads(text)
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                assert "x-policy" in operation, (name, path, method)
                for status, response in operation["responses"].items():
                    if status.startswith(("4", "5")):
                        assert list(response["content"]) == ["application/problem+json"], (name, path, status)


def test_operation_ids_are_declared_unique_and_snake_case() -> None:
    import re

    for name in GENERATED:
        ids = [route.operation_id for app_name, _, route in ROUTES if app_name == name]
        assert all(isinstance(value, str) and re.fullmatch(r"[a-z][a-z_]+", value) for value in ids), ids
        assert len(ids) == len(set(ids))
