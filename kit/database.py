"""Engine and session factories, and database failures as problems.

A failure that a retry may cure (PostgreSQL unavailable, shutting down or starting up, too many
connections, a deadlock or serialization failure still there after the write pipeline's retries, a lock
or statement timeout) is a 503 with `Retry-After`, never a 500. Constraint violations are 409, values
out of range 422.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
import orjson
from fastapi import FastAPI, Request
from sqlalchemy import MetaData, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session
from starlette.responses import Response

from kit.ambient_transaction import CommitOutcomeUnknownError
from kit.driver_reads import COMPILED_READS, READS_BIND
from kit.problems import problem_response
from kit.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class DatabaseTimeouts:
    """Per-service bounds, so one stuck row or query cannot hold a service (milliseconds; 0 = none)."""

    lock_timeout_ms: int = 0
    statement_timeout_ms: int = 0
    idle_in_transaction_timeout_ms: int = 0

    def server_settings(self) -> dict[str, str]:
        settings = {
            "lock_timeout": self.lock_timeout_ms,
            "statement_timeout": self.statement_timeout_ms,
            "idle_in_transaction_session_timeout": self.idle_in_transaction_timeout_ms,
        }
        return {name: str(value) for name, value in settings.items() if value}


def create_engine(
    url: str,
    schema: str,
    *,
    application_name: str,
    pool_size: int = 20,
    pool_timeout_seconds: float = 5.0,
    timeouts: DatabaseTimeouts | None = None,
    pooler: Literal["none", "pgbouncer"] = "none",
    generic_plans: bool = False,
) -> AsyncEngine:
    """An asyncpg engine whose connections see only `schema` first on their search path.

    With `pooler="pgbouncer"` (PgBouncer in transaction mode: consecutive transactions of one client
    connection run on different server connections) nothing may outlive a transaction: no statement is
    prepared under a name reused later (asyncpg's and SQLAlchemy's statement caches off, each prepared
    statement named uniquely), and no session setting is sent at connection time (PgBouncer refuses
    unknown startup parameters): the search path and the timeouts come from the pooler's `connect_query`
    for the app's database entry (docs/platform.md, deploy/kubernetes/base/pgbouncer.yaml).

    `generic_plans` (not behind a pooler): each statement is planned once per connection, not again at each
    execution, for the engine of reading units' compiled statements (create_sessionmaker)."""
    server_settings = {"application_name": application_name}
    connect_args: dict[str, Any] = {"timeout": 5, "command_timeout": 30}
    if pooler == "pgbouncer":
        connect_args |= {
            "statement_cache_size": 0,  # asyncpg's own cache
            "prepared_statement_cache_size": 0,  # SQLAlchemy's adapter's
            "prepared_statement_name_func": _unique_statement_name,
        }
    else:
        server_settings["search_path"] = schema
        if generic_plans:
            # A compiled statement is prepared once per connection (asyncpg's cache) and run thousands of
            # times. Left to itself, PostgreSQL plans it again at every execution whenever its generic plan
            # is estimated dearer than the custom ones (a filter on an array of contracts, an OFFSET): a
            # third of a list's time in PostgreSQL. Not for every statement: a generic plan cannot hash a
            # long IN list, which it then scans for each row (docs/platform.md, "The computed path").
            server_settings["plan_cache_mode"] = "force_generic_plan"
        if timeouts is not None:
            server_settings |= timeouts.server_settings()
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        # No overflow: connections opened for a burst and closed after it cost more than the wait for one.
        max_overflow=0,
        pool_timeout=pool_timeout_seconds,
        # No pre-ping: it doubles the cost of a short request. A connection the server closed while it lay
        # in the pool is replaced at checkout, with every older one (_replace_closed_connections); one lost
        # during a statement is invalidated on that error (answered 503); recycling bounds a connection's age.
        pool_recycle=1800,
        # Statement parameters hold names and contacts: never in an exception's text, so never in a log.
        hide_parameters=True,
        # JSONB read by orjson: a tenth of the standard decoder's time on the exports' thousands of documents.
        # What we store passed validation (bounded counts, text), so its numbers fit orjson's 64-bit ints.
        json_deserializer=orjson.loads,
        connect_args={"server_settings": server_settings, **connect_args},
    )
    event.listen(engine.sync_engine.pool, "checkout", _replace_closed_connections)
    return engine


