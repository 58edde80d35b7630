"""Committed changes of a service's schema, heard through PostgreSQL notifications.

Every table of a schema but the ledger's carries a statement-level trigger that notifies
`<schema>_changed`: whatever writes (a use case, a CLI import, a retention job, another worker process,
a COPY), the notification leaves at commit and never for a rolled-back transaction. Its payload is the
contract the transaction declared it changes (`cdq.change_scope`, set by `UnitOfWork.changes_contract`),
or empty: a change of anything. A `ChangeFeed` listens on its own connection and tells its `Listener`
(the response cache) about each change, and about any time it cannot hear them.

A notification reaches each listening process asynchronously: another process, or another replica, may
answer a request before it has heard of a change acknowledged just before that request. `heard_since()`
closes that gap: PostgreSQL sends a listening session the notifications of every transaction acknowledged
to its writer before a statement reaches it, ahead of that statement's answer (a commit signals the
listening backends before it is acknowledged, and a backend delivers what it was signalled before it next
answers), and asyncpg tells the listener about them (a plain callback, `call_soon`) before the statement's
caller resumes. So one round trip on the feed's connection, sent after a request arrived, tells that every
change acknowledged before the request has been heard. Requests arriving together share one round trip,
and a request for which one was sent and answered since it arrived waits for none (under load, a kept
total asked after its page was read usually finds one). A round trip that fails or takes longer than
`round_trip_seconds` makes the feed deaf (nothing is kept or served) and reconnect.

The ledger's tables (audit events, idempotency keys, outbox) and the jobs announce nothing: no
remembered answer holds them, and an audited read, which writes an audit event, must drop nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import re
import time
from collections.abc import Iterable
from typing import Protocol

import asyncpg
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

# Run by a migration (once per schema, and again after tables are added: it only adds missing triggers).
ANNOUNCE_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION {schema}.announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_changed', coalesce(current_setting('cdq.change_scope', true), ''));
    RETURN NULL;
END
$$
"""
ANNOUNCE_TRIGGERS_SQL = """
DO $$
DECLARE
    missing record;
BEGIN
    FOR missing IN
        SELECT c.relname FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        -- Jobs change on every lease renewal, and the ledger on every write and audited read: no remembered
        -- answer holds them.
        WHERE n.nspname = '{schema}' AND c.relkind IN ('r', 'p')
          AND c.relname NOT IN ({quiet})
          AND NOT EXISTS (
              SELECT 1 FROM pg_trigger AS t WHERE t.tgrelid = c.oid AND t.tgname = 'announce_change'
          )
    LOOP
        EXECUTE format(
            'CREATE TRIGGER announce_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION {schema}.announce_change()',
            '{schema}', missing.relname
        );
    END LOOP;
END
$$
"""


# Kept sums (grants' programmation_sums), kept arrays (grants' application_financers) and kept items (grants'
# programmation_items) move only with the tables they are kept from, which announce: their compaction changes
# no figure and must drop no remembered answer.
QUIET_TABLES = (
    "alembic_version",
    "jobs",
    "audit_events",
    "idempotency_keys",
    "outbox_events",
    "programmation_sums",
    "application_financers",
    "programmation_items",
)
SCOPE_SETTING = "cdq.change_scope"
SCOPE_PARTS = "|"  # a scope: "" (anything), `contract`, or `contract|part,part` (those parts of its data only)
PART_NAME = re.compile(r"[A-Za-z0-9_@.-]+")  # a part's name: `live`, `live@2027`…


def scope_text(contract: str, parts: Iterable[str] | None) -> str:
    """The scope a change announces: "" (anything), `contract`, or `contract|part,part`."""
    return contract + SCOPE_PARTS + ",".join(sorted(parts)) if contract and parts else contract


def read_scope(scope: str) -> tuple[str, list[str]]:
    """A change's scope as the contract it changes ("": anything) and the parts it names ([]: all)."""
    contract, _, parts = scope.partition(SCOPE_PARTS)
    return contract, parts.split(",") if parts else []


def announce_changes_sql(schema: str) -> list[str]:
    """The statements giving every table of `schema` but the quiet ones the change-announcing trigger."""
    if not schema.isidentifier():
        raise ValueError(f"not a schema name: {schema!r}")
    quiet = ", ".join(f"'{table}'" for table in QUIET_TABLES)
    return [ANNOUNCE_FUNCTION_SQL.format(schema=schema), ANNOUNCE_TRIGGERS_SQL.format(schema=schema, quiet=quiet)]


def quiet_ledger_sql(schema: str) -> list[str]:
    """The statements removing the trigger from the quiet tables of a schema announced before they were."""
    if not schema.isidentifier():
        raise ValueError(f"not a schema name: {schema!r}")
    return [f"DROP TRIGGER IF EXISTS announce_change ON {schema}.{table}" for table in QUIET_TABLES]


def unscoped_announcements_sql(schema: str) -> list[str]:
    """Undo `quiet_ledger_sql` and the payload's scope: every table but the jobs announces, unscoped."""
    if not schema.isidentifier():
        raise ValueError(f"not a schema name: {schema!r}")
    scoped = f"coalesce(current_setting('{SCOPE_SETTING}', true), '')"
    return [
        ANNOUNCE_FUNCTION_SQL.replace(scoped, "''").format(schema=schema),
        ANNOUNCE_TRIGGERS_SQL.format(schema=schema, quiet="'alembic_version', 'jobs'"),
    ]


def forget_changes_sql(schema: str) -> str:
    """The SQL undoing `announce_changes_sql` (the triggers go with their function)."""
    if not schema.isidentifier():
        raise ValueError(f"not a schema name: {schema!r}")
    return f"DROP FUNCTION {schema}.announce_change() CASCADE"


