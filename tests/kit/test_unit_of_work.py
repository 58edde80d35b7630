"""A unit of work is one transaction; a reading one runs each statement on its own (its compiled ones sent by the
driver) and refuses to commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from sqlalchemy import ARRAY, Float, Integer, String, bindparam, func, literal_column, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool

from kit.compiled_statements import compile_statement
from kit.database import create_engine, create_sessionmaker, unavailable_kind
from kit.unit_of_work import UnitOfWork
from tests.running_stack import RunningStack


async def _two_clock_readings(uow: UnitOfWork) -> tuple[object, object]:
    first = (await uow.session.execute(text("select now()"))).scalar_one()
    await asyncio.sleep(0.02)
    second = (await uow.session.execute(text("select now()"))).scalar_one()
    return first, second


async def test_reading_skips_the_transaction_and_leaves_none_behind(stack: RunningStack) -> None:
    engine = create_engine(stack.role_url("participation"), "participation", application_name="test", pool_size=1)
    sessions = create_sessionmaker(engine)
    try:
        for _ in range(2):  # the same pooled connection serves both kinds in turn
            reading = UnitOfWork(sessions)
            async with reading.reading():
                first, second = await _two_clock_readings(reading)
            assert first != second  # now() is per statement: no transaction around them
            writing = UnitOfWork(sessions)
            async with writing:
                first, second = await _two_clock_readings(writing)
            assert first == second  # now() is the transaction's start: one transaction
        refused = UnitOfWork(sessions)
        async with refused.reading():
            with pytest.raises(RuntimeError, match="writes nothing"):
                await refused.commit()
    finally:
        await engine.dispose()


async def test_a_failing_statement_never_shows_its_parameters(stack: RunningStack) -> None:
    engine = create_engine(stack.role_url("participation"), "participation", application_name="test")
    secret = "Fictive-Secret-Name"
    try:
        uow = UnitOfWork(create_sessionmaker(engine))
        async with uow.reading():
            with pytest.raises(DBAPIError) as raised:
                # An error that reaches the 500 handler, whose log keeps the exception's text.
                await uow.session.execute(text("select * from no_such_table where name = :name"), {"name": secret})
        assert secret not in str(raised.value)
        assert "hidden due to hide_parameters" in str(raised.value)
    finally:
        await engine.dispose()


def _checked_out(engine: AsyncEngine) -> int:
    """How many of the engine's pooled connections are lent out now."""
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedout()


_NOW_AND_PID = compile_statement(
    select(func.now(), func.pg_backend_pid(), func.json_build_object("n", bindparam("n", type_=Integer))),
    frozenset({"n"}),
)


async def test_a_reading_units_compiled_statements_are_sent_by_the_driver_on_a_connection_returned_at_once(
    stack: RunningStack,
) -> None:
    # One connection in the pool, and a short wait for it: a statement that kept it, or asked for a second
    # one, would time out.
    engine = create_engine(
        stack.role_url("participation"), "participation", application_name="test", pool_size=1, pool_timeout_seconds=1
    )
    sessions = create_sessionmaker(engine)
    try:
        reading = UnitOfWork(sessions)
        async with reading.reading():
            [(first, pid, decoded)] = await _NOW_AND_PID.rows(reading.session, {"n": 7})
            assert _checked_out(engine) == 0  # returned as soon as the rows were read
            [(second, same_pid, _)] = await _NOW_AND_PID.rows(reading.session, {"n": 8})
            assert decoded == {"n": 7}  # JSON decoded as through SQLAlchemy (the engine's codecs)
            assert first != second  # each statement its own snapshot (no transaction around them)
            assert pid == same_pid  # on the one connection, returned between them
            # Once an ORM read holds the unit's connection, the statement is sent on it, not on a second one.
            held_pid = (await reading.session.execute(select(func.pg_backend_pid()))).scalar_one()
            [(_, on_held, _)] = await _NOW_AND_PID.rows(reading.session, {"n": 9})
            assert on_held == held_pid
            assert _checked_out(engine) == 1
        assert _checked_out(engine) == 0
        writing = UnitOfWork(sessions)
        async with writing:  # a writing unit's statements stay in its transaction
            began = (await writing.session.execute(select(func.now()))).scalar_one()
            await asyncio.sleep(0.02)
            [(inside, _, _)] = await _NOW_AND_PID.rows(writing.session, {"n": 1})
        assert inside == began
    finally:
        await engine.dispose()


