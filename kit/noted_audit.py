"""Audit rows noted by a transaction, written just before it commits, with its outbox events in one statement.

A write's latency under load is about its number of round trips: each waits its turn in a busy event loop.
Its audit rows are known when it records them (actor, action, before, after), so nothing needs them written
at once: the transaction notes them, and `kit.outbox.write_pending` writes them in the statement of one of
its events (`WITH audit_written AS (INSERT …) INSERT INTO outbox_events …`), or alone when it has no event.

Whatever commits the session writes them: a `before_commit` hook writes the rows still noted (a commit path
that does not call `write_pending`, a script's). A rollback forgets them, and a savepoint rolled back the
rows noted since it began, so the trail holds exactly what committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from kit.combined_writes import WritePart, combined

_NOTED = "audit_noted"
_HOOKED = "audit_noted_hooks"
_MARKS = "audit_noted_marks"  # per open savepoint: how many rows were noted when it began
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


@dataclass
class _Noted:
    table: Table
    rows: list[dict[str, Any]] = field(default_factory=list)


def note_audit_row(session: AsyncSession, table: Table, row: dict[str, Any]) -> None:
    """Note `row` (the `COLUMNS`) for `table`, written before `session` commits."""
    if session.info.get(READS_ONLY):
        raise AuditInReadError("an audited action needs `async with uow:` and its commit, not `uow.reading()`")
    noted: _Noted = session.info.setdefault(_NOTED, _Noted(table))
    noted.rows.append(row)
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        hooked = session.sync_session
        event.listen(hooked, "after_transaction_create", _mark_savepoint)
        event.listen(hooked, "after_soft_rollback", _forget_rolled_back)
        event.listen(hooked, "before_commit", _write_left)


_INSERTS: dict[str, str] = {}


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
    """The write of the rows noted (no longer noted: the caller sends it), or None."""
    noted: _Noted | None = session.info.pop(_NOTED, None)
    if noted is None or not noted.rows:
        return None
    return WritePart("audit_written", _insert_sql(noted.table), {AUDIT_ROWS: noted.rows}, (_ROWS_BIND,))


_ROWS_BIND = bindparam(AUDIT_ROWS, type_=JSONB)


def _count(session: Session) -> int:
    noted: _Noted | None = session.info.get(_NOTED)
    return len(noted.rows) if noted is not None else 0


def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = _count(session)


def _forget_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    """A savepoint rolled back: the rows noted since it began; the transaction: all of them."""
    marks: dict[SessionTransaction, int] = session.info.get(_MARKS, {})
    if transaction.nested:
        noted: _Noted | None = session.info.get(_NOTED)
        if noted is not None:
            del noted.rows[marks.pop(transaction, 0) :]
    elif transaction.parent is None:
        session.info.pop(_NOTED, None)
        marks.clear()


def _write_left(session: Session) -> None:
    """Before the commit of the transaction (not a savepoint's release): the rows nobody wrote yet (sync, in
    the async session's greenlet, like every event hook of an AsyncSession)."""
    if session.in_nested_transaction():
        return
    session.info.pop(_MARKS, None)
    left = take_noted(session)
    if left is not None:
        statement, values = combined([left])
        session.execute(statement, values)
