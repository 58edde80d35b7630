"""The rules this service enforces, as errors: pure Python (problems.py says how each one is answered)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from kit.csv_uploads import CsvLineError

RecordT = TypeVar("RecordT")
CellsT = TypeVar("CellsT")


class TerritoriesError(Exception):
    """Base of the rules this service enforces."""


class NotFoundError(TerritoriesError):
    def __init__(self, kind: str, code: str) -> None:
        super().__init__(f"{kind} {code} not found")
        self.kind = kind
        self.code = code


def found(record: RecordT | None, kind: str, code: str) -> RecordT:
    """The record read, or NotFoundError when there is none."""
    if record is None:
        raise NotFoundError(kind, code)
    return record


class ContractConflictError(TerritoriesError):
    """A contract with this code is already registered."""


class ZoneConflictError(TerritoriesError):
    """A contract already has an official vulnerability zone with this code."""


class InvalidFieldError(TerritoriesError):
    """A record breaks a rule; `field` is the record's attribute (snake_case), the wire spells it its own way."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class NotBoundError(TerritoriesError):
    """The caller does not work on this contract."""


@dataclass(frozen=True, slots=True)
class LineError:
    """Why a file import refused one of its lines: its number, the column and the rule."""

    line: int
    field: str
    rule: str
    message: str


@dataclass(slots=True)
class ImportReport:
    """What a file import did (or, in a dry run, would do), and every line it refused."""

    lines: int
    valid: int
    created: int
    unchanged: int
    dry_run: bool
    errors: list[LineError]

    @property
    def skipped(self) -> int:
        return len({error.line for error in self.errors})


class ImportRejectedError(TerritoriesError):
    """An all-or-nothing import met bad lines: nothing was written."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        lines = len({error.line for error in errors})
        super().__init__(f"{lines} line(s) refused ({len(errors)} errors); nothing was imported")
        self.errors = list(errors)


def refused_lines(errors: Iterable[LineError], *, dry_run: bool, skip_bad_lines: bool) -> list[LineError]:
    """The refused lines in line order. A file import is all-or-nothing unless told to skip bad lines: with
    any, it is refused whole (a dry run reports them and writes nothing anyway)."""
    ordered = sorted(errors, key=lambda error: error.line)
    if ordered and not skip_bad_lines and not dry_run:
        raise ImportRejectedError(ordered)
    return ordered


class ReadLines(Protocol):
    """What a file's reading keeps besides its records: how many lines it read, the ones it refused."""

    total: int
    errors: list[LineError]


def readable_lines(rows: Iterable[tuple[int, CellsT] | CsvLineError], file: ReadLines) -> Iterator[tuple[int, CellsT]]:
    """The (line, cells) a CSV reader could read, each line counted in `file.total`; a line it could not
    read is refused in `file.errors` with the reader's reason."""
    for row in rows:
        file.total += 1
        if isinstance(row, CsvLineError):
            file.errors.append(LineError(row.line, row.field, row.rule, row.message))
        else:
            yield row
