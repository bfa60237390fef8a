"""Unit tests for the schedule: recurrence, exceptions, overlaps, transitions, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from focus_app.core.model import (
    Block,
    BlockException,
    BlockKind,
    Mode,
    ModeSource,
    Occurrence,
    Recurrence,
)
from focus_app.core.schedule import HORIZON, Schedule

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
SANTIAGO = ZoneInfo("America/Santiago")
APIA = ZoneInfo("Pacific/Apia")

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
EVERY_DAY = frozenset(range(7))


def weekly(
    kind: BlockKind,
    start: time,
    end: time,
    days: frozenset[int] = EVERY_DAY,
    *,
    interval: int = 1,
    starts: date | None = None,
    until: date | None = None,
    exceptions: tuple[BlockException, ...] = (),
    block_id: int | None = None,
    title: str = "",
) -> Block:
    return Block(
        kind=kind,
        start=start,
        end=end,
        title=title,
        recurrence=Recurrence(days, interval, starts, until),
        exceptions=exceptions,
        id=block_id,
    )


def one_off(
    kind: BlockKind, on: date, start: time, end: time, block_id: int | None = None
) -> Block:
    return Block(kind=kind, start=start, end=end, on_date=on, id=block_id)


def spans(occurrences: list[Occurrence]) -> list[tuple[datetime, datetime]]:
    return [(o.start, o.end) for o in occurrences]


def starts_utc(occurrences: list[Occurrence]) -> list[datetime]:
    return [o.start.astimezone(UTC) for o in occurrences]


def local(
    tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def transitions(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    found: list[datetime] = []
    t: datetime | None = start
    while True:
        assert t is not None
        t = schedule.next_transition(t)
        if t is None or t >= end:
            return found
        found.append(t)


# --------------------------------------------------------------------------- recurrence


def test_weekly_block_occurs_on_its_weekdays_only() -> None:
    block = weekly(BlockKind.FOCUS, time(9), time(11), frozenset({MON, WED}))
    schedule = Schedule([block], tz=BERLIN)
    # 2024-05-06 is a Monday.
    found = schedule.occurrences(local(BERLIN, 2024, 5, 6), local(BERLIN, 2024, 5, 13))
    assert spans(found) == [
        (local(BERLIN, 2024, 5, 6, 9), local(BERLIN, 2024, 5, 6, 11)),
        (local(BERLIN, 2024, 5, 8, 9), local(BERLIN, 2024, 5, 8, 11)),
    ]
    assert all(o.block is block for o in found)


def test_every_other_week_counts_weeks_from_the_iso_week_of_starts() -> None:
    # Starts on a Wednesday: week 0 is that whole ISO week, but the Monday before the
    # start date is excluded because ``starts`` is inclusive on the start date.
    block = weekly(
        BlockKind.FOCUS,
        time(9),
        time(10),
        frozenset({MON, THU}),
        interval=2,
        starts=date(2024, 5, 8),
    )
    schedule = Schedule([block], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 5, 1), local(BERLIN, 2024, 6, 10))
    assert [o.start.date() for o in found] == [
        date(2024, 5, 9),
        date(2024, 5, 20),
        date(2024, 5, 23),
        date(2024, 6, 3),
        date(2024, 6, 6),
    ]


def test_every_third_week_without_starts_counts_from_the_week_of_2001_01_01() -> None:
    block = weekly(BlockKind.OFF, time(18), time(20), frozenset({MON}), interval=3)
    schedule = Schedule([block], tz=UTC)
    found = schedule.occurrences(utc(2001, 1, 1), utc(2001, 2, 20))
    assert [o.start.date() for o in found] == [
        date(2001, 1, 1),
        date(2001, 1, 22),
        date(2001, 2, 12),
    ]


def test_recurrence_starts_and_until_are_inclusive() -> None:
    block = weekly(
        BlockKind.FOCUS, time(9), time(10), starts=date(2024, 5, 7), until=date(2024, 5, 9)
    )
    schedule = Schedule([block], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 5, 1), local(BERLIN, 2024, 5, 31))
    assert [o.start.date() for o in found] == [date(2024, 5, 7), date(2024, 5, 8), date(2024, 5, 9)]


def test_one_off_block_occurs_once_on_its_date() -> None:
    block = one_off(BlockKind.AVAILABLE, date(2024, 5, 8), time(14), time(15, 30))
    schedule = Schedule([block], Mode.FOCUS, tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 1, 1), local(BERLIN, 2025, 1, 1))
    assert spans(found) == [(local(BERLIN, 2024, 5, 8, 14), local(BERLIN, 2024, 5, 8, 15, 30))]


def test_block_ending_before_it_starts_ends_on_the_next_day() -> None:
    block = weekly(BlockKind.OFF, time(22), time(6), frozenset({FRI}))
    schedule = Schedule([block], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 5, 6), local(BERLIN, 2024, 5, 13))
    assert spans(found) == [(local(BERLIN, 2024, 5, 10, 22), local(BERLIN, 2024, 5, 11, 6))]
    assert schedule.mode_at(local(BERLIN, 2024, 5, 11, 5, 59)).mode is Mode.OFF
    assert schedule.mode_at(local(BERLIN, 2024, 5, 11, 6)).mode is Mode.AVAILABLE


def test_block_ending_at_midnight_ends_at_the_start_of_the_next_day() -> None:
    block = weekly(BlockKind.OFF, time(20), time(0), frozenset({FRI}))
    schedule = Schedule([block], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 5, 6), local(BERLIN, 2024, 5, 13))
    assert spans(found) == [(local(BERLIN, 2024, 5, 10, 20), local(BERLIN, 2024, 5, 11))]


def test_occurrences_include_those_overlapping_the_window_edges_sorted_by_start() -> None:
    late = weekly(BlockKind.OFF, time(22), time(2))
    early = weekly(BlockKind.FOCUS, time(1), time(3))
    schedule = Schedule([late, early], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 5, 8, 1, 30), local(BERLIN, 2024, 5, 8, 22))
    assert [(o.block, o.start) for o in found] == [
        (late, local(BERLIN, 2024, 5, 7, 22)),
        (early, local(BERLIN, 2024, 5, 8, 1)),
    ]
    assert schedule.occurrences(local(BERLIN, 2024, 5, 8), local(BERLIN, 2024, 5, 8)) == []


# --------------------------------------------------------------------------- exceptions


def test_skip_exception_removes_one_occurrence() -> None:
    block = weekly(
        BlockKind.FOCUS, time(9), time(10), exceptions=(BlockException(date(2024, 5, 8)),)
    )
    schedule = Schedule([block], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 5, 7), local(BERLIN, 2024, 5, 10))
    assert [o.start.date() for o in found] == [date(2024, 5, 7), date(2024, 5, 9)]
    assert schedule.mode_at(local(BERLIN, 2024, 5, 8, 9, 30)).mode is Mode.AVAILABLE


def test_moved_exception_moves_one_occurrence_to_its_new_wall_clock_span() -> None:
    moved = BlockException(
        date(2024, 5, 8), datetime(2024, 5, 11, 15), datetime(2024, 5, 11, 17, 30)
    )
    block = weekly(BlockKind.FOCUS, time(9), time(10), frozenset({WED}), exceptions=(moved,))
    schedule = Schedule([block], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 5, 6), local(BERLIN, 2024, 5, 20))
    assert spans(found) == [
        (local(BERLIN, 2024, 5, 11, 15), local(BERLIN, 2024, 5, 11, 17, 30)),
        (local(BERLIN, 2024, 5, 15, 9), local(BERLIN, 2024, 5, 15, 10)),
    ]
    assert schedule.mode_at(local(BERLIN, 2024, 5, 8, 9, 30)).mode is Mode.AVAILABLE
    assert schedule.mode_at(local(BERLIN, 2024, 5, 11, 16)).mode is Mode.FOCUS
    # Found from a window that holds only the moved span, far from the original date.
    assert (
        len(schedule.occurrences(local(BERLIN, 2024, 5, 11, 17), local(BERLIN, 2024, 5, 12))) == 1
    )


def test_exception_for_a_date_without_an_occurrence_is_ignored() -> None:
    moved = BlockException(date(2024, 5, 9), datetime(2024, 5, 11, 15), datetime(2024, 5, 11, 16))
    block = weekly(BlockKind.FOCUS, time(9), time(10), frozenset({WED}), exceptions=(moved,))
    schedule = Schedule([block], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 5, 6), local(BERLIN, 2024, 5, 13))
    assert spans(found) == [(local(BERLIN, 2024, 5, 8, 9), local(BERLIN, 2024, 5, 8, 10))]


def test_occurrence_moved_onto_an_identical_one_of_its_block_is_one_occurrence() -> None:
    moved = BlockException(date(2024, 5, 8), datetime(2024, 5, 9, 9), datetime(2024, 5, 9, 10))
    block = weekly(BlockKind.FOCUS, time(9), time(10), frozenset({WED, THU}), exceptions=(moved,))
    schedule = Schedule([block], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 5, 6), local(BERLIN, 2024, 5, 13))
    assert spans(found) == [(local(BERLIN, 2024, 5, 9, 9), local(BERLIN, 2024, 5, 9, 10))]


def test_exception_applies_to_a_one_off_block_too() -> None:
    block = Block(
        BlockKind.FOCUS,
        time(9),
        time(10),
        on_date=date(2024, 5, 8),
        exceptions=(BlockException(date(2024, 5, 8)),),
    )
    schedule = Schedule([block], tz=BERLIN)
    assert schedule.occurrences(local(BERLIN, 2024, 5, 1), local(BERLIN, 2024, 6, 1)) == []


# --------------------------------------------------------------------------- modes


def test_outside_every_block_the_default_mode_applies() -> None:
    schedule = Schedule([weekly(BlockKind.FOCUS, time(9), time(10))], Mode.OFF, tz=BERLIN)
    state = schedule.mode_at(local(BERLIN, 2024, 5, 8, 12))
    assert (state.mode, state.source, state.block) == (Mode.OFF, ModeSource.DEFAULT, None)
    assert state.since == local(BERLIN, 2024, 5, 8, 10)
    assert state.until == local(BERLIN, 2024, 5, 9, 9)


def test_default_mode_is_available_unless_given() -> None:
    state = Schedule([], tz=BERLIN).mode_at(local(BERLIN, 2024, 5, 8, 12))
    assert (state.mode, state.source) == (Mode.AVAILABLE, ModeSource.DEFAULT)
    assert (state.since, state.until, state.period_key) == (None, None, "available:open")


def test_inside_a_block_its_mode_applies_and_the_block_is_reported() -> None:
    block = weekly(BlockKind.FOCUS, time(9), time(10), block_id=7, title="Deep work")
    state = Schedule([block], tz=BERLIN).mode_at(local(BERLIN, 2024, 5, 8, 9, 15))
    assert (state.mode, state.source, state.block) == (Mode.FOCUS, ModeSource.SCHEDULE, block)
    assert state.label == "Deep work"
    assert state.since == local(BERLIN, 2024, 5, 8, 9)
    assert state.until == local(BERLIN, 2024, 5, 8, 10)
    assert state.period_key == "focus:2024-05-08T09:00:00+02:00"


@pytest.mark.parametrize(
    ("winner", "loser"),
    [
        (BlockKind.OFF, BlockKind.FOCUS),
        (BlockKind.OFF, BlockKind.AVAILABLE),
        (BlockKind.FOCUS, BlockKind.AVAILABLE),
    ],
)
def test_overlapping_blocks_the_more_protective_kind_wins(
    winner: BlockKind, loser: BlockKind
) -> None:
    # The loser starts first and ends last: the winner still wins while it runs.
    outer = weekly(loser, time(8), time(12))
    inner = weekly(winner, time(9), time(10))
    for blocks in ([outer, inner], [inner, outer]):
        schedule = Schedule(blocks, Mode.PAUSED, tz=BERLIN)
        assert schedule.mode_at(local(BERLIN, 2024, 5, 8, 8, 30)).mode is loser.mode
        assert schedule.mode_at(local(BERLIN, 2024, 5, 8, 9, 30)).block is inner
        assert schedule.mode_at(local(BERLIN, 2024, 5, 8, 10, 30)).block is outer
        assert transitions(
            schedule, local(BERLIN, 2024, 5, 8, 7), local(BERLIN, 2024, 5, 8, 13)
        ) == [local(BERLIN, 2024, 5, 8, h) for h in (8, 9, 10, 12)]


def test_overlapping_blocks_of_one_kind_the_earlier_start_wins() -> None:
    first = weekly(BlockKind.FOCUS, time(9), time(11), title="first")
    second = weekly(BlockKind.FOCUS, time(10), time(12), title="second")
    schedule = Schedule([second, first], tz=BERLIN)
    assert schedule.mode_at(local(BERLIN, 2024, 5, 8, 10, 30)).block is first
    assert schedule.mode_at(local(BERLIN, 2024, 5, 8, 11, 30)).block is second


def test_overlapping_blocks_of_one_kind_starting_together_the_first_listed_wins() -> None:
    a = weekly(BlockKind.OFF, time(9), time(11), title="a")
    b = weekly(BlockKind.OFF, time(9), time(12), title="b")
    assert Schedule([a, b], tz=BERLIN).mode_at(local(BERLIN, 2024, 5, 8, 10)).block is a
    assert Schedule([b, a], tz=BERLIN).mode_at(local(BERLIN, 2024, 5, 8, 10)).block is b


def test_handover_between_blocks_of_one_mode_is_not_a_transition() -> None:
    a = weekly(BlockKind.FOCUS, time(9), time(10), title="a")
    b = weekly(BlockKind.FOCUS, time(10), time(11), title="b")
    schedule = Schedule([a, b], tz=BERLIN)
    assert schedule.next_transition(local(BERLIN, 2024, 5, 8, 9, 30)) == local(
        BERLIN, 2024, 5, 8, 11
    )
    early = schedule.mode_at(local(BERLIN, 2024, 5, 8, 9, 30))
    late = schedule.mode_at(local(BERLIN, 2024, 5, 8, 10, 30))
    assert (early.block, late.block) == (a, b)
    assert early.since == late.since == local(BERLIN, 2024, 5, 8, 9)
    assert early.period_key == late.period_key


def test_block_of_the_default_mode_is_no_transition_but_is_reported() -> None:
    block = weekly(BlockKind.AVAILABLE, time(9), time(10))
    focus = weekly(BlockKind.FOCUS, time(14), time(15))
    schedule = Schedule([block, focus], tz=BERLIN)
    assert schedule.next_transition(local(BERLIN, 2024, 5, 8, 8)) == local(BERLIN, 2024, 5, 8, 14)
    state = schedule.mode_at(local(BERLIN, 2024, 5, 8, 9, 30))
    assert (state.source, state.block) == (ModeSource.SCHEDULE, block)
    assert state.since == local(BERLIN, 2024, 5, 7, 15)


def test_period_key_is_the_same_within_a_stretch_and_differs_between_stretches() -> None:
    schedule = Schedule([weekly(BlockKind.FOCUS, time(9), time(10))], tz=BERLIN)
    keys = {schedule.mode_at(local(BERLIN, 2024, 5, 8, 9, m)).period_key for m in range(0, 60, 7)}
    assert len(keys) == 1
    assert schedule.mode_at(local(BERLIN, 2024, 5, 9, 9, 30)).period_key not in keys


def test_next_transition_is_the_first_change_after_t_not_t_itself() -> None:
    schedule = Schedule([weekly(BlockKind.FOCUS, time(9), time(10))], tz=BERLIN)
    assert schedule.next_transition(local(BERLIN, 2024, 5, 8, 9)) == local(BERLIN, 2024, 5, 8, 10)
    assert schedule.next_transition(local(BERLIN, 2024, 5, 8, 8, 59)) == local(
        BERLIN, 2024, 5, 8, 9
    )


def test_next_transition_is_none_without_any_change() -> None:
    t = local(BERLIN, 2024, 5, 8, 12)
    assert Schedule([], tz=BERLIN).next_transition(t) is None
    same = Schedule([weekly(BlockKind.AVAILABLE, time(9), time(10))], tz=BERLIN)
    assert same.next_transition(t) is None


def test_next_transition_is_none_after_the_last_block() -> None:
    block = weekly(BlockKind.FOCUS, time(9), time(10), until=date(2024, 5, 8))
    schedule = Schedule([block], tz=BERLIN)
    assert schedule.next_transition(local(BERLIN, 2024, 5, 8, 9, 30)) == local(
        BERLIN, 2024, 5, 8, 10
    )
    assert schedule.next_transition(local(BERLIN, 2024, 5, 8, 10)) is None
    assert schedule.mode_at(local(BERLIN, 2025, 1, 1)).since == local(BERLIN, 2024, 5, 8, 10)


def test_stretch_before_the_first_block_has_no_start() -> None:
    block = weekly(BlockKind.FOCUS, time(9), time(10), starts=date(2024, 5, 8))
    state = Schedule([block], tz=BERLIN).mode_at(local(BERLIN, 2024, 5, 1))
    assert (state.since, state.period_key) == (None, "available:open")
    assert state.until == local(BERLIN, 2024, 5, 8, 9)


def test_next_transition_further_than_the_horizon_is_none() -> None:
    block = one_off(BlockKind.FOCUS, date(2030, 1, 1), time(9), time(10))
    schedule = Schedule([block], tz=BERLIN)
    target = local(BERLIN, 2030, 1, 1, 9)
    assert schedule.next_transition(target - HORIZON + timedelta(days=1)) == target
    assert schedule.next_transition(target - HORIZON - timedelta(days=1)) is None


def test_next_transition_crosses_many_empty_weeks() -> None:
    block = weekly(BlockKind.FOCUS, time(9), time(10), frozenset({MON}), interval=50)
    schedule = Schedule([block], tz=BERLIN)
    first = schedule.next_transition(local(BERLIN, 2024, 5, 8))
    assert first is not None
    assert first.weekday() == MON and first.time() == time(9)
    following = schedule.next_transition(first + timedelta(hours=1))
    assert following == first + timedelta(weeks=50)


def test_block_spanning_the_internal_week_boundary_has_one_stretch() -> None:
    # The cache is cut at Monday 00:00 UTC; a block across it must not be split.
    block = weekly(BlockKind.OFF, time(22), time(2), frozenset({SUN}))
    schedule = Schedule([block], tz=UTC)
    state = schedule.mode_at(utc(2024, 5, 13, 1))
    assert (state.since, state.until) == (utc(2024, 5, 12, 22), utc(2024, 5, 13, 2))
    assert transitions(schedule, utc(2024, 5, 12), utc(2024, 5, 14)) == [
        utc(2024, 5, 12, 22),
        utc(2024, 5, 13, 2),
    ]


def test_queries_far_apart_in_time_stay_correct() -> None:
    # More weeks than the timeline cache holds, walked forwards then backwards.
    schedule = Schedule([weekly(BlockKind.FOCUS, time(9), time(10), frozenset({WED}))], tz=BERLIN)
    instants = [local(BERLIN, 2024, 1, 3, 9, 30) + timedelta(weeks=w) for w in range(100)]
    for t in [*instants, *reversed(instants)]:
        state = schedule.mode_at(t)
        assert state.mode is Mode.FOCUS
        assert state.until is not None and state.until.astimezone(BERLIN).hour == 10


def test_naive_datetimes_are_refused() -> None:
    schedule = Schedule([], tz=BERLIN)
    with pytest.raises(ValueError, match="aware"):
        schedule.mode_at(datetime(2024, 5, 8, 12))
    with pytest.raises(ValueError, match="aware"):
        schedule.next_transition(datetime(2024, 5, 8, 12))
    with pytest.raises(ValueError, match="aware"):
        schedule.occurrences(datetime(2024, 5, 8), local(BERLIN, 2024, 5, 9))


def test_results_are_in_the_schedule_zone_whatever_the_query_zone() -> None:
    schedule = Schedule([weekly(BlockKind.FOCUS, time(9), time(10))], tz=BERLIN)
    found = schedule.next_transition(utc(2024, 5, 8, 5))
    assert found == local(BERLIN, 2024, 5, 8, 9)
    assert found is not None and found.tzinfo is BERLIN
    state = schedule.mode_at(utc(2024, 5, 8, 7, 30))
    assert state.since is not None and state.since.tzinfo is BERLIN


# --------------------------------------------------------------------------- daylight saving


def test_spring_forward_start_in_the_gap_moves_forward_by_the_gap() -> None:
    # Berlin 2024-03-31: 02:00 CET jumps to 03:00 CEST; 02:30 becomes 03:30 CEST.
    schedule = Schedule([weekly(BlockKind.FOCUS, time(2, 30), time(5))], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 3, 31), local(BERLIN, 2024, 4, 1))
    assert spans(found) == [(local(BERLIN, 2024, 3, 31, 3, 30), local(BERLIN, 2024, 3, 31, 5))]
    assert found[0].start.utcoffset() == timedelta(hours=2)
    assert schedule.mode_at(local(BERLIN, 2024, 3, 31, 3, 15)).mode is Mode.AVAILABLE


def test_spring_forward_end_in_the_gap_moves_forward_too_so_blocks_still_touch() -> None:
    before = weekly(BlockKind.FOCUS, time(1), time(2, 30))
    after = weekly(BlockKind.OFF, time(2, 30), time(4))
    schedule = Schedule([before, after], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 3, 31), local(BERLIN, 2024, 4, 1))
    assert spans(found) == [
        (local(BERLIN, 2024, 3, 31, 1), local(BERLIN, 2024, 3, 31, 3, 30)),
        (local(BERLIN, 2024, 3, 31, 3, 30), local(BERLIN, 2024, 3, 31, 4)),
    ]


def test_spring_forward_occurrence_that_would_end_before_it_starts_is_dropped() -> None:
    # 02:30-03:15: the start moves to 03:30, after the end; nothing of it is real time.
    schedule = Schedule([weekly(BlockKind.FOCUS, time(2, 30), time(3, 15))], tz=BERLIN)
    found = schedule.occurrences(local(BERLIN, 2024, 3, 30), local(BERLIN, 2024, 4, 2))
    assert [o.start.date() for o in found] == [date(2024, 3, 30), date(2024, 4, 1)]


def test_fall_back_ambiguous_start_means_the_first_occurrence() -> None:
    # New York 2024-11-03: 01:00-02:00 happens twice (EDT, then EST); 01:30 is EDT.
    schedule = Schedule([weekly(BlockKind.FOCUS, time(1, 30), time(3))], tz=NEW_YORK)
    found = schedule.occurrences(local(NEW_YORK, 2024, 11, 3), local(NEW_YORK, 2024, 11, 4))
    assert len(found) == 1
    assert found[0].start.astimezone(UTC) == utc(2024, 11, 3, 5, 30)
    assert found[0].start.utcoffset() == timedelta(hours=-4)
    assert found[0].end.astimezone(UTC) == utc(2024, 11, 3, 8)


def test_fall_back_no_transition_fires_twice() -> None:
    schedule = Schedule(
        [
            weekly(BlockKind.FOCUS, time(1, 15), time(1, 45)),
            weekly(BlockKind.OFF, time(1, 50), time(1, 55)),
        ],
        tz=NEW_YORK,
    )
    found = transitions(schedule, local(NEW_YORK, 2024, 11, 3), local(NEW_YORK, 2024, 11, 4))
    assert [t.astimezone(UTC) for t in found] == [
        utc(2024, 11, 3, 5, 15),
        utc(2024, 11, 3, 5, 45),
        utc(2024, 11, 3, 5, 50),
        utc(2024, 11, 3, 5, 55),
    ]
    # The repeated hour (EST) is outside the focus block.
    second_time = local(NEW_YORK, 2024, 11, 3, 1, 30, fold=1)
    assert schedule.mode_at(second_time).mode is Mode.AVAILABLE


def test_lord_howe_half_hour_spring_forward_moves_start_by_thirty_minutes() -> None:
    # Lord Howe 2024-10-06: 02:00 +10:30 jumps to 02:30 +11:00; 02:10 becomes 02:40.
    schedule = Schedule([weekly(BlockKind.FOCUS, time(2, 10), time(4))], tz=LORD_HOWE)
    found = schedule.occurrences(local(LORD_HOWE, 2024, 10, 6), local(LORD_HOWE, 2024, 10, 7))
    assert spans(found) == [
        (local(LORD_HOWE, 2024, 10, 6, 2, 40), local(LORD_HOWE, 2024, 10, 6, 4))
    ]
    assert found[0].start.utcoffset() == timedelta(hours=11)


def test_lord_howe_half_hour_fall_back_means_the_first_occurrence() -> None:
    # Lord Howe 2024-04-07: 02:00 +11:00 falls back to 01:30 +10:30; 01:45 happens twice.
    schedule = Schedule([weekly(BlockKind.OFF, time(1, 45), time(3))], tz=LORD_HOWE)
    found = schedule.occurrences(local(LORD_HOWE, 2024, 4, 7), local(LORD_HOWE, 2024, 4, 8))
    assert starts_utc(found) == [utc(2024, 4, 6, 14, 45)]
    # Subtract in UTC: aware datetimes in one zone subtract by wall time in Python.
    assert found[0].end.astimezone(UTC) - found[0].start.astimezone(UTC) == timedelta(
        hours=1, minutes=45
    )


def test_santiago_midnight_gap_moves_a_midnight_start_to_one_oclock() -> None:
    # Santiago 2024-09-08: 00:00 -04 jumps to 01:00 -03; the day still exists.
    schedule = Schedule([weekly(BlockKind.FOCUS, time(0), time(2))], tz=SANTIAGO)
    found = schedule.occurrences(local(SANTIAGO, 2024, 9, 8), local(SANTIAGO, 2024, 9, 9))
    assert spans(found) == [(local(SANTIAGO, 2024, 9, 8, 1), local(SANTIAGO, 2024, 9, 8, 2))]


def test_santiago_fall_back_before_midnight_means_the_first_occurrence() -> None:
    # Santiago 2024-04-06: 24:00 -03 falls back to 23:00 -04; 23:30 happens twice.
    schedule = Schedule([weekly(BlockKind.OFF, time(23, 30), time(0, 30))], tz=SANTIAGO)
    found = schedule.occurrences(local(SANTIAGO, 2024, 4, 6, 12), local(SANTIAGO, 2024, 4, 7))
    assert starts_utc(found) == [utc(2024, 4, 7, 2, 30)]
    assert found[0].end.astimezone(UTC) == utc(2024, 4, 7, 4, 30)


def test_apia_skipped_day_has_no_occurrence_and_creates_no_duplicate() -> None:
    # Pacific/Apia went from 2011-12-29 23:59:59 -10:00 straight to 2011-12-31 00:00 +14:00.
    schedule = Schedule([weekly(BlockKind.FOCUS, time(10), time(12))], tz=APIA)
    found = schedule.occurrences(local(APIA, 2011, 12, 28), local(APIA, 2012, 1, 2))
    assert [o.start.date() for o in found] == [
        date(2011, 12, 28),
        date(2011, 12, 29),
        date(2011, 12, 31),
        date(2012, 1, 1),
    ]
    assert all(o.start < o.end for o in found)
    utc_starts = starts_utc(found)
    assert len(set(utc_starts)) == len(utc_starts)


def test_apia_overnight_block_into_the_skipped_day_ends_after_the_gap() -> None:
    block = one_off(BlockKind.OFF, date(2011, 12, 29), time(22), time(2))
    schedule = Schedule([block], tz=APIA)
    found = schedule.occurrences(local(APIA, 2011, 12, 28), local(APIA, 2012, 1, 2))
    assert spans(found) == [(local(APIA, 2011, 12, 29, 22), local(APIA, 2011, 12, 31, 2))]
    assert found[0].end.astimezone(UTC) - found[0].start.astimezone(UTC) == timedelta(hours=4)


def test_apia_occurrence_moved_onto_the_skipped_day_is_dropped() -> None:
    moved = BlockException(
        date(2011, 12, 28), datetime(2011, 12, 30, 10), datetime(2011, 12, 30, 11)
    )
    block = weekly(BlockKind.FOCUS, time(9), time(10), frozenset({WED}), exceptions=(moved,))
    schedule = Schedule([block], tz=APIA)
    assert schedule.occurrences(local(APIA, 2011, 12, 26), local(APIA, 2012, 1, 2)) == []


def test_apia_transitions_across_the_skipped_day_are_strictly_increasing() -> None:
    schedule = Schedule(
        [weekly(BlockKind.FOCUS, time(10), time(12)), weekly(BlockKind.OFF, time(23), time(1))],
        tz=APIA,
    )
    found = transitions(schedule, local(APIA, 2011, 12, 28), local(APIA, 2012, 1, 2))
    found_utc = [t.astimezone(UTC) for t in found]
    assert found_utc == sorted(set(found_utc))
    assert len(found) == 2 * 4 + 2 * 4  # four days with each block, the 30th without


# Blocks the schedule cannot use -------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        Block(BlockKind.FOCUS, time(9), time(10), on_date=date(9999, 12, 28)),
        Block(BlockKind.FOCUS, time(9), time(10), on_date=date(1, 1, 1)),
        weekly(BlockKind.FOCUS, time(9), time(10), until=date(9999, 12, 31)),
        weekly(BlockKind.FOCUS, time(9), time(10), starts=date(1, 1, 1)),
        weekly(
            BlockKind.FOCUS,
            time(9),
            time(10),
            exceptions=(
                BlockException(
                    date(2026, 1, 5), datetime(9999, 12, 31, 9), datetime(9999, 12, 31, 10)
                ),
            ),
        ),
    ],
    ids=["date-9999", "date-0001", "until-9999", "starts-0001", "moved-to-9999"],
)
def test_a_block_with_an_unsupported_date_is_skipped_with_a_reason_not_fatal(bad: Block) -> None:
    good = weekly(BlockKind.FOCUS, time(13), time(14))
    schedule = Schedule([bad, good], tz=BERLIN)  # raised "year 10000 is out of range"
    assert [s.block for s in schedule.skipped] == [bad]
    assert "outside the supported dates 1900-01-01 to 9000-12-31" in schedule.skipped[0].reason
    assert schedule.blocks == (good,)
    at = datetime(2026, 1, 5, 13, 30, tzinfo=BERLIN)
    assert schedule.mode_at(at).mode is Mode.FOCUS
    assert schedule.next_transition(at) == datetime(2026, 1, 5, 14, tzinfo=BERLIN)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "America/St_Johns"])
def test_blocks_on_the_first_and_last_supported_dates_work_in_extreme_zones(zone: str) -> None:
    tz = ZoneInfo(zone)
    first = Block(BlockKind.FOCUS, time(0), time(1), on_date=date(1900, 1, 1))
    last = Block(BlockKind.OFF, time(23), time(0, 30), on_date=date(9000, 12, 31))
    forever = weekly(
        BlockKind.FOCUS, time(9), time(10), starts=date(1900, 1, 1), until=date(9000, 12, 31)
    )
    schedule = Schedule([first, last, forever], tz=tz)
    assert schedule.skipped == ()
    assert schedule.mode_at(datetime(9000, 12, 31, 23, 15, tzinfo=tz)).mode is Mode.OFF
    assert schedule.mode_at(datetime(1900, 1, 1, 0, 30, tzinfo=tz)).mode is Mode.FOCUS
    assert schedule.next_transition(datetime(9000, 12, 31, 23, 15, tzinfo=tz)) is not None
