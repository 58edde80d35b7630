"""The statement that writes an event: an INSERT … SELECT that reads the event's subject (its contract and
related ids, kit/outbox.py `SubjectSource`) by outer joins on the entity's table and its parents', so that a
write's events cost one statement and no read before it.

A write's path is hot (bench/events.py): each statement is built and compiled once per (catalogue, entity
type) and kept as plain SQL with named parameters, whose types PostgreSQL infers from the casts and the key
columns; a write only binds its values."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    FromClause,
    Integer,
    Join,
    MetaData,
    Table,
    Text,
    TextClause,
    Uuid,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB

if TYPE_CHECKING:
    from kit.outbox import EventCatalogue, SubjectSource

NAMES = (
    "event_id",
    "event_type",
    "schema_version",
    "occurred_at",
    "contract_code",
    "resource_type",
    "resource_id",
    "etag",
    "related",
)
_NAMED = postgresql.dialect(paramstyle="named")  # type: ignore[no-untyped-call] # `:name` parameters, no driver casts: kept as text()
_EMPTY = func.jsonb_build_object(type_=JSONB)


@dataclass(frozen=True, slots=True)
class _Compiled:
    statement: TextClause
    table: Table | None  # the subject's own table, whose key columns are bound as `key_0`, `key_1`…
    keys: tuple[str, ...]


_STATEMENTS: dict[tuple[int, str, str], _Compiled] = {}


def _table_named(metadata: MetaData, name: str) -> Table:
    return next(candidate for candidate in metadata.sorted_tables if candidate.name == name)


def _one() -> FromClause:
    return select(literal_column("1").label("one")).subquery("one")


def _constant(name: str) -> ColumnElement[Any]:
    if not name.isidentifier():
        raise ValueError(f"a related id's name is an identifier: {name!r}")
    return literal_column(f"'{name}'", Text)


@dataclass(frozen=True, slots=True)
class _Subject:
    source: FromClause
    contract: ColumnElement[Any]
    related: ColumnElement[Any]
    keys: tuple[str, ...] = ()  # the subject table's key columns, bound as `key_0`, `key_1`…


def _subject(metadata: MetaData, catalogue: EventCatalogue, entity_type: str) -> _Subject:
    source = catalogue.subjects.get(entity_type)
    if source is None:  # an entity of no contract (an import of public data): only its own id
        return _Subject(_one(), cast(null(), Text), _EMPTY)
    if source.table is None:  # an entity whose id is its contract's code
        return _Subject(_one(), cast(bindparam("subject_id"), Text), _EMPTY)
    table = _table_named(metadata, source.table).alias("subject_0")
    # Verbatim `:key_n` (a typed bind would render a `::UUID` cast that text() reads as another parameter).
    condition = and_(*(table.c[key] == literal_column(f":key_{index}") for index, key in enumerate(source.keys)))
    found = _with_parent(metadata, catalogue, source, table, _one().outerjoin(table, condition), 1)
    return _Subject(found.source, found.contract, found.related, tuple(source.keys))


def _with_parent(
    metadata: MetaData,
    catalogue: EventCatalogue,
    source: SubjectSource,
    row: FromClause,
    joined: Join | FromClause,
    depth: int,
) -> _Subject:
    """The row's contract and related ids (a row deleted by the write itself: none, as no row joins), and
    what its parent gives that the row lacks (joined in turn)."""
    pairs = [item for column, name in source.related.items() for item in (_constant(name), cast(row.c[column], Text))]
    related = func.jsonb_strip_nulls(func.jsonb_build_object(*pairs, type_=JSONB), type_=JSONB) if pairs else _EMPTY
    contract = cast(row.c[source.contract], Text) if source.contract is not None else cast(null(), Text)
    parent = catalogue.subjects.get(source.parent[0]) if source.parent is not None else None
    if source.parent is None or parent is None:
        return _Subject(joined, contract, related)
    link = row.c[source.parent[1]]
    if parent.table is None:  # a parent whose id is its contract's code
        return _Subject(joined, func.coalesce(contract, cast(link, Text)), related)
    above = _table_named(metadata, parent.table).alias(f"subject_{depth}")
    joined = joined.outerjoin(above, above.c[parent.keys[0]] == link)
    found = _with_parent(metadata, catalogue, parent, above, joined, depth + 1)
    merged = found.related.op("||", return_type=JSONB)(related)  # the row's own ids over its parent's
    return _Subject(found.source, func.coalesce(contract, found.contract), merged)


def _compiled(table: Table, catalogue: EventCatalogue, entity_type: str) -> _Compiled:
    subject = _subject(table.metadata, catalogue, entity_type)
    query = select(
        cast(bindparam("event_id"), Uuid),
        cast(bindparam("event_type"), Text),
        cast(bindparam("schema_version"), Integer),
        cast(bindparam("occurred_at"), DateTime(timezone=True)),
        subject.contract,
        cast(bindparam("resource_type"), Text),
        cast(bindparam("resource_id"), Text),
        cast(bindparam("etag"), Text),
        subject.related,
    ).select_from(subject.source)
    statement = table.insert().from_select(list(NAMES), query)
    source = catalogue.subjects.get(entity_type)
    own = _table_named(table.metadata, source.table) if source is not None and source.table is not None else None
    return _Compiled(text(str(statement.compile(dialect=_NAMED))), own, subject.keys)


def insert_event(
    table: Table, catalogue: EventCatalogue, entity_type: str, entity_id: str
) -> tuple[TextClause, dict[str, Any]]:
    """The statement that writes an event of this entity, and the subject's parameters (the event's own
    values are bound by the caller under `NAMES`)."""
    cache_key = (id(catalogue), table.fullname, entity_type)
    if cache_key not in _STATEMENTS:
        _STATEMENTS[cache_key] = _compiled(table, catalogue, entity_type)
    compiled = _STATEMENTS[cache_key]
    parameters: dict[str, Any] = {"subject_id": entity_id} if ":subject_id" in compiled.statement.text else {}
    if compiled.table is not None:
        parts = entity_id.split("/")[: len(compiled.keys)]  # a line of a batch: `batch/line`, read on its batch
        for index, (key, part) in enumerate(zip(compiled.keys, parts, strict=True)):
            parameters[f"key_{index}"] = _key_value(compiled.table, key, part)
    return compiled.statement, parameters


def _key_value(table: Table, column: str, value: str) -> Any:
    return uuid.UUID(value) if isinstance(table.c[column].type, Uuid) else value


def grouped(statements: Sequence[tuple[TextClause, dict[str, Any]]]) -> list[tuple[TextClause, list[dict[str, Any]]]]:
    """Consecutive events of one statement together (each group one round trip, in order)."""
    groups: list[tuple[TextClause, list[dict[str, Any]]]] = []
    for statement, parameters in statements:
        if groups and groups[-1][0] is statement:
            groups[-1][1].append(parameters)
        else:
            groups.append((statement, [parameters]))
    return groups
