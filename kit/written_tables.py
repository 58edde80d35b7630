"""The tables a transaction writes, as its commit announces them (kit/unit_of_work.py): ORM flushes and Core
statements of a session that tracks them."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

WRITTEN = "written_tables"  # in a tracking session's info: the names of the tables it wrote


def track_writes(session: AsyncSession) -> set[str]:
    """The set, filled from now on, of the tables `session` writes (ORM flushes and Core statements)."""
    written: set[str] | None = session.info.get(WRITTEN)
    if written is None:
        written = session.info[WRITTEN] = set()
        # Listened to on this session only: with a listener of this event, SQLAlchemy prepares every ORM
        # statement of the session for it, a cost the reading sessions need not pay.
        event.listen(session.sync_session, "do_orm_execute", _note_executed_table)
    return written


# Heard for every session (listened to once rather than on each new one: a flush is a write's anyway),
# acting on those that track their writes.
@event.listens_for(Session, "before_flush")
def _note_flushed_tables(flushing: Session, _transaction: UOWTransaction, _instances: object) -> None:
    written: set[str] | None = flushing.info.get(WRITTEN)
    if written is None:
        return
    for instance in (*flushing.new, *flushing.dirty, *flushing.deleted):
        table = getattr(type(instance), "__tablename__", None)
        if isinstance(table, str):
            written.add(table)


def _note_executed_table(state: ORMExecuteState) -> None:
    written: set[str] | None = state.session.info.get(WRITTEN)
    if written is None or not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    written.add(name if isinstance(name, str) else "?")
