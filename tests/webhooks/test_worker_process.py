"""`python -m gateway.worker` as `./dev up` and docker-compose start it: a real process that delivers, and
stops when told (SIGTERM)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from identity.principal import Role
from tests.running_stack import RunningStack, gateway_settings
from tests.webhooks.partners import SUBSCRIPTIONS, register_partner
from tests.webhooks.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]


def _environment(stack: RunningStack) -> dict[str, str]:
    settings = gateway_settings(stack)
    return {
        **{name: value for name, value in os.environ.items() if not name.startswith("GATEWAY_")},
        "GATEWAY_ENVIRONMENT": "test",
        "GATEWAY_DATABASE_URL": settings.database_url.get_secret_value(),
        "GATEWAY_SIGNING_KEY": settings.signing_key.get_secret_value(),
        "GATEWAY_ISSUER": settings.issuer,
        "GATEWAY_AUDIENCE": settings.audience,
        "GATEWAY_TERRITORIES_URL": settings.territories_url,
        "GATEWAY_GRANTS_URL": settings.grants_url,
        "GATEWAY_PARTICIPATION_URL": settings.participation_url,
        "GATEWAY_WEBHOOK_ALLOW_LOCAL_TARGETS": "true",
    }


async def test_a_worker_process_delivers_and_stops_on_sigterm(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, receiver: Receiver
) -> None:
    partner = await register_partner(stack, gateway, Role.CONTRACT_PILOT, ["grants:read"], [new_contract])
    body = {"url": receiver.url, "types": ["operator.registered"], "contractCode": new_contract}
    assert (await gateway.post(SUBSCRIPTIONS, json=body, headers=partner.keyed())).status_code == 201
    operator = await gateway.post(
        "/api/grants/operators",
        headers=stack.headers([Role.CONTRACT_PILOT], [new_contract]),
        json={"contractCode": new_contract, "nom": "Asso 9837", "siret": "35600000049837", "profile": "association"},
    )
    assert operator.status_code == 201, operator.text
    worker = subprocess.Popen(  # noqa: ASYNC220 - a process the test starts and waits for below
        [sys.executable, "-m", "gateway.worker"],
        cwd=ROOT,
        env=_environment(stack),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(300):
            if receiver.delivered() or worker.poll() is not None:
                break
            await asyncio.sleep(0.1)
        assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
        ids = [item.headers["webhook-id"] for item in receiver.delivered()]
        assert len(ids) == 1
        worker.send_signal(signal.SIGTERM)
        for _ in range(150):
            if worker.poll() is not None:
                break
            await asyncio.sleep(0.1)
        assert worker.returncode is not None, "the worker did not stop on SIGTERM"
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        if worker.stderr is not None:
            worker.stderr.close()
