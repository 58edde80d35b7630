"""Reads sent by asyncpg itself: a reading unit of work's compiled statements (kit.compiled_statements).

A hot read spent three times longer in SQLAlchemy than in the driver: the ORM session, its connection, its
execution context and its result took 0.22-0.28 ms of CPU for a one-row statement, asyncpg alone 0.07 ms
on a connection of the same pool (docs/platform.md, "The computed path"). A reading unit of work's session
(`uow.reading()`) is therefore bound to the pool in autocommit and takes a connection only when an ORM
read needs one (READS_BIND); its compiled statements go to the driver (DRIVER_READS, driver_rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import PoolProxiedConnection

# In a sessionmaker's info: the engine a reading unit's session is bound to, whose connections are in
# autocommit and checked out only when a statement needs one (kit.database.create_sessionmaker). Absent
# behind a transaction-mode pooler, where a read outside a transaction could run its prepare and its
# execute on two server connections: its reads begin a transaction, and nothing is sent on the driver.
READS_BIND = "reads_bind"
# In a sessionmaker's info: the engine of reading units' compiled statements, whose connections plan each
# statement once (kit.database.create_engine's `generic_plans`); absent: READS_BIND's.
COMPILED_READS = "compiled_reads"
# In a reading unit's session info: the engine its compiled statements are sent on by the driver itself
# (driver_rows), when its session holds no connection.
DRIVER_READS = "driver_reads"

# The errors of one statement that leave its connection as it was (SQLSTATE classes, then codes): bad
# data, a constraint, a name or a privilege, a rollback, a PL/pgSQL exception, a lock or statement timeout.
# Any other error (the connection lost, the server shutting down, a cancelled request, a driver fault) and
# the connection is closed, not handed to the next request in a state nobody knows.
_STATEMENT_CLASSES = frozenset({"22", "23", "40", "42", "P0"})
_STATEMENT_CODES = frozenset({"55P03", "57014"})


async def driver_rows(session: AsyncSession, sql: str, arguments: Sequence[Any]) -> list[Any] | None:
    """The rows of one statement of a reading unit of work (`uow.reading()`), sent by asyncpg, each read by
    position; None when `session` is not such a unit's (the caller sends the statement through SQLAlchemy).

    Its connection is in autocommit, as the unit's ORM reads are: each statement has its own snapshot, as
    under READ COMMITTED in a transaction. Once the unit's session holds a connection (an ORM read), the
    statement is sent on it, never on a second one at once; otherwise on a connection of the engine in
    the session's DRIVER_READS (COMPILED_READS when the app has it), returned as soon as its rows are read."""
    if not session.info.get(DRIVER_READS):
        return None
    if session.in_transaction():
        held = await session.connection()
        try:
            return list(await _driver_of(await held.get_raw_connection()).fetch(sql, *arguments))
        except BaseException as error:
            if not _leaves_connection_usable(error):
                await held.invalidate()
            raise
    engine = session.info[DRIVER_READS]
    if not isinstance(engine, AsyncEngine):
        raise TypeError("a reading session's compiled statements go to an engine")
    pooled = await _checked_out(engine)
    try:
        return list(await _driver_of(pooled).fetch(sql, *arguments))
    except BaseException as error:
        if not _leaves_connection_usable(error):
            pooled.invalidate(error if isinstance(error, Exception) else None)
        raise
    finally:
        pooled.close()


async def _checked_out(engine: AsyncEngine) -> PoolProxiedConnection:
    """A connection of the engine's pool; a failure to connect raised as SQLAlchemy raises it for a session
    (a DBAPIError around the driver's error), so it answers the same 503 (kit.database)."""
    dbapi_error: type[Exception] = engine.dialect.loaded_dbapi.Error
    try:
        return await engine.raw_connection()
    except dbapi_error as error:
        raise sa_exc.DBAPIError.instance(
            None, None, error, dbapi_error, hide_parameters=True, dialect=engine.dialect
        ) from error


def _leaves_connection_usable(error: BaseException) -> bool:
    code = getattr(error, "sqlstate", None) if isinstance(error, asyncpg.PostgresError) else None
    return isinstance(code, str) and (code[:2] in _STATEMENT_CLASSES or code in _STATEMENT_CODES)


def _driver_of(pooled: PoolProxiedConnection) -> asyncpg.Connection:
    driver = pooled.driver_connection
    if not isinstance(driver, asyncpg.Connection):
        raise TypeError("the engine's driver is asyncpg")
    return driver
