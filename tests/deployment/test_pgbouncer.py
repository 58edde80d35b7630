"""A service behind a real PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer): its reads, its writes
through the write pipeline and a concurrent load go through with no error, though its connections to
the pooler outnumber the pooler's to PostgreSQL (each transaction may run on another server connection)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest

from cli.embedded_postgres import free_port
from cli.stack import app_environments
from identity.principal import Role
from tests.deployment.pgbouncer import PgBouncer, start_pgbouncer
from tests.participation.bodies import body_fields
from tests.running_stack import RunningStack
from tests.serving import serve, stop, wait_healthy

# What the app sends at connection time when it connects directly: behind the pooler, the pooler's
# connect_query sets it on each server connection (deploy/kubernetes/base/pgbouncer.yaml does the same).
CONNECT_QUERY = (
    "SET search_path = participation; SET lock_timeout = 2000; SET statement_timeout = 4500;"
    " SET idle_in_transaction_session_timeout = 60000"
)
SERVER_CONNECTIONS = 4


@dataclass(frozen=True)
class Pooled:
    url: str
    bouncer: PgBouncer


@pytest.fixture(scope="module")
def pooled(stack: RunningStack) -> Iterator[Pooled]:
    password = stack.secrets.role_passwords["participation"]
    bouncer = start_pgbouncer(
        stack.cluster.port, {"participation": CONNECT_QUERY}, {"participation": password}, SERVER_CONNECTIONS
    )
    port = free_port()
    ports = {app: urlsplit(stack.urls[app]).port or 0 for app in ("territories", "grants", "gateway")}
    environment = app_environments(
        stack.secrets, "127.0.0.1", stack.cluster.port, {**ports, "participation": port}, "test"
    )["participation"] | {
        "PARTICIPATION_DATABASE_URL": bouncer.url("participation", password, "participation"),
        "PARTICIPATION_DATABASE_POOLER": "pgbouncer",
        "PARTICIPATION_DATABASE_DIRECT_URL": stack.role_url("participation"),
        "PARTICIPATION_DB_POOL_SIZE": str(5 * SERVER_CONNECTIONS),
    }
    process = serve("participation", port, environment)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        yield Pooled(f"http://127.0.0.1:{port}", bouncer)
    finally:
        stop([process])
        bouncer.stop()


async def test_reads_and_writes_go_through_the_pooler(stack: RunningStack, pooled: Pooled, new_contract: str) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    key = {"Idempotency-Key": str(uuid.uuid4())}
    async with httpx.AsyncClient(base_url=pooled.url, headers=pilot, timeout=20) as service:
        created = await service.post("/bodies", json=body_fields(new_contract), headers=key)
        replayed = await service.post("/bodies", json=body_fields(new_contract), headers=key)
        assert created.status_code == 201, created.text
        assert replayed.status_code == 201
        assert replayed.headers["idempotent-replayed"] == "true"
        body_id = created.json()["id"]
        read = await service.get(f"/bodies/{body_id}")
        assert read.status_code == 200
        changed = await service.patch(
            f"/bodies/{body_id}", json={"name": "Conseil citoyen renommé"}, headers={"If-Match": read.headers["etag"]}
        )
        assert changed.status_code == 200, changed.text
        listed = await service.get(f"/bodies?contractCode={new_contract}")
    assert listed.json()["total"] == 1
    assert listed.json()["items"][0]["name"] == "Conseil citoyen renommé"
    log = (pooled.bouncer.directory / "pgbouncer.log").read_text()
    assert "db=participation user=participation" in log  # the app's connections are the pooler's clients


async def test_a_concurrent_load_through_the_pooler_meets_no_error(
    stack: RunningStack, pooled: Pooled, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=pooled.url, headers=pilot, timeout=30, limits=limits) as service:

        async def write(index: int) -> int:
            fields = body_fields(new_contract, name=f"Conseil citoyen {index}")
            answer = await service.post("/bodies", json=fields, headers={"Idempotency-Key": str(uuid.uuid4())})
            return answer.status_code

        async def read(index: int) -> int:
            path = f"/bodies?contractCode={new_contract}&limit={1 + index % 20}"
            answer = await service.get(path, headers={"Cache-Control": "no-cache"})
            return answer.status_code

        statuses = await asyncio.gather(*(write(index) if index % 10 == 0 else read(index) for index in range(300)))
        listed = await service.get(f"/bodies?contractCode={new_contract}", headers={"Cache-Control": "no-cache"})
    assert sorted(set(statuses)) == [200, 201]
    assert statuses.count(201) == 30
    assert listed.json()["total"] == 30
