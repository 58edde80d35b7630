"""Counts of people as they may be published (the participation indicators, a body's composition).

A count under five people is not published, and when one count of a breakdown is hidden, another is
hidden with it, so that no hidden count can be rebuilt by subtracting the others from the total
(statistical disclosure control, as INSEE's secret statistique applies it to small groups).
"""

from __future__ import annotations

from collections.abc import Mapping

SMALL_GROUP = 5  # statistics on fewer people are not published


def published_breakdown(counts: Mapping[str, int]) -> dict[str, int | None]:
    """Counts of a breakdown whose total is published, hidden under five; with one hidden, the smallest
    other is hidden too. A count of zero is published: it reveals no one."""
    shown: dict[str, int | None] = {key: (value if value >= SMALL_GROUP else None) for key, value in counts.items()}
    hidden = [key for key, value in shown.items() if value is None and counts[key] > 0]
    if len(hidden) == 1:
        visible = sorted((value, key) for key, value in shown.items() if value is not None)
        if visible:
            shown[visible[0][1]] = None
    return shown
