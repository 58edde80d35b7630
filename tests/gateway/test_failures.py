"""What the gateway says when a service fails: 503 + Retry-After only for a request the service never
saw; 502/504 without Retry-After, "outcome unknown" for a change, once it was sent. One connection
pool per service: a stuck service fails only its own routes."""

from __future__ import annotations

import asyncio
import signal
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest

from cli.embedded_postgres import free_port
from gateway.app import create_app
from gateway.settings import GatewaySettings
from identity.principal import Role
from tests.gateway.wire import PATIENCE_SECONDS, FaultPeer, app_process, gateway_settings
from tests.running_stack import CUA_CONTRACT, RunningStack, ServingThread

PROBLEM = "application/problem+json"
UNAVAILABLE = "/problems/upstream-unavailable"
OUTCOME_UNKNOWN = "/problems/upstream-outcome-unknown"


@pytest.fixture(scope="module")
async def peer() -> AsyncIterator[FaultPeer]:
    running = FaultPeer(slow_seconds=2.0)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture(scope="module")
def peer_gateway(stack: RunningStack, peer: FaultPeer) -> Iterator[str]:
    """A gateway whose territories is the fault peer and whose grants is a closed port; 1 s deadline,
    30 s for one path."""
    # Bound but never listening, and kept bound: refused, and no other server takes the port meanwhile.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    app = create_app(
        gateway_settings(
            stack,
            territories_url=peer.url,
            grants_url=f"http://127.0.0.1:{closed_port}",
            upstream_deadline_seconds=1.0,
            larger_deadlines={"/api/territories/slow-import": 30.0},
        )
    )
    port = free_port()
    thread = ServingThread({"gateway": (app, port)})
    thread.start_and_wait()
    yield f"http://127.0.0.1:{port}"
    thread.stop()
    closed.close()


def _outcome_unknown(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert "retry-after" not in response.headers
    problem = response.json()
    assert problem["type"] == OUTCOME_UNKNOWN
    assert "Idempotency-Key" in problem["detail"]


async def test_a_refused_connection_is_503_with_retry_after_whatever_the_method(peer_gateway: str) -> None:
    async with httpx.AsyncClient(base_url=peer_gateway, timeout=PATIENCE_SECONDS) as client:
        for method in ("GET", "POST", "PATCH", "DELETE"):
            response = await client.request(method, "/api/grants/calls", json={} if method != "GET" else None)
            assert response.status_code == 503, (method, response.text)
            assert response.headers["content-type"] == PROBLEM
            assert response.headers["retry-after"] == "2"
            assert response.json()["type"] == UNAVAILABLE
            assert "not sent" in response.json()["detail"]


async def test_a_connection_lost_after_sending_is_502_outcome_unknown_and_never_repeated(
    peer_gateway: str, peer: FaultPeer
) -> None:
    async with httpx.AsyncClient(base_url=peer_gateway, timeout=PATIENCE_SECONDS) as client:
        _outcome_unknown(await client.post("/api/territories/drop-post", json={"nom": "x"}), 502)
        # aiohttp would repeat a PUT on its own (idempotent per RFC 9110); with If-Match, a repeat of
        # one that was applied answers 412: the gateway does not repeat it.
        _outcome_unknown(await client.put("/api/territories/drop-put", json={"nom": "x"}), 502)
        # More than 64 KiB: streamed from the client to the service, so it cannot be sent twice.
        _outcome_unknown(await client.post("/api/territories/drop-big", content=b"x" * 200_000), 502)
        read = await client.get("/api/territories/drop-get")
    assert read.status_code == 502
    assert read.json()["type"] == "/problems/bad-gateway"
    assert "retry-after" not in read.headers
    assert peer.requests["/drop-post"] == peer.requests["/drop-put"] == peer.requests["/drop-big"] == 1


async def test_no_answer_by_the_deadline_is_504_outcome_unknown_for_a_change(peer_gateway: str) -> None:
    async with httpx.AsyncClient(base_url=peer_gateway, timeout=PATIENCE_SECONDS) as client:
        change = await client.post("/api/territories/hang-post", json={"nom": "x"})
        read = await client.get("/api/territories/hang-get")
    _outcome_unknown(change, 504)
    assert "within 1 s" in change.json()["detail"]
    assert read.status_code == 504
    assert read.json()["type"] == "/problems/upstream-timeout"
    assert "retry-after" not in read.headers


async def test_an_answer_cut_short_is_502(peer_gateway: str) -> None:
    async with httpx.AsyncClient(base_url=peer_gateway, timeout=PATIENCE_SECONDS) as client:
        _outcome_unknown(await client.post("/api/territories/cut", json={"nom": "x"}), 502)


async def test_a_path_allowed_a_longer_deadline_gets_its_answer(peer_gateway: str) -> None:
    async with httpx.AsyncClient(base_url=peer_gateway, timeout=PATIENCE_SECONDS) as client:
        hurried = await client.post("/api/territories/slow", json={})
        patient = await client.post("/api/territories/slow-import", json={})
    _outcome_unknown(hurried, 504)
    assert patient.status_code == 200
    assert patient.json() == {"ok": True}


async def _until_done(tasks: list[asyncio.Task[httpx.Response]], count: int) -> list[httpx.Response]:
    pending = set(tasks)
    async with asyncio.timeout(PATIENCE_SECONDS):
        while len(tasks) - len(pending) < count:
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    return [task.result() for task in tasks if task.done()]


async def test_a_stopped_service_fails_only_its_own_routes(stack: RunningStack) -> None:
    auditor = stack.headers([Role.AUDITOR], [CUA_CONTRACT])
    bodies = f"/api/participation/bodies?contractCode={CUA_CONTRACT}"
    async with app_process(stack, "participation") as participation:
        app = create_app(
            gateway_settings(
                stack,
                participation_url=participation.url,
                upstream_max_connections=4,
                upstream_pool_timeout=0.5,
                upstream_read_timeout=PATIENCE_SECONDS,
                upstream_deadline_seconds=PATIENCE_SECONDS,
            )
        )
        port = free_port()
        thread = ServingThread({"gateway": (app, port)})
        thread.start_and_wait()
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=3 * PATIENCE_SECONDS) as client:
                assert (await client.get(bodies, headers=auditor)).status_code == 200
                participation.signal(signal.SIGSTOP)
                try:
                    calls = [asyncio.create_task(client.get(bodies, headers=auditor)) for _ in range(16)]
                    # Four calls hold the four connections; the twelve others find no free one.
                    turned_away = await _until_done(calls, 12)
                    assert [response.status_code for response in turned_away] == [503] * 12
                    assert all(response.headers["retry-after"] == "2" for response in turned_away)
                    assert {response.json()["type"] for response in turned_away} == {UNAVAILABLE}
                    for _ in range(20):
                        elsewhere = await client.get("/api/territories/epcis")
                        assert elsewhere.status_code == 200, elsewhere.text
                    assert sum(not call.done() for call in calls) == 4
                finally:
                    participation.signal(signal.SIGCONT)
                held = await asyncio.gather(*calls)
        finally:
            thread.stop()
    assert sorted(response.status_code for response in held) == [200] * 4 + [503] * 12


