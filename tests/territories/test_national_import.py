"""The national QPV 2024 file: every perimeter stored valid (repairs reported), re-import changes nothing.
Runs in a database of its own so the shared reference data stays as the other tests expect."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from kit.database import create_engine, create_sessionmaker
from kit.unit_of_work import UnitOfWork
from services.territories.imports.use_cases import DATA_DIR, import_national_qpvs
from services.territories.localisation.use_cases import QpvIndexes, locate_point
from services.territories.qpvs.domain import InvalidPerimeterError, check_perimeter
from tests.running_stack import RunningStack

NATIONAL = DATA_DIR / "qpv_2024_france.geojson.gz"


@pytest.fixture(scope="module")
def national_url(stack: RunningStack) -> str:
    return stack.territories_database("cdq_national_check")


@pytest.fixture
async def national_uow(national_url: str) -> AsyncIterator[UnitOfWork]:
    engine = create_engine(national_url, "territories", application_name="test-national")
    yield UnitOfWork(create_sessionmaker(engine))
    await engine.dispose()


async def _revisions_told(uow: UnitOfWork) -> list[str]:
    """The generations whose `qpv.revised` events partners read (the territories outbox)."""
    async with uow.reading():
        rows = await uow.session.execute(
            text("SELECT resource_id FROM territories.outbox_events WHERE event_type = 'qpv.revised' ORDER BY position")
        )
        return list(rows.scalars().all())


async def test_national_file_loads_repaired_and_idempotent(national_uow: UnitOfWork) -> None:
    told = await _revisions_told(national_uow)
    first = await import_national_qpvs(national_uow, NATIONAL)
    assert first.qpvs == 1584
    assert len(first.repaired) == 586
    assert first.refused == []
    assert await _revisions_told(national_uow) == [*told, "2024-2030"]  # perimeters changed: partners hear it
    again = await import_national_qpvs(national_uow, NATIONAL)
    assert again.changed == 0
    assert await _revisions_told(national_uow) == [*told, "2024-2030"]  # nothing changed: nothing told
    located = await locate_point(national_uow, QpvIndexes(), "2024-2030", 5.3698, 43.2965, 2000)
    assert located.nearest is not None
    assert located.nearest.qpv.code == "QN01330M"


async def test_an_unusable_feature_fails_the_import_unless_skipped(national_uow: UnitOfWork, tmp_path: Path) -> None:
    with gzip.open(NATIONAL, "rt", encoding="utf-8") as handle:
        collection = json.load(handle)
    broken = {
        "type": "Feature",
        "properties": {"code": "QNBROKEN"},
        "geometry": {"type": "Point", "coordinates": [2, 48]},
    }
    collection["features"] = [*collection["features"][:3], broken]
    path = tmp_path / "broken.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(InvalidPerimeterError, match="QNBROKEN"):
        await import_national_qpvs(national_uow, path)
    report = await import_national_qpvs(national_uow, path, skip_refused=True)
    assert report.qpvs == 3
    assert [code for code, _ in report.refused] == ["QNBROKEN"]


def test_self_intersecting_polygon_is_repaired_and_reported() -> None:
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    checked = check_perimeter(bow_tie)
    assert checked.repair is not None
    assert checked.repair.startswith("Self-intersection")
    assert checked.geometry["type"] == "MultiPolygon"
    assert len(checked.geometry["coordinates"]) == 2


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {"type": "Point", "coordinates": [0, 0]},
        {"type": "Polygon", "coordinates": "x"},
        {"type": "Polygon", "coordinates": [[[0, 0], [0, 0], [0, 0], [0, 0]]]},
    ],
)
def test_unusable_perimeters_are_refused(raw: object) -> None:
    with pytest.raises(InvalidPerimeterError):
        check_perimeter(raw)
