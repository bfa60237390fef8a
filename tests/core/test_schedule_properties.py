"""Property tests for the schedule: random blocks around daylight-saving changes.

The reference for "which mode is in force" is computed here by brute force from
``Schedule.occurrences`` (which expands blocks directly, without the cached timeline), so
these tests check the merged, cached timeline against an independent path.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from focus_app.core.model import Block, BlockException, BlockKind, Mode, Occurrence, Recurrence
from focus_app.core.schedule import Schedule

# Dates around which each zone changes its offset (or, for Apia, skips a whole day).
DST_DATES: dict[str, tuple[date, ...]] = {
    "Europe/Berlin": (date(2024, 3, 31), date(2024, 10, 27)),
    "America/New_York": (date(2024, 3, 10), date(2024, 11, 3)),
    "Australia/Lord_Howe": (date(2024, 4, 7), date(2024, 10, 6)),
    "America/Santiago": (date(2024, 4, 6), date(2024, 9, 8)),
    "Pacific/Apia": (date(2011, 9, 24), date(2011, 12, 30), date(2012, 4, 1)),
}
ZONES = tuple(DST_DATES)
WINDOW_BEFORE = timedelta(days=3)
WINDOW_AFTER = timedelta(days=4)

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Times cluster in the small hours, where the offset changes, but may be anywhere.
times = st.one_of(
    st.builds(time, st.integers(0, 3), st.sampled_from([0, 15, 30, 45])),
    st.builds(time, st.integers(22, 23), st.sampled_from([0, 30, 59])),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)
kinds = st.sampled_from(list(BlockKind))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Schedule, datetime]:
    """A schedule of a few random blocks and the local midnight of a DST date."""
    zone = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(zone)
    pivot = draw(st.sampled_from(DST_DATES[zone]))
    near = st.integers(-3, 3).map(lambda d: pivot + timedelta(days=d))
    blocks: list[Block] = []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(times)
        end = draw(times.filter(start.__ne__))
        exceptions: list[BlockException] = []
        for _ in range(draw(st.integers(0, 2))):
            original = draw(near)
            if draw(st.booleans()):
                exceptions.append(BlockException(original))
            else:
                moved = datetime.combine(draw(near), draw(times))
                length = timedelta(minutes=draw(st.integers(15, 300)))
                exceptions.append(BlockException(original, moved, moved + length))
        if draw(st.booleans()):
            starts = draw(st.none() | near)
            until = draw(st.none() | st.integers(0, 10).map(lambda d: pivot + timedelta(d)))
            if starts is not None and until is not None and until < starts:
                starts, until = until, starts
            recurrence = Recurrence(
                weekdays=draw(st.frozensets(st.integers(0, 6), min_size=1)),
                interval_weeks=draw(st.integers(1, 3)),
                starts=starts,
                until=until,
            )
            block = Block(draw(kinds), start, end, recurrence=recurrence)
        else:
            block = Block(draw(kinds), start, end, on_date=draw(near))
        blocks.append(
            Block(
                block.kind,
                block.start,
                block.end,
                title=f"b{len(blocks)}",
                recurrence=block.recurrence,
                on_date=block.on_date,
                exceptions=tuple(exceptions),
                id=len(blocks),
            )
        )
    default = draw(st.sampled_from([Mode.AVAILABLE, Mode.FOCUS, Mode.OFF]))
    midnight = datetime.combine(pivot, time(), tz)
    return Schedule(blocks, default, tz=tz), midnight


def instants(midnight: datetime) -> st.SearchStrategy[datetime]:
    """Instants (UTC) within the window around ``midnight``, at minute resolution."""
    lo = midnight.astimezone(UTC) - WINDOW_BEFORE
    minutes = int((WINDOW_BEFORE + WINDOW_AFTER).total_seconds() // 60)
    return st.integers(0, minutes).map(lambda m: lo + timedelta(minutes=m))


def reference_mode(schedule: Schedule, occurrences: list[Occurrence], t: datetime) -> Mode:
    """Brute force: the most protective occurrence containing ``t``, earliest first."""
    tu = t.astimezone(UTC)
    active = [o for o in occurrences if o.start.astimezone(UTC) <= tu < o.end.astimezone(UTC)]
    if not active:
        return schedule.default_mode
    best = min(active, key=lambda o: (-o.block.kind.protectiveness, o.start.astimezone(UTC)))
    return best.block.kind.mode


def window_occurrences(schedule: Schedule, midnight: datetime) -> list[Occurrence]:
    lo = midnight.astimezone(UTC) - WINDOW_BEFORE - timedelta(days=3)
    hi = midnight.astimezone(UTC) + WINDOW_AFTER + timedelta(days=3)
    return schedule.occurrences(lo, hi)


@PROPERTY_SETTINGS
@given(data=st.data(), scenario=scenarios())
def test_mode_is_constant_until_the_next_transition_and_differs_there(
    data: st.DataObject, scenario: tuple[Schedule, datetime]
) -> None:
    schedule, midnight = scenario
    t = data.draw(instants(midnight))
    mode = schedule.mode_at(t).mode
    following = schedule.next_transition(t)
    if following is None:
        return
    tu, fu = t.astimezone(UTC), following.astimezone(UTC)
    assert fu > tu
    assert schedule.mode_at(t).until == following
    step = (fu - tu) / 7
    for k in range(7):
        assert schedule.mode_at(tu + step * k).mode is mode
    assert schedule.mode_at(fu - timedelta(microseconds=1)).mode is mode
    assert schedule.mode_at(following).mode is not mode


@PROPERTY_SETTINGS
@given(data=st.data(), scenario=scenarios())
def test_mode_at_agrees_with_brute_force_over_occurrences(
    data: st.DataObject, scenario: tuple[Schedule, datetime]
) -> None:
    schedule, midnight = scenario
    occurrences = window_occurrences(schedule, midnight)
    for t in data.draw(st.lists(instants(midnight), min_size=1, max_size=20)):
        assert schedule.mode_at(t).mode is reference_mode(schedule, occurrences, t)


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_transitions_are_exactly_the_mode_changes_of_the_occurrences(
    scenario: tuple[Schedule, datetime],
) -> None:
    schedule, midnight = scenario
    lo = midnight.astimezone(UTC) - WINDOW_BEFORE
    hi = midnight.astimezone(UTC) + WINDOW_AFTER
    occurrences = window_occurrences(schedule, midnight)
    edges = sorted(
        {e for o in occurrences for e in (o.start.astimezone(UTC), o.end.astimezone(UTC))} | {lo}
    )
    expected = [
        e
        for prev, e in itertools.pairwise(edges)
        if lo < e < hi
        and reference_mode(schedule, occurrences, e)
        is not reference_mode(schedule, occurrences, prev)
    ]
    found: list[datetime] = []
    t = schedule.next_transition(lo)
    while t is not None and t.astimezone(UTC) < hi:
        found.append(t.astimezone(UTC))
        t = schedule.next_transition(t)
    assert found == expected


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_iterated_transitions_strictly_increase_and_always_change_the_mode(
    scenario: tuple[Schedule, datetime],
) -> None:
    schedule, midnight = scenario
    t: datetime | None = midnight.astimezone(UTC) - WINDOW_BEFORE
    previous_mode = schedule.mode_at(midnight - WINDOW_BEFORE).mode
    seen: list[datetime] = []
    for _ in range(60):
        assert t is not None
        t = schedule.next_transition(t)
        if t is None:
            break
        assert t.tzinfo is schedule.tz
        tu = t.astimezone(UTC)
        assert not seen or tu > seen[-1]
        seen.append(tu)
        mode = schedule.mode_at(t).mode
        assert mode is not previous_mode
        previous_mode = mode


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_occurrences_are_never_empty_negative_duplicated_or_unsorted(
    scenario: tuple[Schedule, datetime],
) -> None:
    schedule, midnight = scenario
    occurrences = window_occurrences(schedule, midnight)
    starts = [o.start.astimezone(UTC) for o in occurrences]
    assert starts == sorted(starts)
    for o in occurrences:
        assert o.start.tzinfo is schedule.tz and o.end.tzinfo is schedule.tz
        assert o.start.astimezone(UTC) < o.end.astimezone(UTC)
    spans = [(o.block, o.start.astimezone(UTC), o.end.astimezone(UTC)) for o in occurrences]
    assert len(set(spans)) == len(spans)
    # Without exceptions (which may move an occurrence next to another one) a block never
    # starts twice at one instant, whatever the zone does to the wall clock.
    plain = [(o.block, o.start.astimezone(UTC)) for o in occurrences if not o.block.exceptions]
    assert len(set(plain)) == len(plain)


@PROPERTY_SETTINGS
@given(data=st.data(), scenario=scenarios())
def test_stretch_bounds_enclose_t_and_share_one_period_key(
    data: st.DataObject, scenario: tuple[Schedule, datetime]
) -> None:
    schedule, midnight = scenario
    t = data.draw(instants(midnight))
    state = schedule.mode_at(t)
    tu = t.astimezone(UTC)
    if state.since is not None:
        assert state.since.astimezone(UTC) <= tu
        at_start = schedule.mode_at(state.since)
        assert (at_start.mode, at_start.period_key) == (state.mode, state.period_key)
        before = schedule.mode_at(state.since.astimezone(UTC) - timedelta(microseconds=1))
        assert before.mode is not state.mode
    if state.until is not None:
        assert state.until.astimezone(UTC) > tu
        last = schedule.mode_at(state.until.astimezone(UTC) - timedelta(microseconds=1))
        assert last.period_key == state.period_key
