"""The collector's set-up of a started API process."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from kit.garbage_collection import YOUNG_THRESHOLD, cycle_collection_paused, settle_after_start_up


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


def test_a_paused_collection_resumes_when_the_last_overlapping_pause_ends() -> None:
    assert gc.isenabled()
    with cycle_collection_paused():
        assert not gc.isenabled()
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the outer build still runs"
    assert gc.isenabled()


def test_a_collector_disabled_before_the_pause_stays_disabled() -> None:
    gc.disable()
    try:
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_failing_build_still_resumes_the_collection() -> None:
    with pytest.raises(ValueError, match="broken"), cycle_collection_paused():
        raise ValueError("broken")
    assert gc.isenabled()