_ONE_BODY = compile_statement(
    select(func.count())
    .select_from(text("participation.bodies"))
    .where(literal_column("contract_code") == func.any(bindparam("contracts", type_=ARRAY(String)))),
    frozenset({"contracts"}),
)


_PLAN_MODE = compile_statement(select(func.current_setting("plan_cache_mode")), frozenset())


async def _plans_of(connection: AsyncSession | AsyncConnection) -> tuple[int, int]:
    """(generic, custom) plans of _ONE_BODY on `connection` (or the one the session holds)."""
    plans = await connection.execute(
        text("select generic_plans, custom_plans from pg_prepared_statements where statement = :sql"),
        {"sql": _ONE_BODY.sql},
    )
    generic, custom = plans.one()
    return generic, custom


@asynccontextmanager
async def _two_pools(
    stack: RunningStack, pool_size: int
) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine, async_sessionmaker[AsyncSession]]]:
    """The app's engine, its compiled reads' engine (generic plans), and their sessions, as a service app has."""
    url = stack.role_url("participation")
    engine = create_engine(url, "participation", application_name="test", pool_size=pool_size)
    compiled_reads = create_engine(
        url, "participation", application_name="test-reads", pool_size=pool_size, generic_plans=True
    )
    try:
        yield engine, compiled_reads, create_sessionmaker(engine, compiled_reads=compiled_reads)
    finally:
        await engine.dispose()
        await compiled_reads.dispose()


async def test_a_reading_units_compiled_statements_are_planned_once_and_other_statements_as_postgresql_chooses(
    stack: RunningStack,
) -> None:
    async with _two_pools(stack, pool_size=1) as (_, compiled_reads, sessions):
        contracts = ("CTR-A", "CTR-B", "CTR-C", "CTR-D", "CTR-E", "CTR-F", "CTR-G", "CTR-H")
        for contract in contracts:
            reading = UnitOfWork(sessions)
            async with reading.reading():
                [(count,)] = await _ONE_BODY.rows(reading.session, {"contracts": [contract]})
            assert count == 0
        reading = UnitOfWork(sessions)
        async with reading.reading():
            [(mode,)] = await _PLAN_MODE.rows(reading.session, {})
            assert mode == "force_generic_plan"
            # The unit's ORM reads go on the app's pool, where PostgreSQL chooses: a generic plan cannot hash
            # a long IN list, which it then scans for each row.
            orm_mode = (await reading.session.execute(select(func.current_setting("plan_cache_mode")))).scalar_one()
            assert orm_mode == "auto"
        async with compiled_reads.connect() as connection:  # the pool's one connection, which ran them
            # Left to PostgreSQL, the first five executions are planned each for their values, and so would
            # be every later one whose generic plan is estimated dearer.
            assert await _plans_of(connection) == (8, 0)
        for contract in contracts:  # a writing unit's statements: PostgreSQL's own choice
            writing = UnitOfWork(sessions)
            async with writing:
                await _ONE_BODY.rows(writing.session, {"contracts": [contract]})
                generic, custom = await _plans_of(writing.session)
        # Its own choice plans the first five executions for their values (forced generic plans: none); after
        # them it keeps a generic plan or not as the table's statistics of the moment say, which the tests
        # running beside this one change.
        assert generic + custom == 8
        assert custom >= 5


