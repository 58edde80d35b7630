"""Walking the four committed OpenAPI documents: their operations and the schemas they answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cli.openapi_documents import OPENAPI_DIR

DOCUMENTS = sorted(OPENAPI_DIR.glob("*.json"))
METHODS = ("get", "put", "post", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    spec: dict[str, Any]
    document: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.service} {self.method.upper()} {self.path}"

    def resolved(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The schema a `$ref` points to (followed until it is not one)."""
        while "$ref" in schema:
            *_, kind, name = schema["$ref"].split("/")
            schema = self.document["components"][kind][name]
        return schema

    def json_answers(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(status, schema) of every 2xx JSON answer."""
        for status, answer in self.spec.get("responses", {}).items():
            schema = answer.get("content", {}).get("application/json", {}).get("schema")
            if status.startswith("2") and schema:
                yield status, self.resolved(schema)

    def query_parameter(self, name: str) -> dict[str, Any] | None:
        found = [p for p in self.spec.get("parameters", []) if p.get("in") == "query" and p.get("name") == name]
        return found[0] if found else None


def operations() -> Iterator[Operation]:
    for path in DOCUMENTS:
        document = json.loads(path.read_text(encoding="utf-8"))
        for route, item in document.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    yield Operation(path.stem, method, route, item[method], document)


def is_page(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "object" and {"items", "total", "limit", "offset"} <= set(schema.get("properties", {}))


def page_item(operation: Operation, schema: dict[str, Any]) -> dict[str, Any]:
    return operation.resolved(schema["properties"]["items"]["items"])
