"""Totals of lists are counted once per change of their contract and kept (kit.pagination.KeptCounts)."""

from __future__ import annotations

import asyncio

from kit.pagination import KeptCounts, PageRequest, kept_total
from kit.response_cache import ResponseCache, told_as_committed


class Counter:
    """A count that tells how often it was asked, and whose value the test changes."""

    def __init__(self, value: int) -> None:
        self.value = value
        self.asked = 0

    async def __call__(self) -> int:
        self.asked += 1
        return self.value


def hearing() -> tuple[ResponseCache, KeptCounts]:
    cache = ResponseCache(heard_since=told_as_committed)
    cache.hearing()
    return cache, KeptCounts(cache.count_stamp, cache.caught_up_with_request)


def test_a_total_is_counted_once_until_its_contract_changes() -> None:
    cache, counts = hearing()
    rows = Counter(120)
    assert asyncio.run(counts.count("CV-1", "programmation", rows)) == 120
    assert asyncio.run(counts.count("CV-1", "programmation", rows)) == 120
    assert rows.asked == 1
    cache.changed("CV-2")  # another contract's write leaves it standing
    assert asyncio.run(counts.count("CV-1", "programmation", rows)) == 120
    assert rows.asked == 1
    rows.value = 121
    cache.changed("CV-1")
    assert asyncio.run(counts.count("CV-1", "programmation", rows)) == 121
    cache.changed()  # a change of no declared contract drops every kept total
    rows.value = 122
    assert asyncio.run(counts.count("CV-1", "programmation", rows)) == 122
    assert rows.asked == 3


def test_a_count_that_a_change_crossed_is_not_kept() -> None:
    cache, counts = hearing()
    rows = Counter(5)

    async def crossed() -> int:
        cache.changed("CV-1")
        return await rows()

    assert asyncio.run(counts.count("CV-1", "list", crossed)) == 5
    rows.value = 6
    assert asyncio.run(counts.count("CV-1", "list", rows)) == 6
    assert rows.asked == 2


def test_nothing_is_kept_while_changes_cannot_be_heard() -> None:
    cache = ResponseCache(heard_since=told_as_committed)
    counts = KeptCounts(cache.count_stamp, cache.caught_up_with_request)
    rows = Counter(7)
    for _ in range(2):
        assert asyncio.run(counts.count("CV-1", "list", rows)) == 7
    assert rows.asked == 2


def test_a_page_that_tells_its_total_asks_no_count() -> None:
    _, counts = hearing()
    rows = Counter(999)
    assert asyncio.run(kept_total(counts, "CV-1", "list", 30, PageRequest(limit=50, offset=100), rows)) == 130
    assert asyncio.run(kept_total(counts, "CV-1", "list", 51, PageRequest(limit=50, offset=0), rows)) == 999
    assert asyncio.run(kept_total(None, "CV-1", "list", 51, PageRequest(limit=50, offset=0), rows)) == 999
    assert rows.asked == 2


def test_a_kept_total_waits_for_every_change_acknowledged_before_it_is_asked() -> None:
    """Another process's commit, acknowledged before the page was read, is heard before a kept total is
    served (kit.change_feed.ChangeFeed.heard_since); here the round trip hears it."""
    heard_late: list[str] = []  # changes this process hears on its next round trip

    async def round_trip(_arrived: float) -> bool:
        while heard_late:
            cache.changed(heard_late.pop())
        return True

    cache = ResponseCache(heard_since=round_trip)
    cache.hearing()
    counts = KeptCounts(cache.count_stamp, cache.caught_up_with_request)
    rows = Counter(40)
    assert asyncio.run(counts.count("CV-1", "list", rows)) == 40
    rows.value = 41
    heard_late.append("CV-1")
    assert asyncio.run(counts.count("CV-1", "list", rows)) == 41
    assert rows.asked == 2