_SLEEP_THEN_PID = compile_statement(
    select(func.pg_sleep(bindparam("seconds", type_=Float)), func.pg_backend_pid()), frozenset({"seconds"})
)


async def test_connections_the_server_closed_in_the_pool_are_replaced_at_checkout_not_answered_503(
    stack: RunningStack,
) -> None:
    async with _two_pools(stack, pool_size=2) as (engine, _, sessions):
        await _closed_connections_replaced(stack, engine, sessions)


async def _closed_connections_replaced(
    stack: RunningStack, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async def compiled_read_backend() -> int:
        reading = UnitOfWork(sessions)
        async with reading.reading():
            [(_, pid)] = await _SLEEP_THEN_PID.rows(reading.session, {"seconds": 0.2})
        return int(pid)

    async def orm_read_backend() -> int:
        async with engine.connect() as connection:
            await connection.execute(select(func.pg_sleep(0.2)))
            return int((await connection.execute(select(func.pg_backend_pid()))).scalar_one())

    # Each pool's two connections, opened at once.
    compiled_pids = set(await asyncio.gather(compiled_read_backend(), compiled_read_backend()))
    orm_pids = set(await asyncio.gather(orm_read_backend(), orm_read_backend()))
    assert len(compiled_pids) == len(orm_pids) == 2
    admin = await asyncpg.connect(stack.admin_dsn())
    try:
        # As a restart of PostgreSQL does to idle connections.
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", list(compiled_pids | orm_pids)
        )
    finally:
        await admin.close()
    await asyncio.sleep(0.2)
    # Every read is answered, on new connections: none was handed a closed one.
    assert not set(await asyncio.gather(compiled_read_backend(), compiled_read_backend())) & compiled_pids
    assert not set(await asyncio.gather(orm_read_backend(), orm_read_backend())) & orm_pids


async def test_a_connection_a_driver_read_left_unusable_is_not_returned_to_the_pool(stack: RunningStack) -> None:
    engine = create_engine(
        stack.role_url("participation"), "participation", application_name="test", pool_size=1, pool_timeout_seconds=1
    )
    sessions = create_sessionmaker(engine)
    failing = compile_statement(select(literal_column("1") / bindparam("zero", type_=Integer)), frozenset({"zero"}))
    ended = compile_statement(select(func.pg_terminate_backend(func.pg_backend_pid())), frozenset())
    slow = compile_statement(select(func.pg_sleep(5)), frozenset())

    async def backend() -> int:
        async with UnitOfWork(sessions).reading() as reading:
            [(_, pid, _)] = await _NOW_AND_PID.rows(reading.session, {"n": 0})
            return int(pid)

    try:
        before = await backend()
        async with UnitOfWork(sessions).reading() as reading:
            with pytest.raises(asyncpg.DivisionByZeroError):
                await failing.rows(reading.session, {"zero": 0})
        assert await backend() == before  # a refused statement leaves its connection usable: kept
        async with UnitOfWork(sessions).reading() as reading:
            with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError)):
                await ended.rows(reading.session, {})
        after_loss = await backend()
        assert after_loss != before  # the lost connection was dropped, a new one serves
        async with UnitOfWork(sessions).reading() as reading:
            cancelled = asyncio.ensure_future(slow.rows(reading.session, {}))
            await asyncio.sleep(0.2)
            cancelled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await cancelled
        assert await backend() not in (after_loss, 0)  # a cancelled read's connection is not handed on
        assert _checked_out(engine) == 0
    finally:
        await engine.dispose()


def test_a_connection_left_mid_operation_answers_the_database_unavailable() -> None:
    # What asyncpg raises when a connection's protocol was left inside an operation (a PostgreSQL restart
    # cutting one short): a 503 to retry, like a lost connection, never a 500.
    left = asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")
    kind = unavailable_kind(left)
    assert kind is not None
    assert kind.slug == "database-unavailable"
