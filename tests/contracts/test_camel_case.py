"""camelCase in every response (docs/api-conventions.md, Fields): every property name of every schema an
operation of the four committed OpenAPI documents answers, followed through `$ref`, arrays, maps and unions;
and, since the documents cannot name what a free-form object holds, every free-form object answered is a
reviewed one."""

from __future__ import annotations

import re
from typing import Any

from tests.contracts.openapi_walk import Operation, operations

CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")
# Reviewed exceptions: names another standard fixes, with that standard.
EXCEPTIONS = {
    ("gateway", "TokenResponse", "access_token"): "OAuth 2.0 access token response (RFC 6749 §5.1)",
    ("gateway", "TokenResponse", "token_type"): "OAuth 2.0 access token response (RFC 6749 §5.1)",
    ("gateway", "TokenResponse", "expires_in"): "OAuth 2.0 access token response (RFC 6749 §5.1)",
}

JOB_PROBLEM = "a problem document (RFC 9457), its members camelCase"
JOB_RESULT = "what the job's operation answers, documented with that operation"
FREE_FORM = {
    ("gateway", "Jwks.keys"): "JSON Web Keys, members named by RFC 7517",
    ("gateway", "GET /api/openapi.json"): "the OpenAPI document itself",
    ("grants", "ConventionEventRead.details"): "the event's facts, named camelCase by the use cases",
    ("grants", "JobRead_DecisionImportRead_.problem"): JOB_PROBLEM,
    ("grants", "JobRead_RequestImportRead_.problem"): JOB_PROBLEM,
    ("grants", "JobRead_dict_str__Any__.problem"): JOB_PROBLEM,
    ("grants", "JobRead_dict_str__Any__.result"): JOB_RESULT,
    ("territories", "JobRead_ImportReportRead_.problem"): JOB_PROBLEM,
    ("territories", "JobRead_SquareImportRead_.problem"): JOB_PROBLEM,
    ("territories", "JobRead_VulnerabilityComputationRead_.problem"): JOB_PROBLEM,
    ("territories", "JobRead_dict_str__Any__.problem"): JOB_PROBLEM,
    ("territories", "JobRead_dict_str__Any__.result"): JOB_RESULT,
    ("territories", "PerimeterFeature.geometry"): "a GeoJSON geometry (RFC 7946 §3.1)",
    ("territories", "PerimeterFeature.properties"): "code, nom, generation, format, simplifiedToleranceM",
    ("territories", "ZonePerimeterFeature.geometry"): "a GeoJSON geometry (RFC 7946 §3.1)",
    ("territories", "ZonePerimeterFeature.properties"): "code, name, contractCode, format",
    ("territories", "ZoneCollection.features"): "GeoJSON features (RFC 7946 §3.2), their properties a ZoneRead",
}


def _members(operation: Operation, schema: Any, where: str, seen: set[str]) -> set[tuple[str, str | None]]:
    """(where, name) of every property the schema may answer, and (where, None) of every object answered whose
    members the document does not name (free-form)."""
    if not isinstance(schema, dict):
        return set()
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return set()
        seen.add(schema["$ref"])
        return _members(operation, operation.resolved(schema), schema["$ref"].rsplit("/", 1)[-1], seen)
    found: set[tuple[str, str | None]] = set()
    properties = schema.get("properties", {})
    if schema.get("type") == "object" and not properties and schema.get("additionalProperties", True) in (True, {}):
        found.add((where, None))
    for name, member in properties.items():
        found.add((where, name))
        found |= _members(operation, member, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        found |= _members(operation, schema.get(key), where, seen)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for member in schema.get(key, []):
            found |= _members(operation, member, where, seen)
    return found


def _answered() -> set[tuple[str, str, str | None]]:
    """(service, where, name) of every member answered; name None: a free-form object."""
    found = set()
    for operation in operations():
        for answer in operation.spec.get("responses", {}).values():
            for content in answer.get("content", {}).values():
                where = f"{operation.method.upper()} {operation.path}"
                members = _members(operation, content.get("schema"), where, set())
                found |= {(operation.service, place, name) for place, name in members}
    return found


def test_every_property_answered_is_camel_case() -> None:
    answered = {member for member in _answered() if member[2] is not None}
    assert len(answered) > 500
    assert ("grants", "ApplicationRead", "contractCode") in answered
    offending = {member for member in answered if not CAMEL_CASE.match(str(member[2]))} - set(EXCEPTIONS)
    assert offending == set()


def test_the_exceptions_are_still_answered() -> None:
    assert set(EXCEPTIONS) <= _answered()


def test_every_free_form_object_answered_is_reviewed() -> None:
    free_form = {(service, where) for service, where, name in _answered() if name is None}
    assert free_form == set(FREE_FORM), "type what it answers (an ApiModel), or review it here with its reason"
