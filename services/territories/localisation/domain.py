"""Point -> QPV over one generation's perimeters, for one point or a batch of them.

An STRtree (shapely 2) on prepared Lambert-93 geometries; distances are in metres in Lambert-93
(EPSG:2154), the projection of metropolitan France the reference fixtures use. Answers are indicative:
the perimeters are a published approximation of the decree's, which alone is authoritative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from kit.csv_uploads import CsvLineError, CsvUpload
from kit.numerals import parse_float
from services.territories.errors import TerritoriesError

_TO_LAMBERT93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)


def _project(coordinates: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    x, y = _TO_LAMBERT93.transform(coordinates[:, 0], coordinates[:, 1])
    return np.column_stack([x, y])


@dataclass(frozen=True, slots=True)
class IndexedQpv:
    code: str | None
    nom: str


@dataclass(frozen=True, slots=True)
class Nearest:
    qpv: IndexedQpv
    distance_m: float


@dataclass(frozen=True, slots=True)
class Location:
    matches: list[IndexedQpv]
    nearest: Nearest | None


class QpvIndex:
    """Built once per generation revision; queries are read-only and safe to share."""

    def __init__(self, qpvs: Sequence[IndexedQpv], perimeters: Sequence[dict[str, Any]]) -> None:
        self.qpvs = list(qpvs)
        geometries = [shapely.transform(shapely.geometry.shape(perimeter), _project) for perimeter in perimeters]
        self.geometries = np.array(geometries, dtype=object)
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)
        self.bounds: list[tuple[float, float, float, float]] = [
            (float(box[0]), float(box[1]), float(box[2]), float(box[3])) for box in shapely.bounds(self.geometries)
        ]

    def locate(self, lon: float, lat: float, tolerance_m: float) -> Location:
        """The QPVs containing the point and, apart from them, the nearest one within the tolerance."""
        x, y = _TO_LAMBERT93.transform(lon, lat)
        if not (math.isfinite(x) and math.isfinite(y)):
            return Location(matches=[], nearest=None)
        point = shapely.Point(x, y)
        inside = {int(position) for position in self.tree.query(point, predicate="intersects")}
        matches = [self.qpvs[position] for position in sorted(inside)]
        around = [
            int(position)
            for position in self.tree.query(point, predicate="dwithin", distance=tolerance_m)
            if int(position) not in inside
        ]
        if not around:
            return Location(matches=matches, nearest=None)
        distances = shapely.distance(self.geometries[around], point)
        best = int(np.argmin(distances))
        return Location(matches=matches, nearest=Nearest(self.qpvs[around[best]], round(float(distances[best]), 1)))


@dataclass(frozen=True, slots=True)
class BatchLocation:
    """Containment as (point, QPV) position pairs sorted by point; per point, the nearest other QPV
    (-1: none within the tolerance) and its distance. Arrays, not per-point lists: a million Python
    lists cost more than the classification itself."""

    match_points: np.ndarray[Any, np.dtype[np.int64]]
    match_qpvs: np.ndarray[Any, np.dtype[np.int64]]
    nearest: np.ndarray[Any, np.dtype[np.int64]]
    distance_m: np.ndarray[Any, np.dtype[np.float64]]

    def matches(self) -> dict[int, list[int]]:
        """Point position -> positions of the QPVs containing it (only points inside some QPV)."""
        found: dict[int, list[int]] = {}
        for point, qpv in zip(self.match_points.tolist(), self.match_qpvs.tolist(), strict=True):
            found.setdefault(point, []).append(qpv)
        return found


def classify(
    index: QpvIndex, lons: np.ndarray[Any, Any], lats: np.ndarray[Any, Any], tolerance_m: float
) -> BatchLocation:
    """Vectorised `locate` over many points.

    Creating a shapely Point per input costs more than the whole classification, so points stay
    coordinate arrays: sorted by x, each perimeter's (tolerance-grown) bounding box selects its
    candidates by binary search, `intersects_xy` on the prepared perimeter decides containment, and
    only the candidates for a nearest-QPV distance become geometries.
    """
    count = len(lons)
    nearest = np.full(count, -1, dtype=np.int64)
    distance = np.full(count, np.inf, dtype=np.float64)
    no_pairs = np.zeros(0, dtype=np.int64)
    if count == 0:
        return BatchLocation(no_pairs, no_pairs, nearest, np.full(0, np.nan))
    x, y = _TO_LAMBERT93.transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    order = np.argsort(x, kind="stable")
    xs, ys = np.asarray(x)[order], np.asarray(y)[order]
    grow = max(tolerance_m, 0.0)
    inside_points: list[np.ndarray[Any, Any]] = []
    inside_qpvs: list[np.ndarray[Any, Any]] = []
    for position, (min_x, min_y, max_x, max_y) in enumerate(index.bounds):
        low = int(np.searchsorted(xs, min_x - grow, "left"))
        high = int(np.searchsorted(xs, max_x + grow, "right"))
        if low == high:
            continue
        window_y = ys[low:high]
        near = np.nonzero((window_y >= min_y - grow) & (window_y <= max_y + grow))[0] + low
        if near.size == 0:
            continue
        geometry = index.geometries[position]
        inside = shapely.intersects_xy(geometry, xs[near], ys[near])
        if inside.any():
            inside_points.append(order[near[inside]])
            inside_qpvs.append(np.full(int(inside.sum()), position))
        if tolerance_m > 0 and (~inside).any():
            others = near[~inside]
            gaps = shapely.distance(geometry, shapely.points(xs[others], ys[others]))
            closer = gaps < np.minimum(distance[order[others]], tolerance_m + 1e-9)
            closer &= gaps <= tolerance_m
            nearest[order[others[closer]]] = position
            distance[order[others[closer]]] = gaps[closer]
    match_points, match_qpvs = no_pairs, no_pairs
    if inside_points:
        points_inside = np.concatenate(inside_points).astype(np.int64)
        qpvs_inside = np.concatenate(inside_qpvs).astype(np.int64)
        by_point = np.lexsort((qpvs_inside, points_inside))
        match_points, match_qpvs = points_inside[by_point], qpvs_inside[by_point]
    distance = np.where(nearest >= 0, np.round(distance, 1), np.nan)
    return BatchLocation(match_points, match_qpvs, nearest, distance)


_LAEA_TO_LAMBERT93 = Transformer.from_crs("EPSG:3035", "EPSG:2154", always_xy=True)


@dataclass(frozen=True, slots=True)
class Overlaps:
    """(polygon, QPV) pairs that overlap, with the share of the polygon's area inside the QPV."""

    polygons: np.ndarray[Any, np.dtype[np.int64]]
    qpvs: np.ndarray[Any, np.dtype[np.int64]]
    share: np.ndarray[Any, np.dtype[np.float64]]


