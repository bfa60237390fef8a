"""Export → parse with icalendar → expand with recurring-ical-events gives exactly the
occurrences our own Schedule gives, over weeks that include a DST change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st

from focus_app.calendars import export_ics
from focus_app.core.model import Block, BlockException, BlockKind, Recurrence
from focus_app.core.schedule import Schedule

ZONES = [ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")]
NOW = datetime(2025, 3, 1, tzinfo=UTC)
# Four weeks around the spring change in both zones (US 2025-03-09, EU 2025-03-30).
WINDOW = (date(2025, 3, 3), date(2025, 4, 7))

# Hours outside 01:00-03:59 keep clear of DST gaps and folds, where RFC 5545 leaves
# clients free; the change itself still moves every later occurrence's UTC offset.
clock_times = st.builds(
    time, st.sampled_from([0, 4, 6, 8, 9, 12, 17, 20, 22, 23]), st.sampled_from([0, 15, 30])
)
days = st.dates(date(2025, 2, 1), date(2025, 4, 20))


@st.composite
def blocks(draw: st.DrawFn) -> Block:
    start = draw(clock_times)
    end = draw(clock_times.filter(lambda t: t != start))
    kind = draw(st.sampled_from(BlockKind))
    if draw(st.booleans()):
        starts = draw(st.none() | days)
        until = draw(st.none() | days)
        if starts and until and until < starts:
            starts, until = until, starts
        rec = Recurrence(
            frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
            draw(st.integers(1, 3)), starts, until,
        )
        exceptions = []
        for day in draw(st.sets(days, max_size=3)):
            if draw(st.booleans()):
                exceptions.append(BlockException(day))
            else:
                moved = datetime.combine(day + timedelta(days=draw(st.integers(0, 1))),
                                         draw(clock_times))
                exceptions.append(BlockException(day, moved, moved + timedelta(hours=1)))
        return Block(kind, start, end, "t", rec, exceptions=tuple(exceptions))
    return Block(kind, start, end, "t", on_date=draw(days))


def spans_ours(items: list[Block], tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    lo = datetime.combine(WINDOW[0], time(), tz)
    hi = datetime.combine(WINDOW[1], time(), tz)
    schedule = Schedule(items, tz=tz)
    return sorted(
        (o.start.astimezone(UTC), o.end.astimezone(UTC))
        for o in schedule.occurrences(lo, hi)
    )


def spans_theirs(items: list[Block], tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    calendar = icalendar.Calendar.from_ical(export_ics(items, tz, now=NOW))
    lo = datetime.combine(WINDOW[0], time(), tz)
    hi = datetime.combine(WINDOW[1], time(), tz)
    return sorted(
        (e.start.astimezone(UTC), e.end.astimezone(UTC))
        for e in recurring_ical_events.of(calendar).between(lo, hi)
    )


@settings(max_examples=120, deadline=None)
@given(st.lists(blocks(), min_size=1, max_size=3), st.sampled_from(ZONES))
def test_recurring_ical_events_expands_our_export_like_our_schedule(
    items: list[Block], tz: ZoneInfo
) -> None:
    assert spans_theirs(items, tz) == spans_ours(items, tz)
