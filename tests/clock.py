"""The running stack's clock: the machine's, moved to a chosen day while a test needs it (kit/clock.py).

The services of the test stack run in the tests' process, each app holding this clock; a test asks for the
`clock` fixture and sets the day its scenario happens on, instead of computing dates from the machine's.
The apps judge tokens' expiry by it too; tokens are still minted at the machine's time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from kit.clock import day_of


class TravellingClock:
    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def today(self) -> date:
        return day_of(self.now())

    def travel_to(self, day: date) -> None:
        """From now on the services' day is `day` (the time of day keeps running)."""
        self._offset += timedelta(days=(day - self.today()).days)

    def advance(self, elapsed: timedelta) -> None:
        """Let `elapsed` pass at once (a token's expiry, a lease) instead of sleeping through it."""
        self._offset += elapsed

    def reset(self) -> None:
        self._offset = timedelta(0)

    @contextmanager
    def on(self, day: date) -> Iterator[None]:
        """The services' day is `day` for what the block does, then the day it was again."""
        kept = self._offset
        self.travel_to(day)
        try:
            yield
        finally:
            self._offset = kept


class FixedClock:
    """One instant that does not move: for use-case tests that compare what was stamped."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant
