"""The long-poll's listener (gateway.events.FeedChanges) wakes the waits of the contract a change names,
its parts included (`contract|part,part`, kit/response_cache.py), and every wait for a change of anything."""

from __future__ import annotations

from gateway.events import FeedChanges


async def test_a_change_of_some_parts_of_a_contract_wakes_that_contracts_waits_only() -> None:
    changes = FeedChanges(None)  # no listening connection: the test tells the changes itself
    ours, theirs, anything = changes.next_change("CV-1"), changes.next_change("CV-2"), changes.next_change(None)
    changes.changed("CV-1|live,live@2027")
    assert ours.is_set()
    assert anything.is_set()
    assert not theirs.is_set()
    changes.changed("")  # a change of no declared contract
    assert theirs.is_set()
