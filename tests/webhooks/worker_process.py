"""`python -m gateway.worker` as `./dev up` and docker-compose start it, against the test stack."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.running_stack import RunningStack, gateway_settings

ROOT = Path(__file__).resolve().parents[2]


def worker_environment(stack: RunningStack) -> dict[str, str]:
    settings = gateway_settings(stack)
    return {
        **{name: value for name, value in os.environ.items() if not name.startswith("GATEWAY_")},
        "GATEWAY_ENVIRONMENT": "test",
        "GATEWAY_DATABASE_URL": settings.database_url.get_secret_value(),
        "GATEWAY_SIGNING_KEY": settings.signing_key.get_secret_value(),
        "GATEWAY_WEBHOOK_SECRETS_KEY": settings.webhook_secrets_key.get_secret_value(),
        "GATEWAY_ISSUER": settings.issuer,
        "GATEWAY_AUDIENCE": settings.audience,
        "GATEWAY_TERRITORIES_URL": settings.territories_url,
        "GATEWAY_GRANTS_URL": settings.grants_url,
        "GATEWAY_PARTICIPATION_URL": settings.participation_url,
        "GATEWAY_WEBHOOK_ALLOW_LOCAL_TARGETS": "true",
    }


@contextmanager
def worker_process(stack: RunningStack) -> Iterator[subprocess.Popen[bytes]]:
    """A worker process (its stderr kept for the failure message), killed at the end if still running."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "gateway.worker"],
        cwd=ROOT,
        env=worker_environment(stack),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        if worker.stderr is not None:
            worker.stderr.close()
