"""Booking an accepted request into the next availability window with room.

An *availability window* is a stretch of real time where the schedule's mode is
``available`` because an availability block is in force (the default mode between blocks
is not a window: it covers nights and weekends). Because overlapping blocks resolve to
the more protective kind (:mod:`focus_app.core.schedule`), a window never overlaps a
focus or off block, so a booking inside one never does either.

A booking takes the first gap inside a window, at or after ``now``, that is free of
existing commitments and long enough for the estimate; it is not split over windows (a
30-minute review in two halves is two context switches). All arithmetic is in UTC, so a
window across a daylight-saving change has its real length.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from focus_app.core.model import BlockKind, Mode
from focus_app.core.schedule import Schedule

SEARCH_AHEAD = timedelta(weeks=8)
"""How far a booking looks for room: past this the request is better deferred."""


class Span(NamedTuple):
    """A stretch of real time ``[start, end)`` (aware datetimes)."""

    start: datetime
    end: datetime


def availability_windows(schedule: Schedule, start: datetime, end: datetime) -> Iterator[Span]:
    """The availability windows overlapping ``[start, end)``, clipped to it, in order.

    Raises:
        ValueError: ``start`` or ``end`` is naive.
    """
    tz = schedule.tz
    # In UTC: aware datetimes sharing a zone compare by wall time, wrong at a fall-back.
    t, end = start.astimezone(UTC), end.astimezone(UTC)
    while t < end:
        state = schedule.mode_at(t)
        until = min(state.until.astimezone(UTC), end) if state.until is not None else end
        if until <= t:  # cannot happen with a sane schedule; never loop for ever
            break
        if state.mode is Mode.AVAILABLE:
            # The mode stretch may run on past the window into a default of the same
            # mode: the windows are the availability occurrences inside the stretch.
            lo: datetime | None = None
            hi: datetime | None = None
            for occ in schedule.occurrences(t, until):
                if occ.block.kind is not BlockKind.AVAILABLE:
                    continue
                s = max(occ.start.astimezone(UTC), t)
                e = min(occ.end.astimezone(UTC), until)
                if lo is not None and hi is not None:
                    if s <= hi:
                        hi = max(hi, e)
                        continue
                    yield Span(lo.astimezone(tz), hi.astimezone(tz))
                lo, hi = s, e
            if lo is not None and hi is not None:
                yield Span(lo.astimezone(tz), hi.astimezone(tz))
        t = until


def next_window(schedule: Schedule, now: datetime) -> Span | None:
    """The availability window in force at ``now`` (from ``now``) or the next one."""
    return next(availability_windows(schedule, now, now + SEARCH_AHEAD), None)


def find_slot(
    schedule: Schedule,
    now: datetime,
    estimate: timedelta,
    booked: Iterable[Span],
    *,
    ahead: timedelta = SEARCH_AHEAD,
) -> Span | None:
    """The first ``estimate``-long stretch in an availability window, free of ``booked``.

    Args:
        schedule: The weekly schedule.
        now: Nothing is booked before this instant.
        estimate: How long the request takes (more than zero).
        booked: Existing commitments, in any order; they may overlap each other.
        ahead: How far to look.

    Returns:
        The slot, in the schedule's zone, or ``None`` when no window within ``ahead`` has
        room (the caller suggests deferring).

    Raises:
        ValueError: ``estimate`` is not positive, or ``now`` is naive.
    """
    if estimate <= timedelta():
        raise ValueError("the estimate must be longer than zero")
    limit = now + ahead
    busy = sorted(
        (
            Span(s.start.astimezone(UTC), s.end.astimezone(UTC))
            for s in booked
            if s.end.astimezone(UTC) > now.astimezone(UTC)
        ),
        key=lambda s: s.start,
    )
    tz = schedule.tz
    i = 0
    for window in availability_windows(schedule, now, limit):
        free_from = window.start.astimezone(UTC)
        window_end = window.end.astimezone(UTC)
        # Skip commitments that end before this window's free part begins.
        while i < len(busy) and busy[i].end <= free_from:
            i += 1
        j = i
        while True:
            gap_end = window_end
            if j < len(busy) and busy[j].start < window_end:
                gap_end = min(window_end, busy[j].start)
            if gap_end - free_from >= estimate:
                return Span((free_from).astimezone(tz), (free_from + estimate).astimezone(tz))
            if j >= len(busy) or busy[j].start >= window_end:
                break
            free_from = max(free_from, busy[j].end)
            j += 1
            if free_from >= window_end:
                break
    return None


def overlaps(a: Span, b: Span) -> bool:
    """Whether two spans share any real time (touching ends do not overlap)."""
    return a.start < b.end and b.start < a.end
