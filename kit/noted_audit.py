"""Audit rows noted by a transaction, written just before it commits, with its outbox events in one statement.

A write's latency under load is about its number of round trips: each waits its turn in a busy event loop.
Its audit rows are known when it records them (actor, action, before, after), so nothing needs them written
at once: the transaction notes them, and `kit.outbox.write_pending` writes them in the statement of one of
its events (`WITH audit_written AS (INSERT …) INSERT INTO outbox_events …`), or alone when it has no event.

Whatever commits the session writes them: a `before_commit` hook writes the rows still noted, and what else a
module asked it to (`on_commit_left`: the outbox's events), for a commit path that does not call
`write_pending` (a script's). What a transaction notes (these rows, its outbox events:
`noted`) is kept as its savepoints are: one rolled back drops what was noted since it began, a rollback
everything, so the trail and the events hold exactly what committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, bindparam, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from kit.combined_writes import WritePart, combined

_LISTS = "noted_lists"  # name -> what the transaction noted under that name, in order
_MARKS = "noted_marks"  # per open savepoint: how long each list was when it began
_LEFT = "noted_left_writers"  # what writes, at the commit, what is still noted (audit rows, outbox events)
_AUDIT = "audit"
_AUDIT_TABLE = "audit_table"
READS_ONLY = "reads_only"  # in a session's info while a reading unit of work holds it (kit/unit_of_work.py)
AUDIT_ROWS = "audit_rows"  # the parameter binding the noted rows, one JSON array
# The columns an audit row is noted with; `occurred_at` is the transaction's now() (the column's default).
COLUMNS = (
    ("actor_subject", "text"),
    ("actor_kind", "text"),
    ("actor_institution", "text"),
    ("action", "text"),
    ("entity_type", "text"),
    ("entity_id", "text"),
    ("before", "jsonb"),
    ("after", "jsonb"),
    ("reason", "text"),
    ("request_id", "text"),
    ("idempotency_key", "text"),
)
_JSON_NULL = ("before", "after")  # a missing document is stored as JSON null, as the table always held it


class AuditInReadError(RuntimeError):
    """A programming error: an audit row recorded in a reading unit of work, which never commits."""


def noted(session: AsyncSession, name: str) -> list[Any]:
    """The list of what the transaction of `session` notes under `name` (to write before it commits), kept
    as its savepoints are (see the module's docstring)."""
    lists: dict[str, list[Any]] | None = session.info.get(_LISTS)
    if lists is None:
        lists = session.info[_LISTS] = {}  # from now on, the hooks below keep them
    return lists.setdefault(name, [])


def on_commit_left(session: AsyncSession, writer: Callable[[Session], None]) -> None:
    """Have `writer` write, before the transaction commits, what it noted and nobody wrote (a commit path
    that does not call `write_pending`): the same hook as the audit rows'."""
    writers: list[Callable[[Session], None]] = session.info.setdefault(_LEFT, [])
    if writer not in writers:
        writers.append(writer)


def note_audit_row(session: AsyncSession, table: Table, row: dict[str, Any]) -> None:
    """Note `row` (the `COLUMNS`) for `table`, written before `session` commits."""
    if session.info.get(READS_ONLY):
        raise AuditInReadError("an audited action needs `async with uow:` and its commit, not `uow.reading()`")
    session.info[_AUDIT_TABLE] = table
    noted(session, _AUDIT).append(row)
    on_commit_left(session, _write_left_rows)


_INSERTS: dict[str, str] = {}
_ROWS_BIND = bindparam(AUDIT_ROWS, type_=JSONB)


def _insert_sql(table: Table) -> str:
    """INSERT … SELECT of the rows bound as one JSON array, in the order they were noted."""
    name = table.fullname
    if name not in _INSERTS:
        names = ", ".join(column for column, _ in COLUMNS)
        values = ", ".join(
            f"coalesce(noted.{column}, 'null'::jsonb)" if column in _JSON_NULL else f"noted.{column}"
            for column, _ in COLUMNS
        )
        typed = ", ".join(f"{column} {kind}" for column, kind in COLUMNS)
        _INSERTS[name] = (
            f"INSERT INTO {name} ({names}) SELECT {values} "  # noqa: S608 - the table's own name and our constants
            f"FROM ROWS FROM (jsonb_to_recordset(:{AUDIT_ROWS}) AS ({typed})) "
            f"WITH ORDINALITY AS noted({names}, position) "
            "ORDER BY noted.position"
        )
    return _INSERTS[name]


def take_noted(session: AsyncSession | Session) -> WritePart | None:
    """The write of the audit rows noted (no longer noted: the caller sends it), or None."""
    lists: dict[str, list[Any]] = session.info.get(_LISTS, {})
    rows = lists.get(_AUDIT)
    if not rows:
        return None
    taken = list(rows)
    rows.clear()
    return WritePart("audit_written", _insert_sql(session.info[_AUDIT_TABLE]), {AUDIT_ROWS: taken}, (_ROWS_BIND,))


# The hooks are heard for every session (listened to once, not again on each new session) and act on those
# that noted something: a savepoint begun before anything was noted has no mark, so its
# rollback forgets all that was noted since, which is all that was noted.
@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    lists: dict[str, list[Any]] | None = session.info.get(_LISTS)
    if lists is not None and transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = {name: len(items) for name, items in lists.items()}


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    """A savepoint rolled back: what was noted since it began; the transaction: everything."""
    lists: dict[str, list[Any]] | None = session.info.get(_LISTS)
    if lists is None:
        return
    marks: dict[SessionTransaction, dict[str, int]] = session.info.get(_MARKS, {})
    if transaction.nested:
        lengths = marks.pop(transaction, {})
        for name, items in lists.items():
            del items[lengths.get(name, 0) :]
    elif transaction.parent is None:
        for items in lists.values():
            items.clear()
        marks.clear()


@event.listens_for(Session, "before_commit")
def _write_left(session: Session) -> None:
    """Before the commit of the transaction (not a savepoint's release): what was noted and nobody wrote yet
    (sync, in the async session's greenlet, like every event hook of an AsyncSession)."""
    if _LISTS not in session.info or session.in_nested_transaction():
        return
    session.info.pop(_MARKS, None)
    for writer in session.info.get(_LEFT, []):
        writer(session)


def _write_left_rows(session: Session) -> None:
    left = take_noted(session)
    if left is not None:
        statement, values = combined([left])
        session.execute(statement, values)
