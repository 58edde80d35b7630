"""The nightly rebuild of the programmation's kept sums (programmation/repository/kept_check.py) beside the writes
that run meanwhile: what it marks and sums stays right once both have committed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.database import create_engine, create_sessionmaker
from services.grants.programmation.repository.kept_check import KeptSumsCheck
from tests.clock import TravellingClock
from tests.grants.playbook import notified, open_year
from tests.running_stack import RunningStack

WITHDRAW = "UPDATE grants.applications SET state = 'withdrawn' WHERE application_id = $1"


@dataclass(frozen=True, slots=True)
class Bench:
    """A notified application whose lines a writer bypassing the triggers marked dead; a connection that
    watches, one that withdraws the application, sessions that rebuild (each named, to be seen waiting)."""

    contract_code: str
    application_id: uuid.UUID
    watcher: asyncpg.Connection
    writer: asyncpg.Connection
    sessions: async_sessionmaker[AsyncSession]

    async def until_done_or_waiting(self, task: asyncio.Task[object], name: str) -> None:
        """Until `task` is done, or the connection named `name` waits on a lock (another transaction's)."""
        waiting = "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'"
        while not await self.watcher.fetchval(waiting, name):
            done, _ = await asyncio.wait({task}, timeout=0.01)
            if done:
                return

    async def assert_right(self) -> None:
        """The withdrawn application's lines marked dead, and the contract's sums what its applications give."""
        async with self.sessions() as session:
            _, drifted = await KeptSumsCheck(session).drifted()
        lines = await self.watcher.fetch(
            "SELECT application_live FROM grants.financing_lines WHERE application_id = $1", self.application_id
        )
        assert lines
        assert not any(line["application_live"] for line in lines)
        assert self.contract_code not in {drift.contract_code for drift in drifted}


@pytest.fixture
async def bench(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> AsyncIterator[Bench]:
    year = await open_year(stack, gateway, new_contract)
    clock.travel_to(date(2026, 3, 2))
    application = uuid.UUID((await notified(gateway, year))["id"])
    url = stack.role_url("grants").replace("+asyncpg", "")
    watcher = await asyncpg.connect(url)
    writer = await asyncpg.connect(url, server_settings={"application_name": "kept-check-writer"})
    engine = create_engine(stack.role_url("grants"), "grants", application_name="kept-check-run", pool_size=1)
    try:
        await watcher.execute(
            "UPDATE grants.financing_lines SET application_live = false WHERE contract_code = $1", new_contract
        )
        yield Bench(new_contract, application, watcher, writer, create_sessionmaker(engine))
    finally:
        await watcher.close()
        await writer.close()
        await engine.dispose()


async def test_a_rebuild_beside_a_withdrawal_in_flight_marks_the_lines_as_it_ends(bench: Bench) -> None:
    withdrawal = bench.writer.transaction()
    await withdrawal.start()  # withdrawn, not committed yet when the rebuild runs
    await bench.writer.execute(WITHDRAW, bench.application_id)

    async def rebuild() -> None:
        async with bench.sessions() as session, session.begin():
            await KeptSumsCheck(session).rebuild(bench.contract_code)

    rebuilding = asyncio.get_running_loop().create_task(rebuild())
    await bench.until_done_or_waiting(rebuilding, "kept-check-run")
    await withdrawal.commit()
    await rebuilding
    await bench.assert_right()


async def test_a_withdrawal_during_the_rebuilds_transaction_flips_the_lines_it_marked(bench: Bench) -> None:
    async with bench.sessions() as session, session.begin():
        await KeptSumsCheck(session).rebuild(bench.contract_code)  # the night's run goes on to other contracts
        withdrawing = asyncio.get_running_loop().create_task(bench.writer.execute(WITHDRAW, bench.application_id))
        await bench.until_done_or_waiting(withdrawing, "kept-check-writer")
    await withdrawing
    await bench.assert_right()
