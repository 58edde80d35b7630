"""Perimeters and zone outlines as RFC 7946 writes them, without a database: outer rings counter-clockwise
and holes clockwise (§3.1.6), 6 decimals (§11.2), no vertex repeated in a row; valid, the area kept, and
what the grid drops said."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import shapely
from shapely.geometry import LinearRing, shape

from services.territories.imports.use_cases import DATA_DIR
from services.territories.qpvs.domain import check_perimeter, simplified
from services.territories.vulnerability.domain.zones import zone_outline
from tests.territories.rfc7946 import Ring, assert_rfc7946, polygons_of


def square(x: float, y: float, size: float) -> Ring:
    """A square, counter-clockwise from its south-west corner."""
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


CLOCKWISE = [[2.0, 50.0], [2.0, 50.01], [2.01, 50.01], [2.01, 50.0], [2.0, 50.0]]


def test_a_clockwise_outer_ring_comes_out_counter_clockwise() -> None:
    assert not LinearRing(CLOCKWISE).is_ccw
    checked = check_perimeter({"type": "Polygon", "coordinates": [CLOCKWISE]})
    [[exterior]] = checked.geometry["coordinates"]
    assert LinearRing(exterior).is_ccw
    assert checked.repair is None
    assert_rfc7946(checked.geometry)


def test_a_counter_clockwise_hole_comes_out_clockwise() -> None:
    hole = square(2.002, 50.002, 0.004)
    assert LinearRing(hole).is_ccw
    checked = check_perimeter({"type": "MultiPolygon", "coordinates": [[square(2.0, 50.0, 0.01), hole]]})
    [[exterior, inner]] = checked.geometry["coordinates"]
    assert LinearRing(exterior).is_ccw
    assert not LinearRing(inner).is_ccw
    assert shape(checked.geometry).area == pytest.approx(0.01**2 - 0.004**2)
    assert_rfc7946(checked.geometry)


def test_vertices_repeated_in_a_row_are_dropped() -> None:
    repeated = [[2.0, 50.0], [2.01, 50.0], [2.01, 50.0], [2.01, 50.01], [2.0, 50.01], [2.0, 50.01], [2.0, 50.0]]
    [[exterior]] = check_perimeter({"type": "Polygon", "coordinates": [repeated]}).geometry["coordinates"]
    assert exterior == [[2.0, 50.0], [2.01, 50.0], [2.01, 50.01], [2.0, 50.01], [2.0, 50.0]]


def test_float_noise_and_extra_decimals_are_rounded_to_6() -> None:
    noisy = [[5.336160000000001, 43.3], [5.3461234567, 43.3], [5.34, 43.31], [5.336160000000001, 43.3]]
    checked = check_perimeter({"type": "Polygon", "coordinates": [noisy]})
    [[exterior]] = checked.geometry["coordinates"]
    assert sorted(map(tuple, exterior[:-1])) == [(5.33616, 43.3), (5.34, 43.31), (5.346123, 43.3)]
    assert_rfc7946(checked.geometry)


def test_rounding_keeps_the_geometry_valid_and_its_area() -> None:
    # Two parts 0.3 µ° apart: rounded one by one they would share an edge (an invalid MultiPolygon); the
    # precision reducer joins them into one valid polygon of the same area.
    parts = [[square(2.0, 50.0, 0.01)], [square(2.0100003, 50.0, 0.01)]]
    checked = check_perimeter({"type": "MultiPolygon", "coordinates": parts})
    assert len(checked.geometry["coordinates"]) == 1
    assert shape(checked.geometry).area == pytest.approx(2 * 0.01**2, rel=1e-4)
    assert_rfc7946(checked.geometry)


def test_a_part_thinner_than_the_grid_is_dropped_and_said() -> None:
    sliver = [[3.0, 45.0], [3.001, 45.0], [3.0005, 45.0000001], [3.0, 45.0]]
    checked = check_perimeter({"type": "MultiPolygon", "coordinates": [[square(2.0, 50.0, 0.01)], [sliver]]})
    assert len(checked.geometry["coordinates"]) == 1
    assert checked.repair == "1 part(s) thinner than the grid of 10^-6 degree dropped"
    assert_rfc7946(checked.geometry)


def test_a_normalised_perimeter_normalised_again_is_unchanged() -> None:
    noisy = [[5.336160000000001, 43.3], [5.34, 43.31], [5.346, 43.3], [5.336160000000001, 43.3]]
    once = check_perimeter({"type": "Polygon", "coordinates": [noisy]})
    assert check_perimeter(once.geometry) == once


def test_a_simplified_perimeter_is_written_as_rfc7946_says() -> None:
    # As a row stored before the normalisation may hold it: clockwise, with float noise.
    wavy = [[2.0 + index * 0.0001 + 1e-15, 50.0 + (index % 2) * 0.0000051] for index in range(101)]
    ring = [*wavy, [2.01, 50.01], [2.0, 50.01], wavy[0]][::-1]
    lighter = simplified({"type": "MultiPolygon", "coordinates": [[ring]]}, 5)
    assert sum(len(ring) for polygon in polygons_of(lighter) for ring in polygon) < len(ring)
    assert_rfc7946(lighter)
    assert shape(lighter).area == pytest.approx(0.01**2, rel=1e-3)


def test_national_perimeters_keep_their_area() -> None:
    with gzip.open(DATA_DIR / "qpv_2024_france.geojson.gz", "rt", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    repaired = [shapely.make_valid(shape(feature["geometry"])) for feature in features]
    normalised = [shape(check_perimeter(feature["geometry"]).geometry) for feature in features]
    before, after = shapely.area(repaired), shapely.area(normalised)
    assert np.all(np.abs(after - before) <= 1e-4 * before)
    assert all(shapely.is_valid(normalised))


def test_a_zone_outline_is_written_as_rfc7946_says() -> None:
    # Eight 200 m squares around an empty one (EPSG:3035 south-west corners): an outline with a hole.
    cells = [(row, column) for row in range(3) for column in range(3) if (row, column) != (1, 1)]
    northing = np.array([3_045_000 + 200 * row for row, _ in cells], dtype=np.int64)
    easting = np.array([3_807_000 + 200 * column for _, column in cells], dtype=np.int64)
    outline = zone_outline(northing, easting)
    assert outline["type"] == "Polygon"
    assert len(outline["coordinates"]) == 2
    assert_rfc7946(outline)
