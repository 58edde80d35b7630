"""The collector's set-up of a started API process."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from kit.garbage_collection import YOUNG_THRESHOLD, settle_after_start_up


@pytest.fixture
def collector_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector_restored")
def test_start_up_objects_are_frozen_and_young_collections_come_less_often() -> None:
    gc.unfreeze()
    survivor: list[object] = [["built at start-up"]]
    assert gc.is_tracked(survivor)
    settle_after_start_up()
    assert gc.get_freeze_count() > 0
    assert all(item is not survivor for generation in range(3) for item in gc.get_objects(generation=generation))
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD > 700
