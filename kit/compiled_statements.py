"""Statements of hot reads built and compiled once per shape, then only bound and sent.

Building a Core statement of a few joins and JSON builders costs a few milliseconds of Python on every
request, and SQLAlchemy's compiled cache still walks it for its cache key; the statement itself runs in
about one (bench/computed.py's profile). A repository whose statement varies only by which filters are
present builds it once per shape (the set of filters given), with a named `bindparam` for each value,
and keeps the SQL the asyncpg dialect writes for it (`$n::TYPE` parameters, so PostgreSQL never has to
guess a type). A request binds its values in order and sends the SQL on the unit of work's own
connection (`exec_driver_sql`: its transaction, its statement timeout, its pooler settings).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from threading import Lock
from typing import Any, Generic, TypeVar

from sqlalchemy import ClauseElement
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

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

    async def rows(self, session: AsyncSession, values: Mapping[str, Any]) -> Sequence[Any]:
        """The rows (tuples) the statement returns with these values, on the session's connection."""
        connection = await session.connection()
        result = await connection.exec_driver_sql(self.sql, self.arguments(values))
        return result.all()


def compile_statement(statement: ClauseElement, required: frozenset[str]) -> CompiledStatement:
    """The statement as the asyncpg dialect writes it; `required` names the parameters a caller binds
    (every other parameter is a literal of the statement and keeps its value)."""
    compiled = statement.compile(dialect=_DIALECT)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError("only a statement (not DDL) is compiled for a hot read")
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
    (a handful of shapes per repository: one per combination of filters a route offers)."""

    def __init__(self, build: Callable[[Shape], tuple[ClauseElement, frozenset[str]]]) -> None:
        self._build = build
        self._kept: dict[Shape, CompiledStatement] = {}
        self._lock = Lock()

    def __call__(self, shape: Shape) -> CompiledStatement:
        found = self._kept.get(shape)
        if found is None:
            with self._lock:
                found = self._kept.get(shape)
                if found is None:
                    statement, required = self._build(shape)
                    found = self._kept[shape] = compile_statement(statement, required)
        return found
