"""Remembered answers survive unrelated writes: a write in one contract drops that contract's answers
only, an audited read drops nothing; concurrent misses compute once; ETags answer If-None-Match."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx
import pytest

from identity.principal import Principal, Role
from kit.audit import record_audit
from kit.change_feed import change_channel
from kit.database import create_engine, create_sessionmaker
from kit.unit_of_work import UnitOfWork
from tests.conftest import register_contract
from tests.participation.bodies import new_body
from tests.running_stack import RunningStack
from tests.services.test_remembered_answers import bodies_of, eventually, settled

# What one process remembers: each app answers from one instance here, though it may run several
# (CDQ_TEST_REPLICAS); tests/services/test_workers.py shows what several processes share.
pytestmark = pytest.mark.usefixtures("one_instance")


async def heard_so_far(stack: RunningStack) -> None:
    """Every change committed so far heard, told by a change of a contract of no one (a change of
    everything would drop the answers the test keeps)."""
    await settled(stack, scope="CV-NOBODY")


async def test_a_write_in_one_contract_leaves_another_contracts_answers_standing(
    stack: RunningStack, gateway: httpx.AsyncClient, admin: dict[str, str], new_contract: str
) -> None:
    other = await register_contract(gateway, admin)
    await new_body(stack, gateway, new_contract)
    await new_body(stack, gateway, other)
    await heard_so_far(stack)
    mine = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    theirs = stack.headers([Role.CONTRACT_PILOT], [other])
    for headers, contract in ((mine, new_contract), (theirs, other)):
        await gateway.get(bodies_of(contract), headers=headers)
        assert (await gateway.get(bodies_of(contract), headers=headers)).headers["cache-status"] == "cdq; hit"

    await new_body(stack, gateway, new_contract)  # declared as a change of this contract only
    await heard_so_far(stack)  # its announcement, from the database, is heard too

    standing = await gateway.get(bodies_of(other), headers=theirs)
    assert standing.headers["cache-status"] == "cdq; hit"
    assert standing.json()["total"] == 1
    dropped = await gateway.get(bodies_of(new_contract), headers=mine)
    assert dropped.headers["cache-status"] == "cdq; fwd=miss"
    assert dropped.json()["total"] == 2


async def test_an_audited_read_drops_nothing(stack: RunningStack) -> None:
    """The audit event of a read (personal data shown) is the only row it writes: neither the process nor
    the database announces it."""
    app = stack.app("participation")
    heard: list[str] = []
    listener = await asyncpg.connect(stack.role_url("participation").replace("+asyncpg", ""))
    await listener.add_listener(change_channel("participation"), lambda *args: heard.append(args[3]))
    told: list[str] = []
    engine = create_engine(stack.role_url("participation"), "participation", application_name="test-audited-read")
    try:
        uow = UnitOfWork(create_sessionmaker(engine), told.append)
        async with uow:
            await record_audit(
                uow.session,
                app.state.ledger.audit_events,
                Principal(subject="auditor-" + uuid.uuid4().hex[:6], kind="user"),
                "personal_data.read",
                "draw",
                str(uuid.uuid4()),
            )
            await uow.commit()
        await listener.execute("SELECT pg_notify($1, 'marker')", change_channel("participation"))

        async def marker_heard() -> bool:
            return "marker" in heard

        assert await eventually(marker_heard, seconds=5)
    finally:
        await listener.close()
        await engine.dispose()
    assert told == []
    assert heard == ["marker"]


async def test_concurrent_misses_of_one_answer_compute_it_once(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    await new_body(stack, gateway, new_contract)
    await heard_so_far(stack)
    cache = stack.app("participation").state.response_cache
    reader = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    before = cache.computations
    answers = await asyncio.gather(*(gateway.get(bodies_of(new_contract), headers=reader) for _ in range(20)))
    assert [answer.status_code for answer in answers] == [200] * 20
    assert len({answer.content for answer in answers}) == 1
    assert cache.computations - before == 1
    assert sorted(answer.headers["cache-status"] for answer in answers) == ["cdq; fwd=miss"] + ["cdq; hit"] * 19


async def test_a_list_answers_if_none_match_with_304_until_it_changes(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    await new_body(stack, gateway, new_contract)
    await heard_so_far(stack)
    reader = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    first = await gateway.get(bodies_of(new_contract), headers=reader)
    etag = first.headers["etag"]
    unchanged = await gateway.get(bodies_of(new_contract), headers={**reader, "If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.headers["etag"] == etag
    assert unchanged.content == b""
    # On two lines, If-None-Match is one list: the first line's ETag counts as the last's would.
    two_lines = [*reader.items(), ("If-None-Match", etag), ("If-None-Match", '"other"')]
    assert (await gateway.get(bodies_of(new_contract), headers=two_lines)).status_code == 304
    # Computed afresh, the same answer has the same ETag.
    fresh = {**reader, "If-None-Match": etag, "Cache-Control": "no-cache"}
    assert (await gateway.get(bodies_of(new_contract), headers=fresh)).status_code == 304

    await new_body(stack, gateway, new_contract)
    changed = await gateway.get(bodies_of(new_contract), headers={**reader, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["total"] == 2


async def test_a_read_answers_if_none_match_with_its_own_etag(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    body_id = await new_body(stack, gateway, new_contract)
    reader = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    read = await gateway.get(f"/api/participation/bodies/{body_id}", headers=reader)
    etag = read.headers["etag"]
    # Not a remembered route: its concurrent requests never wait for one another (no single flight).
    assert stack.app("participation").state.response_cache.plain(f"/bodies/{body_id}")
    again = await gateway.get(f"/api/participation/bodies/{body_id}", headers={**reader, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    other = await gateway.get(f"/api/participation/bodies/{body_id}", headers={**reader, "If-None-Match": '"x"'})
    assert other.status_code == 200
    assert other.json()["id"] == body_id
