"""Point -> QPV over one generation's perimeters: shapely 2 STRtree on prepared Lambert-93 geometries.

Distances are in metres in Lambert-93 (EPSG:2154), the projection of metropolitan France used by the
reference fixtures. Answers are indicative: the perimeters are a published approximation of the decree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

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
    """Per input point: positions of containing QPVs, and the nearest other QPV (-1: none) with distance."""

    matches: list[list[int]]
    nearest: np.ndarray[Any, np.dtype[np.int64]]
    distance_m: np.ndarray[Any, np.dtype[np.float64]]


def classify(
    index: QpvIndex, lons: np.ndarray[Any, Any], lats: np.ndarray[Any, Any], tolerance_m: float
) -> BatchLocation:
    """Vectorised `locate` over many points (one STRtree query for all of them)."""
    count = len(lons)
    x, y = _TO_LAMBERT93.transform(lons, lats)
    points: np.ndarray[Any, Any] = np.asarray(shapely.points(np.asarray(x), np.asarray(y)), dtype=object)
    inside = index.tree.query(points, predicate="intersects")
    matches: list[list[int]] = [[] for _ in range(count)]
    for point_position, qpv_position in zip(inside[0].tolist(), inside[1].tolist(), strict=True):
        matches[point_position].append(qpv_position)
    nearest = np.full(count, -1, dtype=np.int64)
    distance = np.full(count, np.nan, dtype=np.float64)
    if tolerance_m <= 0 or count == 0:
        return BatchLocation(matches, nearest, distance)
    around = index.tree.query(points, predicate="dwithin", distance=tolerance_m)
    if around.shape[1]:
        pair_keys = around[0].astype(np.int64) * len(index.qpvs) + around[1]
        inside_keys = inside[0].astype(np.int64) * len(index.qpvs) + inside[1]
        keep = ~np.isin(pair_keys, inside_keys)
        candidates = around[:, keep]
        gaps: np.ndarray[Any, np.dtype[np.float64]] = np.asarray(
            shapely.distance(points[candidates[0]], index.geometries[candidates[1]]), dtype=np.float64
        )
        order = np.lexsort((gaps, candidates[0]))
        first = np.ones(order.size, dtype=bool)
        first[1:] = candidates[0][order][1:] != candidates[0][order][:-1]
        chosen = order[first]
        nearest[candidates[0][chosen]] = candidates[1][chosen]
        distance[candidates[0][chosen]] = np.round(gaps[chosen], 1)
    return BatchLocation(matches, nearest, distance)
