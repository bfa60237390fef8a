"""Other people's limits: when someone in the referral directory is next available.

A contact may publish an availability calendar (an ``.ics`` file or URL, CalDAV's
exported calendar too). Its events are read by the same reader as the person's own
calendars (:mod:`focus_app.calendars.kinds` decides each event's kind), with plain busy
events as ``off``. The rule for their availability windows, in one place:

1. Events their calendar marks as available (category ``available``, or a focus-app
   user's published availability windows, ``X-FOCUS-APP-KIND:available``) are their
   windows.
2. A calendar without any such event gets working hours as windows: Monday to Friday,
   09:00 to 17:00, in the app's time zone (a colleague's calendar of meetings says when
   they are busy, not when they work).
3. Busy events (meetings, out of office, focus time) are cut out of the windows: the
   schedule resolves overlaps to the more protective kind, as for the person's own
   blocks. Events marked free (``TRANSP:TRANSPARENT``) block no time.

They are *next available* at the start of the first stretch of a window, from now, at
least :data:`MIN_FREE` long (a five-minute gap between two meetings is not
availability). The arithmetic is :func:`focus_app.core.booking.find_slot`'s, so it
agrees with how the person's own requests are booked. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta, tzinfo

from focus_app.core.booking import Span, find_slot
from focus_app.core.model import Block, BlockKind, Mode, Recurrence
from focus_app.core.schedule import Schedule

MIN_FREE = timedelta(minutes=30)
"""The shortest stretch that counts as being available."""
LOOK_AHEAD = timedelta(weeks=4)
"""How far ahead a next window is looked for; past it, "no window in four weeks"."""
WORKING_HOURS = Block(
    BlockKind.AVAILABLE,
    time(9),
    time(17),
    "Working hours",
    recurrence=Recurrence(weekdays=frozenset(range(5))),
)
"""The windows of a calendar that marks none (rule 2)."""


def contact_schedule(blocks: Sequence[Block], tz: tzinfo) -> Schedule:
    """The schedule of a contact's published calendar under the rule above.

    Args:
        blocks: The calendar's events as blocks (plain busy events as ``off``).
        tz: The app's zone (event times are already converted into it).
    """
    usable = list(blocks)
    if not any(b.kind is BlockKind.AVAILABLE for b in usable):
        usable.append(WORKING_HOURS)
    return Schedule(usable, default_mode=Mode.OFF, tz=tz)


def next_available(
    schedule: Schedule, now: datetime, length: timedelta = MIN_FREE
) -> Span | None:
    """The first stretch of ``length`` or more in one of their windows, from ``now``.

    Returns:
        The stretch from its start to the end of its window, or ``None`` when no window
        within :data:`LOOK_AHEAD` has room.
    """
    slot = find_slot(schedule, now, length, [], ahead=LOOK_AHEAD)
    if slot is None:
        return None
    window_end = schedule.mode_at(slot.start).until
    return Span(slot.start, window_end if window_end is not None else slot.end)


RECHECK_NONE = timedelta(hours=1)
"""How long "no window in four weeks" is kept before it is worked out again."""


def valid_until(span: Span | None, computed_at: datetime, length: timedelta = MIN_FREE) -> datetime:
    """Until when :func:`next_available` keeps its answer for the same schedule.

    A future stretch stays the answer until it begins (nothing earlier had room when
    it was found); a stretch open now stays it, from each later instant, until less
    than ``length`` of it is left. The directory reuses answers for that long instead
    of working them out on every load.
    """
    if span is None:
        return computed_at + RECHECK_NONE
    if span.start > computed_at:
        return span.start
    return span.end - length


class AvailabilityCache:
    """Answers of :func:`next_available` per contact, reused while :func:`valid_until`.

    Pure bookkeeping: the caller forgets a contact when their schedule changes.
    """

    def __init__(self) -> None:
        self._answers: dict[int, tuple[datetime, datetime, Span | None]] = {}

    def forget(self, contact_id: int) -> None:
        self._answers.pop(contact_id, None)

    def next_available(self, contact_id: int, schedule: Schedule, now: datetime) -> Span | None:
        """:func:`next_available` of ``schedule`` at ``now``, reused when still valid."""
        known = self._answers.get(contact_id)
        if known is not None:
            computed_at, until, span = known
            if computed_at <= now < until:
                if span is not None and span.start < now:
                    return Span(now, span.end)
                return span
        span = next_available(schedule, now)
        self._answers[contact_id] = (now, valid_until(span, now), span)
        return span

