"""Schemathesis over every operation of every app, against the real running stack: no server error,
responses conform to the documented schemas, status codes and content types."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from identity.principal import Role
from tests.running_stack import RunningStack

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = os.environ.get("CDQ_FUZZ_EXAMPLES", "25")
# Through the gateway every operation is fuzzed again, but sampled: each service's own run explores its
# inputs; this one checks the aggregated document and the proxying of every operation.
PLATFORM_EXAMPLES = os.environ.get("CDQ_FUZZ_PLATFORM_EXAMPLES", "3")


def _schemathesis(
    schema_url: str, base_url: str, token: str, examples: str, phases: str = "examples,coverage,fuzzing,stateful"
) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("schemathesis")
    return subprocess.run(
        [
            str(executable),
            "run",
            schema_url,
            "--url",
            base_url,
            "-H",
            f"Authorization: Bearer {token}",
            "--max-examples",
            examples,
            "--phases",
            phases,
            "--seed",
            "20261122",
            "--no-color",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.parametrize("app", ["territories", "grants", "participation", "gateway", "platform"])
def test_no_server_error_and_conformant_responses(stack: RunningStack, app: str) -> None:
    token = stack.token([Role.PLATFORM_ADMIN])
    if app == "platform":  # the services' own runs cover the coverage and stateful phases
        result = _schemathesis(
            stack.gateway + "/api/openapi.json", stack.gateway, token, PLATFORM_EXAMPLES, "examples,fuzzing"
        )
    else:
        result = _schemathesis(stack.urls[app] + "/openapi.json", stack.urls[app], token, MAX_EXAMPLES)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