def overlaps_of_laea_rings(index: QpvIndex, rings: np.ndarray[Any, Any]) -> Overlaps:
    """Overlap of EPSG:3035 rings (n, k, 2) with the perimeters, measured in Lambert-93."""
    if len(rings) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Overlaps(empty, empty, np.zeros(0))
    x, y = _LAEA_TO_LAMBERT93.transform(rings[:, :, 0].ravel(), rings[:, :, 1].ravel())
    projected = np.stack([np.asarray(x), np.asarray(y)], axis=1).reshape(rings.shape)
    polygons: np.ndarray[Any, Any] = np.asarray(shapely.polygons(projected), dtype=object)
    pairs = index.tree.query(polygons, predicate="intersects")
    polygon_positions, qpv_positions = pairs[0].astype(np.int64), pairs[1].astype(np.int64)
    inside = shapely.area(shapely.intersection(polygons[polygon_positions], index.geometries[qpv_positions]))
    share: np.ndarray[Any, Any] = np.asarray(inside) / np.asarray(shapely.area(polygons[polygon_positions]))
    kept = share > 1e-6  # touching along a side is not overlapping
    order = np.lexsort((qpv_positions[kept], polygon_positions[kept]))
    return Overlaps(polygon_positions[kept][order], qpv_positions[kept][order], share[kept][order])


# Batches of points to classify: CSV (id, lat, lon) or JSON, each bad line reported with its reason.

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


def _coordinate(raw: Any, name: str, low: float, high: float, decimal_comma: bool | None) -> float:
    """A coordinate from a CSV cell (text; `decimal_comma` says how it writes decimals) or, where
    `decimal_comma` is None, from a JSON value, which must be a number as the JSON body documents."""
    if isinstance(raw, bool) or raw is None or raw == "":
        raise ValueError(f"{name}: missing")
    if isinstance(raw, str) and decimal_comma is None:
        raise ValueError(f"{name}: a JSON number, not a string")
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


def _accept(batch: PointBatch, line: int, raw_id: Any, lat: Any, lon: Any, decimal_comma: bool | None) -> None:
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
        elif point.get("id") is not None and (isinstance(point["id"], bool) or not isinstance(point["id"], str | int)):
            # Python's text of `true` or of an object ("True", "{'a': 1}") is no id the client sent.
            batch.bad.append(BadLine(position, None, "id: a JSON string or integer"))
        else:
            _accept(batch, position, point.get("id"), point.get("lat"), point.get("lon"), decimal_comma=None)
        _check_size(batch)
    return batch
