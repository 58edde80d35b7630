"""What a service answers when its database fails under it: PostgreSQL restarted while a load runs, a row
held by another transaction. Never a 500; a 503 with Retry-After only for a write that was not stored."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import httpx

from identity.principal import Role
from tests.participation.bodies import body_fields
from tests.running_stack import RunningStack

BODIES = "/api/participation/bodies"


@dataclass
class Answer:
    method: str
    status: int
    retry_after: str | None
    problem: str | None
    name: str | None = None


async def _load(
    gateway: httpx.AsyncClient, headers: dict[str, str], contract: str, stop: asyncio.Event, answers: list[Answer]
) -> None:
    """Reads computed on every request and keyed writes, one after the other, until told to stop."""
    while not stop.is_set():
        name = "Conseil " + uuid.uuid4().hex[:12]
        for method, sent in (
            (
                "GET",
                gateway.get(
                    BODIES,
                    params={"contractCode": contract, "limit": 5},
                    headers={**headers, "Cache-Control": "no-cache"},
                ),
            ),
            (
                "POST",
                gateway.post(
                    BODIES, json=body_fields(contract, name), headers={**headers, "Idempotency-Key": str(uuid.uuid4())}
                ),
            ),
        ):
            try:
                response = await sent
            except httpx.TransportError:
                answers.append(Answer(method, 0, None, None, name))
                continue
            problem = response.json().get("type") if response.status_code >= 400 else None
            answers.append(Answer(method, response.status_code, response.headers.get("retry-after"), problem, name))


async def _stored(stack: RunningStack, contract: str) -> set[str]:
    async with stack.runtime_connection("participation") as connection:
        rows = await connection.fetch("SELECT name FROM participation.bodies WHERE contract_code = $1", contract)
    return {row["name"] for row in rows}


async def _until_ready(gateway: httpx.AsyncClient, headers: dict[str, str], contract: str) -> None:
    for _ in range(100):
        answer = await gateway.post(BODIES, json=body_fields(contract, "Après le redémarrage"), headers=headers)
        if answer.status_code == 201:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the service did not come back after PostgreSQL restarted")


async def test_postgresql_restarting_under_load_never_answers_500(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    answers: list[Answer] = []
    stop = asyncio.Event()
    workers = [asyncio.create_task(_load(gateway, headers, new_contract, stop, answers)) for _ in range(6)]
    try:
        await asyncio.sleep(1.0)
        # `pg_ctl restart -m fast`: sessions are cut, the server refuses connections while it starts again.
        await asyncio.to_thread(stack.cluster.stop)
        await asyncio.sleep(0.5)
        await asyncio.to_thread(stack.cluster.start)
        await _until_ready(gateway, headers, new_contract)
        await asyncio.sleep(0.5)
    finally:
        stop.set()
        await asyncio.gather(*workers)
    statuses = {answer.status for answer in answers}
    assert 500 not in statuses, [answer for answer in answers if answer.status == 500][:5]
    assert 0 not in statuses  # every request got an answer
    assert statuses <= {200, 201, 502, 503, 504}, statuses
    assert any(answer.status in (502, 503) for answer in answers), "the restart was not felt: nothing tested"
    stored = await _stored(stack, new_contract)
    for answer in answers:
        if answer.method != "POST":
            continue
        if answer.status == 201:
            assert answer.name in stored
        elif answer.status == 503:
            # "Retry" is only ever said of a write that was not stored.
            assert answer.retry_after is not None, answer
            assert answer.name not in stored, answer
        else:  # 502/504: the outcome is unknown, and said so
            assert answer.problem in ("/problems/outcome-unknown", "/problems/upstream-outcome-unknown"), answer
            assert answer.retry_after is None, answer


async def test_a_locked_row_holds_its_writers_for_the_lock_timeout_only(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    held, free = [
        (await gateway.post(BODIES, json=body_fields(new_contract, name), headers=headers)).json()
        for name in ("Conseil verrouillé", "Conseil libre")
    ]
    etags = {
        body["id"]: (await gateway.get(f"{BODIES}/{body['id']}", headers=headers)).headers["etag"]
        for body in (held, free)
    }
    async with stack.runtime_connection("participation") as locker:
        transaction = locker.transaction()
        await transaction.start()
        await locker.execute("SELECT 1 FROM participation.bodies WHERE body_id = $1 FOR UPDATE", uuid.UUID(held["id"]))
        writers = [
            gateway.patch(
                f"{BODIES}/{held['id']}",
                json={"name": f"Renommé {index}"},
                headers={**headers, "If-Match": etags[held["id"]]},
            )
            for index in range(10)
        ]
        other = gateway.patch(
            f"{BODIES}/{free['id']}",
            json={"name": "Libre, renommé"},
            headers={**headers, "If-Match": etags[free["id"]]},
        )
        answered = await asyncio.gather(*writers, other)
        await transaction.rollback()
    *blocked, unblocked = answered
    assert unblocked.status_code == 200, unblocked.text  # one stuck row does not hold the service
    for answer in blocked:
        assert answer.status_code == 503, answer.text
        assert answer.json()["type"] == "/problems/resource-locked"
        assert answer.headers["retry-after"] == "1"
    after = await gateway.patch(
        f"{BODIES}/{held['id']}", json={"name": "Renommé enfin"}, headers={**headers, "If-Match": etags[held["id"]]}
    )
    assert after.status_code == 200, after.text  # nothing of the refused writes was kept
