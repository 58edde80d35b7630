"""Remembered answers: served again only to the same valid token, and never once the data changed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
import httpx
import pytest

from cli.provisioning import APPS
from identity.principal import Role, scopes_for_roles
from kit.auth.tokens import TokenGrant, TokenIssuer
from kit.change_feed import QUIET_TABLES, change_channel
from tests.clock import TravellingClock
from tests.participation.bodies import new_body
from tests.running_stack import RunningStack

# What one process remembers: each app answers from one instance here, though it may run several
# (CDQ_TEST_REPLICAS); tests/services/test_workers.py shows what several processes share.
pytestmark = pytest.mark.usefixtures("one_instance")

BODIES = "/api/participation/bodies"


def bodies_of(contract: str) -> str:
    return f"{BODIES}?contractCode={contract}"


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


async def settled(stack: RunningStack, scope: str = "", service: str = "participation") -> None:
    """Wait until participation has heard every change committed so far. The writer drops the answers it
    kept as it commits, and its change feed hears the same commit a moment later and drops them again: an
    answer kept in between would be gone by the next read. Notifications arrive in commit order, so once
    the feed hears one sent now, it has heard all before it. Sent as a change of everything, or of
    `scope` (a contract: the answers of others stay). Participation's by default, or `service`'s."""
    cache = stack.app(service).state.response_cache
    before = cache.changes
    async with stack.runtime_connection(service) as connection:
        await connection.execute("SELECT pg_notify($1, $2)", change_channel(service), scope)

    async def heard() -> bool:
        return bool(cache.changes > before)

    assert await eventually(heard, seconds=5)


async def test_a_second_read_is_a_hit_and_a_write_through_the_api_is_read_at_once(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    await new_body(stack, gateway, new_contract)
    await settled(stack)
    reader = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    first = await gateway.get(bodies_of(new_contract), headers=reader)
    second = await gateway.get(bodies_of(new_contract), headers=reader)
    assert first.headers["cache-status"] == "cdq; fwd=miss"
    assert second.headers["cache-status"] == "cdq; hit"
    assert second.json() == first.json()
    assert first.json()["total"] == 1

    await new_body(stack, gateway, new_contract)
    after_write = await gateway.get(bodies_of(new_contract), headers=reader)
    assert after_write.headers["cache-status"] == "cdq; fwd=miss"
    assert after_write.json()["total"] == 2


async def test_another_token_never_gets_an_answer_kept_for_the_first(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    await new_body(stack, gateway, new_contract)
    insider = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    outsider = stack.headers([Role.CONTRACT_PILOT], ["CV-200000000-2024"])
    for _ in range(2):
        assert (await gateway.get(bodies_of(new_contract), headers=insider)).json()["total"] == 1
    seen_by_outsider = await gateway.get(bodies_of(new_contract), headers=outsider)
    assert seen_by_outsider.status_code == 404  # not the insider's kept answer: nothing of that contract
    assert "cache-status" not in seen_by_outsider.headers
    anonymous = await gateway.get(bodies_of(new_contract))
    assert anonymous.status_code == 401


async def test_a_renewed_token_of_the_same_caller_finds_the_kept_answer(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    await new_body(stack, gateway, new_contract)
    await settled(stack)
    first_token = stack.headers([Role.CONTRACT_PILOT], [new_contract], subject="pilot-renewing")
    renewed_token = stack.headers([Role.CONTRACT_PILOT], [new_contract], subject="pilot-renewing")
    assert first_token != renewed_token
    first = await gateway.get(bodies_of(new_contract), headers=first_token)
    renewed = await gateway.get(bodies_of(new_contract), headers=renewed_token)
    assert renewed.headers["cache-status"] == "cdq; hit"
    assert renewed.json() == first.json()
    colleague = stack.headers([Role.CONTRACT_PILOT], [new_contract], subject="pilot-colleague")
    assert (await gateway.get(bodies_of(new_contract), headers=colleague)).headers["cache-status"] == "cdq; fwd=miss"


async def test_an_expired_token_gets_its_401_though_its_answer_is_kept(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    """Asked of the service itself: the gateway would refuse the expired token before the service."""
    await new_body(stack, gateway, new_contract)
    issuer = TokenIssuer(stack.secrets.signing_key_pem, stack.issuer.issuer, stack.issuer.audience, 60)
    token = issuer.mint(
        TokenGrant(
            subject="short-lived",
            kind="user",
            institution=None,
            roles=[Role.CONTRACT_PILOT.value],
            scopes=sorted(scopes_for_roles([Role.CONTRACT_PILOT])),
            contracts=[new_contract],
        )
    )
    headers = {"Authorization": f"Bearer {token}"}
    url = stack.urls["participation"] + f"/bodies?contractCode={new_contract}"
    await settled(stack)
    async with httpx.AsyncClient() as service:
        answered = [await service.get(url, headers=headers) for _ in range(2)]
        assert [response.status_code for response in answered] == [200, 200]
        assert answered[1].headers["cache-status"] == "cdq; hit"
        # Verification allows 30 s of clock skew past the expiry: 20 s past it, the kept answer is served…
        clock.advance(timedelta(seconds=60 + 20))
        third = await service.get(url, headers=headers)
        assert third.headers.get("cache-status") == "cdq; hit", (third.status_code, third.text)
        # …15 s later, the token is refused, though its answer is still kept.
        clock.advance(timedelta(seconds=15))
        refused = await service.get(url, headers=headers)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


async def test_no_cache_asks_for_a_fresh_answer(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    await new_body(stack, gateway, new_contract)
    reader = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    await gateway.get(bodies_of(new_contract), headers=reader)
    fresh = await gateway.get(bodies_of(new_contract), headers={**reader, "Cache-Control": "no-cache"})
    assert fresh.headers["cache-status"] == "cdq; fwd=request"
    assert fresh.json()["total"] == 1


async def test_a_change_committed_by_another_process_drops_the_kept_answer(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    body_id = await new_body(stack, gateway, new_contract)
    await settled(stack)
    reader = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    await gateway.get(bodies_of(new_contract), headers=reader)
    assert (await gateway.get(bodies_of(new_contract), headers=reader)).headers["cache-status"] == "cdq; hit"

    # Another worker, a CLI job or a retention run writes: only the database knows.
    async with stack.runtime_connection("participation") as connection:
        await connection.execute(
            "UPDATE participation.bodies SET name = 'Renamed elsewhere' WHERE body_id = $1", body_id
        )

    async def renamed() -> bool:
        listed = await gateway.get(bodies_of(new_contract), headers=reader)
        return bool(listed.json()["items"][0]["name"] == "Renamed elsewhere")

    assert await eventually(renamed, seconds=5)


async def test_while_the_change_feed_is_lost_nothing_is_served_from_memory(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    await new_body(stack, gateway, new_contract)
    reader = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    admin = await asyncpg.connect(stack.admin_dsn())
    try:
        terminated = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
            "participation-change-feed",
        )
        assert terminated == stack.instances  # each instance's
    finally:
        await admin.close()

    async def not_remembered() -> bool:
        return "cache-status" not in (await gateway.get(bodies_of(new_contract), headers=reader)).headers

    async def hit_again() -> bool:
        return bool(
            (await gateway.get(bodies_of(new_contract), headers=reader)).headers.get("cache-status") == "cdq; hit"
        )

    assert await eventually(not_remembered)
    assert await eventually(hit_again)


@pytest.mark.parametrize("schema", [app for app in APPS if app != "gateway"])
async def test_every_table_announces_its_changes(stack: RunningStack, schema: str) -> None:
    connection = await asyncpg.connect(stack.admin_dsn())
    try:
        silent = await connection.fetch(
            """
            SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
              -- jobs and the ledger hold no remembered answer; jobs change at every lease renewal, the
              -- ledger at every audited read
              AND c.relname <> ALL($2::text[])
              AND NOT EXISTS (
                  SELECT 1 FROM pg_trigger AS t WHERE t.tgrelid = c.oid AND t.tgname = 'announce_change'
              )
            """,
            schema,
            list(QUIET_TABLES),
        )
        assert [row["relname"] for row in silent] == []
        quiet_announcing = await connection.fetchval(
            """
            SELECT count(*) FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid
            JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND t.tgname = 'announce_change' AND c.relname = ANY($2::text[])
            """,
            schema,
            list(QUIET_TABLES),
        )
        assert quiet_announcing == 0
        heard: list[str] = []
        await connection.add_listener(change_channel(schema), lambda *args: heard.append(args[1]))
        table = await connection.fetchval(
            "SELECT min(tablename) FROM pg_tables WHERE schemaname = $1 AND tablename <> ALL($2::text[])",
            schema,
            list(QUIET_TABLES),
        )
        # Inserts nothing (append-only tables accept inserts) but is a statement: the trigger fires;
        # the names come from the catalogue.
        statement = f'INSERT INTO {schema}."{table}" SELECT * FROM {schema}."{table}" WHERE false'  # noqa: S608
        await connection.execute(statement)
        assert await eventually(lambda: _truthy(heard), seconds=5)
    finally:
        await connection.close()


async def _truthy(items: list[str]) -> bool:
    return bool(items)
