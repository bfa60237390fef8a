"""Weekly review statistics: focus planned vs kept, the heat map, who broke through, waits."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from focus_app.core.gate import Gate
from focus_app.core.model import (
    Block,
    BlockKind,
    GateContext,
    GateSettings,
    Mode,
    ModeSource,
    ModeState,
    Notification,
    Outcome,
    Recurrence,
    Rule,
    RuleAction,
    RuleMatch,
    Urgency,
)
from focus_app.core.review import (
    CUT_SHORT_SECONDS,
    FEEDBACK_COULD_WAIT,
    FEEDBACK_SHOULD_HAVE_REACHED,
    Cause,
    OverrideSpan,
    ReviewGroup,
    ReviewItem,
    WeekActivity,
    WeekTotals,
    breakthrough_cause,
    build_review,
    held_waits,
    hour_starts,
    merge_totals,
    monday_of,
    nearest_rank,
    review_from_activity,
    review_from_totals,
    week_activity,
    week_range,
    week_totals,
)
from focus_app.core.schedule import Schedule

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = date(2026, 11, 23)  # an ordinary week
SPRING = date(2026, 3, 23)  # clocks go forward on Sunday 29 March
AUTUMN = date(2026, 10, 19)  # clocks go back on Sunday 25 October
HOUR = 3600.0


def every_day(start: time, end: time, title: str = "Deep work", block_id: int = 1) -> Block:
    return Block(
        BlockKind.FOCUS, start, end, title, recurrence=Recurrence(frozenset(range(7))),
        id=block_id,
    )


def at(day: date, h: int, m: int = 0, fold: int = 0) -> datetime:
    return datetime.combine(day, time(h, m), tzinfo=BERLIN).replace(fold=fold)


def item(
    when: datetime,
    *,
    who: str = "Bob",
    program: str = "Chat",
    outcome: Outcome = Outcome.DELIVERED,
    breakthrough: bool = True,
    reason: str = "delivered: Bob is on the breakthrough list (breakthrough 1 of 3 in 'x')",
    status: str = "",
    read: datetime | None = None,
    feedback: str = "",
    received: datetime | None = None,
) -> ReviewItem:
    return ReviewItem(
        received_ts=(received or when).timestamp(),
        decided_ts=when.timestamp(),
        who=who,
        program=program,
        program_key="",
        outcome=outcome,
        breakthrough=breakthrough,
        reason=reason,
        rule_id=None,
        status=status or outcome.value,
        read_ts=read.timestamp() if read else None,
        feedback=feedback,
    )


def schedule(*blocks: Block) -> Schedule:
    return Schedule(list(blocks), tz=BERLIN)


def test_an_empty_week_is_empty_with_seven_zero_days_and_a_zero_heat_map() -> None:
    review = build_review(WEEK, BERLIN, schedule(), [], [])
    assert review.is_empty
    assert [d.day for d in review.days] == [WEEK + timedelta(days=i) for i in range(7)]
    assert review.planned == review.kept == 0
    assert sum(map(sum, review.heat)) == 0
    assert review.held_to_read.median is None and review.held_to_read.count == 0
    assert review.senders == () and review.occurrences == ()


def test_week_range_is_monday_to_monday_and_refuses_other_days() -> None:
    start, end = week_range(WEEK, BERLIN)
    assert (start, end) == (at(WEEK, 0), at(WEEK + timedelta(days=7), 0))
    assert monday_of(at(WEEK + timedelta(days=6), 23, 59), BERLIN) == WEEK
    with pytest.raises(ValueError, match="2026-11-24 is a Tuesday"):
        week_range(WEEK + timedelta(days=1), BERLIN)


def test_focus_planned_per_day_follows_the_blocks() -> None:
    review = build_review(WEEK, BERLIN, schedule(every_day(time(9), time(11))), [], [])
    assert [d.planned for d in review.days] == [2 * HOUR] * 7
    assert review.kept == review.planned == 14 * HOUR
    assert len(review.occurrences) == 7
    assert not any(o.cut_short for o in review.occurrences)
    assert not review.is_empty


def test_an_available_now_override_cuts_kept_time_and_names_the_cut() -> None:
    tuesday = WEEK + timedelta(days=1)
    cut = OverrideSpan(Mode.AVAILABLE, at(tuesday, 10), at(tuesday, 12))
    review = build_review(WEEK, BERLIN, schedule(every_day(time(9), time(11))), [cut], [])
    assert review.days[1].planned == 2 * HOUR
    assert review.days[1].kept == 1 * HOUR
    assert review.days[1].extra == 0
    tue = [o for o in review.occurrences if o.weekday == 1]
    assert tue[0].cut_short and tue[0].cut_by == "available now"
    assert review.kept == 13 * HOUR


def test_focus_now_outside_blocks_is_extra_not_planned() -> None:
    friday = WEEK + timedelta(days=4)
    extra = OverrideSpan(Mode.FOCUS, at(friday, 14), at(friday, 15, 30), "Report")
    review = build_review(WEEK, BERLIN, schedule(every_day(time(9), time(11))), [extra], [])
    assert review.days[4].extra == 1.5 * HOUR
    assert review.days[4].planned == review.days[4].kept == 2 * HOUR


def test_one_giant_override_covering_the_whole_week_cuts_every_block() -> None:
    giant = OverrideSpan(
        Mode.PAUSED, at(WEEK - timedelta(days=3), 8), at(WEEK + timedelta(days=10), 8), "Holiday"
    )
    review = build_review(WEEK, BERLIN, schedule(every_day(time(9), time(11))), [giant], [])
    assert review.planned == 14 * HOUR
    assert review.kept == 0
    assert all(o.cut_short and o.cut_by == "Holiday" for o in review.occurrences)


def test_spring_week_has_167_hours_and_an_empty_skipped_hour() -> None:
    start, end = week_range(SPRING, BERLIN)
    assert end.timestamp() - start.timestamp() == 167 * HOUR
    starts = hour_starts(SPRING, BERLIN)
    sunday_two = 6 * 24 + 2
    assert starts[sunday_two] == starts[sunday_two + 1], "02:00 does not exist that Sunday"
    review = build_review(
        SPRING,
        BERLIN,
        schedule(every_day(time(1), time(4))),
        [],
        [item(at(SPRING + timedelta(days=6), 3, 30))],
    )
    assert review.days[6].planned == 2 * HOUR, "01:00-04:00 is two real hours that night"
    assert review.days[5].planned == 3 * HOUR
    assert review.heat[6][3] == 1 and review.heat[6][2] == 0


def test_autumn_week_has_169_hours_and_the_repeated_hour_counts_twice() -> None:
    start, end = week_range(AUTUMN, BERLIN)
    assert end.timestamp() - start.timestamp() == 169 * HOUR
    sunday = AUTUMN + timedelta(days=6)
    items = [item(at(sunday, 2, 30, fold=0)), item(at(sunday, 2, 30, fold=1))]
    review = build_review(AUTUMN, BERLIN, schedule(every_day(time(1), time(4))), [], items)
    assert review.days[6].planned == 4 * HOUR
    assert review.heat[6][2] == 2, "both 02:30s are in the 02:00 hour"


def test_heat_map_counts_breakthroughs_only_by_local_weekday_and_hour() -> None:
    wed = WEEK + timedelta(days=2)
    items = [
        item(at(wed, 9, 5)),
        item(at(wed, 9, 55)),
        item(at(wed, 10, 0)),
        item(at(wed, 9, 30), breakthrough=False, reason="delivered: available"),
        item(at(wed, 9, 30), outcome=Outcome.HELD, breakthrough=False, status="held"),
        item(at(WEEK + timedelta(days=7), 9)),  # next week: ignored
    ]
    review = build_review(WEEK, BERLIN, schedule(), [], items)
    assert review.heat[2][9] == 2 and review.heat[2][10] == 1
    assert review.breakthroughs == 3 and review.delivered == 4 and review.held == 1


def test_who_broke_through_counts_feedback_and_causes_per_sender_and_program() -> None:
    wed = WEEK + timedelta(days=2)
    items = [item(at(wed, 9, i), feedback="could_wait") for i in range(7)]
    items += [item(at(wed, 10, i), feedback="should_have_reached") for i in range(2)]
    items += [
        item(at(wed, 11), who="ci", program="CI", outcome=Outcome.HELD, breakthrough=False,
             status="dismissed", read=at(wed, 12)),
        item(at(wed, 11), who="ci", program="CI", outcome=Outcome.MUTED, breakthrough=False),
    ]
    review = build_review(WEEK, BERLIN, schedule(), [], items)
    bob = review.senders[0]
    assert (bob.name, bob.breakthroughs, bob.could_wait, bob.should_have_reached) == (
        "Bob", 9, 7, 2,
    )
    assert bob.by_list == 9 and bob.by_repeat == 0
    ci = next(r for r in review.programs if r.name == "CI")
    assert (ci.held, ci.dismissed, ci.muted, ci.breakthroughs) == (1, 1, 1, 0)


def test_held_to_read_median_and_p90_from_arrival_to_release_or_dismissal() -> None:
    thu = WEEK + timedelta(days=3)
    items = [
        item(at(thu, 9), outcome=Outcome.HELD, breakthrough=False, status="released",
             received=at(thu, 9), read=at(thu, 9) + timedelta(minutes=m))
        for m in (10, 20, 30, 40, 50, 60, 70, 80, 90, 600)
    ]
    items.append(item(at(thu, 9), outcome=Outcome.HELD, breakthrough=False, status="held"))
    review = build_review(WEEK, BERLIN, schedule(), [], items)
    h = review.held_to_read
    assert h.count == 10 and h.still_held == 1
    assert h.median == 55 * 60
    assert h.p90 == 90 * 60
    assert h.buckets[:3] == (1, 4, 4), "upper bounds are exclusive: 60 min is in 1–2 h"
    assert sum(h.buckets) == 10


def test_nearest_rank_is_a_value_that_occurred() -> None:
    assert nearest_rank([1.0, 2.0, 3.0], 0.5) == 2.0
    assert nearest_rank([5.0], 0.9) == 5.0
    with pytest.raises(ValueError, match="no values"):
        nearest_rank([], 0.5)


def _focus_ctx(now: datetime) -> GateContext:
    blk = every_day(time(9), time(11))
    state = ModeState(Mode.FOCUS, ModeSource.SCHEDULE, since=now, until=now + timedelta(hours=1),
                      block=blk, period_key="p")
    return GateContext(state, release_at=now + timedelta(hours=1))


@pytest.mark.parametrize(
    ("settings_", "rules", "notification", "cause"),
    [
        (GateSettings(breakthrough_people=("bob",)), [], {"sender": "bob"},
         Cause.BREAKTHROUGH_LIST),
        (GateSettings(priority_people=("amy",)), [], {"sender": "amy"}, Cause.PRIORITY_LIST),
        (GateSettings(), [], {"sender": "x", "urgency": Urgency.CRITICAL}, Cause.CRITICAL),
        (GateSettings(), [Rule(RuleMatch(sender="eve"), RuleAction.ALLOW, id=4)],
         {"sender": "eve"}, Cause.RULE),
    ],
)
def test_breakthrough_cause_reads_the_gates_own_reasons(
    settings_: GateSettings, rules: list[Rule], notification: dict[str, object], cause: Cause
) -> None:
    now = at(WEEK, 9, 30)
    gate = Gate(rules, settings_)
    decision = gate.decide(
        Notification(title="t", received_at=now, **notification),  # type: ignore[arg-type]
        _focus_ctx(now), now,
    )
    assert decision.breakthrough
    assert breakthrough_cause(decision.reason, decision.rule_id) is cause


def test_breakthrough_cause_knows_repeat_escalation() -> None:
    now = at(WEEK, 9, 30)
    gate = Gate([], GateSettings(repeat_escalation_minutes=3))
    # Repeat escalation applies to chat programs by default (issue 9): Bob on Slack.
    first = Notification(title="1", sender="Bob", source="Slack", received_at=now)
    gate.decide(first, _focus_ctx(now), now)
    later = now + timedelta(minutes=1)
    decision = gate.decide(
        replace(first, title="2", received_at=later), _focus_ctx(later), later
    )
    assert decision.breakthrough
    assert breakthrough_cause(decision.reason, None) is Cause.REPEAT


# ----------------------------------------------------------------- compacted weeks


def test_week_totals_round_trip_through_json_and_give_the_same_figures() -> None:
    tue = WEEK + timedelta(days=1)
    items = [item(at(tue, 9, i), feedback="could_wait") for i in range(5)] + [
        item(at(tue, 10), outcome=Outcome.HELD, breakthrough=False, status="released",
             read=at(tue, 10) + timedelta(minutes=m))
        for m in (5, 25, 125)
    ]
    cut = OverrideSpan(Mode.AVAILABLE, at(tue, 9, 30), at(tue, 11))
    review = build_review(WEEK, BERLIN, schedule(every_day(time(9), time(11))), [cut], items)
    totals = WeekTotals.from_json(week_totals(review, held_waits(items)).to_json())
    old = review_from_totals(totals, BERLIN)
    assert old.compacted and not review.compacted
    assert old.days == review.days and old.heat == review.heat
    assert old.senders == review.senders and old.programs == review.programs
    assert (old.delivered, old.held, old.breakthroughs) == (5, 3, 5)
    assert old.held_to_read.buckets == review.held_to_read.buckets
    assert old.held_to_read.median is not None and review.held_to_read.median is not None
    assert abs(old.held_to_read.median - review.held_to_read.median) <= 60


def test_week_totals_refuse_malformed_data_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not week totals"):
        WeekTotals.from_json({"monday": "2026-11-23", "days": [[0, 0, 0]] * 7, "heat": [0]})


# ----------------------------------------------------------------- properties

MONDAYS = st.sampled_from([WEEK, SPRING, AUTUMN, date(2026, 3, 30), date(2026, 10, 26)])
QUARTERS = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def weeks(draw: st.DrawFn) -> tuple[date, list[Block], list[OverrideSpan], list[ReviewItem]]:
    monday = draw(MONDAYS)
    blocks = []
    for i in range(draw(st.integers(0, 4))):
        s, e = draw(QUARTERS), draw(QUARTERS)
        if s == e:
            continue
        days = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
        kind = draw(st.sampled_from([BlockKind.FOCUS, BlockKind.FOCUS, BlockKind.OFF]))
        blocks.append(Block(kind, s, e, f"b{i}", recurrence=Recurrence(days), id=i + 1))
    start = week_range(monday, BERLIN)[0]
    overrides = []
    for _ in range(draw(st.integers(0, 3))):
        a = start + timedelta(minutes=draw(st.integers(-3000, 11000)))
        length = timedelta(minutes=draw(st.integers(1, 20000)))
        mode = draw(st.sampled_from([Mode.AVAILABLE, Mode.PAUSED, Mode.FOCUS]))
        overrides.append(OverrideSpan(mode, a, a + length))
    items = [
        item(start + timedelta(minutes=m), breakthrough=bt)
        for m, bt in draw(st.lists(st.tuples(st.integers(-100, 10200), st.booleans()),
                                   max_size=30))
    ]
    return monday, blocks, overrides, items


ITEM_VARIANTS = st.tuples(
    st.sampled_from(["Bob", "Alice", "CI"]),
    st.sampled_from(["Chat", "Mail", ""]),
    st.sampled_from(list(Outcome)),
    st.sampled_from(["", "released", "dismissed", "held"]),
    st.sampled_from(["", FEEDBACK_COULD_WAIT, FEEDBACK_SHOULD_HAVE_REACHED]),
    st.integers(0, 5000),
)


@settings(max_examples=60, deadline=None)
@given(weeks(), st.lists(ITEM_VARIANTS, max_size=30), st.integers(0, 30))
def test_merging_the_totals_of_two_parts_of_a_week_gives_the_totals_of_the_whole(
    week: tuple[date, list[Block], list[OverrideSpan], list[ReviewItem]],
    variants: list[tuple[str, str, Outcome, str, str, int]],
    split: int,
) -> None:
    monday, blocks, overrides, base_items = week
    items = []
    for base, (who, program, outcome, status, feedback, wait) in zip(
        base_items, variants, strict=False
    ):
        held = outcome is Outcome.HELD
        items.append(base._replace(
            who=who, program=program, outcome=outcome.value,
            breakthrough=base.breakthrough and outcome is Outcome.DELIVERED,
            status=(status or "held") if held else outcome.value,
            read_ts=base.received_ts + wait * 7.3 if held and status in (
                "released", "dismissed") else None,
            feedback=feedback,
        ))
    sched = schedule(*blocks)

    def totals(part: list[ReviewItem]) -> WeekTotals:
        return week_totals(build_review(monday, BERLIN, sched, overrides, part), held_waits(part))

    merged = merge_totals(totals(items[:split]), totals(items[split:]))
    assert merged == totals(items)


def test_merging_totals_of_different_weeks_is_refused() -> None:
    a = week_totals(build_review(WEEK, BERLIN, schedule(), [], []))
    b = week_totals(build_review(WEEK + timedelta(days=7), BERLIN, schedule(), [], []))
    with pytest.raises(ValueError, match="cannot add the week of"):
        merge_totals(a, b)


@settings(max_examples=60, deadline=None)
@given(weeks())
def test_review_invariants_hold_for_any_week(
    week: tuple[date, list[Block], list[OverrideSpan], list[ReviewItem]],
) -> None:
    monday, blocks, overrides, items = week
    review = build_review(monday, BERLIN, schedule(*blocks), overrides, items)
    start, end = week_range(monday, BERLIN)
    length = end.timestamp() - start.timestamp()
    assert length in (167 * HOUR, 168 * HOUR, 169 * HOUR)
    for d in review.days:
        assert 0 <= d.kept <= d.planned + 1e-6
        assert d.extra >= 0 and d.planned + d.extra <= 25 * HOUR
    assert review.planned + review.extra <= length + 1e-6
    assert abs(sum(o.planned for o in review.occurrences) - review.planned) < 1e-3
    assert abs(sum(o.kept for o in review.occurrences) - review.kept) < 1e-3
    assert all(o.cut_short == (o.planned - o.kept >= CUT_SHORT_SECONDS)
               for o in review.occurrences)
    inside = [i for i in items if start.timestamp() <= i.decided_ts < end.timestamp()]
    assert sum(map(sum, review.heat)) == review.breakthroughs == sum(
        1 for i in inside if i.breakthrough
    )
    assert review.delivered == len(inside)
    if not any(o.mode is not Mode.FOCUS for o in overrides):
        assert review.kept == review.planned


@settings(max_examples=30, deadline=None)
@given(weeks())
def test_planned_focus_matches_the_schedules_mode_minute_by_minute(
    week: tuple[date, list[Block], list[OverrideSpan], list[ReviewItem]],
) -> None:
    monday, blocks, _, _ = week
    sched = schedule(*blocks)
    review = build_review(monday, BERLIN, sched, [], [])
    start, end = week_range(monday, BERLIN)
    # Sample the middle of every real quarter hour (blocks start and end on quarters);
    # stepping in UTC, since adding to a zoned datetime steps in wall-clock time.
    t, focus = start.astimezone(UTC) + timedelta(minutes=7.5), 0
    while t < end:
        focus += sched.mode_at(t).mode is Mode.FOCUS
        t += timedelta(minutes=15)
    assert review.planned == focus * 15 * 60


@settings(max_examples=60, deadline=None)
@given(weeks(), st.lists(ITEM_VARIANTS, max_size=30), st.randoms(use_true_random=False))
def test_a_review_from_counts_does_not_depend_on_how_they_are_split_or_ordered(
    week: tuple[date, list[Block], list[OverrideSpan], list[ReviewItem]],
    variants: list[tuple[str, str, Outcome, str, str, int]],
    rnd: random.Random,
) -> None:
    """The store hands the review SQL counts in no particular order, with breakthroughs
    counted apart from the rest: any split and order of the same counts gives the
    review the items give one by one."""
    monday, blocks, overrides, base_items = week
    items = [
        base._replace(
            who=who, program=program, outcome=outcome.value,
            status=(status or "held") if outcome is Outcome.HELD else outcome.value,
            read_ts=base.received_ts + wait if status in ("released", "dismissed") else None,
            feedback=feedback,
        )
        for base, (who, program, outcome, status, feedback, wait) in zip(
            base_items, variants, strict=False
        )
    ]
    sched = schedule(*blocks)
    start, end = week_range(monday, BERLIN)
    whole = week_activity(items, start.timestamp(), end.timestamp())
    groups: list[ReviewGroup] = []
    for g in whole.groups:  # split every count in two
        cut = rnd.randint(0, g.total)
        groups += [g._replace(total=cut), g._replace(total=g.total - cut)]
    rnd.shuffle(groups)
    times, waits = list(whole.breakthrough_ts), list(whole.waits)
    rnd.shuffle(times)
    rnd.shuffle(waits)
    split = review_from_activity(monday, BERLIN, sched, overrides,
                                 WeekActivity(groups, times, waits))
    assert split == build_review(monday, BERLIN, sched, overrides, items)
    assert split == build_review(monday, BERLIN, sched, overrides, items[::-1])
    assert sum(g.total for g in whole.groups) == sum(
        1 for i in items if start.timestamp() <= i.decided_ts < end.timestamp())


def test_week_activity_keeps_the_reason_of_breakthroughs_only_and_the_status_of_held_ones(
) -> None:
    through = item(at(WEEK, 10), reason="delivered: x (repeat escalation)")
    quiet = item(at(WEEK, 11), breakthrough=False, reason="delivered: available")
    held = item(at(WEEK, 12), outcome=Outcome.HELD, breakthrough=False, reason="held: focus",
                status="dismissed", read=at(WEEK, 13))
    activity = week_activity([through, quiet, quiet, held])
    assert sorted(activity.groups) == sorted([
        ReviewGroup("Bob", "Chat", "", "delivered", True, "delivered: x (repeat escalation)",
                    None, "", "", 1),
        ReviewGroup("Bob", "Chat", "", "delivered", False, "", None, "", "", 2),
        ReviewGroup("Bob", "Chat", "", "held", False, "", None, "dismissed", "", 1),
    ])
    assert activity.breakthrough_ts == (through.decided_ts,)
    assert activity.waits == (HOUR,)


@pytest.mark.parametrize(
    ("reason", "cause"),
    [
        ("delivered: Bob is on the breakthrough list (breakthrough 1 of 3 in 'x')",
         Cause.BREAKTHROUGH_LIST),
        ("delivered: Amy is on the priority list (priority passes focus)", Cause.PRIORITY_LIST),
    ],
)
def test_breakthrough_cause_still_reads_reasons_recorded_before_the_short_rules_wording(
    reason: str, cause: Cause
) -> None:
    assert breakthrough_cause(reason, None) is cause
