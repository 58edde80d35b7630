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
