"""Conditional writes as a client makes them: read the ETag where the committed contract says
(`x-etag-read-at`), then write with it in If-Match."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import httpx

from cli.openapi_documents import OPENAPI_DIR

_PARAMETER = re.compile(r"\{([a-z_]+)\}")


@cache
def _read_at(service: str) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, pattern of the write's path, path template of the GET that gives its ETag)."""
    document = json.loads((OPENAPI_DIR / f"{service}.json").read_text(encoding="utf-8"))
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            source = operation.get("x-etag-read-at") if isinstance(operation, dict) else None
            if source:
                pattern = re.compile("^" + _PARAMETER.sub(r"(?P<\1>[^/]+)", path) + "$")
                found.append((method.upper(), pattern, source))
    return found


def _filled(template: str, values: dict[str, str]) -> str:
    return _PARAMETER.sub(lambda parameter: values[parameter.group(1)], template)


def etag_source(method: str, url: str) -> str:
    """The URL whose GET gives the ETag a conditional write of `url` must send."""
    match = re.match(r"^(/api/(?P<service>[a-z]+))(?P<path>/[^?]*)", url)
    if match is None:
        raise ValueError(f"not a gateway URL: {url}")
    for wanted, pattern, source in _read_at(match["service"]):
        found = pattern.match(match["path"]) if wanted == method.upper() else None
        if found is not None:
            return match.group(1) + _filled(source, found.groupdict())
    raise ValueError(f"{method} {url} is not a conditional write of the contract")


async def write_if_match(
    gateway: httpx.AsyncClient, method: str, url: str, *, headers: dict[str, str] | None = None, **sent: Any
) -> httpx.Response:
    """The write with If-Match set to the ETag read just before (none when the resource does not exist)."""
    given = headers or {}
    current = await gateway.get(etag_source(method, url), headers=given)
    condition = {"If-Match": current.headers["etag"]} if current.status_code == 200 else {}
    return await gateway.request(method, url, headers={**given, **condition}, **sent)
