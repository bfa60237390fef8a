"""Tests for the effective state: overrides over the schedule, wake-ups, release times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from focus_app.core.model import Block, BlockKind, Mode, ModeSource, Override, Recurrence
from focus_app.core.schedule import Schedule
from focus_app.core.state import next_release_at, next_wake, next_window_after, resolve_state

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
EVERY_DAY = frozenset(range(7))


def at(hour: int, minute: int = 0, day: int = 8) -> datetime:
    """An instant on 2024-05-<day> (a Wednesday for 8) in Berlin."""
    return datetime(2024, 5, day, hour, minute, tzinfo=BERLIN)


def daily(kind: BlockKind, start: int, end: int, title: str = "") -> Block:
    return Block(kind, time(start), time(end), title, Recurrence(EVERY_DAY))


def workday_schedule() -> Schedule:
    """Focus 9-11, available 11-12 (the default anyway), off 12-13, focus 14-16."""
    return Schedule(
        [
            daily(BlockKind.FOCUS, 9, 11, "Deep work"),
            daily(BlockKind.AVAILABLE, 11, 12, "Office hour"),
            daily(BlockKind.OFF, 12, 13, "Lunch"),
            daily(BlockKind.FOCUS, 14, 16, "Writing"),
        ],
        tz=BERLIN,
    )


# --------------------------------------------------------------------------- resolve_state


def test_active_override_wins_over_the_schedule() -> None:
    override = Override(Mode.PAUSED, at(9, 30), at(10, 15), reason="call")
    state = resolve_state(workday_schedule(), override, at(10))
    assert (state.mode, state.source, state.override) == (
        Mode.PAUSED,
        ModeSource.OVERRIDE,
        override,
    )
    assert (state.since, state.until) == (at(9, 30), at(10, 15))
    assert state.period_key == f"override:{at(9, 30).isoformat()}"
    assert state.block is None
    assert state.label == "call"


def test_expired_override_is_ignored() -> None:
    override = Override(Mode.OFF, at(8), at(9, 30))
    state = resolve_state(workday_schedule(), override, at(9, 30))
    assert (state.mode, state.source) == (Mode.FOCUS, ModeSource.SCHEDULE)
    assert state.override is None


def test_override_that_has_not_started_is_ignored() -> None:
    override = Override(Mode.OFF, at(10, 30), at(11))
    state = resolve_state(workday_schedule(), override, at(10))
    assert state.source is ModeSource.SCHEDULE


def test_without_override_the_schedule_decides() -> None:
    state = resolve_state(workday_schedule(), None, at(12, 30))
    assert (state.mode, state.source, state.label) == (Mode.OFF, ModeSource.SCHEDULE, "Lunch")
    assert (state.since, state.until) == (at(12), at(13))


def test_override_activity_is_decided_in_utc_not_by_wall_time() -> None:
    # New York 2024-11-03: 01:30 EST (fold=1) comes an hour after 01:30 EDT (fold=0).
    # Same-zone datetimes compare by wall time, which would call the override active.
    starts = datetime(2024, 11, 3, 1, 30, tzinfo=NEW_YORK, fold=1)
    override = Override(Mode.FOCUS, starts, starts + timedelta(hours=1))
    schedule = Schedule([], tz=NEW_YORK)
    before = datetime(2024, 11, 3, 1, 45, tzinfo=NEW_YORK, fold=0)
    assert resolve_state(schedule, override, before).source is ModeSource.DEFAULT
    during = datetime(2024, 11, 3, 1, 45, tzinfo=NEW_YORK, fold=1)
    assert resolve_state(schedule, override, during).source is ModeSource.OVERRIDE


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        resolve_state(workday_schedule(), None, datetime(2024, 5, 8, 10))


# --------------------------------------------------------------------------- next_wake


def test_next_wake_is_the_next_schedule_transition_without_override() -> None:
    assert next_wake(workday_schedule(), None, at(10)) == at(11)


def test_next_wake_is_the_override_end_when_it_comes_first() -> None:
    override = Override(Mode.OFF, at(9, 30), at(10, 15))
    assert next_wake(workday_schedule(), override, at(10)) == at(10, 15)


def test_next_wake_is_the_schedule_transition_when_it_comes_before_the_override_end() -> None:
    override = Override(Mode.OFF, at(10), at(14))
    assert next_wake(workday_schedule(), override, at(10, 30)) == at(11)


def test_next_wake_includes_the_start_of_a_future_override() -> None:
    override = Override(Mode.OFF, at(10, 30), at(10, 45))
    assert next_wake(workday_schedule(), override, at(10)) == at(10, 30)


def test_next_wake_ignores_an_expired_override() -> None:
    override = Override(Mode.OFF, at(8), at(9, 30))
    assert next_wake(workday_schedule(), override, at(10)) == at(11)


def test_next_wake_is_none_when_nothing_will_change() -> None:
    assert next_wake(Schedule([], tz=BERLIN), None, at(10)) is None


def test_next_wake_is_in_the_schedule_zone() -> None:
    found = next_wake(workday_schedule(), None, at(10).astimezone(UTC))
    assert found is not None and found.tzinfo is BERLIN


# --------------------------------------------------------------------------- next_release_at


def test_release_is_now_when_notifications_already_flow() -> None:
    assert next_release_at(workday_schedule(), None, at(11, 30)) == at(11, 30)
    assert next_release_at(workday_schedule(), None, at(7)) == at(7)


def test_release_is_the_end_of_the_focus_block() -> None:
    assert next_release_at(workday_schedule(), None, at(10)) == at(11)


def test_release_skips_protected_stretches_that_follow_each_other() -> None:
    schedule = Schedule([daily(BlockKind.FOCUS, 9, 11), daily(BlockKind.OFF, 11, 13)], tz=BERLIN)
    assert next_release_at(schedule, None, at(10)) == at(13)


def test_release_is_the_end_of_a_focus_override_over_an_available_schedule() -> None:
    override = Override(Mode.FOCUS, at(11), at(11, 50))
    assert next_release_at(workday_schedule(), override, at(11, 10)) == at(11, 50)


def test_release_after_a_focus_override_waits_for_the_schedule_too() -> None:
    override = Override(Mode.FOCUS, at(8), at(10))
    assert next_release_at(workday_schedule(), override, at(8, 30)) == at(11)


def test_release_is_now_during_a_pause_override() -> None:
    override = Override(Mode.PAUSED, at(9, 30), at(10))
    assert next_release_at(workday_schedule(), override, at(9, 45)) == at(9, 45)


def test_release_is_the_start_of_a_future_pause_inside_focus() -> None:
    override = Override(Mode.PAUSED, at(10), at(10, 30))
    assert next_release_at(workday_schedule(), override, at(9, 15)) == at(10)


def test_release_is_none_when_nothing_ever_flows() -> None:
    assert next_release_at(Schedule([], Mode.FOCUS, tz=BERLIN), None, at(10)) is None
    override = Override(Mode.FOCUS, at(9), at(12))
    assert next_release_at(Schedule([], Mode.OFF, tz=BERLIN), override, at(10)) is None


def test_release_is_none_when_nothing_flows_within_the_horizon() -> None:
    far = Block(BlockKind.AVAILABLE, time(9), time(10), on_date=date(2030, 1, 1))
    schedule = Schedule([far], Mode.FOCUS, tz=BERLIN)
    assert next_release_at(schedule, None, at(10)) is None
    assert next_release_at(schedule, None, datetime(2029, 6, 1, tzinfo=BERLIN)) == datetime(
        2030, 1, 1, 9, tzinfo=BERLIN
    )


# --------------------------------------------------------------------------- next_window_after


def test_next_window_while_available_is_after_the_following_protected_stretch() -> None:
    # Available 11-12 (a block), then lunch is off 12-13, then available again at 13.
    assert next_window_after(workday_schedule(), None, at(11, 30)) == at(13)


def test_next_window_while_available_by_default_spans_adjacent_available_blocks() -> None:
    # 16:00 to 09:00 next day is one available stretch (default), then focus 9-11.
    assert next_window_after(workday_schedule(), None, at(18)) == at(11, day=9)


def test_next_window_while_protected_is_the_next_release() -> None:
    assert next_window_after(workday_schedule(), None, at(10)) == at(11)


def test_next_window_counts_a_pause_override_as_a_window() -> None:
    # Paused 10:00-10:30 inside focus: the window after the current (11-12) is 13:00,
    # and from 9:15 the first window is the pause.
    override = Override(Mode.PAUSED, at(10), at(10, 30))
    assert next_window_after(workday_schedule(), override, at(9, 15)) == at(10)
    assert next_window_after(workday_schedule(), override, at(10, 15)) == at(11)


def test_next_window_is_none_when_there_is_no_protected_time() -> None:
    assert next_window_after(Schedule([], tz=BERLIN), None, at(10)) is None
