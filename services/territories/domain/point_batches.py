"""Batches of points to classify: CSV (id, lat, lon) or JSON, each bad line reported with its reason."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from services.territories.domain.errors import TerritoriesError

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
            value = float(text)
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


def parse_csv(text: str) -> PointBatch:
    """CSV with a header naming id, lat and lon (any order); ',' or ';' separated ('; ' allows 50,29)."""
    lines = io.StringIO(text.lstrip("\ufeff"))
    header_line = lines.readline()
    if not header_line.strip():
        raise BatchFormatError("the CSV has no header line (id,lat,lon)")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [name.strip().lower() for name in next(csv.reader([header_line], delimiter=delimiter))]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise BatchFormatError("the CSV header lacks: " + ", ".join(missing))
    positions = {name: header.index(name) for name in REQUIRED_COLUMNS}
    batch = PointBatch()
    for offset, row in enumerate(csv.reader(lines, delimiter=delimiter), start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            batch.bad.append(
                BadLine(
                    offset,
                    row[positions["id"]].strip() if len(row) > positions["id"] else None,
                    f"expected {len(header)} columns, found {len(row)}",
                )
            )
        else:
            _accept(batch, offset, row[positions["id"]], row[positions["lat"]], row[positions["lon"]], delimiter == ";")
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