@dataclass
class Creation:
    """One POST of the burst: what was asked and what the client was told."""

    name: str
    idempotency_key: str
    status: int = 0
    retry_after: str | None = None
    problem_type: str | None = None

    def payload(self, contract: str) -> dict[str, str]:
        return {
            "contractCode": contract,
            "name": self.name,
            "kind": "conseil_citoyen",
            "participationLevel": "concertation",
        }


async def _stored_names(gateway: httpx.AsyncClient, headers: dict[str, str], contract: str) -> list[str]:
    listed = await gateway.get(
        "/api/participation/bodies",
        params={"contractCode": contract, "limit": 100},
        headers={**headers, "Cache-Control": "no-cache"},
    )
    assert listed.status_code == 200, listed.text
    return [item["name"] for item in listed.json()["items"]]


async def test_a_service_killed_during_a_burst_of_posts(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """Each status tells the truth about the database, and a client that follows its answer (repeats a
    503 later, a 502/504 with the same Idempotency-Key) ends with every body created exactly once."""
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    run = uuid.uuid4().hex[:8]
    creations = [Creation(f"Conseil rafale {run} {index:03d}", str(uuid.uuid4())) for index in range(60)]
    enough = asyncio.Event()
    slots = asyncio.Semaphore(12)
    async with app_process(stack, "participation") as participation:
        app = create_app(gateway_settings(stack, participation_url=participation.url))
        port = free_port()
        thread = ServingThread({"gateway": (app, port)})
        thread.start_and_wait()

        async def create(client: httpx.AsyncClient, creation: Creation) -> None:
            async with slots:
                response = await client.post(
                    "/api/participation/bodies",
                    headers={**pilot, "Idempotency-Key": creation.idempotency_key},
                    json=creation.payload(new_contract),
                )
            creation.status = response.status_code
            creation.retry_after = response.headers.get("retry-after")
            if response.headers.get("content-type") == PROBLEM:
                creation.problem_type = response.json()["type"]
            if sum(one.status == 201 for one in creations) >= 10:
                enough.set()

        async def kill_once_ten_are_created() -> None:
            await enough.wait()
            participation.signal(signal.SIGKILL)

        killer = asyncio.create_task(kill_once_ten_are_created())
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=PATIENCE_SECONDS) as client:
                await asyncio.gather(*(create(client, creation) for creation in creations))
            assert killer.done()
        finally:
            killer.cancel()
            thread.stop()

    statuses = {creation.status for creation in creations}
    assert statuses <= {201, 502, 503, 504}, [(one.status, one.problem_type) for one in creations]
    assert 201 in statuses
    assert 503 in statuses
    for creation in creations:
        if creation.status == 503:
            assert creation.retry_after is not None
            assert creation.problem_type == UNAVAILABLE
        elif creation.status in (502, 504):
            assert creation.retry_after is None
            assert creation.problem_type == OUTCOME_UNKNOWN
    stored = await _stored_names(gateway, pilot, new_contract)
    assert {one.name for one in creations if one.status == 201} <= set(stored)
    assert not {one.name for one in creations if one.status == 503} & set(stored)
    # The clients follow their answers, through the stack's own (healthy) participation.
    for creation in creations:
        if creation.status == 201:
            continue
        again = await gateway.post(
            "/api/participation/bodies",
            headers={**pilot, "Idempotency-Key": creation.idempotency_key},
            json=creation.payload(new_contract),
        )
        assert again.status_code == 201, again.text
        if creation.status == 503:
            assert again.headers.get("idempotent-replayed") is None
    stored = await _stored_names(gateway, pilot, new_contract)
    assert sorted(stored) == sorted(creation.name for creation in creations)


def test_a_path_allowed_a_big_body_is_allowed_the_time_to_read_it() -> None:
    """A batch of 16 MB (a draw's pool, a localisation batch) is answered in its own request: the default
    deadline, sized for ordinary bodies, would cut it (seen as 504s on a loaded machine)."""
    defaults = GatewaySettings.model_fields
    body_limits = defaults["larger_body_limits"].get_default(call_default_factory=True)
    deadlines = defaults["larger_deadlines"].get_default(call_default_factory=True)
    ordinary = defaults["upstream_deadline_seconds"].get_default()
    for path in body_limits:
        assert deadlines.get(path, ordinary) > ordinary, path
