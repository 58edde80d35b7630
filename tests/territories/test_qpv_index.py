"""The vectorised batch classifier answers exactly what the single-point lookup answers."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from pyproj import Transformer

from services.territories.imports.use_cases import DATA_DIR
from services.territories.localisation.domain import IndexedQpv, QpvIndex, classify
from services.territories.qpvs.domain import check_perimeter


@pytest.fixture(scope="module")
def national_index() -> QpvIndex:
    with gzip.open(DATA_DIR / "qpv_2024_france.geojson.gz", "rt", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    return QpvIndex(
        [IndexedQpv(feature["properties"]["code"], feature["properties"]["nom"]) for feature in features],
        [check_perimeter(feature["geometry"]).geometry for feature in features],
    )


@pytest.mark.parametrize("tolerance_m", [0.0, 300.0])
def test_batch_equals_single_lookups(national_index: QpvIndex, tolerance_m: float) -> None:
    generator = np.random.default_rng(11)
    centres = np.array([geometry.centroid.coords[0] for geometry in national_index.geometries])
    picks = generator.integers(0, len(centres), 3000)
    x = centres[picks, 0] + generator.normal(0, 400, picks.size)
    y = centres[picks, 1] + generator.normal(0, 400, picks.size)
    lons, lats = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True).transform(x, y)
    located = classify(national_index, np.asarray(lons), np.asarray(lats), tolerance_m)
    matches = located.matches()
    assert matches, "the sample must hit some QPVs"
    for position in range(picks.size):
        single = national_index.locate(float(lons[position]), float(lats[position]), tolerance_m)
        assert [national_index.qpvs[index].code for index in matches.get(position, [])] == [
            match.code for match in single.matches
        ]
        if single.nearest is None:
            assert located.nearest[position] == -1
        else:
            assert located.distance_m[position] == pytest.approx(single.nearest.distance_m, abs=0.11)


def test_empty_batch(national_index: QpvIndex) -> None:
    located = classify(national_index, np.array([]), np.array([]), 500)
    assert located.matches() == {}
    assert located.nearest.size == 0
