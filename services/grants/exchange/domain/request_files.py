"""The list of requests a prefecture or the CUA extracts from Dauphin (or a Démarches Simplifiées procedure
export): its columns found through the header aliases shipped as data (data/dauphin_request_headers.json),
every cell of a line checked (cells.py), one line per request and financer asked."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.grants.errors import RuleViolationError
from services.grants.exchange.domain.cells import (
    ActionLine,
    LineError,
    amount_cents,
    cell_text,
    columns_found,
    dauphin_reference,
    day_of,
    siret_of,
    year_of,
)
from services.grants.exchange.domain.dialects import Dialect
from services.grants.operators.domain import RNA

REQUEST_FIELDS = (
    "dauphin_number",
    "siret",
    "rna",
    "operator_name",
    "year",
    "title",
    "description",
    "financer",
    "requested_amount",
    "objectives",
    "starts_on",
    "ends_on",
)
REQUIRED = ("siret", "title", "requested_amount")
_CODES = re.compile(r"[;,\n]")


def request_aliases(document: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The header spellings of each field from the shipped document; every field must have some."""
    fields = document.get("fields", {})
    missing = [name for name in REQUEST_FIELDS if not fields.get(name, {}).get("aliases")]
    if missing:
        raise ValueError(f"the request headers document names no aliases for {', '.join(missing)}")
    return {name: tuple(fields[name]["aliases"]) for name in REQUEST_FIELDS}


@dataclass(slots=True)
class RequestLine(ActionLine):
    """One data line of the extract: its raw cells and what they mean once checked."""

    rna: str | None = None
    operator_name: str | None = None
    description: str | None = None
    financer: str | None = None
    requested_cents: int | None = None
    objective_codes: tuple[str, ...] = ()
    starts_on: date | None = None
    ends_on: date | None = None


def request_columns(headers: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> dict[str, int]:
    return columns_found(headers, REQUEST_FIELDS, aliases)


def check_request_columns(found: Mapping[str, int], headers: Sequence[str]) -> None:
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise RuleViolationError(
            "file",
            "unknown-column-set",
            f"no column found for {', '.join(missing)} among the headers {', '.join(map(repr, headers[:40]))};"
            " name them as data/dauphin_request_headers.json says, or add the extract's own spelling there",
        )


def _whole_euros(cents: int | None, errors: list[LineError]) -> int | None:
    """ "Ne pas indiquer les centimes d'euros" (CERFA 12156*06): a budget's amounts are whole euros."""
    if cents is not None and cents % 100:
        errors.append(LineError("requested_amount", "whole-euros", f"{cents / 100:.2f} €: a request is whole euros"))
        return None
    return cents


def read_request_line(
    line: int,
    sheet: str | None,
    row: int,
    raw: dict[str, Any],
    cells: Mapping[str, Any],
    dialect: Dialect = Dialect.EXCHANGE,
) -> RequestLine:
    """`cells`: field → the cell's value (text from CSV; numbers and dates as typed in XLSX), text read in
    `dialect`; every broken rule of the line kept in its errors."""
    read = RequestLine(line=line, sheet=sheet, row=row, raw=raw)
    errors = read.errors
    read.dauphin_number, read.dauphin_code = dauphin_reference(cells.get("dauphin_number"), errors)
    read.siret = siret_of(cells.get("siret"), errors)
    if not cell_text(cells.get("siret")):
        errors.append(LineError("siret", "required", "the SIRET of the organisation that asks"))
    rna = cell_text(cells.get("rna")).upper()
    if rna and not RNA.fullmatch(rna):
        errors.append(LineError("rna", "rna-format", f"{rna!r}: W followed by 9 digits"))
    read.rna = rna if rna and RNA.fullmatch(rna) else None
    read.operator_name = cell_text(cells.get("operator_name")) or None
    read.year = year_of(cells.get("year"), errors)
    read.title = cell_text(cells.get("title")) or None
    if read.title is None:
        errors.append(LineError("title", "required", "the action's title"))
    elif len(read.title) > 200:
        errors.append(LineError("title", "max-length", "a title has at most 200 characters"))
    read.description = cell_text(cells.get("description")) or None
    read.financer = cell_text(cells.get("financer")) or None
    requested = amount_cents(cells.get("requested_amount"), errors, dialect, "requested_amount")
    if requested is None and not cell_text(cells.get("requested_amount")):
        errors.append(LineError("requested_amount", "required", "the amount asked of the financer"))
    read.requested_cents = _whole_euros(requested, errors)
    codes = cell_text(cells.get("objectives"))
    read.objective_codes = tuple(code.strip() for code in _CODES.split(codes) if code.strip())
    read.starts_on = day_of(cells.get("starts_on"), errors, dialect, "starts_on")
    read.ends_on = day_of(cells.get("ends_on"), errors, dialect, "ends_on")
    if read.starts_on and read.ends_on and read.ends_on < read.starts_on:
        errors.append(LineError("ends_on", "after-start", "an action cannot end before it starts"))
    return read
