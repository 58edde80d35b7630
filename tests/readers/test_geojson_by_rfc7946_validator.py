"""Our GeoJSON as a reader checks it: geojson-validator (RFC 7946's rules on geometries, and the GeoJSON
schema) over every national QPV 2024 perimeter as the import stores it, and over the CU d'Arras'
perimeters (whole and simplified) and vulnerability zones as the gateway answers them.

Not one invalid criterion (unclosed ring, fewer than three positions, outer ring not counter-clockwise,
hole not clockwise), and none of the problematic criteria our answers are written to avoid: a vertex
repeated (`duplicate_nodes`), more than 6 decimals (`excessive_coordinate_precision`). Holes and large
perimeters (`holes`, `excessive_vertices`) are what the perimeters are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geojson_validator
import httpx
import pytest

from identity.principal import Role
from kit.database import create_engine, create_sessionmaker
from kit.unit_of_work import UnitOfWork
from services.territories.imports.use_cases import DATA_DIR, import_national_qpvs
from services.territories.qpvs.repository import QpvRepository
from tests.job_results import finished
from tests.running_stack import CUA_CONTRACT, RunningStack
from tests.territories.cua import CUA_QPVS_2024

API = "/api/territories"
GEOJSON = "application/geo+json"
AVOIDED = {"duplicate_nodes", "excessive_coordinate_precision"}


def assert_read_without_fault(collection: dict[str, Any], features: int) -> None:
    """The collection passes the reader's schema and geometry checks (one call for all its features)."""
    assert len(collection["features"]) == features
    assert geojson_validator.validate_structure(collection) == {}
    results = geojson_validator.validate_geometries(collection)
    assert results["invalid"] == {}
    assert AVOIDED.isdisjoint(results["problematic"]), {name: results["problematic"][name] for name in AVOIDED}
    assert results["skipped_validation"] == []


def collection_of(features: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.fixture(scope="module")
def national_url(stack: RunningStack) -> str:
    """A database of its own: the national file would change the reference data other tests expect."""
    return stack.territories_database("cdq_geojson_reader")


async def test_every_national_perimeter_as_stored(national_url: str) -> None:
    engine = create_engine(national_url, "territories", application_name="test-geojson-reader")
    try:
        uow = UnitOfWork(create_sessionmaker(engine))
        await import_national_qpvs(uow, DATA_DIR / "qpv_2024_france.geojson.gz")
        async with uow.reading():
            perimeters = await QpvRepository(uow.session).perimeters_of("2024-2030")
    finally:
        await engine.dispose()
    features = [
        {"type": "Feature", "properties": {"code": item.code}, "geometry": item.geometry} for item in perimeters
    ]
    assert_read_without_fault(collection_of(features), 1584)


@pytest.mark.parametrize("tolerance_m", [0, 25])
async def test_the_cua_perimeters_as_answered(gateway: httpx.AsyncClient, tolerance_m: int) -> None:
    features = []
    for code in sorted(CUA_QPVS_2024):
        response = await gateway.get(f"{API}/qpvs/{code}/perimeter", params={"toleranceM": tolerance_m})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == GEOJSON
        features.append(response.json())
    assert_read_without_fault(collection_of(features), 6)


@pytest.mark.parametrize(
    ("thresholds", "zones"), [({}, 4), ({"poorShareMin": 0.1, "adjacency": "corner", "imputed": "flag"}, 1)]
)
async def test_the_cua_vulnerability_zones_as_answered(
    stack: RunningStack, gateway: httpx.AsyncClient, thresholds: dict[str, Any], zones: int
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT])
    body = {"communes": ["62041"], **thresholds}
    computed = await finished(
        gateway, await gateway.post(f"{API}/vulnerability-computations", json=body, headers=headers)
    )
    assert computed.status_code == 201, computed.text
    response = await gateway.get(f"{API}/vulnerability-computations/{computed.json()['id']}/zones")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == GEOJSON
    assert_read_without_fault(response.json(), zones)
