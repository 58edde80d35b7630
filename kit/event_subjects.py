"""Where an event's subject (its contract and related ids, kit/outbox.py `SubjectSource`) is read: inside the
event's own INSERT … SELECT, as outer joins on the entity's table and its parents' (one statement per write,
no read before it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Join,
    MetaData,
    Table,
    Text,
    Uuid,
    and_,
    cast,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB

if TYPE_CHECKING:
    from kit.outbox import EventCatalogue, SubjectSource


def _key_value(table: FromClause, column: str, value: str) -> Any:
    return uuid.UUID(value) if isinstance(table.c[column].type, Uuid) else value


_EMPTY = func.jsonb_build_object(type_=JSONB)


def sql_value(value: Any, kind: Any) -> ColumnElement[Any]:
    return cast(literal(value, kind), kind)


def _table_named(metadata: MetaData, name: str) -> Table:
    return next(candidate for candidate in metadata.sorted_tables if candidate.name == name)


@dataclass(frozen=True, slots=True)
class SubjectSql:
    """Where an event's subject is read inside its insert: the FROM (outer joins, so a row deleted by the
    write itself gives no contract and no related id, as before), its contract and its related ids."""

    source: FromClause
    contract: ColumnElement[Any]
    related: ColumnElement[Any]


def _one() -> FromClause:
    return select(literal(1).label("one")).subquery("one")


def subject_sql(metadata: MetaData, catalogue: EventCatalogue, entity_type: str, entity_id: str) -> SubjectSql:
    source = catalogue.subjects.get(entity_type)
    if source is None:  # an entity of no contract (an import of public data): only its own id
        return SubjectSql(_one(), cast(null(), Text), _EMPTY)
    if source.table is None:
        return SubjectSql(_one(), sql_value(entity_id, Text), _EMPTY)
    table = _table_named(metadata, source.table).alias("subject_0")
    parts = entity_id.split("/")[: len(source.keys)]  # a line of a batch: `batch/line`, read on its batch
    condition = and_(
        *(table.c[key] == _key_value(table, key, part) for key, part in zip(source.keys, parts, strict=True))
    )
    return _with_parent(metadata, catalogue, source, table, _one().outerjoin(table, condition), 1)


def _with_parent(
    metadata: MetaData,
    catalogue: EventCatalogue,
    source: SubjectSource,
    row: FromClause,
    joined: Join | FromClause,
    depth: int,
) -> SubjectSql:
    """The row's contract and related ids, and what its parent gives that the row lacks (joined in turn)."""
    pairs = [
        item for column, name in source.related.items() for item in (sql_value(name, Text), cast(row.c[column], Text))
    ]
    related = func.jsonb_strip_nulls(func.jsonb_build_object(*pairs, type_=JSONB), type_=JSONB) if pairs else _EMPTY
    contract = cast(row.c[source.contract], Text) if source.contract is not None else cast(null(), Text)
    parent = catalogue.subjects.get(source.parent[0]) if source.parent is not None else None
    if source.parent is None or parent is None:
        return SubjectSql(joined, contract, related)
    link = row.c[source.parent[1]]
    if parent.table is None:  # a parent whose id is its contract's code
        return SubjectSql(joined, func.coalesce(contract, cast(link, Text)), related)
    above = _table_named(metadata, parent.table).alias(f"subject_{depth}")
    joined = joined.outerjoin(above, above.c[parent.keys[0]] == link)
    found = _with_parent(metadata, catalogue, parent, above, joined, depth + 1)
    return SubjectSql(
        found.source, func.coalesce(contract, found.contract), found.related.op("||", return_type=JSONB)(related)
    )
