"""Several processes per app: what one process does, another sees at once.

Each service runs here as two real uvicorn processes of its own (replicas `a` and `b`, on two ports, as
two pods or two `--workers` of one machine would), and the gateway as one uvicorn with `--workers 2`,
routing to the `a` replicas. The tests write through one process and read through the other."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from shapely.geometry import shape

from cli.embedded_postgres import free_port
from cli.processes import worker_processes
from cli.stack import app_environments
from identity.principal import Role
from tests.participation.bodies import body_fields, new_body
from tests.running_stack import RunningStack
from tests.services.test_remembered_answers import eventually
from tests.serving import serve, stop, wait_healthy

SERVICES = ("territories", "grants", "participation")
TOKEN_LIMIT = 4


@dataclass(frozen=True)
class Replicas:
    """Base URLs: `urls[service]` is (replica a, replica b); `gateway` routes to the a replicas."""

    urls: dict[str, tuple[str, str]]
    gateway: str
    gateway_pid: int


@pytest.fixture(scope="module")
def replicas(stack: RunningStack) -> Iterator[Replicas]:
    ports = {f"{service}-{replica}": free_port() for service in SERVICES for replica in "ab"}
    gateway_port = free_port()
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for replica in "ab":
            chosen = {service: ports[f"{service}-{replica}"] for service in SERVICES} | {"gateway": gateway_port}
            environments = app_environments(stack.secrets, "127.0.0.1", stack.cluster.port, chosen, "test")
            for service in SERVICES:
                url = f"http://127.0.0.1:{chosen[service]}"
                started.append((url, serve(service, chosen[service], environments[service])))
            if replica == "a":
                gateway_environment = environments["gateway"] | {"GATEWAY_TOKEN_REQUESTS_PER_MINUTE": str(TOKEN_LIMIT)}
                gateway = serve("gateway", gateway_port, gateway_environment, workers=2)
                started.append((f"http://127.0.0.1:{gateway_port}", gateway))
        for url, process in started:
            wait_healthy(url, process)
        urls = {
            service: (f"http://127.0.0.1:{ports[service + '-a']}", f"http://127.0.0.1:{ports[service + '-b']}")
            for service in SERVICES
        }
        yield Replicas(urls, f"http://127.0.0.1:{gateway_port}", gateway.pid)
    finally:
        stop(process for _url, process in started)


def test_the_gateway_runs_two_worker_processes(replicas: Replicas) -> None:
    assert len(worker_processes(replicas.gateway_pid)) == 2


async def test_a_write_through_one_process_is_read_at_once_through_another(
    stack: RunningStack, replicas: Replicas, new_contract: str
) -> None:
    first, second = replicas.urls["participation"]
    reader = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    listed = f"/bodies?contractCode={new_contract}"
    async with (
        httpx.AsyncClient(base_url=replicas.gateway, timeout=20) as gateway,
        httpx.AsyncClient(base_url=second, timeout=20) as other,
    ):
        await new_body(stack, gateway, new_contract)

        async def remembered() -> bool:
            return bool((await other.get(listed, headers=reader)).headers.get("cache-status") == "cdq; hit")

        assert await eventually(remembered)  # process b keeps the answer
        await new_body(stack, gateway, new_contract)  # written by process a (the gateway routes there)
        after_write = await other.get(listed, headers=reader)
    assert after_write.status_code == 200
    assert after_write.headers["cache-status"] == "cdq; fwd=miss"
    assert after_write.json()["total"] == 2
    assert first != second


async def test_one_idempotency_key_sent_to_two_processes_at_once_makes_one_change(
    stack: RunningStack, replicas: Replicas, new_contract: str
) -> None:
    headers = {**stack.headers([Role.CONTRACT_PILOT], [new_contract]), "Idempotency-Key": str(uuid.uuid4())}
    fields = body_fields(new_contract, name="Conseil citoyen du Nord-Est")
    async with httpx.AsyncClient(timeout=20) as client:
        answers = await asyncio.gather(
            *(client.post(url + "/bodies", headers=headers, json=fields) for url in replicas.urls["participation"])
        )
        listed = await client.get(
            replicas.urls["participation"][0] + f"/bodies?contractCode={new_contract}",
            headers={**headers, "Cache-Control": "no-cache"},
        )
    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert sorted(answer.headers.get("idempotent-replayed", "false") for answer in answers) == ["false", "true"]
    assert listed.json()["total"] == 1


async def test_the_token_rate_limit_holds_across_the_gateway_workers(replicas: Replicas) -> None:
    """Each request on a connection of its own, so the kernel spreads them over both workers; the caller is
    a loopback address of this test's own (the limit is per client address)."""
    caller = f"127.{secrets.randbelow(200) + 20}.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}"
    form = {"grant_type": "client_credentials", "client_id": "cdq-nobody", "client_secret": "wrong"}
    # The sliding window weighs the minute before by how much of it is left, rounded down: requests
    # straddling two minutes may pass one more (gateway/rate_limits.py). Start well inside a minute.
    if time.time() % 60 > 50:
        await asyncio.sleep(61 - time.time() % 60)
    statuses = []
    for _ in range(TOKEN_LIMIT + 2):
        transport = httpx.AsyncHTTPTransport(local_address=caller)
        async with httpx.AsyncClient(transport=transport, timeout=10) as client:
            statuses.append((await client.post(replicas.gateway + "/api/oauth/token", data=form)).status_code)
    assert statuses == [401] * TOKEN_LIMIT + [429, 429]


async def test_new_perimeters_reach_every_process_at_once(stack: RunningStack, replicas: Replicas) -> None:
    connection = await asyncpg.connect(stack.role_url("territories").replace("+asyncpg", ""))
    code = "QN06261M"

    async def contained(url: str, point: tuple[float, float]) -> list[str]:
        async with httpx.AsyncClient(timeout=10) as client:
            found = await client.get(url + "/localisation", params={"lon": point[0], "lat": point[1], "toleranceM": 0})
        assert found.status_code == 200, found.text
        return [qpv["code"] for qpv in found.json()["qpvs"]]

    async def set_perimeter(perimeter: str | None) -> None:
        async with connection.transaction():
            await connection.execute(
                "UPDATE territories.qpvs SET perimeter = $2::jsonb WHERE code = $1 AND generation = '2024-2030'",
                code,
                perimeter,
            )
            await connection.execute(
                "UPDATE territories.qpv_generations SET revision = revision + 1 WHERE generation = '2024-2030'"
            )

    perimeter = await connection.fetchval(
        "SELECT perimeter::text FROM territories.qpvs WHERE code = $1 AND generation = '2024-2030'", code
    )
    inside = shape(json.loads(perimeter)).representative_point()
    point = (inside.x, inside.y)
    try:
        for url in replicas.urls["territories"]:
            assert await contained(url, point) == [code]
        await set_perimeter(None)  # a new decree took the QPV out of the geography
        for url in replicas.urls["territories"]:
            assert await contained(url, point) == [], "the next lookup through any process finds the change"
    finally:
        await set_perimeter(perimeter)
        await connection.close()
