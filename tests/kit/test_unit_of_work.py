"""A unit of work is one transaction; a reading one runs each statement on its own and refuses to commit."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kit.database import create_engine, create_sessionmaker
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
