"""What PostgreSQL writes into a read's JSON (kit.compiled_statements) is what the API's models write of the
same values: euros from integer cents as kit.money.euros, instants as pydantic writes the aware datetimes
asyncpg reads. Asked of the test stack's real PostgreSQL, in a session whose time zone is not UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from pydantic import TypeAdapter
from sqlalchemy import BigInteger, DateTime, bindparam, select

from kit.compiled_statements import compile_statement, euros_text, instant_text
from kit.money import euros
from tests.running_stack import RunningStack

CENTS = [0, 1, 9, 10, 99, 100, 101, 150050, 199999, 10**14 + 7, 10**16, 2**63 - 1, -1, -50, -100, -150050, -(2**63)]
INSTANTS = [
    datetime(2026, 12, 7, 9, 33, 0, tzinfo=UTC),
    datetime(2026, 12, 7, 9, 33, 0, 1, tzinfo=UTC),
    datetime(2026, 12, 7, 9, 33, 0, 120000, tzinfo=UTC),
    datetime(2026, 12, 7, 9, 33, 59, 999999, tzinfo=UTC),
    datetime(2025, 3, 30, 1, 59, 59, 500, tzinfo=UTC),  # the hour Paris moves to summer time
    datetime(2025, 3, 30, 3, 0, 0, 42, tzinfo=timezone(timedelta(hours=2))),
    datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2000, 2, 29, 0, 0, 0, 7, tzinfo=UTC),
]


async def test_euros_and_instants_are_written_as_the_api_writes_them(stack: RunningStack) -> None:
    cents_written = compile_statement(select(euros_text(bindparam("cents", type_=BigInteger))), frozenset({"cents"}))
    instant_written = compile_statement(
        select(instant_text(bindparam("instant", type_=DateTime(timezone=True)))), frozenset({"instant"})
    )
    as_the_api_writes = TypeAdapter(datetime)
    async with stack.runtime_connection("grants") as connection:
        await connection.execute("SET TimeZone = 'Europe/Paris'")
        for cents in CENTS:
            written = await connection.fetchval(cents_written.sql, *cents_written.arguments({"cents": cents}))
            assert written == euros(cents), cents
        assert await connection.fetchval(cents_written.sql, *cents_written.arguments({"cents": None})) is None
        for instant in INSTANTS:
            read = await connection.fetchval("SELECT $1::timestamptz", instant)  # as asyncpg reads a column
            expected = as_the_api_writes.dump_json(read).decode().strip('"')
            written = await connection.fetchval(instant_written.sql, *instant_written.arguments({"instant": instant}))
            assert written == expected, instant
