"""Perimeters are stored valid: invalid polygons (self-intersections after rounding…) are repaired on
import with `make_valid`, keeping only their polygonal parts, and the repair is reported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.validation import explain_validity


class InvalidPerimeterError(Exception):
    """The geometry cannot be read, or nothing polygonal is left after repair."""


@dataclass(frozen=True, slots=True)
class CheckedPerimeter:
    geometry: dict[str, Any]
    repair: str | None  # why it was invalid; None when it was valid as given


def _polygons(geometry: Any) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.is_empty else []
    if isinstance(geometry, MultiPolygon):
        return [part for part in geometry.geoms if not part.is_empty]
    if hasattr(geometry, "geoms"):
        return [polygon for part in geometry.geoms for polygon in _polygons(part)]
    return []


def check_perimeter(raw: Any) -> CheckedPerimeter:
    """A valid MultiPolygon (WGS84 GeoJSON), repaired if needed, with the reason of the repair."""
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidPerimeterError("a perimeter must be a GeoJSON Polygon or MultiPolygon")
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as error:
        raise InvalidPerimeterError(f"unreadable geometry: {error}") from error
    reason = None
    if not geometry.is_valid:
        reason = explain_validity(geometry)
        geometry = shapely.make_valid(geometry)
    polygons = _polygons(geometry)
    if not polygons:
        raise InvalidPerimeterError("no polygon is left" + (f" after repairing: {reason}" if reason else ""))
    return CheckedPerimeter(geometry=dict(mapping(MultiPolygon(polygons))), repair=reason)


METRES_PER_DEGREE = 111_320.0


def simplified(geometry: dict[str, Any], tolerance_m: float) -> dict[str, Any]:
    """A lighter perimeter for display: Douglas-Peucker with topology kept, still a valid MultiPolygon.

    The tolerance is converted with one degree of latitude ≈ 111.32 km: at French latitudes it errs on
    the light side in longitude, which display does not mind."""
    if tolerance_m <= 0:
        return geometry
    lighter = shapely.simplify(shape(geometry), tolerance_m / METRES_PER_DEGREE, preserve_topology=True)
    polygons = _polygons(lighter if lighter.is_valid else shapely.make_valid(lighter))
    return dict(mapping(MultiPolygon(polygons))) if polygons else geometry
