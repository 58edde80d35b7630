"""Reading a decisions file (CSV or XLSX): its tables, the columns found in their headers, every data line
checked."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from kit.csv_uploads import CsvLineError, CsvUpload
from services.grants.errors import RuleViolationError
from services.grants.exchange.domain.decision_files import (
    DecisionLine,
    LineError,
    check_columns,
    column_map,
    read_line,
)
from services.grants.exchange.domain.dialects import Dialect

XLSX_TYPES = frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
CSV_TYPES = frozenset({"text/csv", "text/plain", "application/csv"})
MAX_LINES = 50_000

Rows = list[tuple[int, list[Any]] | CsvLineError]


@dataclass(frozen=True, slots=True)
class ReadFile:
    headers: list[str]
    columns: dict[str, int]
    lines: list[DecisionLine]


@dataclass(frozen=True, slots=True)
class Table:
    """A table of the file with the needed columns: its sheet, header names, columns found and rows."""

    sheet: str | None
    names: list[str]
    columns: dict[str, int]
    rows: Rows


def _tables(content: bytes, media_type: str) -> list[tuple[str | None, list[Any], Rows]]:
    """(sheet name, header, rows with their row numbers) of every table of the file."""
    if media_type in XLSX_TYPES:
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:
            raise RuleViolationError("file", "xlsx-file", "the file is not a readable XLSX workbook") from error
        tables: list[tuple[str | None, list[Any], Rows]] = []
        for sheet in book.worksheets:
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            if rows:
                tables.append((sheet.title, rows[0], list(enumerate(rows[1:], start=2))))
        book.close()
        return tables
    if media_type in CSV_TYPES:
        # Dauphin's and Excel's French exports are Windows-1252 when they are not UTF-8.
        upload = CsvUpload(content, delimiters=";,\t", fallback_encoding="cp1252")
        return [(None, list(upload.header), list(upload))]
    raise RuleViolationError("file", "media-type", "send text/csv or an XLSX workbook")


def readable_tables(content: bytes, media_type: str, aliases: dict[str, list[str]]) -> list[Table]:
    """Every table that has the needed columns (a summary sheet has not); none at all: the column set is
    unknown and the whole file is refused (so is a file that cannot be read)."""
    found: list[Table] = []
    first_headers: list[str] = []
    for sheet, header, rows in _tables(content, media_type):
        names = ["" if cell is None else str(cell).strip() for cell in header]
        first_headers = first_headers or names
        columns = column_map(names, aliases)
        try:
            check_columns(columns, names)
        except RuleViolationError:
            continue
        found.append(Table(sheet, names, columns, rows))
    if not found:
        check_columns(column_map(first_headers, aliases), first_headers)
    return found


def read_file(
    content: bytes, media_type: str, aliases: dict[str, list[str]], dialect: Dialect = Dialect.EXCHANGE
) -> ReadFile:
    """Every data line of the tables with the needed columns, each cell checked, text read in `dialect`."""
    headers: list[str] = []
    columns: dict[str, int] = {}
    lines: list[DecisionLine] = []
    for table in readable_tables(content, media_type, aliases):
        headers, columns, names = table.names, table.columns, table.names
        for row in table.rows:
            if not isinstance(row, CsvLineError) and all(cell is None or str(cell).strip() == "" for cell in row[1]):
                continue
            if len(lines) >= MAX_LINES:
                raise RuleViolationError("file", "too-many-lines", f"at most {MAX_LINES} lines per file")
            if isinstance(row, CsvLineError):
                unreadable = DecisionLine(line=len(lines) + 1, sheet=table.sheet, row=row.line, raw={})
                unreadable.errors.append(LineError(row.field, row.rule, row.message))
                lines.append(unreadable)
                continue
            offset, cells = row
            raw = {
                names[index]: _raw(value) for index, value in enumerate(cells) if index < len(names) and names[index]
            }
            given = {name: cells[index] if index < len(cells) else None for name, index in columns.items()}
            lines.append(read_line(len(lines) + 1, table.sheet, offset, raw, given, dialect))
    return ReadFile(headers, columns, lines)


def _raw(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)
