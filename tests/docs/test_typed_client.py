"""The aggregated OpenAPI is a valid OpenAPI 3.1 document, and a front end generates its types from it.

`openapi-typescript` (docs/front-end.md) comes from the npm registry: this test installs the versions
pinned in tests/docs/typescript/package-lock.json with `npm ci` into a cache directory
(`$CDQ_NPM_CACHE`, default ~/.cache/coeur-de-quartier/npm) the first time, and fails, never skips, when
npm cannot install them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_31

from tests.running_stack import RunningStack

PINNED = Path(__file__).parent / "typescript"


def npm_cache() -> Path:
    default = Path.home() / ".cache" / "coeur-de-quartier" / "npm"
    return Path(os.environ.get("CDQ_NPM_CACHE", default))


def installed_generator() -> Path:
    """A directory where `npx --no-install openapi-typescript` and `tsc` run the pinned versions."""
    if shutil.which("npm") is None:
        pytest.fail("npm is needed to check the front end's typed client: install Node.js (apt-get install npm)")
    lock = (PINNED / "package-lock.json").read_bytes()
    directory = npm_cache() / ("openapi-typescript-" + hashlib.sha256(lock).hexdigest()[:12])
    if not (directory / "node_modules" / ".bin" / "openapi-typescript").exists():
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(PINNED / name, directory / name)
        installing = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if installing.returncode != 0:
            pytest.fail(
                "npm could not install openapi-typescript from the npm registry (pinned in "
                f"tests/docs/typescript/package-lock.json) into {directory}:\n{installing.stderr[-3000:]}"
            )
    return directory


def unresolved_references(document: dict[str, Any]) -> list[str]:
    """Every local `$ref` of the document that points at nothing."""
    missing = []
    pending: list[Any] = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str):
                target: Any = document
                for part in reference.removeprefix("#/").split("/"):
                    part = part.replace("~1", "/").replace("~0", "~")
                    target = target.get(part) if isinstance(target, dict) else None
                if not reference.startswith("#/") or target is None:
                    missing.append(reference)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return missing


async def test_the_aggregated_document_is_valid_openapi_3_1(gateway: httpx.AsyncClient) -> None:
    document = (await gateway.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.1.")
    # The official schema of OpenAPI 3.1 (spec.openapis.org/oas/3.1/schema/2022-10-07, as schemathesis ships it).
    errors = [f"{error.instance_path}: {error.message}" for error in jsonschema_rs.iter_errors(OPENAPI_31, document)]
    assert errors == []
    # It leaves Schema Objects open: each must also be a valid JSON Schema 2020-12, the dialect of 3.1.
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid({"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}), name
    assert unresolved_references(document) == []
    operation_ids = [
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    ]
    assert len(operation_ids) == len(set(operation_ids))
    # Every security requirement names a declared scheme (what gives /api/docs its Authorize button).
    required = {
        name
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in {"get", "put", "post", "delete", "patch"}
        for requirement in operation.get("security", [])
        for name in requirement
    }
    assert required
    assert required <= set(document["components"]["securitySchemes"])
    assert {"/api/territories/qpvs", "/api/grants/calls", "/api/participation/bodies", "/api/oauth/token"} <= set(
        document["paths"]
    )


def test_openapi_typescript_generates_types_that_compile(stack: RunningStack, tmp_path: Path) -> None:
    directory = installed_generator()
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(httpx.get(stack.gateway + "/api/openapi.json", timeout=20).json()), encoding="utf-8")
    types = tmp_path / "schema.d.ts"
    generated = subprocess.run(
        ["npx", "--no-install", "openapi-typescript", str(source), "--output", str(types)],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr
    text = types.read_text(encoding="utf-8")
    assert "export interface paths" in text
    assert '"/api/grants/calls": {' in text
    assert "Grants_CallCreate: {" in text
    # The generated file is what a front end imports: it must compile under tsc --strict.
    usage = tmp_path / "usage.ts"
    usage.write_text(
        'import type { components, paths } from "./schema";\n'
        'type Call = components["schemas"]["Grants_CallRead"];\n'
        'type Calls = paths["/api/grants/calls"]["get"]["responses"][200]["content"]["application/json"];\n'
        "export const title = (call: Call): string => call.title;\n"
        "export const count = (page: Calls): number => page.items.length;\n",
        encoding="utf-8",
    )
    compiled = subprocess.run(
        ["npx", "--no-install", "tsc", "--noEmit", "--strict", "--skipLibCheck", str(types), str(usage)],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
