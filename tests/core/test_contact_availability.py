"""When a contact is next available, from the blocks of their published calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from focus_app.core.booking import Span
from focus_app.core.contact_availability import (
    AvailabilityCache,
    contact_schedule,
    next_available,
)
from focus_app.core.model import Block, BlockKind, Recurrence

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 30)


def once(kind: BlockKind, day: date, start: time, end: time) -> Block:
    return Block(kind, start, end, on_date=day)


def test_a_calendar_of_meetings_leaves_working_hours_minus_the_meetings() -> None:
    meetings = [
        once(BlockKind.OFF, MONDAY, time(9), time(12)),
        once(BlockKind.OFF, MONDAY, time(12, 10), time(17)),  # a 10-minute gap: not enough
    ]
    schedule = contact_schedule(meetings, BERLIN)
    found = next_available(schedule, datetime(2026, 11, 30, 8, tzinfo=BERLIN))
    assert found == Span(
        datetime(2026, 12, 1, 9, tzinfo=BERLIN), datetime(2026, 12, 1, 17, tzinfo=BERLIN)
    )


def test_marked_availability_replaces_working_hours() -> None:
    office = Block(BlockKind.AVAILABLE, time(14), time(16), "Office hours",
                   recurrence=Recurrence(weekdays=frozenset({2})))  # Wednesdays
    busy = once(BlockKind.OFF, date(2026, 12, 2), time(14), time(14, 30))
    schedule = contact_schedule([office, busy], BERLIN)
    found = next_available(schedule, datetime(2026, 11, 30, 10, tzinfo=BERLIN))
    assert found is not None
    assert found.start == datetime(2026, 12, 2, 14, 30, tzinfo=BERLIN)
    assert found.end == datetime(2026, 12, 2, 16, tzinfo=BERLIN)


def test_inside_a_window_they_are_available_from_now() -> None:
    schedule = contact_schedule([], BERLIN)
    now = datetime(2026, 11, 30, 10, 7, tzinfo=BERLIN)
    found = next_available(schedule, now)
    assert found is not None and found.start == now
    assert found.end == datetime(2026, 11, 30, 17, tzinfo=BERLIN)


def test_a_weekend_waits_for_monday_and_a_long_absence_has_no_window() -> None:
    schedule = contact_schedule([], BERLIN)
    saturday = datetime(2026, 11, 28, 12, tzinfo=BERLIN)
    found = next_available(schedule, saturday)
    assert found is not None and found.start == datetime(2026, 11, 30, 9, tzinfo=BERLIN)
    away = Block(BlockKind.OFF, time(8), time(18), "Sabbatical",
                 recurrence=Recurrence(weekdays=frozenset(range(5))))
    assert next_available(contact_schedule([away], BERLIN), saturday) is None


def test_a_longer_ask_needs_a_longer_stretch() -> None:
    meetings = [once(BlockKind.OFF, MONDAY, time(10), time(17))]
    schedule = contact_schedule(meetings, BERLIN)
    now = datetime(2026, 11, 30, 9, tzinfo=BERLIN)
    short = next_available(schedule, now)
    assert short is not None and short.start == now
    long = next_available(schedule, now, timedelta(hours=2))
    assert long is not None and long.start == datetime(2026, 12, 1, 9, tzinfo=BERLIN)


@given(
    meetings=st.lists(
        st.tuples(st.integers(0, 6), st.integers(7 * 4, 19 * 4), st.integers(1, 16)),
        max_size=8,
    ),
    steps=st.lists(st.integers(0, 26 * 60), min_size=1, max_size=12),
)
@settings(max_examples=60, deadline=None)
def test_a_reused_answer_is_always_the_one_worked_out_afresh(
    meetings: list[tuple[int, int, int]], steps: list[int]
) -> None:
    blocks = [
        once(BlockKind.OFF, MONDAY + timedelta(days=day), time(q // 4, q % 4 * 15),
             time(min(23, (q + length) // 4), (q + length) % 4 * 15 if (q + length) < 96 else 45))
        for day, q, length in meetings
    ]
    schedule = contact_schedule(blocks, BERLIN)
    cache = AvailabilityCache()
    now = datetime(2026, 11, 30, 6, tzinfo=BERLIN)
    for minutes in steps:
        now += timedelta(minutes=minutes)
        assert cache.next_available(1, schedule, now) == next_available(schedule, now)
