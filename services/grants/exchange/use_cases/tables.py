"""The tables of a file the exchange imports (CSV or XLSX: the prefecture's decisions, the Dauphin
requests): each table with the columns its headers name, and its data lines with their row numbers."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from openpyxl import load_workbook

from kit.csv_uploads import CsvLineError, CsvUpload
from services.grants.errors import RuleViolationError
from services.grants.exchange.domain.cells import FileLine, LineError

XLSX_TYPES = frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
CSV_TYPES = frozenset({"text/csv", "text/plain", "application/csv"})
MAX_LINES = 50_000

Rows = list[tuple[int, list[Any]] | CsvLineError]
# The columns a table's header names (field → index), and the check that they are enough (raises).
FindColumns = Callable[[list[str]], dict[str, int]]
CheckColumns = Callable[[dict[str, int], list[str]], None]
Line = TypeVar("Line", bound=FileLine)


@dataclass(frozen=True, slots=True)
class Table:
    """A table of the file with the needed columns: its sheet, header names, columns found and rows."""

    sheet: str | None
    names: list[str]
    columns: dict[str, int]
    rows: Rows


@dataclass(frozen=True, slots=True)
class DataRow:
    """A data line of a table: its position among the file's lines, where it is, its cells by header, and
    each field's cell (or why the line could not be read)."""

    line: int
    table: Table
    row: int
    raw: dict[str, Any]
    cells: dict[str, Any]
    unreadable: CsvLineError | None = None


def _blank(cell: Any) -> bool:
    """A cell with nothing in it but spaces."""
    return cell is None or str(cell).strip() == ""


def _header(sheet: Any) -> list[Any] | None:
    """A sheet's first row up to its last named column (None: an empty sheet)."""
    first = next(sheet.iter_rows(values_only=True, max_row=1), None)
    if first is None:
        return None
    named = [index for index, cell in enumerate(first) if not _blank(cell)]
    return list(first[: named[-1] + 1 if named else 1])


def _sheet_rows(sheet: Any, width: int) -> Rows:
    """A sheet's data rows, numbered, read as wide as its header names columns (a cell beyond is read by no
    one) and without its empty rows: 3,000 rows of one cell in column XFD took 16,384 cells each, 400 MB of a
    26 KB file. More than MAX_LINES rows with content stop the reading."""
    rows: Rows = []
    for number, row in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
        if all(_blank(cell) for cell in row):
            continue
        if len(rows) >= MAX_LINES:
            raise RuleViolationError("file", "too-many-lines", f"at most {MAX_LINES} lines per file")
        rows.append((number, list(row)))
    return rows


def _tables(content: bytes, media_type: str, headers_only: bool) -> list[tuple[str | None, list[Any], Rows]]:
    """(sheet name, header, rows with their row numbers — none when `headers_only`) of every table."""
    if media_type in XLSX_TYPES:
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:
            raise RuleViolationError("file", "xlsx-file", "the file is not a readable XLSX workbook") from error
        tables: list[tuple[str | None, list[Any], Rows]] = []
        for sheet in book.worksheets:
            header = _header(sheet)
            if header is not None:
                tables.append((sheet.title, header, [] if headers_only else _sheet_rows(sheet, len(header))))
        book.close()
        return tables
    if media_type in CSV_TYPES:
        # Dauphin's and Excel's French exports are Windows-1252 when they are not UTF-8.
        upload = CsvUpload(content, delimiters=";,\t", fallback_encoding="cp1252")
        return [(None, list(upload.header), [] if headers_only else list(upload))]
    raise RuleViolationError("file", "media-type", "send text/csv or an XLSX workbook")


def readable_tables(
    content: bytes, media_type: str, find: FindColumns, check: CheckColumns, *, headers_only: bool = False
) -> list[Table]:
    """Every table that has the needed columns (a summary sheet has not); none at all: the column set is
    unknown and the whole file is refused (so is a file that cannot be read). `headers_only`: the tables
    without their rows (what a request checks before its job reads the file)."""
    found: list[Table] = []
    first_headers: list[str] = []
    for sheet, header, rows in _tables(content, media_type, headers_only):
        names = ["" if cell is None else str(cell).strip() for cell in header]
        first_headers = first_headers or names
        columns = find(names)
        try:
            check(columns, names)
        except RuleViolationError:
            continue
        found.append(Table(sheet, names, columns, rows))
    if not found:
        check(find(first_headers), first_headers)
    return found


def data_rows(tables: list[Table]) -> Iterator[DataRow]:
    """Every non-empty data line of the tables, numbered across the file (at most MAX_LINES)."""
    count = 0
    for table in tables:
        names = table.names
        for row in table.rows:
            if not isinstance(row, CsvLineError) and all(_blank(cell) for cell in row[1]):
                continue
            if count >= MAX_LINES:
                raise RuleViolationError("file", "too-many-lines", f"at most {MAX_LINES} lines per file")
            count += 1
            if isinstance(row, CsvLineError):
                yield DataRow(count, table, row.line, {}, {}, unreadable=row)
                continue
            offset, cells = row
            raw = {
                names[index]: _raw(value) for index, value in enumerate(cells) if index < len(names) and names[index]
            }
            given = {name: cells[index] if index < len(cells) else None for name, index in table.columns.items()}
            yield DataRow(count, table, offset, raw, given)


def read_lines(tables: list[Table], kind: type[Line], read: Callable[[DataRow], Line]) -> list[Line]:
    """Every data line of the tables read by `read`; a line the CSV could not split is a `kind` with why."""
    lines: list[Line] = []
    for row in data_rows(tables):
        if row.unreadable is None:
            lines.append(read(row))
            continue
        unreadable = kind(line=row.line, sheet=row.table.sheet, row=row.row, raw={})
        unreadable.errors.append(LineError(row.unreadable.field, row.unreadable.rule, row.unreadable.message))
        lines.append(unreadable)
    return lines


def _raw(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)
