"""Statements of hot reads built and compiled once per shape, then only bound and sent.

Building a Core statement of a few joins and JSON builders costs a few milliseconds of Python on every
request, and SQLAlchemy's compiled cache still walks it for its cache key; the statement itself runs in
about one (bench/computed.py's profile). A repository whose statement varies only by which filters are
present builds it once per shape (the set of filters given), with a named `bindparam` for each value,
and keeps the SQL the asyncpg dialect writes for it (`$n::TYPE` parameters, so PostgreSQL never has to
guess a type). A request binds its values in order and sends the SQL on the unit of work's own
connection (`exec_driver_sql`: its transaction, its statement timeout, its pooler settings); a reading unit
of work's, by asyncpg itself on a connection of the same pool (kit.driver_reads).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic.alias_generators import to_camel
from sqlalchemy import (
    ClauseElement,
    CursorResult,
    Integer,
    Numeric,
    Select,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

from kit.driver_reads import driver_rows
from kit.pagination import CountKept, PageRequest, kept_total

Shape = TypeVar("Shape", bound=Hashable)
_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call] # SQLAlchemy's dialects are untyped


class MissingValueError(LookupError):
    """A statement was sent without the value of one of its named parameters (a programming error)."""


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    """One statement's SQL, the names of its parameters in order, the values it carries itself (literals
    of the statement, such as JSON keys) and each parameter's conversion to what the driver takes."""

    sql: str
    names: tuple[str, ...]
    constants: Mapping[str, Any]
    conversions: Mapping[str, Callable[[Any], Any]]

    def arguments(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        bound: list[Any] = []
        for name in self.names:
            if name in values:
                value = values[name]
            elif name in self.constants:
                value = self.constants[name]
            else:
                raise MissingValueError(f"no value for the parameter {name!r} of a compiled statement")
            conversion = self.conversions.get(name)
            bound.append(value if conversion is None or value is None else conversion(value))
        return tuple(bound)

    async def run(self, session: AsyncSession, values: Mapping[str, Any]) -> CursorResult[Any]:
        """The statement with these values, on the session's connection (its unit of work's transaction,
        timeouts and pooler settings)."""
        connection = await session.connection()
        return await connection.exec_driver_sql(self.sql, self.arguments(values))

    async def rows(self, session: AsyncSession, values: Mapping[str, Any]) -> Sequence[Any]:
        """The rows the statement returns with these values, each read by position (a tuple's indexes and
        unpacking); in a reading unit of work, sent by the driver itself (kit.driver_reads)."""
        arguments = self.arguments(values)
        read = await driver_rows(session, self.sql, arguments)
        if read is not None:
            return read
        connection = await session.connection()
        return (await connection.exec_driver_sql(self.sql, arguments)).all()


def _compiled(statement: ClauseElement) -> SQLCompiler:
    compiled = statement.compile(dialect=_DIALECT)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError("only a statement (not DDL) is compiled for a hot read")
    return compiled


def compile_statement(statement: ClauseElement, required: frozenset[str]) -> CompiledStatement:
    """The statement as the asyncpg dialect writes it; `required` names the parameters a caller binds
    (every other parameter is a literal of the statement and keeps its value)."""
    compiled = _compiled(statement)
    names = tuple(compiled.positiontup or ())
    constants = {name: value for name, value in compiled.params.items() if name not in required}
    conversions: dict[str, Callable[[Any], Any]] = {}
    for name in names:
        processor = compiled.binds[name].type._cached_bind_processor(_DIALECT)  # the type's own conversion
        if processor is not None:
            conversions[name] = processor
    unknown = required - set(names)
    if unknown:
        raise MissingValueError(f"the statement has no parameter named {sorted(unknown)}")
    return CompiledStatement(compiled.string, names, constants, conversions)


class CompiledOnce(Generic[Shape]):
    """Statements built by `build(shape)` and compiled the first time a shape is asked for, then kept
    (a handful of shapes per repository: one per combination of filters a route offers). Building and
    compiling never awaits: within one event loop a shape is compiled once, no lock needed."""

    def __init__(self, build: Callable[[Shape], tuple[ClauseElement, frozenset[str]]]) -> None:
        self._build = build
        self._kept: dict[Shape, CompiledStatement] = {}

    def __call__(self, shape: Shape) -> CompiledStatement:
        found = self._kept.get(shape)
        if found is None:
            statement, required = self._build(shape)
            found = self._kept[shape] = compile_statement(statement, required)
        return found


# --- JSON written by PostgreSQL -------------------------------------------------------------------------

_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
EMPTY_JSON_ARRAY: Any = literal_column("'[]'::json")


def camel_json(columns: Mapping[str, Any]) -> Any:
    """`json_build_object` of the columns, each keyed by its name in camelCase (kit.api_models.ApiModel's
    aliases, by the same alias generator) in the order given: the JSON a read model of those fields in that
    order writes, when each column already holds the field's wire value (enums' values, money as text;
    PostgreSQL writes dates ISO, nulls and arrays as pydantic does). The JSON keys are literals of the SQL."""
    pairs: list[Any] = []
    for name, column in columns.items():
        key = to_camel(name)
        if not _KEY.match(key):
            raise ValueError(f"{name!r} is not written as a literal JSON key")
        pairs += [literal_column(f"'{key}'"), column]
    return func.json_build_object(*pairs)


def json_array(item: Any, *order: Any) -> Any:
    """The JSON array of `item` over the rows of the statement it is selected in, in `order`; [] when no
    row (never null)."""
    return func.coalesce(func.json_agg(aggregate_order_by(item, *order) if order else item), EMPTY_JSON_ARRAY)


def json_texts_array(item: Any, *order: Any) -> Any:
    """The JSON array of `item`, each already the JSON text of one element (kept by the database), over the
    rows of the statement it is selected in, in `order`, as text; '[]' when no row (concat skips the null
    of no row). Joined as text, not parsed again: casting each kept text to json for json_agg took half
    the time of building it."""
    comma: Any = literal_column("','")
    joined = func.string_agg(item, aggregate_order_by(comma, *order) if order else comma)  # (item, ',' ORDER BY …)
    return func.concat(literal_column("'['"), joined, literal_column("']'"))


def euros_text(cents: Any) -> Any:
    """Integer cents as the API writes euros (kit.money.euros: 150050 → "1500.50"), in SQL; NULL stays
    null. Multiplied by 0.01, a numeric of two decimals and no precision cap: every bigint writes (a cast
    to a numeric of bounded precision overflowed on sums of large budgets)."""
    return cast(cast(cents, Numeric) * literal_column("0.01"), Text)


def instant_text(instant: Any) -> Any:
    """A `timestamptz` as the API writes an instant (pydantic's JSON of the aware datetime asyncpg reads: ISO
    8601 in UTC with `Z`, its microseconds in six digits when it has any, none otherwise), in SQL."""
    utc = func.timezone(literal_column("'UTC'"), instant)
    fraction = func.to_char(utc, literal_column("'US'"))
    return func.concat(
        func.to_char(utc, literal_column("'YYYY-MM-DD\"T\"HH24:MI:SS'")),
        case(
            (fraction == literal_column("'000000'"), literal_column("''")),
            else_=func.concat(literal_column("'.'"), fraction),
        ),
        literal_column("'Z'"),
    )


def kept_or_built(kept: Any, built: Any) -> Any:
    """An item's JSON text as its row keeps it (a column its table's trigger writes), or `built` from the
    row when it keeps none (a row written while the trigger was disabled): the `item` of
    `JsonPages(..., items_written=True)`."""
    return func.coalesce(kept, cast(built, Text))


# First pages of these sizes are written with their LIMIT in the statement (JsonPages). PostgreSQL plans a
# prepared statement whose LIMIT is a parameter as if a tenth of the rows were fetched: it never keeps the
# generic plan and plans again at each execution (a programmation page of 50: 2.10-2.22 ms with parameters,
# 1.52-1.58 ms with literals). Other pages bind theirs: a statement per page would crowd each connection's
# cache of prepared statements.
LITERAL_FIRST_PAGES = frozenset({10, 20, 25, 50, 100})


def json_page_statement(
    rows: Select[Any],
    item: Callable[[Any], Any],
    order: Callable[[Any], Sequence[Any]],
    first: int | None = None,
    items_written: bool = False,
) -> Select[Any]:
    """A page of `rows` (the list's filtered rows, each column labelled) as the JSON text of its items and
    how many rows the page found, asked one row longer than shown (named parameters `limit`, `longer` =
    limit + 1, `offset`): the extra row tells whether rows lie beyond (kit.pagination.total_told_by).
    `item(columns)` writes one item of a row, `order(columns)` the list's order; both get the columns of
    the page (`.c`). `first`: the first page of that size, its LIMIT written in the statement (no page
    parameter). `items_written`: `item` is the JSON text of the item as the database keeps it, joined as
    it is (json_texts_array)."""
    ordered = rows.order_by(*order(rows.selected_columns))
    if first is None:
        longer: Any = bindparam("longer", type_=Integer)
        limit: Any = bindparam("limit", type_=Integer)
        ordered = ordered.offset(bindparam("offset", type_=Integer))
    else:
        longer, limit = literal_column(str(first + 1)), literal_column(str(first))
    page = ordered.limit(longer).cte("page")
    shown = select(page).order_by(*order(page.c)).limit(limit).subquery("shown")
    if items_written:
        items = json_texts_array(item(shown.c), *order(shown.c))
    else:
        items = cast(json_array(item(shown.c), *order(shown.c)), Text)
    found = select(func.count()).select_from(page).scalar_subquery()
    return select(items, found).select_from(shown)


def unbound(statement: ClauseElement) -> frozenset[str]:
    """The statement's parameters that carry no value of their own (`bindparam(name, type_=...)`): those a
    caller binds, the `required` of compile_statement."""
    compiled = _compiled(statement)
    return frozenset(name for name, bind in compiled.binds.items() if bind.required)


class JsonPages(Generic[Shape]):
    """A list's pages as the JSON PostgreSQL writes of their items (json_page_statement), and the count of
    its rows, each built and compiled once per shape: `rows(shape)` selects the list's rows (each filter of
    the shape a named parameter, every column labelled), `item` writes one, `order(columns, shape)` orders
    them. `counted(shape)`, when given, selects the same rows for their count without what only describes
    them: an inner join that keeps every row (a foreign key NOT NULL) still costs a join per row, and keeps
    PostgreSQL from counting the rows in one index (the programmation's count: 21 ms over three processes
    with its three joins, 3 ms from the index alone). `kept_count(shape)`, when given, is the statement of
    the count the database keeps for that shape (a single figure), None for a shape it does not keep: a
    list whose rows its writers change all the time (the programmation of a call's year at its deadline)
    would otherwise be counted again after each write. `items_written`: `item` reads each item's JSON text
    as the database keeps it (json_page_statement)."""

    def __init__(
        self,
        rows: Callable[[Shape], Select[Any]],
        item: Callable[[Any], Any],
        order: Callable[[Any, Shape], Sequence[Any]],
        counted: Callable[[Shape], Select[Any]] | None = None,
        kept_count: Callable[[Shape], tuple[ClauseElement, frozenset[str]] | None] | None = None,
        *,
        items_written: bool = False,
    ) -> None:
        def page_of(key: tuple[Shape, int | None]) -> tuple[ClauseElement, frozenset[str]]:
            shape, first = key
            statement = json_page_statement(
                rows(shape), item, lambda columns: order(columns, shape), first=first, items_written=items_written
            )
            return statement, unbound(statement)

        def count_of(shape: Shape) -> tuple[ClauseElement, frozenset[str]]:
            kept = None if kept_count is None else kept_count(shape)
            if kept is not None:
                return kept
            statement = select(func.count()).select_from((counted or rows)(shape).subquery())
            return statement, unbound(statement)

        self._pages: CompiledOnce[tuple[Shape, int | None]] = CompiledOnce(page_of)
        self._counts = CompiledOnce(count_of)

    async def __call__(
        self,
        session: AsyncSession,
        shape: Shape,
        values: Mapping[str, Any],
        page: PageRequest,
        kept: CountKept | None = None,
    ) -> tuple[str, int]:
        """The page's items as PostgreSQL wrote them, and the total of the list: told by the page when it
        can, else the count kept where `kept` says (kit.pagination.KeptCounts), else counted."""
        first = page.limit if page.offset == 0 and page.limit in LITERAL_FIRST_PAGES else None
        asked = {**values, "limit": page.limit, "longer": page.limit + 1, "offset": page.offset}
        [(items, found)] = await self._pages((shape, first)).rows(session, asked)

        async def count() -> int:
            [(total,)] = await self._counts(shape).rows(session, values)
            return int(total)

        if kept is None:
            return items, await kept_total(None, "", None, found, page, count)
        return items, await kept_total(kept.counts, kept.contract, kept.key, found, page, count, kept.parts)
