"""Engine and session factories, the unit of work, and database failures as problems."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Self

import orjson
from fastapi import FastAPI, Request
from sqlalchemy import MetaData, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from starlette.responses import Response

from kit.problems import problem_response


def create_engine(
    url: str,
    schema: str,
    *,
    application_name: str,
    pool_size: int = 20,
    pool_timeout_seconds: float = 5.0,
) -> AsyncEngine:
    """An asyncpg engine whose connections see only `schema` first on their search path."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        # No overflow: connections opened for a burst and closed after it cost more than the wait for one.
        max_overflow=0,
        pool_timeout=pool_timeout_seconds,
        # No pre-ping: it doubles the cost of a short request; a dead connection is invalidated on
        # its first error (answered 503) and replaced, and recycling bounds a connection's age.
        pool_recycle=1800,
        # Statement parameters hold names and contacts: never in an exception's text, so never in a log.
        hide_parameters=True,
        # JSONB read by orjson: a tenth of the standard decoder's time on the exports' thousands of documents.
        # What we store passed validation (bounded counts, text), so its numbers fit orjson's 64-bit ints.
        json_deserializer=orjson.loads,
        connect_args={
            "server_settings": {"search_path": schema, "application_name": application_name},
            "timeout": 5,
            "command_timeout": 30,
        },
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class UnitOfWork:
    """One transaction: rolled back on exit unless `commit()` was awaited.

    `async with uow.reading():` is the same for use cases that only read: no BEGIN and no ROLLBACK round
    trips (autocommit). Under READ COMMITTED every statement has its own snapshot inside a transaction
    too, so reads see exactly what they would have seen; locks and writes need `async with uow:`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], on_commit: Callable[[], None] | None = None) -> None:
        self._sessions = sessions
        self._on_commit = on_commit
        self._session: AsyncSession | None = None
        self._committed = False
        self._read_only = False

    def reading(self) -> Self:
        self._read_only = True
        return self

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        self._committed = False
        if self._read_only:
            await self._session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            # A reading unit of work has no transaction to roll back: closing releases the connection.
            if not self._committed and not self._read_only:
                # Detach what was read first: a rollback would expire it, and callers use it after exit.
                session.expunge_all()
                await session.rollback()
        finally:
            await session.close()
            self._session = None
            self._read_only = False

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a reading unit of work writes nothing: open it with `async with uow`")
        await self.session.commit()
        self._committed = True
        if self._on_commit is not None:
            self._on_commit()


async def _on_database_unavailable(request: Request, _exc: Exception) -> Response:
    return problem_response(
        503,
        "database-unavailable",
        "Service unavailable",
        "The database cannot be reached; retry later.",
        instance=request.url.path,
        headers={"Retry-After": "2"},
    )


async def _on_integrity_error(request: Request, _exc: Exception) -> Response:
    return problem_response(
        409,
        "conflict",
        "Conflict",
        "The change conflicts with existing data.",
        instance=request.url.path,
    )


async def _on_data_error(request: Request, _exc: Exception) -> Response:
    return problem_response(
        422,
        "validation",
        "Invalid input",
        "A value is out of the range the store accepts.",
        instance=request.url.path,
    )


def _sqlstate(exc: sa_exc.DBAPIError) -> str:
    for candidate in (exc.orig, getattr(exc.orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None)
        if isinstance(code, str):
            return code
    return ""


async def _on_dbapi_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, sa_exc.DBAPIError)  # noqa: S101 - registered for this class only
    if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError | sa_exc.OperationalError):
        return await _on_database_unavailable(request, exc)
    if _sqlstate(exc).startswith("22"):  # class 22, data exception: the input, not the server
        return await _on_data_error(request, exc)
    raise exc


def install_database_problem_handlers(app: FastAPI) -> None:
    """Pool timeouts and lost connections become 503; constraint violations 409; bad values 422."""
    app.add_exception_handler(sa_exc.TimeoutError, _on_database_unavailable)
    app.add_exception_handler(OSError, _on_database_unavailable)
    app.add_exception_handler(sa_exc.IntegrityError, _on_integrity_error)
    app.add_exception_handler(sa_exc.DataError, _on_data_error)
    app.add_exception_handler(sa_exc.DBAPIError, _on_dbapi_error)


async def request_unit_of_work(request: Request) -> UnitOfWork:
    """FastAPI dependency: a fresh unit of work on the app's sessionmaker; its commits drop the app's
    remembered answers (before the writer's response leaves, so its next read sees the write)."""
    cache = getattr(request.app.state, "response_cache", None)
    return UnitOfWork(request.app.state.sessions, cache.changed if cache is not None else None)


async def database_ready(engine: AsyncEngine) -> str:
    """'ok' when a query goes through within two seconds, otherwise why not."""
    try:
        async with asyncio.timeout(2.0), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (TimeoutError, OSError, sa_exc.SQLAlchemyError):
        return "unavailable"
    return "ok"


CONSTRAINT_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata(schema: str) -> MetaData:
    """The MetaData of one service: every table in its schema, constraints named the same way."""
    return MetaData(schema=schema, naming_convention=CONSTRAINT_NAMING)
