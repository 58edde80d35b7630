"""`python -m gateway.worker` as `./dev up` and docker-compose start it: a real process that delivers, and
stops when told (SIGTERM)."""

from __future__ import annotations

import asyncio
import signal

import httpx

from identity.principal import Role
from tests.running_stack import RunningStack
from tests.webhooks.partners import SUBSCRIPTIONS, register_partner
from tests.webhooks.receiver import Receiver
from tests.webhooks.worker_process import worker_process


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
    with worker_process(stack) as worker:
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
