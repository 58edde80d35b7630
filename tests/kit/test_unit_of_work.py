"""A unit of work is one transaction; a reading one runs each statement on its own (its compiled ones sent by the
driver) and refuses to commit."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import Integer, bindparam, func, literal_column, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
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
