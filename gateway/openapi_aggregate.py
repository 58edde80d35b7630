"""One OpenAPI document for the whole platform, merged from the services' own documents; their event
types under `webhooks` (OpenAPI 3.1), each with its schema and an example."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Mapping
from typing import Any

import httpx

from kit.problems import PROBLEM_MEDIA_TYPE

CACHE_SECONDS = 30.0
# What the gateway itself may answer on any route of a service (see gateway/proxy.py and edge.py).
GATEWAY_RESPONSES = {
    "408": "The request head or body did not arrive in time.",
    "502": "The service's answer was lost after it received the request. For a change, the outcome is "
    "unknown: repeat a POST with the same Idempotency-Key, read the resource again before repeating "
    "a PUT, PATCH or DELETE.",
    "503": "The service could not be reached and the request was not sent to it: repeat it after Retry-After.",
    "504": "The service did not answer in time. For a change, the outcome is unknown (as for 502).",
}


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        rewritten = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                rewritten[key] = "#/components/schemas/" + prefix + value.rsplit("/", 1)[1]
            else:
                rewritten[key] = _rewrite_refs(value, prefix)
        return rewritten
    if isinstance(node, list):
        return [_rewrite_refs(item, prefix) for item in node]
    return node


def _document_gateway_responses(responses: dict[str, Any]) -> None:
    for status, description in GATEWAY_RESPONSES.items():
        if status not in responses:
            responses[status] = {
                "description": description,
                "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
        elif isinstance(responses[status], dict) and "description" in responses[status]:
            # The service's own 503 (its database) and the gateway's share the status and the advice.
            responses[status]["description"] += " Or, from the gateway: " + description


_EXAMPLE_ID = "5d1e7a52-61b0-4c1e-8f0e-3d6a2f9b1c44"
# A record versioned with its parent is named `parent/child` (services/grants/event_catalogue.py's subjects).
_EXAMPLE_IDS = {"financing_line": f"{_EXAMPLE_ID}/c3b8e2d4-7f1a-4e6b-9d2c-8a5f0b1e3d77"}


def _webhooks(service: str, document: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The service's event types as OpenAPI 3.1 webhooks: what a delivery of each will carry."""
    feed = document.get("paths", {}).get("/events", {}).get("get", {})
    found = {}
    for item in feed.get("x-event-types", []):
        name, version = item["type"], item["version"]
        resource = name.split(".", 1)[0]
        example = {
            "id": "0b8f2b8e-4d7c-4a55-9a57-2f1f3c8e7a10",
            "type": name,
            "version": version,
            "occurredAt": "2025-02-14T09:30:00Z",
            "contractCode": "CV-200033579-2024",
            "resourceType": resource,
            "resourceId": _EXAMPLE_IDS.get(resource, _EXAMPLE_ID),
            "etag": '"3f2a9c0d1e4b5a6c7d8e"',
            "related": {"operatorId": "9a4c1f3e-2b7d-4e8a-b6f0-1c2d3e4f5a6b"},
            "cursor": "7361.42",
            "service": service,
        }
        found[name] = {
            "post": {
                "operationId": f"{service}_event_{name.replace('.', '_')}",
                "tags": [f"{service}: events"],
                "summary": f"{name}, version {version}",
                "description": f"An event of {service}'s feed (`GET /api/{service}/events`, merged in "
                "`GET /api/events`): ids only, never personal data; read the resource with your own token. "
                "`resourceId` is the resource's id, or `parent/child` for a record versioned with its parent "
                "(a financing line: `<application>/<institution>`, read at "
                "`GET /api/grants/applications/{application}/financing-lines/{institution}`); "
                "`related` holds the ids to filter on. Signed per Standard Webhooks 1.0: verify "
                "`webhook-signature` over `webhook-id.webhook-timestamp.body` with your `whsec_` secret.",
                "parameters": [
                    {
                        "name": "webhook-id",
                        "in": "header",
                        "required": True,
                        "description": "The event's id: the same on every retry and replay (deduplicate on it)",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "webhook-timestamp",
                        "in": "header",
                        "required": True,
                        "description": "Seconds since the epoch when this attempt was signed",
                        "schema": {"type": "string", "pattern": "^[0-9]+$"},
                    },
                    {
                        "name": "webhook-signature",
                        "in": "header",
                        "required": True,
                        "description": "`v1,<base64 HMAC-SHA256>`, space-separated; two during a secret's rotation",
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [{"$ref": f"#/components/schemas/{prefix}FeedEvent"}],
                                "properties": {
                                    "type": {"const": name},
                                    "version": {"const": version},
                                    "service": {"const": service, "description": "The service whose feed holds it"},
                                },
                                "required": ["service"],
                            },
                            "example": example,
                        }
                    },
                },
                "responses": {"200": {"description": "Received: any 2xx within 5 s acknowledges the event"}},
            }
        }
    return found


