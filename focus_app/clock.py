"""Clock adapters: the real one and a settable fake for tests and simulations."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, tzinfo


class SystemClock:
    """The machine's clock, in the system's current local time zone."""

    def now(self) -> datetime:
        return datetime.now().astimezone()

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to (``advance``, ``jump``)."""

    def __init__(self, start: datetime, tz: tzinfo | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware start time")
        self._now = start if tz is None else start.astimezone(tz)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, delta: timedelta) -> None:
        """Let time pass normally: wall clock and monotonic clock move together."""
        self._now = self._now + delta
        self._mono += delta.total_seconds()

    def jump(self, delta: timedelta) -> None:
        """Move only the wall clock (a clock change, or time spent suspended)."""
        self._now = self._now + delta