def _replace_closed_connections(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """At checkout, a connection the server closed while it lay in the pool (PostgreSQL restarted, failed
    over, or ended the backend) is replaced, and so is every connection opened before it: the request is
    answered on a new one rather than a 503. The driver saw the socket close; asking costs no round trip."""
    if dbapi_connection.driver_connection.is_closed():
        raise sa_exc.InvalidatePoolError("the server closed the connection while it was in the pool")


def _unique_statement_name() -> str:
    return f"__cdq_{uuid.uuid4().hex}__"


class PlatformSession(Session):
    """The sessions of every app: a locking read (`SELECT … FOR UPDATE`) gives the rows as they are once
    locked, never the copies this session read before it took the lock (`_locked_reads_refresh`)."""


@event.listens_for(PlatformSession, "do_orm_execute")
def _locked_reads_refresh(orm_execute: ORMExecuteState) -> None:
    """A row read unlocked, then locked, came back as the first read left it: the identity map keeps an
    object it already holds unless told to populate it again. Two payments of one tranche, each reading it,
    then waiting for the other's lock, both saw it planned and both paid it. A locking read therefore
    populates what it locks afresh; a change the session holds unsent is sent first (sessions do not
    autoflush), or the fresh copy would silently drop it."""
    if orm_execute.is_select and getattr(orm_execute.statement, "_for_update_arg", None) is not None:
        session = orm_execute.session
        if session.dirty or session.new or session.deleted:
            session.flush()
        orm_execute.update_execution_options(populate_existing=True)


def create_sessionmaker(
    engine: AsyncEngine, *, pooled: bool = False, compiled_reads: AsyncEngine | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`. A reading unit of work's session is bound to the same pool in autocommit (no
    BEGIN nor ROLLBACK round trip), its connection checked out when a statement needs one (READS_BIND);
    except when `pooled`, through a transaction-mode pooler, where a read outside a transaction could run
    its prepare and its execute on two server connections: reads then BEGIN too. A reading unit's compiled
    statements go to `compiled_reads` (an engine made with `generic_plans`) when given (COMPILED_READS)."""
    info: dict[str, AsyncEngine] = {}
    if not pooled:
        info[READS_BIND] = engine.execution_options(isolation_level="AUTOCOMMIT")
        if compiled_reads is not None:  # only its raw connections are used (kit.driver_reads): no BEGIN
            info[COMPILED_READS] = compiled_reads
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, info=info, sync_session_class=PlatformSession
    )


@dataclass(frozen=True, slots=True)
class _Unavailable:
    slug: str
    detail: str
    retry_after: int


_UNREACHABLE = _Unavailable("database-unavailable", "The database cannot be reached; retry later.", 2)
_CONTENTION = _Unavailable(
    "database-contention", "The change collided with concurrent changes; retry (nothing was written).", 1
)
_LOCKED = _Unavailable(
    "resource-locked", "The record is being changed by another request; retry (nothing was written).", 1
)
_TOO_LONG = _Unavailable(
    "database-timeout", "The database did not answer within the service's bound; retry later (nothing was written).", 5
)
# SQLSTATE (exact, then by class) → the 503 it gives. https://www.postgresql.org/docs/current/errcodes-appendix.html
_BY_SQLSTATE = {
    "40001": _CONTENTION,  # serialization_failure
    "40P01": _CONTENTION,  # deadlock_detected
    "55P03": _LOCKED,  # lock_not_available: lock_timeout
    "57014": _TOO_LONG,  # query_canceled: statement_timeout
    "57P01": _UNREACHABLE,  # admin_shutdown
    "57P02": _UNREACHABLE,  # crash_shutdown
    "57P03": _UNREACHABLE,  # cannot_connect_now: starting up, shutting down
    "57P05": _UNREACHABLE,  # idle_session_timeout
    "25P03": _UNREACHABLE,  # idle_in_transaction_session_timeout: the connection is gone
    "0A000": _UNREACHABLE,  # a cached plan invalidated by a migration while running: next attempt re-plans
}
_BY_CLASS = {"08": _UNREACHABLE, "53": _UNREACHABLE, "58": _UNREACHABLE}


def _told_by(error: BaseException, attribute: str) -> str:
    """What a database error tells under `attribute` (its SQLSTATE, its constraint), wrapped by SQLAlchemy or
    raw from asyncpg; '' when it tells nothing."""
    candidates: list[object] = [error]
    if isinstance(error, sa_exc.DBAPIError):
        candidates += [error.orig, getattr(error.orig, "__cause__", None)]
    for candidate in candidates:
        told = getattr(candidate, attribute, None)
        if isinstance(told, str) and told:
            return told
    return ""


def sqlstate_of(error: BaseException) -> str:
    """The SQLSTATE of a database error; '' when none."""
    return _told_by(error, "sqlstate")


def unavailable_kind(error: BaseException) -> _Unavailable | None:
    """Which 503 a database failure gives, or None when it is not a passing condition."""
    code = sqlstate_of(error)
    if code:
        return _BY_SQLSTATE.get(code) or _BY_CLASS.get(code[:2])
    if isinstance(error, sa_exc.DBAPIError):
        lost = error.connection_invalidated or isinstance(error, sa_exc.InterfaceError | sa_exc.OperationalError)
        return _UNREACHABLE if lost else None
    # asyncpg's InternalClientError: a connection whose protocol was left mid-operation (an operation cut
    # short while the server went away) is as lost as a closed one; kit.driver_reads does not lend it again.
    lost = asyncpg.InterfaceError | asyncpg.InternalClientError
    if isinstance(error, lost | sa_exc.PendingRollbackError | sa_exc.TimeoutError | OSError):
        return _UNREACHABLE
    return None


def _unavailable(request: Request, kind: _Unavailable) -> Response:
    return problem_response(
        503,
        kind.slug,
        "Service unavailable",
        kind.detail,
        instance=request.url.path,
        headers={"Retry-After": str(kind.retry_after)},
    )


@dataclass(frozen=True, slots=True)
class UniqueProblem:
    """The problem a unique constraint's violation answers: the one its use case's own check answers when the
    row exists already. Two requests at once both pass that check; the second then meets the constraint, and
    is told the same (`call-exists`), not a generic conflict. An app lists them in its state, by constraint."""

    slug: str
    title: str
    detail: str


UNIQUE_PROBLEMS_STATE_KEY = "unique_problems"


async def _on_integrity_error(request: Request, exc: Exception) -> Response:
    problems: dict[str, UniqueProblem] = getattr(request.app.state, UNIQUE_PROBLEMS_STATE_KEY, {})
    known = problems.get(_told_by(exc, "constraint_name"))
    if known is not None:
        return problem_response(409, known.slug, known.title, known.detail, instance=request.url.path)
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


async def _on_database_error(request: Request, exc: Exception) -> Response:
    kind = unavailable_kind(exc)
    if kind is not None:
        return _unavailable(request, kind)
    code = sqlstate_of(exc)
    if code.startswith("22"):  # class 22, data exception: the input, not the server
        return await _on_data_error(request, exc)
    if code.startswith("23"):  # class 23, integrity constraint violation
        return await _on_integrity_error(request, exc)
    raise exc


async def _on_commit_outcome_unknown(request: Request, _exc: Exception) -> Response:
    # Not a 503 with Retry-After: the change may be stored, and a blind retry could store it twice.
    return problem_response(
        502,
        "outcome-unknown",
        "Outcome unknown",
        "The database connection was lost while the change was committed: it may or may not be stored. Repeat"
        " the request with the same Idempotency-Key (a stored change is then answered, not made again), or read"
        " the resource before repeating it.",
        instance=request.url.path,
    )


def install_database_problem_handlers(app: FastAPI) -> None:
    """Passing database conditions become 503 + Retry-After; constraint violations 409; bad values 422; a
    commit whose outcome is unknown 502."""
    app.add_exception_handler(CommitOutcomeUnknownError, _on_commit_outcome_unknown)
    for error_class in (
        sa_exc.DBAPIError,
        sa_exc.TimeoutError,
        sa_exc.PendingRollbackError,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        asyncpg.InternalClientError,
        OSError,
    ):
        app.add_exception_handler(error_class, _on_database_error)


async def request_unit_of_work(request: Request) -> UnitOfWork:
    """FastAPI dependency: a fresh unit of work on the app's sessionmaker; its commits drop the app's
    remembered answers (before the writer's response leaves, so its next read sees the write)."""
    cache = getattr(request.app.state, "response_cache", None)
    return UnitOfWork(
        request.app.state.sessions,
        cache.changed if cache is not None else None,
        clock=request.app.state.clock,
        counts=getattr(request.app.state, "kept_counts", None),
    )


async def database_ready(engine: AsyncEngine) -> str:
    """'ok' when a query goes through within two seconds, otherwise why not. Tried twice: after a restart
    of PostgreSQL the first try may draw a pooled connection it left dead (which the pool then drops)."""
    for _ in range(2):
        try:
            async with asyncio.timeout(2.0), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (TimeoutError, OSError, sa_exc.SQLAlchemyError):
            continue
        return "ok"
    return "unavailable"


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
