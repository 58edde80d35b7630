"""The unit of work, and how it joins the ambient transaction a write request or a job lends it
(kit/ambient_transaction.py).

Outside an operation (CLI imports, scripts, tests calling use cases), `async with uow:` is one transaction
that commits when `commit()` is awaited and rolls back otherwise.

Inside an operation — a write request run by the write pipeline (kit/write_pipeline.py), or a job — the
operation holds one ambient transaction. The first writing unit of work opens it; later ones join it, each
as a savepoint, so a unit that ends without committing undoes only its own part; `commit()` marks the
unit's work to be kept. A keyed write's transaction is opened by the pipeline, which reserves the key in
it: its first unit joins without a savepoint (two round trips fewer), and undoing that unit rolls the whole
transaction back, which the next unit or the commit starts again with the key reserved again. The
operation commits once, after its outcome is known, with that outcome stored beside the change (the response
under the caller's Idempotency-Key, the job's result). A retry can then never find a committed change
without its answer, and an operation is all-or-nothing however many use cases it calls. Before committing,
the operation's guards run: a write without its audit event, or a conditional write whose precondition was
never checked, is refused — so no route can forget them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction, async_sessionmaker

from kit.ambient_transaction import PARTS, SCOPES, AmbientTransaction, ambient_transaction, roll_back
from kit.change_feed import PART_NAME, SCOPE_SETTING, scope_text
from kit.clock import Clock, SystemClock, day_of
from kit.driver_reads import COMPILED_READS, DRIVER_READS, READS_BIND
from kit.noted_audit import READS_ONLY
from kit.outbox import OUTBOX_TABLE, write_pending
from kit.pagination import KeptCounts
from kit.written_tables import WRITTEN, track_writes

_CLOCK = "clock"
# The transaction's change scope, as its commit's trigger reads it (kit/change_feed.py); parsed once.
_SCOPE_SET = text(f"SELECT set_config('{SCOPE_SETTING}', :scope, true)")


# Written alone, these announce no change (kit/change_feed.py QUIET_TABLES): the audit trail of an
# audited read, idempotency keys, outbox events.
LEDGER_TABLES = frozenset({"audit_events", "idempotency_keys", OUTBOX_TABLE})


def changed_scope(session: AsyncSession) -> str | None:
    """What the transaction of `session` changed, as the change feed announces it: None for nothing but the
    ledger, the contract it declared (`UnitOfWork.changes_contract`), or "" for anything."""
    written: set[str] = session.info.get(WRITTEN, {"?"})
    if not written - LEDGER_TABLES:
        return None
    return _scope_of(session)


def _scope_of(session: AsyncSession) -> str:
    """The change's scope as the response cache reads it: `contract`, `contract|part,part`, or ""."""
    scopes: set[str] = session.info.get(SCOPES, set())
    parts: set[str] | None = session.info.get(PARTS)
    return scope_text(next(iter(scopes)) if len(scopes) == 1 else "", parts)


@dataclass(frozen=True)
class _Announcement:
    """Tells the process's remembered answers what a committed transaction changed (once per operation)."""

    changed: Callable[[str], None]
    session: AsyncSession

    def __call__(self) -> None:
        scope = changed_scope(self.session)
        if scope is not None:
            self.changed(scope)


def clock_of(session: AsyncSession) -> Clock:
    """The clock of the unit of work that opened `session` (the system's for a session opened elsewhere)."""
    clock: Clock | None = session.info.get(_CLOCK)
    return clock if clock is not None else SystemClock()


