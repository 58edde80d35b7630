"""What a GeoJSON reader checks of a polygonal geometry (RFC 7946): the right-hand rule (§3.1.6), no vertex
repeated in a row, at most 6 decimals (§11.2); and that it is valid."""

from __future__ import annotations

from typing import Any

from shapely.geometry import LinearRing, shape

Ring = list[list[float]]


def polygons_of(geometry: dict[str, Any]) -> list[list[Ring]]:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def assert_rfc7946(geometry: dict[str, Any]) -> None:
    for exterior, *holes in polygons_of(geometry):
        assert LinearRing(exterior).is_ccw
        assert not any(LinearRing(hole).is_ccw for hole in holes)
        for ring in (exterior, *holes):
            assert all(ring[index] != ring[index + 1] for index in range(len(ring) - 1)), ring
            assert all(round(value, 6) == value for position in ring for value in position), ring
    assert shape(geometry).is_valid
