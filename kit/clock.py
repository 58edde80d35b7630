"""The time an operation runs at, injected rather than read from the system where rules use it.

A service app holds one `Clock` (app.state.clock) and lends it to every unit of work it opens: a use case
asks its unit of work for the operation's instant (`uow.now()`) and day (`uow.today()`), never
`datetime.now()`. Tests then move the whole running stack to a chosen day (tests/clock.py) instead of
computing dates from the machine's, and use-case tests pass a clock of their own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The machine's clock: what every app uses unless told otherwise."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def day_of(instant: datetime) -> date:
    """The calendar day of an instant as the platform counts days (UTC, as the stored timestamps are)."""
    return instant.astimezone(UTC).date()