class UnitOfWork:
    """One transaction: rolled back on exit unless `commit()` was awaited (see the module's docstring).

    `async with uow.reading():` is the same for use cases that only read: no BEGIN and no ROLLBACK round
    trips (autocommit), when the sessionmaker gives a reading bind (kit.database.create_sessionmaker; not
    behind a transaction-mode pooler, nor for sessions bound to a connection already in a transaction).
    Under READ COMMITTED every statement has its own snapshot inside a transaction too, so reads see exactly
    what they would have seen; locks and writes need `async with uow:`. Inside an operation that already
    wrote, a reading unit joins its transaction and so reads its writes."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_commit: Callable[[str], None] | None = None,
        clock: Clock | None = None,
        counts: KeptCounts | None = None,
    ) -> None:
        self._sessions = sessions
        # The app's kept totals of lists (kit.pagination.KeptCounts); None: every total is counted.
        self.counts = counts
        self._on_commit = on_commit
        self._clock = clock or SystemClock()
        # The bind of reading units (kit.driver_reads.READS_BIND); None: they read as writing units do.
        self._reads_bind = sessions.kw.get("info", {}).get(READS_BIND)
        # The engine of their compiled statements (kit.driver_reads.COMPILED_READS), else the same bind.
        self._compiled_reads = sessions.kw.get("info", {}).get(COMPILED_READS, self._reads_bind)
        self._session: AsyncSession | None = None
        self._committed = False
        self._read_only = False
        self._alone = False
        self._joined: AmbientTransaction | None = None
        self._opened: AmbientTransaction | None = None
        self._savepoint: AsyncSessionTransaction | None = None
        self._after_own_commit: list[Callable[[], None]] = []

    def reading(self) -> Self:
        self._read_only = True
        return self

    def alone(self) -> Self:
        """`async with uow.alone():` for ONE write statement, atomic by itself (a data-modifying WITH
        included): sent in autocommit like a read, with no BEGIN nor COMMIT round trip; behind a
        transaction-mode pooler (no autocommit), committed on exit. No audit: for the platform's own
        bookkeeping outside requests (a webhook attempt recorded), never for a user's change."""
        self._read_only = self._alone = True
        return self

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    def now(self) -> datetime:
        """The instant the use case acts at, from the app's clock (kit/clock.py)."""
        return self._clock.now()

    def today(self) -> date:
        """The day the use case acts on: deadlines, effective dates, \"already past\" checks."""
        return day_of(self._clock.now())

    async def __aenter__(self) -> Self:
        self._committed = False
        ambient = ambient_transaction()
        if ambient is not None and ambient.session is not None:
            self._session = ambient.session
            self._session.info.setdefault(_CLOCK, self._clock)
            self._joined = ambient
            await ambient.resume()
            if not self._read_only and not ambient.take_bare():
                self._savepoint = await self._session.begin_nested()
            return self
        if self._read_only and self._reads_bind is not None:
            self._session = self._sessions(bind=self._reads_bind)
            self._session.info[DRIVER_READS] = self._compiled_reads
        else:
            self._session = self._sessions()
        self._session.info[_CLOCK] = self._clock
        if self._read_only:
            self._session.info[READS_ONLY] = True  # an audit row noted here would never commit
            return self
        track_writes(self._session)
        if ambient is not None:
            ambient.adopt(self._session)
            self._opened = ambient
            if ambient.statement_timeout_ms is not None:
                # A job's own bound, longer than a request's (SET LOCAL: this transaction only).
                await self._session.execute(text(f"SET LOCAL statement_timeout = {int(ambient.statement_timeout_ms)}"))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        joined, opened, savepoint = self._joined, self._opened, self._savepoint
        self._session = self._joined = self._opened = self._savepoint = None
        read_only, self._read_only = self._read_only, False
        alone, self._alone = self._alone, False
        if joined is not None:
            # The operation owns the session; this unit undoes its own part only (all of it, when bare).
            if self._committed or read_only:
                return
            if savepoint is None:
                await joined.undo()
            elif savepoint.is_active:
                await savepoint.rollback()
            return
        if opened is not None and self._committed and exc is None:
            return  # kept open: the operation commits it with its outcome
        if opened is not None:
            opened.session = None
        try:
            if alone and exc is None and session.in_transaction():  # no autocommit: its statement's transaction
                await session.commit()
            # A reading unit of work has no transaction to roll back: closing releases the connection.
            if not self._committed and not read_only:
                await roll_back(session)
        finally:
            # A reading unit that sent only compiled statements (kit.driver_reads) never began: nothing to close
            # (closing costs a greenlet switch, ~20 µs: 4 % of a light read's CPU).
            if not read_only or session.in_transaction():
                await session.close()

    def check_precondition(self, current_etag: str | None) -> None:
        """Check the caller's If-Match against the resource's current ETag (None: it does not exist yet).

        Call it after reading the resource under lock. Outside a request it checks nothing."""
        ambient = ambient_transaction()
        if ambient is not None:
            ambient.check_precondition(current_etag)

    async def changes_contract(self, contract_code: str, parts: Iterable[str] | None = None) -> None:
        """Declare that this transaction changes the data of `contract_code` only (its rows and theirs, no
        data shared with other contracts): its commit then drops only that contract's remembered answers
        (and those of no contract) in every process. Two contracts declared in one transaction, or none,
        drop everything (kit/response_cache.py). `parts`: the only parts of the contract's data it changes
        (named by the service; answers holding other parts stay); declared once without parts: them all."""
        self.session.info.setdefault(SCOPES, set()).add(contract_code)
        if parts is None:
            self.session.info[PARTS] = None
        else:
            named = set(parts)
            if not named or any(not PART_NAME.fullmatch(part) for part in named):
                raise ValueError(f"not names of parts of a contract's data: {sorted(named)}")
            held = self.session.info.get(PARTS, set())  # none declared yet; None: every part already
            self.session.info[PARTS] = None if held is None else held | named
        await self.session.execute(_SCOPE_SET, {"scope": _scope_of(self.session)})

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once this unit's work is committed (with the operation's, inside one)."""
        ambient = self._joined or self._opened
        if ambient is not None:
            ambient.after_commit.append(callback)
        else:
            self._after_own_commit.append(callback)

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a reading unit of work writes nothing: open it with `async with uow`")
        ambient = self._joined or self._opened
        if ambient is None:
            await write_pending(self.session)
            await self.session.commit()
            self._committed = True
            if self._on_commit is not None:
                _Announcement(self._on_commit, self.session)()
            for callback in self._after_own_commit:
                callback()
            return
        await self.session.flush()
        if self._savepoint is not None and self._savepoint.is_active:
            await self._savepoint.commit()
        ambient.commit_requested = True
        if self._on_commit is not None:
            announcement = _Announcement(self._on_commit, self.session)
            if announcement not in ambient.after_commit:
                ambient.after_commit.append(announcement)
        self._committed = True
