"""The ambient transaction of an operation: a write request run by the write pipeline
(kit/write_pipeline.py), or a job. Its units of work (kit/unit_of_work.py) join it; it commits once, after
the operation's outcome is known, with that outcome stored beside the change, once its guards pass (a write
without its audit event, or a conditional write whose precondition was never checked, is refused).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from kit.etags import evaluate_if_match
from kit.outbox import OUTBOX_TABLE, forget_pending, write_pending
from kit.written_tables import track_writes

# In a writing session's info: the contracts its transaction declared it changes, and the parts of their
# data (None: all of them); kit/unit_of_work.py `changes_contract`.
SCOPES = "change_scopes"
PARTS = "change_parts"


async def roll_back(session: AsyncSession) -> None:
    """Roll the session's transaction back, forgetting the events it noted. What it read is detached first:
    a rollback would expire it, and callers use it after (the audit rows noted go with the rollback,
    kit/noted_audit.py)."""
    forget_pending(session)
    session.expunge_all()
    await session.rollback()


class UnguardedWriteError(RuntimeError):
    """A programming error: a write that would skip one of the platform's guarantees."""


class CommitOutcomeUnknownError(Exception):
    """The connection to the database was lost while it committed: the change may or may not be stored."""


def _lost_connection(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError):
        code = getattr(error.orig, "sqlstate", None) or getattr(getattr(error.orig, "__cause__", None), "sqlstate", "")
        # A definite refusal (a constraint, a serialization failure) says the transaction was rolled back.
        if isinstance(code, str) and code[:2] in {"23", "40", "22"}:
            return False
        return error.connection_invalidated or isinstance(error, sa_exc.InterfaceError | sa_exc.OperationalError)
    return isinstance(error, OSError | ConnectionError)


@dataclass
class AmbientTransaction:
    """The single transaction of one operation, opened by its first writing unit of work.

    The write pipeline opens it before the handler runs when the caller sent an Idempotency-Key (the key
    is reserved in it first, and the audit events carry it); otherwise the first writing unit of work
    opens it. `if_match` is the caller's precondition, `conditional` says whether the operation must check
    one before it commits, `audited_tables` names the tables whose rows are the audit trail itself
    (writing only those needs no audit event).
    """

    if_match: str | None = None
    idempotency_key: str | None = None
    conditional: bool = False
    statement_timeout_ms: int | None = None
    audited_tables: frozenset[str] = frozenset({"audit_events", "idempotency_keys", OUTBOX_TABLE})
    session: AsyncSession | None = None
    commit_requested: bool = False
    precondition_checked: bool = False
    audited: bool = False
    wrote_tables: set[str] = field(default_factory=set)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    committed: bool = False
    # What the transaction held before any unit joined, redone by `restart` (the key's reservation): its
    # first writing unit takes no savepoint (`bare`; SAVEPOINT and RELEASE cost two round trips and half a
    # millisecond of CPU, a write's tenth); undone, it rolls everything back, and the next unit to join, or
    # the commit, restarts the transaction first (`undone`).
    restart: Callable[[AsyncSession], Awaitable[None]] | None = None
    bare: bool = False
    undone: bool = False

    def adopt(self, session: AsyncSession) -> None:
        """Make `session` the operation's, and record which tables it writes (ORM or Core statements)."""
        self.session = session
        self.wrote_tables = track_writes(session)

    def holds_only(self, restart: Callable[[AsyncSession], Awaitable[None]]) -> None:
        """The transaction holds nothing yet but what `restart` does again in a new one."""
        self.restart, self.bare = restart, True

    def take_bare(self) -> bool:
        """Whether a writing unit joining now may go without a savepoint (the first one, when the transaction
        holds only what `restart` redoes): undoing its part is undoing everything."""
        bare, self.bare = self.bare, False
        return bare

    async def undo(self) -> None:
        """Roll the whole transaction back (its bare unit ended without committing): what it wrote and noted
        (audit rows, events, the contract it changes) is forgotten; `resume` starts it again."""
        session = self.opened_session()
        await roll_back(session)
        self.wrote_tables.clear()
        session.info.pop(SCOPES, None)
        session.info.pop(PARTS, None)
        self.audited = False
        self.undone = True

    async def resume(self) -> None:
        """After `undo`: the transaction started again with what it held before (the key reserved again)."""
        if self.undone and self.restart is not None:
            self.undone = False
            await self.restart(self.opened_session())
            self.bare = True  # it holds only what `restart` did, again

    def opened_session(self) -> AsyncSession:
        if self.session is None:
            raise RuntimeError("the operation's transaction is not open")
        return self.session

    def check_precondition(self, current_etag: str | None) -> None:
        evaluate_if_match(self.if_match, current_etag)
        self.precondition_checked = True

    def check_guards(self) -> None:
        if self.conditional and not self.precondition_checked:
            raise UnguardedWriteError(
                "a conditional write committed without checking If-Match (uow.check_precondition)"
            )
        if self.wrote_tables - self.audited_tables and not self.audited:
            raise UnguardedWriteError(
                "a write committed without an audit event: " + ", ".join(sorted(self.wrote_tables))
            )

    async def complete(self, keep_outcome: Callable[[AsyncSession], Awaitable[None]] | None = None) -> bool:
        """Commit what the units asked to keep, with the operation's outcome; False when nothing to commit."""
        if self.session is None or not self.commit_requested:
            return False
        await self.resume()
        self.check_guards()
        if keep_outcome is not None:
            await keep_outcome(self.session)
        await write_pending(self.session)  # the events a keeper did not write (a job's, or no response's)
        try:
            await self.session.commit()
        except Exception as error:
            if _lost_connection(error):
                raise CommitOutcomeUnknownError from error
            raise
        self.committed = True
        for callback in self.after_commit:
            callback()
        return True

    async def close(self) -> None:
        """Roll back what was not committed and give the connection back."""
        session, self.session = self.session, None
        if session is None:
            return
        try:
            if not self.committed:
                await roll_back(session)
        finally:
            await session.close()


_AMBIENT: ContextVar[AmbientTransaction | None] = ContextVar("ambient_transaction", default=None)


def ambient_transaction() -> AmbientTransaction | None:
    """The operation's transaction, when a write request or a job is running."""
    return _AMBIENT.get()


def enter_operation(transaction: AmbientTransaction) -> Token[AmbientTransaction | None]:
    return _AMBIENT.set(transaction)


def leave_operation(token: Token[AmbientTransaction | None]) -> None:
    _AMBIENT.reset(token)


def note_audited() -> None:
    """Called by the audit log when it records an event in the operation's transaction."""
    transaction = _AMBIENT.get()
    if transaction is not None:
        transaction.audited = True
