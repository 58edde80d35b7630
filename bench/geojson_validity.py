"""How many of the 1,584 national QPV 2024 perimeters a GeoJSON reader refuses (geojson-validator: RFC 7946's
rules), as the ANCT's file gives them, as the former import stored them (repaired with `make_valid`, written
as shapely gives them), as the import stores them now (`check_perimeter`), and simplified to 25 m as the
perimeter route answers them.

    .venv/bin/python -m bench.geojson_validity

A perimeter fails when the validator finds any invalid criterion, or a vertex repeated
(`duplicate_nodes`) or more than 6 decimals (`excessive_coordinate_precision`). One table, in-process.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from typing import Any

import geojson_validator
import shapely
from shapely.geometry import MultiPolygon, mapping, shape

from bench.local_stack import ROOT
from services.territories.qpvs.domain import check_perimeter, simplified

NATIONAL = ROOT / "services" / "territories" / "data" / "qpv_2024_france.geojson.gz"
PROBLEMATIC = ("duplicate_nodes", "excessive_coordinate_precision")
Geometry = dict[str, Any]


def former_import(raw: Geometry) -> Geometry:
    """The perimeter as the import stored it before it wrote RFC 7946 (up to commit 0912551)."""
    geometry = shape(raw)
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    parts = shapely.get_parts(shapely.get_parts(geometry))  # a repair's collection may hold MultiPolygons
    polygons = [part for part in parts if isinstance(part, shapely.Polygon)]
    written: Geometry = json.loads(json.dumps(mapping(MultiPolygon(polygons))))
    return written


def failures(geometries: list[Geometry]) -> tuple[int, dict[str, int]]:
    """How many geometries fail, and how many fail each criterion (one validator call for them all)."""
    collection = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": g} for g in geometries]}
    results = geojson_validator.validate_geometries(collection, criteria_problematic=PROBLEMATIC)
    flagged = {**results["invalid"], **results["problematic"]}
    failing = {index for indices in flagged.values() for item in indices for index in item}
    return len(failing), {name: len(indices) for name, indices in flagged.items()}


def main() -> None:
    geojson_validator.configure_logging(enabled=False)
    with gzip.open(NATIONAL, "rt", encoding="utf-8") as handle:
        raw = [feature["geometry"] for feature in json.load(handle)["features"]]
    stored = [check_perimeter(geometry).geometry for geometry in raw]
    ways: dict[str, Callable[[], list[Geometry]]] = {
        "the ANCT's file as shipped": lambda: raw,
        "as the former import stored them": lambda: [former_import(geometry) for geometry in raw],
        "as the import stores them now": lambda: [check_perimeter(geometry).geometry for geometry in raw],
        "stored now, simplified to 25 m": lambda: [simplified(geometry, 25) for geometry in stored],
    }
    print(f"{'national QPV 2024 perimeters (1,584)':<38}{'failing':>9}{'seconds':>9}   criteria")
    for label, way in ways.items():
        started = time.perf_counter()
        geometries = way()
        elapsed = time.perf_counter() - started
        count, criteria = failures(geometries)
        named = ", ".join(f"{name} {number}" for name, number in sorted(criteria.items())) or "none"
        print(f"{label:<38}{count:>9}{elapsed:>9.2f}   {named}")


if __name__ == "__main__":
    main()
