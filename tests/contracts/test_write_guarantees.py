"""The write guarantees hold on every route of the four committed contracts, not on those that remembered
them: every POST takes an Idempotency-Key (or says why it creates nothing), every PUT/PATCH/DELETE takes
If-Match with its 412 and 428, and the GET that gives a conditional write's ETag declares it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cli.openapi_documents import OPENAPI_DIR

DOCUMENTS = {
    name: json.loads((OPENAPI_DIR / f"{name}.json").read_text(encoding="utf-8"))
    for name in ("territories", "grants", "participation", "gateway")
}
CONDITIONAL_METHODS = ("put", "patch", "delete")


def _operations() -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (name, path, method, operation)
        for name, document in DOCUMENTS.items()
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


OPERATIONS = _operations()
WRITES = [item for item in OPERATIONS if item[2] != "get"]


def _headers(operation: dict[str, Any]) -> set[str]:
    return {parameter["name"].lower() for parameter in operation.get("parameters", []) if parameter["in"] == "header"}


def test_the_contracts_hold_writes() -> None:
    assert len(WRITES) > 80


@pytest.mark.parametrize(
    ("name", "path", "method", "operation"),
    [item for item in WRITES if item[2] == "post"],
    ids=[f"{name}:POST {path}" for name, path, method, _ in WRITES if method == "post"],
)
def test_every_post_takes_an_idempotency_key_or_says_why_not(
    name: str, path: str, method: str, operation: dict[str, Any]
) -> None:
    reason = operation.get("x-creates-nothing")
    if reason is not None:
        assert len(reason.strip()) > 20, f"{name} POST {path}: say why it creates nothing"
        assert "idempotency-key" not in _headers(operation)
        return
    assert "idempotency-key" in _headers(operation), f"{name} POST {path} does not declare Idempotency-Key"
    assert "422" in operation["responses"], "a key reused with another request is a 422"


@pytest.mark.parametrize(
    ("name", "path", "method", "operation"),
    [item for item in WRITES if item[2] in CONDITIONAL_METHODS or "x-etag-read-at" in item[3]],
    ids=[
        f"{name}:{method.upper()} {path}"
        for name, path, method, operation in WRITES
        if method in CONDITIONAL_METHODS or "x-etag-read-at" in operation
    ],
)
def test_every_conditional_write_takes_if_match_and_names_where_its_etag_is_read(
    name: str, path: str, method: str, operation: dict[str, Any]
) -> None:
    assert "if-match" in _headers(operation), f"{name} {method.upper()} {path} does not declare If-Match"
    assert {"412", "428"} <= set(operation["responses"]), f"{name} {method.upper()} {path} lacks 412/428"
    read_at = operation.get("x-etag-read-at")
    assert read_at, f"{name} {method.upper()} {path} does not say which GET gives its ETag"
    source = DOCUMENTS[name]["paths"].get(read_at, {}).get("get")
    assert source is not None, f"{name} {method.upper()} {path}: no GET {read_at} gives its ETag"
    declared = source["responses"]["200"].get("headers", {})
    assert "ETag" in declared, f"GET {read_at} does not declare its ETag"
    assert declared["ETag"]["required"] is True


def test_the_exceptions_are_the_reviewed_ones() -> None:
    """POSTs that create nothing, each with its reason: a new one must be added here on purpose."""
    exceptions = {
        f"{name} {path}": operation["x-creates-nothing"]
        for name, path, method, operation in WRITES
        if method == "post" and "x-creates-nothing" in operation
    }
    assert set(exceptions) == {"territories /localisation/batch", "gateway /api/oauth/token"}, exceptions
