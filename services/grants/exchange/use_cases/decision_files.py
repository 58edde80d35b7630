"""Reading a decisions file (CSV or XLSX): its tables, the columns found in their headers, every data line
checked."""

from __future__ import annotations

from dataclasses import dataclass

from services.grants.exchange.domain.decision_files import (
    DecisionLine,
    check_columns,
    column_map,
    read_line,
)
from services.grants.exchange.domain.dialects import Dialect
from services.grants.exchange.use_cases.tables import Table, read_lines
from services.grants.exchange.use_cases.tables import readable_tables as tables_with


@dataclass(frozen=True, slots=True)
class ReadFile:
    headers: list[str]
    columns: dict[str, int]
    lines: list[DecisionLine]


def readable_tables(
    content: bytes, media_type: str, aliases: dict[str, list[str]], *, headers_only: bool = False
) -> list[Table]:
    """Every table that has a decision's columns (the contract's own spellings tried first)."""
    return tables_with(
        content, media_type, lambda names: column_map(names, aliases), check_columns, headers_only=headers_only
    )


def read_file(
    content: bytes, media_type: str, aliases: dict[str, list[str]], dialect: Dialect = Dialect.EXCHANGE
) -> ReadFile:
    """Every data line of the tables with the needed columns, each cell checked, text read in `dialect`."""
    tables = readable_tables(content, media_type, aliases)
    lines = read_lines(
        tables, DecisionLine, lambda row: read_line(row.line, row.table.sheet, row.row, row.raw, row.cells, dialect)
    )
    return ReadFile(tables[-1].names, tables[-1].columns, lines)
