"""Batches of points to classify: CSV (id, lat, lon) or JSON, each bad line reported with its reason."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kit.csv_uploads import CsvLineError, CsvUpload
from kit.numerals import parse_float
from services.territories.errors import TerritoriesError

MAX_POINTS = 200_000
REQUIRED_COLUMNS = ("id", "lat", "lon")


class BatchFormatError(TerritoriesError):
    """The batch as a whole cannot be read (no header, not JSON…); single bad lines never raise."""


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    id: str | None
    reason: str


@dataclass
class PointBatch:
    """Accepted points in input order, with the input line of each, and the refused lines."""

    lines: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    lats: list[float] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)
    bad: list[BadLine] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.ids) + len(self.bad)


def _coordinate(raw: Any, name: str, low: float, high: float, decimal_comma: bool) -> float:
    if isinstance(raw, bool) or raw is None or raw == "":
        raise ValueError(f"{name}: missing")
    if isinstance(raw, str):
        text = raw.strip().replace(",", ".") if decimal_comma else raw.strip()
        try:
            value = parse_float(text)
        except ValueError:
            raise ValueError(f"{name}: not a number") from None
    elif isinstance(raw, int | float):
        value = float(raw)
    else:
        raise ValueError(f"{name}: not a number")
    if not math.isfinite(value):
        raise ValueError(f"{name}: not a finite number")
    if not low <= value <= high:
        raise ValueError(f"{name}: out of range [{low:g}, {high:g}]")
    return value


def _accept(batch: PointBatch, line: int, raw_id: Any, lat: Any, lon: Any, decimal_comma: bool) -> None:
    identifier = str(raw_id).strip() if raw_id is not None else ""
    if not identifier:
        batch.bad.append(BadLine(line, None, "id: missing"))
        return
    if len(identifier) > 200:
        batch.bad.append(BadLine(line, identifier[:200], "id: longer than 200 characters"))
        return
    if not identifier.isprintable() and any(ord(character) < 32 or character == "\x7f" for character in identifier):
        # Not echoed: the answer's CSV would carry the line break (Python 3.11's writer leaves a lone CR
        # unquoted) and a client splitting it would see one line too many.
        batch.bad.append(BadLine(line, None, "id: holds a line break or another control character"))
        return
    try:
        latitude = _coordinate(lat, "lat", -90, 90, decimal_comma)
        longitude = _coordinate(lon, "lon", -180, 180, decimal_comma)
    except ValueError as error:
        batch.bad.append(BadLine(line, identifier, str(error)))
        return
    batch.lines.append(line)
    batch.ids.append(identifier)
    batch.lats.append(latitude)
    batch.lons.append(longitude)


def _check_size(batch: PointBatch) -> None:
    if batch.size > MAX_POINTS:
        raise BatchFormatError(f"at most {MAX_POINTS} points per batch")


def parse_csv(content: bytes | str) -> PointBatch:
    """CSV with a header naming id, lat and lon (any order); ',' or ';' separated ('; ' allows 50,29)."""
    upload = CsvUpload(content, header=lambda name: name.strip().lower())
    missing = upload.missing(REQUIRED_COLUMNS)
    if missing:
        raise BatchFormatError("the CSV header lacks: " + ", ".join(missing))
    id_at, lat_at, lon_at = (upload.header.index(name) for name in REQUIRED_COLUMNS)
    decimal_comma = upload.delimiter == ";"
    batch = PointBatch()
    for row in upload:
        if isinstance(row, CsvLineError):
            identifier = row.cells[id_at].strip() if len(row.cells) > id_at else None
            batch.bad.append(BadLine(row.line, identifier, row.message))
        else:
            line, cells = row
            _accept(batch, line, cells[id_at], cells[lat_at], cells[lon_at], decimal_comma)
        _check_size(batch)
    return batch


def parse_json(document: Any) -> PointBatch:
    """`{"points": [{"id", "lat", "lon"}, …]}`; line = position in the list, from 1."""
    points = document.get("points") if isinstance(document, dict) else None
    if not isinstance(points, list):
        raise BatchFormatError('expected {"points": [{"id": …, "lat": …, "lon": …}, …]}')
    batch = PointBatch()
    for position, point in enumerate(points, start=1):
        if not isinstance(point, dict):
            batch.bad.append(BadLine(position, None, "expected an object with id, lat and lon"))
        else:
            _accept(batch, position, point.get("id"), point.get("lat"), point.get("lon"), decimal_comma=False)
        _check_size(batch)
    return batch


def csv_rows(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