def merge_documents(gateway: Mapping[str, Any], services: Mapping[str, Mapping[str, Any] | None]) -> dict[str, Any]:
    """The gateway's document plus each service's paths under /api/<service>, names prefixed."""
    merged = copy.deepcopy(dict(gateway))
    paths = merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    unavailable = []
    tags = list(merged.get("tags", []))
    for service, document in services.items():
        if document is None:
            unavailable.append(service)
            continue
        prefix = service.capitalize() + "_"
        for path, operations in document.get("paths", {}).items():
            rewritten = _rewrite_refs(copy.deepcopy(operations), prefix)
            for operation in rewritten.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    operation["operationId"] = f"{service}_{operation['operationId']}"
                    operation["tags"] = [f"{service}: {tag}" for tag in operation.get("tags", [service])]
                    for response in operation.get("responses", {}).values():
                        for link in response.get("links", {}).values() if isinstance(response, dict) else ():
                            if "operationId" in link:  # a link names an operation of the same service
                                link["operationId"] = f"{service}_{link['operationId']}"
                    _document_gateway_responses(operation.setdefault("responses", {}))
            paths[f"/api/{service}{path}"] = rewritten
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas[prefix + name] = _rewrite_refs(schema, prefix)
        merged.setdefault("webhooks", {}).update(_webhooks(service, document, prefix))
        # The services' operations require their bearer scheme: declared once, so that /api/docs can
        # authorize its calls.
        for name, scheme in document.get("components", {}).get("securitySchemes", {}).items():
            merged["components"].setdefault("securitySchemes", {}).setdefault(name, scheme)
        tags.append({"name": service, "description": document.get("info", {}).get("description", "")})
    merged["tags"] = tags
    if unavailable:
        merged["x-unavailable"] = unavailable
    return merged


class AggregatedOpenApi:
    def __init__(self, client: httpx.AsyncClient, upstreams: Mapping[str, str]) -> None:
        self._client = client
        self._upstreams = dict(upstreams)
        self._cached: dict[str, Any] | None = None
        self._cached_at = 0.0

    async def _fetch(self, service: str) -> dict[str, Any] | None:
        try:
            async with asyncio.timeout(3.0):
                response = await self._client.get(self._upstreams[service].rstrip("/") + "/openapi.json")
                if response.status_code != 200:
                    return None
                document = response.json()
        except (httpx.HTTPError, TimeoutError, ValueError):
            return None
        return document if isinstance(document, dict) and isinstance(document.get("paths"), dict) else None

    async def document(self, gateway: Mapping[str, Any]) -> dict[str, Any]:
        if self._cached is not None and time.monotonic() - self._cached_at < CACHE_SECONDS:
            return self._cached
        names = list(self._upstreams)
        fetched = await asyncio.gather(*(self._fetch(name) for name in names))
        merged = merge_documents(gateway, dict(zip(names, fetched, strict=True)))
        if "x-unavailable" not in merged:
            self._cached, self._cached_at = merged, time.monotonic()
        return merged
