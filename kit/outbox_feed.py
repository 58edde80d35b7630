"""The outbox read back as an ordered feed (kit/outbox.py explains the order: transaction id, then position,
up to the horizon of the oldest transaction still running), and the cursors that resume it exactly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ClauseElement,
    Integer,
    Table,
    Text,
    any_,
    bindparam,
    func,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from kit.compiled_statements import CompiledOnce
from kit.event_subjects import NAMES
from kit.outbox import START, Event
from kit.problems import FieldError, ProblemError

HORIZON = text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
LATEST = "latest"  # asks for no event but the cursor after the last one committed: to read from now on
CURSOR = re.compile(r"^([0-9]{1,19})\.([0-9]{1,19})$")


def parse_cursor(value: str | None, name: str = "after") -> tuple[int, int]:
    """A service's cursor, `<transaction id>.<position>` (`0.0`: before every event kept)."""
    matched = CURSOR.fullmatch(value or START)
    if matched is None:
        raise ProblemError(
            422,
            "validation",
            "Invalid input",
            f"{name} is not a cursor this feed gave",
            errors=[
                FieldError(pointer=f"/query/{name}", field=name, rule="cursor", message="not a cursor of this feed")
            ],
        )
    return int(matched.group(1)), int(matched.group(2))


def cursor_of(transaction_id: int, position: int) -> str:
    return f"{transaction_id}.{position}"


async def latest_cursor(session: AsyncSession, table: Table) -> str:
    """The cursor of the last event the feed shows now: what commits later comes after it (see the horizon)."""
    last = (
        await session.execute(
            select(table.c.transaction_id, table.c.position)
            .where(table.c.transaction_id < HORIZON)
            .order_by(table.c.transaction_id.desc(), table.c.position.desc())
            .limit(1)
        )
    ).first()
    return cursor_of(last[0], last[1]) if last is not None else START


@dataclass(frozen=True, slots=True)
class FeedPage:
    events: list[Event]
    next_cursor: str
    has_more: bool


async def read_feed(
    session: AsyncSession,
    table: Table,
    *,
    after: str | None,
    contracts: frozenset[str] | None,
    types: frozenset[str] | None,
    contract_code: str | None,
    limit: int,
) -> FeedPage:
    """The committed events after the cursor (see the module's docstring), in order: those of `contracts`
    (None: all) and of no contract, of `types` (None: all), of `contract_code` when given. A cursor naming
    no kept event is a 410 that names the oldest cursor kept. The caller filters what it may read; the next
    cursor is the last event scanned, so filtering never loses or repeats one."""
    transaction_id, position = parse_cursor(after)
    if (transaction_id, position) != (0, 0):
        found = await session.scalar(
            select(func.count())
            .select_from(table)
            .where(table.c.transaction_id == transaction_id, table.c.position == position)
        )
        if not found:
            raise ProblemError(
                410,
                "cursor-expired",
                "Cursor no longer kept",
                "This cursor names no event kept (expired, or never given): read again from the oldest cursor.",
                extra={"oldestCursor": START},
            )
    asked: dict[str, Any] = {"contracts": contracts, "contract_code": contract_code, "types": types}
    shape = frozenset(name for name, value in asked.items() if value is not None)
    values = {name: list(value) if isinstance(value, frozenset) else value for name, value in asked.items()}
    values |= {"transaction_id": transaction_id, "position": position, "longer": limit + 1}
    rows = await _FEEDS((table, shape)).rows(session, values)
    events = [_event_of(dict(zip(_EVENT_COLUMNS, row, strict=True))) for row in rows[:limit]]
    last = events[-1].cursor if events else cursor_of(transaction_id, position)
    return FeedPage(events, last, len(rows) > limit)


# The columns of an event the feed reads: the Event's fields in their order (kit.event_subjects.NAMES),
# then its place in the outbox, the cursor's two numbers.
_EVENT_COLUMNS = (*NAMES, "transaction_id", "position")


def _event_of(columns: dict[str, Any]) -> Event:
    """The event of a row of the feed, its columns by name (_EVENT_COLUMNS)."""
    cursor = cursor_of(columns.pop("transaction_id"), columns.pop("position"))
    return Event(**columns | {"related": dict(columns["related"]), "cursor": cursor})


def _feed_statement(key: tuple[Table, frozenset[str]]) -> tuple[ClauseElement, frozenset[str]]:
    """The feed's page, one row longer than asked, for the filters of the shape (each a named parameter):
    built and compiled once per table and shape (kit/compiled_statements.py)."""
    table, shape = key
    after = tuple_(bindparam("transaction_id", type_=BigInteger), bindparam("position", type_=BigInteger))
    query = (
        select(*(table.c[name] for name in _EVENT_COLUMNS))
        .where(tuple_(table.c.transaction_id, table.c.position) > after)
        .where(table.c.transaction_id < HORIZON)
        .order_by(table.c.transaction_id, table.c.position)
        .limit(bindparam("longer", type_=Integer))
    )
    if "contracts" in shape:
        mine = table.c.contract_code == any_(bindparam("contracts", type_=ARRAY(Text)))
        query = query.where(or_(mine, table.c.contract_code.is_(None)))
    if "contract_code" in shape:
        query = query.where(table.c.contract_code == bindparam("contract_code", type_=Text))
    if "types" in shape:
        query = query.where(table.c.event_type == any_(bindparam("types", type_=ARRAY(Text))))
    return query, shape | {"transaction_id", "position", "longer"}


_FEEDS = CompiledOnce(_feed_statement)
