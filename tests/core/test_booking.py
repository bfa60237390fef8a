"""Booking into availability windows, and the weekly budget, across DST and week ends."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from focus_app.core.booking import Span, availability_windows, find_slot, next_window, overlaps
from focus_app.core.budget import WeekBudget, committed, week_of
from focus_app.core.model import Block, BlockKind, Mode, Recurrence
from focus_app.core.schedule import Schedule

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = frozenset(range(5))


def block(kind: BlockKind, start: str, end: str, days: frozenset[int] = WEEKDAYS) -> Block:
    return Block(
        kind,
        time.fromisoformat(start),
        time.fromisoformat(end),
        title=kind.value,
        recurrence=Recurrence(days),
    )


def office_hours(tz: ZoneInfo = BERLIN) -> Schedule:
    return Schedule(
        [
            block(BlockKind.FOCUS, "09:00", "11:30"),
            block(BlockKind.AVAILABLE, "11:30", "12:30"),
            block(BlockKind.AVAILABLE, "16:00", "17:00"),
            block(BlockKind.FOCUS, "16:30", "18:00"),  # focus wins the overlap
        ],
        tz=tz,
    )


def at(day: int, hh: int, mm: int = 0, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=tz)


def test_the_first_window_with_room_is_booked_from_its_start() -> None:
    slot = find_slot(office_hours(), at(30, 8), timedelta(minutes=30), [])
    assert slot == Span(at(30, 11, 30), at(30, 12))


def test_a_booking_skips_commitments_and_windows_too_short() -> None:
    booked = [Span(at(30, 11, 30), at(30, 12, 15))]
    # 15 minutes left at 12:15, the 16:00 window is cut to 30 minutes by focus at 16:30.
    slot = find_slot(office_hours(), at(30, 8), timedelta(minutes=45), booked)
    assert slot == Span(
        datetime(2026, 12, 1, 11, 30, tzinfo=BERLIN), datetime(2026, 12, 1, 12, 15, tzinfo=BERLIN)
    )
    assert find_slot(office_hours(), at(30, 8), timedelta(minutes=30), booked) == Span(
        at(30, 16), at(30, 16, 30)
    )


def test_a_booking_starts_no_earlier_than_now_inside_a_window() -> None:
    slot = find_slot(office_hours(), at(30, 11, 40), timedelta(minutes=20), [])
    assert slot == Span(at(30, 11, 40), at(30, 12))


def test_without_any_window_there_is_no_slot() -> None:
    schedule = Schedule([block(BlockKind.FOCUS, "09:00", "17:00")], tz=BERLIN)
    assert find_slot(schedule, at(30, 8), timedelta(minutes=10), []) is None
    assert next_window(schedule, at(30, 8)) is None


def test_the_default_mode_between_blocks_is_not_a_window() -> None:
    schedule = Schedule([block(BlockKind.FOCUS, "09:00", "17:00")], Mode.AVAILABLE, tz=BERLIN)
    assert list(availability_windows(schedule, at(30, 0), at(30, 23))) == []


def test_a_window_across_the_autumn_change_has_its_real_length() -> None:
    # 01:00-04:00 on 2026-10-25 in Berlin lasts four real hours (03:00 happens twice).
    schedule = Schedule([block(BlockKind.AVAILABLE, "01:00", "04:00", frozenset({6}))], tz=BERLIN)
    start = datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN)
    slot = find_slot(schedule, start, timedelta(hours=4), [])
    assert slot is not None
    assert slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == timedelta(hours=4)


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Schedule, datetime]:
    zone = draw(st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]))
    tz = ZoneInfo(zone)
    pivot = {
        "Europe/Berlin": date(2024, 3, 31),
        "America/New_York": date(2024, 11, 3),
        "Australia/Lord_Howe": date(2024, 4, 7),
    }[zone]
    times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
    blocks = []
    for _ in range(draw(st.integers(1, 6))):
        s, e = draw(times), draw(times)
        if s == e:
            continue
        kind = draw(st.sampled_from(list(BlockKind)))
        days = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
        blocks.append(Block(kind, s, e, recurrence=Recurrence(days)))
    start = datetime.combine(pivot - timedelta(days=2), time(), tz)
    return Schedule(blocks, tz=tz), start + timedelta(minutes=draw(st.integers(0, 4 * 1440)))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    schedules(),
    st.integers(5, 300),
    st.lists(st.tuples(st.integers(0, 7 * 96), st.integers(1, 16)), max_size=6),
)
def test_a_booking_lies_in_one_window_never_on_a_focus_block_or_commitment(
    scenario: tuple[Schedule, datetime], minutes: int, raw_booked: list[tuple[int, int]]
) -> None:
    schedule, now = scenario
    estimate = timedelta(minutes=minutes)
    booked = [
        Span(now + timedelta(minutes=15 * a), now + timedelta(minutes=15 * (a + n)))
        for a, n in raw_booked
    ]
    slot = find_slot(schedule, now, estimate, booked, ahead=timedelta(weeks=2))
    if slot is None:
        return
    assert slot.start >= now
    assert slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == estimate
    assert not any(overlaps(slot, b) for b in booked)
    # Every instant of the slot is in an availability window: sampled every 5 minutes.
    t = slot.start
    while t < slot.end:
        state = schedule.mode_at(t)
        assert state.mode is Mode.AVAILABLE and state.block is not None
        t += timedelta(minutes=5)
    for occ in schedule.occurrences(slot.start, slot.end):
        assert occ.block.kind is BlockKind.AVAILABLE


def test_a_week_runs_monday_to_monday_on_the_wall_clock() -> None:
    week = week_of(datetime(2026, 12, 2, 15, 0, tzinfo=BERLIN), BERLIN)
    assert week == Span(datetime(2026, 11, 30, tzinfo=BERLIN), datetime(2026, 12, 7, tzinfo=BERLIN))


def test_weeks_with_a_daylight_saving_change_last_167_or_169_hours() -> None:
    spring = week_of(datetime(2026, 3, 29, 12, tzinfo=BERLIN), BERLIN)
    autumn = week_of(datetime(2026, 10, 25, 12, tzinfo=BERLIN), BERLIN)
    assert spring.end.astimezone(UTC) - spring.start.astimezone(UTC) == timedelta(hours=167)
    assert autumn.end.astimezone(UTC) - autumn.start.astimezone(UTC) == timedelta(hours=169)


def test_a_commitment_over_sunday_midnight_counts_in_both_weeks() -> None:
    c = Span(
        datetime(2026, 12, 6, 23, 0, tzinfo=BERLIN), datetime(2026, 12, 7, 1, 0, tzinfo=BERLIN)
    )
    this = week_of(datetime(2026, 12, 6, 12, tzinfo=BERLIN), BERLIN)
    nxt = week_of(datetime(2026, 12, 7, 12, tzinfo=BERLIN), BERLIN)
    assert committed([c], this) == timedelta(hours=1)
    assert committed([c], nxt) == timedelta(hours=1)


def test_a_commitment_across_the_autumn_change_counts_its_real_time() -> None:
    c = Span(
        datetime(2026, 10, 25, 1, 0, tzinfo=BERLIN), datetime(2026, 10, 25, 4, 0, tzinfo=BERLIN)
    )
    assert committed([c], week_of(c.start, BERLIN)) == timedelta(hours=4)


@given(
    st.lists(st.tuples(st.integers(0, 400), st.integers(1, 60)), max_size=20),
    st.integers(-3, 3),
)
def test_committed_hours_of_consecutive_weeks_add_up_to_the_union(
    raw: list[tuple[int, int]], shift: int
) -> None:
    tz = ZoneInfo("Europe/Berlin")
    base = datetime(2026, 10, 19, tzinfo=tz) + timedelta(days=7 * shift)
    spans = [Span(base + timedelta(hours=a), base + timedelta(hours=a + n)) for a, n in raw]
    weeks = [week_of(base + timedelta(days=7 * k), tz) for k in range(4)]
    for a, b in itertools.pairwise(weeks):
        assert a.end == b.start
    total_by_weeks = sum((committed(spans, w) for w in weeks), timedelta())
    whole = committed(spans, Span(weeks[0].start, weeks[-1].end))
    assert total_by_weeks == whole
    real = [s.end.astimezone(UTC) - s.start.astimezone(UTC) for s in spans]
    assert whole <= sum(real, timedelta())


def test_the_budget_says_what_is_left_and_what_fits() -> None:
    week = week_of(at(30, 12), BERLIN)
    budget = WeekBudget(week, timedelta(hours=3, minutes=30), 5, 2, 10)
    assert budget.text() == "3.5 of 5 h committed, 2 of 10 breakthroughs"
    assert budget.fits(timedelta(hours=1, minutes=30))
    assert not budget.fits(timedelta(hours=1, minutes=31))
    assert budget.room == timedelta(hours=1, minutes=30)
    assert budget.fraction == 0.7


def test_the_budget_text_says_when_the_rest_wait_and_when_there_is_no_weekly_limit() -> None:
    week = week_of(at(30, 12), BERLIN)
    used_up = WeekBudget(week, timedelta(hours=2), 5, 10, 10)
    assert used_up.breakthroughs_used_up
    assert used_up.text() == "2 of 5 h committed, 10 of 10 breakthroughs, the rest wait"
    past = WeekBudget(week, timedelta(hours=2), 5, 12, 10)  # priority passes a used-up week
    assert past.text() == "2 of 5 h committed, 12 of 10 breakthroughs, the rest wait"
    assert not WeekBudget(week, timedelta(), 5, 9, 10).breakthroughs_used_up
    unlimited = WeekBudget(week, timedelta(), 5, 1, 0)
    assert not unlimited.breakthroughs_used_up
    assert unlimited.text() == "0 of 5 h committed, 1 breakthrough (no weekly limit)"
    none_yet = WeekBudget(week, timedelta(), 5, 0, 0)
    assert none_yet.text().endswith(", 0 breakthroughs (no weekly limit)")
