"""Long operations as jobs, on the real stack: the answer never races a deadline, a job whose worker died is
taken again, a job read only by its caller, a job failed with the problem the request would have had."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import pytest

from bench.territories import SQUARE_HEADER, synthetic_squares
from cli.embedded_postgres import free_port
from gateway.app import create_app
from identity.principal import Principal, Role
from kit.jobs import MAX_ATTEMPTS, principal_document
from tests.gateway.wire import gateway_settings
from tests.job_results import finished
from tests.running_stack import RunningStack, ServingThread

SQUARES = "/api/territories/filosofi-squares/imports"
JOBS = "/api/territories/jobs"


@pytest.fixture(scope="module")
def hasty_gateway(stack: RunningStack) -> Iterator[str]:
    """A gateway that waits three seconds for any answer, shorter than the work it starts (60,000 squares take
    longer on this machine kind), and long enough for a 0.5 s long-poll to come back while the same process
    serves the import (at one second, a loaded machine made the poll itself miss the deadline)."""
    app = create_app(gateway_settings(stack, upstream_deadline_seconds=3.0, larger_deadlines={}))
    port = free_port()
    thread = ServingThread({"gateway": (app, port)})
    thread.start_and_wait()
    yield f"http://127.0.0.1:{port}"
    thread.stop()


async def test_a_long_operation_never_races_the_gateways_deadline(stack: RunningStack, hasty_gateway: str) -> None:
    count = 60_000
    content = SQUARE_HEADER + "\n" + "\n".join(",".join(row) for row in synthetic_squares(count)) + "\n"
    headers = {**stack.headers([Role.PLATFORM_ADMIN]), "Content-Type": "text/csv"}
    async with httpx.AsyncClient(base_url=hasty_gateway, timeout=30) as client:
        accepted = await client.post(
            SQUARES, params={"vintage": 2019, "communes": "62041", "dryRun": "true"}, content=content, headers=headers
        )
        assert accepted.status_code == 202, accepted.text  # told at once, whatever the work takes
        assert accepted.json()["state"] in ("queued", "running")
        assert accepted.headers["location"] == f"{JOBS}/{accepted.json()['id']}"
        done = await finished(client, accepted, wait=0.5)
    assert done.status_code == 200, done.text
    assert (done.json()["lines"], done.json()["dryRun"]) == (count, True)


async def _insert_job(stack: RunningStack, principal: Principal, **state: object) -> uuid.UUID:
    """A job as the database holds it after its worker died: running, its lease run out."""
    job_id = uuid.uuid4()
    async with stack.runtime_connection("territories") as connection:
        await connection.execute(
            """
            INSERT INTO territories.jobs (job_id, operation, state, owner, principal, arguments, payload, started_at,
                                          lease_until, attempts)
            VALUES ($1, 'import_indicator_values', $2, $3, $4::jsonb, $5::jsonb, $6, now() - interval '1 minute',
                    now() - interval '1 second', $7)
            """,
            job_id,
            state.get("state", "running"),
            f"{principal.kind}:{principal.subject}",
            json.dumps(principal_document(principal)),
            json.dumps({"dryRun": True, "skipBadLines": False}),
            b"indicator,territoryKind,territory,perimeter,year,value,source,note\n",
            state.get("attempts", 1),
        )
    return job_id


async def _followed(gateway: httpx.AsyncClient, job_id: uuid.UUID, headers: dict[str, str]) -> dict[str, object]:
    for _ in range(12):
        read = await gateway.get(f"{JOBS}/{job_id}", params={"wait": 5}, headers=headers)
        assert read.status_code == 200, read.text
        job: dict[str, object] = read.json()
        if job["state"] in ("succeeded", "failed"):
            return job
    raise AssertionError(f"job {job_id} did not end")


async def test_a_job_whose_worker_died_is_taken_again(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    subject = "job-owner-" + uuid.uuid4().hex[:6]
    principal = Principal(subject=subject, kind="user", roles=frozenset({Role.PLATFORM_ADMIN}))
    job_id = await _insert_job(stack, principal)
    headers = stack.headers([Role.PLATFORM_ADMIN], subject=subject)
    job = await _followed(gateway, job_id, headers)
    assert (job["state"], job["attempts"], job["resultStatus"]) == ("succeeded", 2, 200)
    assert isinstance(job["result"], dict)
    assert job["result"]["lines"] == 0


async def test_a_job_interrupted_too_often_fails_and_says_so(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    subject = "job-owner-" + uuid.uuid4().hex[:6]
    principal = Principal(subject=subject, kind="user", roles=frozenset({Role.PLATFORM_ADMIN}))
    job_id = await _insert_job(stack, principal, attempts=MAX_ATTEMPTS)
    job = await _followed(gateway, job_id, stack.headers([Role.PLATFORM_ADMIN], subject=subject))
    assert job["state"] == "failed"
    assert isinstance(job["problem"], dict)
    assert job["problem"]["type"] == "/problems/job-interrupted"


async def test_a_job_is_read_by_its_caller_and_fails_with_the_requests_problem(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    owner = stack.headers([Role.PLATFORM_ADMIN], subject="owner-" + uuid.uuid4().hex[:6])
    bad = "indicator,territoryKind,territory,value,source\nno_such_indicator,commune,62041,12,test\n"
    accepted = await gateway.post(
        "/api/territories/indicator-values/imports", content=bad, headers={**owner, "Content-Type": "text/csv"}
    )
    assert accepted.status_code == 202, accepted.text
    job_url = f"{JOBS}/{accepted.json()['id']}"
    stranger = stack.headers([Role.CONTRACT_PILOT], ["CV-200033579-2024"])
    assert (await gateway.get(job_url, headers=stranger)).status_code == 404
    done = await finished(gateway, accepted)
    assert done.status_code == 422
    assert done.headers["content-type"] == "application/problem+json"
    assert done.json()["errors"], done.text  # each bad line named, as the request would have answered
    assert (await gateway.get(job_url, headers=owner)).json()["state"] == "failed"


async def test_a_file_that_cannot_be_read_is_refused_before_any_job(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    headers = {**stack.headers([Role.PLATFORM_ADMIN]), "Content-Type": "text/csv"}
    for content in (b"no,useful,columns\n1,2,3\n", b"indicator\xff,territoryKind\n"):
        refused = await gateway.post("/api/territories/indicator-values/imports", content=content, headers=headers)
        assert refused.status_code == 422, refused.text
    squares = await gateway.post(SQUARES, params={"vintage": 2019}, content=b"false", headers=headers)
    assert squares.status_code == 422, squares.text