def change_channel(schema: str) -> str:
    return f"{schema}_changed"


# What a lost, stalled or confused connection raises (ConnectionError is an OSError).
_CONNECTION_FAILURES = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)


class Listener(Protocol):
    def changed(self, scope: str = "") -> None:
        """A change was committed, in one contract (`scope`) or anywhere ("")."""

    def deaf(self) -> None:
        """Changes may be committed unheard from now on."""

    def hearing(self) -> None:
        """Every change committed from now on will be heard."""


class ChangeFeed:
    """Listens on `<schema>_changed` with a connection of its own, reconnecting when it is lost.

    The listener is told `hearing()` only once LISTEN is in place, and `deaf()` as soon as the
    connection is known lost or a periodic check fails, so it never trusts what it could have missed."""

    def __init__(
        self,
        database_url: str,
        schema: str,
        listener: Listener,
        *,
        application_name: str,
        check_seconds: float = 5.0,
        retry_seconds: float = 2.0,
        round_trip_seconds: float = 1.0,
    ) -> None:
        self._dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._channel = change_channel(schema)
        self._listener = listener
        self._application_name = application_name
        self._check_seconds = check_seconds
        self._retry_seconds = retry_seconds
        self._round_trip_seconds = round_trip_seconds
        self._task: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()  # a round trip failed: reconnect now
        # When the last answered round trip on the current connection was sent (`time.monotonic()`).
        self._answered_since = -math.inf
        self._connection: asyncpg.Connection | None = None  # set while LISTEN is in place
        # The callers waiting for the next round trip, the one under way, and the task running them.
        self._next_round: _Round | None = None
        self._running: _Round | None = None
        self._rounds: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._listen_forever())

    async def stop(self) -> None:
        for task in (self._task, self._rounds):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = None
        self._listener.deaf()

    async def heard_since(self, moment: float) -> bool:
        """Whether every change acknowledged before `moment` (`time.monotonic()`, e.g. when a request arrived)
        has been told to the listener (False: the feed cannot tell, e.g. its connection is lost): at once when
        a round trip sent since then has been answered, else once the one under way is (if it was sent since
        then) or the next one is."""
        if self._connection is None:
            return False
        # Strictly after: on a coarse clock, a round trip read at the same tick may have left before `moment`.
        if self._answered_since > moment:
            return True
        if self._running is not None and self._running.sent_at > moment:
            waited = self._running
        elif self._next_round is not None:
            waited = self._next_round
        else:
            waited = self._next_round = _Round()
            if self._rounds is None or self._rounds.done():
                # A context of its own: not the first caller's request id and arrival.
                self._rounds = asyncio.get_running_loop().create_task(self._run_rounds(), context=contextvars.Context())
        await waited.done.wait()  # a caller cancelled while waiting leaves the round to the others
        return waited.heard

    async def heard_until_now(self) -> bool:
        """Whether every change acknowledged before this call has been told to the listener."""
        return await self.heard_since(time.monotonic())

    async def _run_rounds(self) -> None:
        """Round trips one after the other while callers wait: those who came during one wait for the next."""
        running: _Round | None = None
        try:
            while self._next_round is not None:
                running, self._next_round = self._next_round, None
                running.sent_at = time.monotonic()  # before the statement leaves
                self._running = running
                running.heard = await self._round_trip()
                # A round trip on a connection since replaced is told False: only the current one's count.
                if running.heard:
                    self._answered_since = max(self._answered_since, running.sent_at)
                self._running = None
                running.done.set()
        finally:
            self._rounds = None
            self._running = None
            waiting, self._next_round = self._next_round, None
            for unanswered in (running, waiting):  # cancelled (the feed stops): they are told False
                if unanswered is not None:
                    unanswered.done.set()

    async def _round_trip(self) -> bool:
        connection = self._connection
        if connection is None:
            return False
        try:
            await connection.execute("SELECT 1", timeout=self._round_trip_seconds)
        except _CONNECTION_FAILURES:
            if connection is self._connection:  # deaf at once, rather than making each request wait in turn
                self._listener.deaf()
                self._lost.set()
            return False
        return connection is self._connection

    def _on_notification(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        self._listener.changed(payload)

    def _on_termination(self, *_args: object) -> None:
        self._listener.deaf()

    async def _listen_forever(self) -> None:
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(
                    self._dsn,
                    timeout=5,
                    server_settings={"application_name": self._application_name},
                )
                connection.add_termination_listener(self._on_termination)
                await connection.add_listener(self._channel, self._on_notification)
                self._lost.clear()
                self._answered_since = -math.inf
                self._connection = connection
                self._listener.hearing()
                while True:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._lost.wait(), self._check_seconds)
                    # The periodic check shares the callers' round trips.
                    if self._lost.is_set() or not await self.heard_until_now():
                        raise ConnectionError("the change feed's round trip failed")
            except _CONNECTION_FAILURES as error:
                self._listener.deaf()
                logger.warning(
                    "change feed interrupted", extra={"channel": self._channel, "error": type(error).__name__}
                )
            finally:
                self._connection = None
                if connection is not None:
                    connection.remove_termination_listener(self._on_termination)
                    await _close_quietly(connection)
            await asyncio.sleep(self._retry_seconds)


class _Round:
    """One round trip on the feed's connection, and whether it told that every change was heard."""

    __slots__ = ("done", "heard", "sent_at")

    def __init__(self) -> None:
        self.done = asyncio.Event()
        self.heard = False
        self.sent_at = math.inf  # when its statement was handed to the connection (`time.monotonic()`)


async def _close_quietly(connection: asyncpg.Connection) -> None:
    try:
        await asyncio.wait_for(connection.close(), timeout=2)
    except _CONNECTION_FAILURES:
        connection.terminate()
