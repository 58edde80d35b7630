"""Several writes of the ledger sent as one statement: each a data-modifying `WITH` clause of the next.

A write's latency under load is about its number of round trips, each waiting its turn in a busy event
loop. What a write records besides its own rows (its audit rows, the answer kept under its Idempotency-Key)
is known before it commits and needs nothing read back, so it rides in the statement of one of its outbox
events (kit/outbox.py `write_pending`). PostgreSQL runs every data-modifying `WITH` clause exactly once,
whether or not the statement reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.sql.elements import BindParameter


@dataclass(frozen=True, slots=True)
class WritePart:
    """One INSERT, UPDATE or DELETE with named parameters (unique to it) and their values; `binds` types
    those the driver must convert (JSON, bytes)."""

    name: str
    sql: str
    values: Mapping[str, Any]
    binds: tuple[BindParameter[Any], ...] = ()


_STATEMENTS: dict[tuple[str, ...], TextClause] = {}


def combined(parts: Sequence[WritePart], then: TextClause | None = None) -> tuple[TextClause, dict[str, Any]]:
    """The statement running `parts`, then `then` (or the last part) as its own statement, and their values
    (the caller adds those of `then`). Built once per shape."""
    if not parts:
        raise ValueError("nothing to combine")
    leading, main = (list(parts), then.text) if then is not None else (list(parts[:-1]), parts[-1].sql)
    key = (*(part.sql for part in parts), main)
    if key not in _STATEMENTS:
        clauses = ", ".join(f"{part.name} AS ({part.sql})" for part in leading)
        statement = text(f"WITH {clauses} {main}" if clauses else main)
        binds = [bind for part in parts for bind in part.binds]
        _STATEMENTS[key] = statement.bindparams(*binds) if binds else statement
    values: dict[str, Any] = {}
    for part in parts:
        if values.keys() & part.values.keys():
            raise ValueError(f"{part.name} binds a parameter another part binds: {sorted(values.keys() & part.values)}")
        values.update(part.values)
    return _STATEMENTS[key], values
