"""History: paged queries, digests remembered with their items, retention, the command."""

from __future__ import annotations

import sqlite3
import threading
import time as clock
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from focus_app.clock import FakeClock
from focus_app.commands import CommandError, Commands, parse_when
from focus_app.core.model import (
    Block,
    BlockKind,
    Decision,
    Mode,
    Notification,
    Outcome,
    Override,
    Recurrence,
)
from focus_app.core.review import ReviewItem, WeekActivity, WeekReview, week_activity, week_range
from focus_app.core.schedule import Schedule
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import ACTION_OPEN_INBOX, Engine
from focus_app.retention import let_writers_in, retention_cutoff, swap_out
from focus_app.settings import Settings
from focus_app.store import (
    HistoryFilter,
    Store,
    Verdict,
    override_spans,
    week_start,
    writers_waiting,
)

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 2026-03-23 00:00 Berlin: that week has the spring-forward night (29 March).
MONDAY = datetime(2026, 3, 23, tzinfo=BERLIN)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store, warning = Store.open(tmp_path / "focus.sqlite3")
    assert warning is None
    yield store
    store.close()


def add(
    store: Store,
    at: datetime,
    outcome: Outcome = Outcome.DELIVERED,
    *,
    title: str = "t",
    sender: str = "Bob",
    source: str = "",
    program: str = "",
    body: str = "",
    breakthrough: bool = False,
) -> int:
    n = Notification(
        title=title, received_at=at, sender=sender, source=source, program=program, body=body,
        origin="caught" if program else "send",
    )
    decision = Decision(outcome, f"{outcome.value}: because", breakthrough=breakthrough)
    return store.record(n, decision, Mode.FOCUS)


# Paging and filters ------------------------------------------------------------------


def test_pages_follow_each_other_newest_first_without_gaps_or_repeats(store: Store) -> None:
    ids = [add(store, MONDAY + timedelta(minutes=i // 3)) for i in range(25)]  # equal times too
    seen: list[int] = []
    page = store.history_page(limit=7)
    while page:
        seen += [row.notification.id for row in page]  # type: ignore[misc]
        page = store.history_page(after=page[-1].cursor, limit=7)
    assert seen == sorted(ids, reverse=True)


def test_a_row_arriving_between_pages_does_not_shift_the_next_page(store: Store) -> None:
    for i in range(10):
        add(store, MONDAY + timedelta(minutes=i), title=f"n{i}")
    first = store.history_page(limit=5)
    add(store, MONDAY + timedelta(hours=1), title="newer")
    second = store.history_page(after=first[-1].cursor, limit=5)
    assert [r.notification.title for r in second] == ["n4", "n3", "n2", "n1", "n0"]


def test_filters_by_range_text_program_sender_and_decision(store: Store) -> None:
    add(store, MONDAY, title="Lunch?", sender="Alice", source="Mail")
    add(store, MONDAY + timedelta(hours=1), Outcome.HELD, title="build red", sender="CI",
        program="org.gitlab", body="pipeline #12 failed")
    add(store, MONDAY + timedelta(hours=2), Outcome.MUTED, title="sale", sender="Shop")
    add(store, MONDAY + timedelta(hours=3), title="call me", sender="Mum", breakthrough=True)

    def titles(where: HistoryFilter) -> list[str]:
        return [r.notification.title for r in store.history_page(where)]

    assert titles(HistoryFilter(since=MONDAY + timedelta(minutes=30),
                                until=MONDAY + timedelta(hours=2))) == ["build red"]
    assert titles(HistoryFilter(text="PIPELINE")) == ["build red"]
    assert titles(HistoryFilter(text="lunch alice")) == ["Lunch?"]
    assert titles(HistoryFilter(text="100%")) == []  # % is a literal, not a wildcard
    assert titles(HistoryFilter(program="Mail")) == ["Lunch?"]
    assert titles(HistoryFilter(program="org.gitlab")) == ["build red"]
    assert titles(HistoryFilter(sender="Shop")) == ["sale"]
    assert titles(HistoryFilter(decision="held")) == ["build red"]
    assert titles(HistoryFilter(decision="muted")) == ["sale"]
    assert titles(HistoryFilter(decision="breakthrough")) == ["call me"]
    assert titles(HistoryFilter(decision="waiting")) == ["build red"]


def test_held_then_released_keeps_its_decision_and_shows_where_it_is(store: Store) -> None:
    nid = add(store, MONDAY, Outcome.HELD, title="wait")
    store.mark_released([nid], MONDAY + timedelta(hours=2))
    store.add_feedback(nid, Verdict.COULD_WAIT, MONDAY + timedelta(hours=3))
    [row] = store.history_page(HistoryFilter(decision="released"))
    assert row.outcome is Outcome.HELD and row.decision_label == "held → released"
    assert row.reason == "held: because" and row.feedback is Verdict.COULD_WAIT
    assert store.history_page(HistoryFilter(decision="waiting")) == []


def test_unknown_decision_filter_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="use one of delivered, held"):
        HistoryFilter(decision="maybe")


@pytest.mark.parametrize(
    "where",
    [
        HistoryFilter(),
        HistoryFilter(since=MONDAY),
        HistoryFilter(program="Mail"),
        HistoryFilter(sender="Bob", since=MONDAY),
    ],
)
def test_every_indexed_filter_reads_in_index_order_without_sorting(
    store: Store, where: HistoryFilter
) -> None:
    clauses, params = store._history_where(where)
    clauses.append("(n.received_ts, n.id) < (?, ?)")
    plan = store.connection.execute(
        "EXPLAIN QUERY PLAN SELECT n.id FROM notifications n"
        f" WHERE {' AND '.join(clauses)} ORDER BY n.received_ts DESC, n.id DESC LIMIT 200",
        (*params, 1e12, 10**9),
    ).fetchall()
    details = " ".join(row[3] for row in plan)
    assert "USING" in details and "INDEX" in details
    assert "TEMP B-TREE" not in details


def test_filter_menus_list_programs_and_senders_most_frequent_first(store: Store) -> None:
    for _ in range(3):
        add(store, MONDAY, sender="Alice", source="Mail")
    add(store, MONDAY, sender="CI", program="org.gitlab")
    store.note_program_seen("org.gitlab", "GitLab", "", MONDAY)
    programs, senders = store.history_choices(MONDAY, None)
    assert programs == [("Mail", "Mail"), ("org.gitlab", "GitLab")]
    assert senders == ["Alice", "CI"]


# Digests -----------------------------------------------------------------------------


def test_a_digest_remembers_exactly_its_items_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "focus.sqlite3"
    store, _ = Store.open(path)
    ids = [add(store, MONDAY, Outcome.HELD, title=f"h{i}") for i in range(4)]
    add(store, MONDAY, Outcome.HELD, title="not in it")
    digest_id = store.add_digest("digest", "3 held", ids[:3], MONDAY, server_id=7)
    store.close()
    store, _ = Store.open(path)
    record = store.digest_for_server_id(7)
    assert record is not None and record.id == digest_id and record.count == 3
    rows = store.history_page(HistoryFilter(digest_id=digest_id))
    assert sorted(r.notification.id for r in rows) == ids[:3]  # type: ignore[type-var]
    store.close()


def test_the_newest_digest_wins_when_the_server_reuses_its_id(store: Store) -> None:
    add(store, MONDAY)
    store.add_digest("digest", "old", [1], MONDAY, server_id=1)
    new = store.add_digest("summary", "new", [1], MONDAY, server_id=1)
    record = store.digest_for_server_id(1)
    assert record is not None and record.id == new and record.kind == "summary"


def engine_for(store: Store, notifier: MemoryNotifier, clock: FakeClock, **kw: object) -> Engine:
    settings = Settings(
        timezone="Europe/Berlin", heads_up_minutes=0, repeat_escalation_minutes=0, **kw  # type: ignore[arg-type]
    )
    engine = Engine(store, settings, notifier, clock)
    engine.start()
    return engine


def test_open_inbox_on_a_digest_names_exactly_that_digests_items(
    qapp: object, store: Store
) -> None:
    clock = FakeClock(datetime(2026, 11, 26, 9, 30, tzinfo=BERLIN))
    notifier = MemoryNotifier()
    engine = engine_for(store, notifier, clock)
    try:
        engine.add_block(Block(kind=BlockKind.FOCUS, start=time(9), end=time(10),
                               on_date=date(2026, 11, 26)))
        held = [engine.ingest(Notification(title=f"m{i}", sender="Bob",
                                           received_at=clock.now())).id for i in range(3)]
        clock.advance(timedelta(minutes=31))
        engine.reconcile()  # the block ended: one digest of the three
        digest = notifier.sent[-1]
        assert "3" in digest.title
        later = engine.ingest(Notification(title="later", received_at=clock.now())).id
        opened: list[int] = []
        passed_on: list[str] = []
        engine.digest_opened.connect(opened.append)
        engine.action_invoked.connect(passed_on.append)

        engine.on_notification_action(ACTION_OPEN_INBOX, digest.result.server_id)

        assert passed_on == [] and len(opened) == 1
        rows = store.history_page(HistoryFilter(digest_id=opened[0]))
        assert sorted(r.notification.id for r in rows) == held  # type: ignore[type-var]
        assert later not in [r.notification.id for r in rows]
        assert all(r.decision_label == "held → released" for r in rows)
        engine.on_notification_action(ACTION_OPEN_INBOX, 9999)  # not a digest: the inbox
        assert passed_on == [ACTION_OPEN_INBOX]
    finally:
        engine.shutdown()


def test_a_digest_refused_late_is_forgotten_and_one_answered_late_is_found(
    qapp: object, store: Store
) -> None:
    from focus_app.core.ports import DeliveryReport, DeliveryResult

    clock = FakeClock(datetime(2026, 11, 26, 9, 30, tzinfo=BERLIN))
    notifier = MemoryNotifier()
    engine = engine_for(store, notifier, clock)
    digests = "SELECT count(*) FROM digests"
    try:
        for attempt in ("late ok", "late error"):
            engine.start_override(Mode.FOCUS, timedelta(minutes=10))
            for i in range(2):
                engine.ingest(Notification(title=f"{attempt} {i}", received_at=clock.now()))
            notifier.slow = True
            engine.resume_schedule()
            token = notifier.sent[-1].result.token
            assert token and store.connection.execute(digests).fetchone()[0] == 1
            if attempt == "late ok":
                answer = DeliveryResult(ok=True, server_id=42)
                engine.on_delivery_report(DeliveryReport(token, answer))
                record = store.digest_for_server_id(42)
                assert record is not None and record.count == 2
                store.connection.execute("DELETE FROM digests")
            else:
                answer = DeliveryResult(ok=False, error="gone")
                engine.on_delivery_report(DeliveryReport(token, answer))
                assert store.connection.execute(digests).fetchone()[0] == 0
    finally:
        engine.shutdown()


# Retention ---------------------------------------------------------------------------


DEEP_WORK = Block(BlockKind.FOCUS, time(9), time(12), "Deep work",
                  recurrence=Recurrence(frozenset(range(5))), id=1)
SCHEDULE = Schedule([DEEP_WORK], tz=BERLIN)
WEEK = date(2026, 3, 23)  # MONDAY's date; daylight saving starts on its Sunday


def compact_all(store: Store, cutoff: datetime, max_rows: int = 7) -> int:
    total = 0
    while done := store.compact_history(cutoff, BERLIN, SCHEDULE, max_rows=max_rows):
        total += done
    return total


def review(store: Store, monday: date) -> WeekReview:
    start, end = week_range(monday, BERLIN)
    spans = override_spans(store.overrides_overlapping(start, end))
    return store.review_week(monday, BERLIN, SCHEDULE, spans)


def assert_same_figures(after: WeekReview, before: WeekReview) -> None:
    """Everything the page shows but the per-occurrence list; waits to the half minute
    (compacted weeks keep them as whole minutes)."""
    assert after.days == before.days
    assert after.heat == before.heat
    assert after.senders == before.senders
    assert after.programs == before.programs
    assert (after.delivered, after.held, after.muted, after.breakthroughs) == (
        before.delivered, before.held, before.muted, before.breakthroughs)
    a, b = after.held_to_read, before.held_to_read
    assert (a.count, a.buckets, a.still_held) == (b.count, b.buckets, b.still_held)
    for x, y in ((a.median, b.median), (a.p90, b.p90)):
        assert (x is None) == (y is None)
        if x is not None and y is not None:
            assert abs(x - y) <= 30


def test_compaction_keeps_held_items_and_folds_the_rest_into_the_weeks_review(
    store: Store,
) -> None:
    add(store, MONDAY + timedelta(hours=9), title="old delivered", breakthrough=True)
    released = add(store, MONDAY + timedelta(hours=10), Outcome.HELD, sender="CI", source="ci")
    still_held = add(store, MONDAY + timedelta(hours=10), Outcome.HELD, title="still held")
    store.mark_released([released], MONDAY + timedelta(hours=12))
    store.add_feedback(released, Verdict.SHOULD_HAVE_REACHED, MONDAY + timedelta(hours=13))
    digest = store.add_digest("digest", "1 held", [released], MONDAY + timedelta(hours=12))
    next_week = MONDAY + timedelta(days=7)
    kept = add(store, next_week, title="kept")
    before = review(store, WEEK)

    assert compact_all(store, next_week) == 2
    assert [r.notification.id for r in store.history_page()] == [kept, still_held]
    assert store.get_digest(digest) is None  # all its items went: the digest goes too
    compacted = store.compacted_week(WEEK)
    assert compacted is not None
    totals, kept_ids = compacted
    assert kept_ids == {still_held}
    assert (totals.delivered, totals.held, totals.breakthroughs, totals.still_held) == (1, 1, 1, 0)
    assert totals.heat[9] == 1 and sum(totals.heat) == 1
    assert totals.wait_minutes == ((120, 1),)
    assert {r.name: (r.held, r.held_wanted) for r in totals.senders}["CI"] == (1, 1)
    after = review(store, WEEK)
    assert after.compacted and after.held == 2 and after.held_to_read.still_held == 1
    assert_same_figures(after, before)
    assert store.compact_history(next_week, BERLIN, SCHEDULE) == 0
    assert store.compacted_week(WEEK + timedelta(days=7)) is None


def test_an_item_kept_because_held_is_folded_in_once_released(store: Store) -> None:
    held = add(store, MONDAY + timedelta(hours=10), Outcome.HELD, title="still held")
    next_week = MONDAY + timedelta(days=7)
    assert compact_all(store, next_week) == 0  # nothing final yet: no totals either
    add(store, MONDAY + timedelta(hours=11))
    assert compact_all(store, next_week) == 1
    store.mark_released([held], MONDAY + timedelta(days=10))
    before = review(store, WEEK)
    assert before.held_to_read.count == 1 and before.held_to_read.still_held == 0
    assert store.has_compactable(next_week)
    assert compact_all(store, next_week) == 1
    assert store.history_count() == 0 and not store.has_compactable(next_week)
    compacted = store.compacted_week(WEEK)
    assert compacted is not None and compacted[1] == frozenset()
    assert_same_figures(review(store, WEEK), before)


def test_hour_of_week_is_local_time_across_the_spring_forward_night(store: Store) -> None:
    sunday_noon = datetime(2026, 3, 29, 12, 0, tzinfo=BERLIN)  # after the change (UTC+2)
    add(store, sunday_noon, breakthrough=True)
    add(store, datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN), breakthrough=True)  # UTC+1
    compact_all(store, MONDAY + timedelta(days=7))
    compacted = store.compacted_week(WEEK)
    assert compacted is not None
    heat = compacted[0].heat
    assert heat[6 * 24 + 12] == 1 and heat[5 * 24 + 12] == 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60 * 24 * 40),  # minutes after MONDAY
            st.sampled_from(list(Outcome)),
            st.sampled_from(["Alice", "Bob", ""]),
            st.sampled_from(["", "org.chat", "org.mail"]),
            st.booleans(),  # a breakthrough (delivered) / released (held)
            st.integers(min_value=0, max_value=3),  # 0 none, 1-2 feedback, 3 dismissed
            st.integers(min_value=0, max_value=600),  # minutes held
        ),
        max_size=40,
    ),
    st.lists(st.integers(min_value=0, max_value=60 * 24 * 40), max_size=3),
    st.integers(min_value=1, max_value=9),
    st.integers(min_value=1, max_value=6),
    st.booleans(),
)
def test_a_compacted_week_reviews_with_the_same_figures_as_before_compaction(
    tmp_path_factory: pytest.TempPathFactory,
    items: list[tuple[int, Outcome, str, str, bool, int, int]],
    override_starts: list[int],
    chunk: int,
    weeks_kept: int,
    by_swap: bool,
) -> None:
    """Either way of compacting (deleting in chunks, or copying what stays into fresh
    tables and swapping them in) leaves every week's review as it was."""
    store, _ = Store.open(tmp_path_factory.mktemp("db") / "focus.sqlite3")
    try:
        for minutes in override_starts:
            start = MONDAY + timedelta(minutes=minutes)
            store.set_override(Override(Mode.AVAILABLE, start, start + timedelta(hours=2)))
            store.clear_override(start + timedelta(hours=1))
        for minutes, outcome, sender, program, flag, note, waited in items:
            at = MONDAY + timedelta(minutes=minutes)
            nid = add(store, at, outcome, sender=sender, program=program,
                      breakthrough=flag and outcome is Outcome.DELIVERED)
            if outcome is Outcome.HELD and note == 3:
                store.dismiss([nid], at + timedelta(minutes=waited, seconds=17))
            elif outcome is Outcome.HELD and flag:
                store.mark_released([nid], at + timedelta(minutes=waited, seconds=41))
            if note in (1, 2):
                verdict = Verdict.COULD_WAIT if note == 1 else Verdict.SHOULD_HAVE_REACHED
                store.add_feedback(nid, verdict, at + timedelta(hours=1))
        now = MONDAY + timedelta(days=45)
        cutoff = retention_cutoff(now, BERLIN, weeks_kept)
        mondays = [WEEK + timedelta(weeks=k) for k in range(7)]
        before = [review(store, m) for m in mondays]
        history = store.history_count()
        removed = 0
        if by_swap:  # the steps of swap_out, without its "is it worth it" check
            store.fold_history(cutoff, BERLIN, SCHEDULE)
            ids = store.begin_swap(cutoff, BERLIN)
            for i in range(0, len(ids), chunk):
                store.copy_for_swap(ids[i : i + chunk])
            removed = store.swap_history(cutoff, BERLIN)
            while store.finish_swap(max_rows=chunk):
                pass
            assert store.swap_state() == ""
        removed += compact_all(store, cutoff, max_rows=chunk)
        assert store.history_count() == history - removed
        for monday, old in zip(mondays, before, strict=True):
            new = review(store, monday)
            if monday >= cutoff.date():
                assert not new.compacted
            assert_same_figures(new, old)
        old_rows = HistoryFilter(until=cutoff)
        assert all(r.status.value == "held" for r in store.history_page(old_rows, limit=10_000))
    finally:
        store.close()


def test_retention_keeps_whole_weeks_counted_from_this_monday() -> None:
    now = datetime(2026, 11, 26, 10, tzinfo=BERLIN)  # a Thursday
    assert retention_cutoff(now, BERLIN, 2) == datetime(2026, 11, 9, tzinfo=BERLIN)
    assert week_start(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), BERLIN).date() == date(
        2026, 11, 30
    )


def test_the_engine_compacts_once_a_day_after_its_first_reconcile(
    qapp: object, store: Store
) -> None:
    add(store, MONDAY)
    add(store, MONDAY + timedelta(days=200))
    clock = FakeClock(MONDAY + timedelta(days=210))
    engine = engine_for(store, MemoryNotifier(), clock, history_weeks=4)
    try:
        assert engine.compactor is not None and engine.compactor.wait(10)
        assert store.history_count() == 1
        compacted = store.compacted_week(WEEK)
        assert compacted is not None and compacted[0].delivered == 1
        add(store, MONDAY + timedelta(days=1))
        engine.reconcile()  # the same day: no second run
        assert store.history_count() == 2
        clock.advance(timedelta(days=1))
        engine.reconcile()
        assert engine.compactor.wait(10) and store.history_count() == 1
    finally:
        engine.shutdown()


# The command -------------------------------------------------------------------------

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)  # a Thursday


@pytest.mark.parametrize(
    ("text", "option", "expected"),
    [
        ("today", "since", datetime(2026, 11, 26, tzinfo=BERLIN)),
        ("today", "until", datetime(2026, 11, 27, tzinfo=BERLIN)),
        ("week", "since", datetime(2026, 11, 23, tzinfo=BERLIN)),
        ("2d", "since", NOW - timedelta(days=2)),
        ("90m", "since", NOW - timedelta(minutes=90)),
        ("2026-11-20", "since", datetime(2026, 11, 20, tzinfo=BERLIN)),
        ("2026-11-20", "until", datetime(2026, 11, 21, tzinfo=BERLIN)),
        ("09:15", "since", datetime(2026, 11, 26, 9, 15, tzinfo=BERLIN)),
        ("11:00", "since", datetime(2026, 11, 25, 11, 0, tzinfo=BERLIN)),
    ],
)
def test_when_words_mean_instants_in_the_calendars_zone(
    text: str, option: str, expected: datetime
) -> None:
    assert parse_when(text, NOW, BERLIN, option) == expected


def test_a_bad_when_says_what_is_accepted() -> None:
    with pytest.raises(CommandError, match="use today, week, 2d, 3h, YYYY-MM-DD or HH:MM"):
        parse_when("yesterday-ish", NOW, BERLIN, "since")


@pytest.mark.parametrize(("text", "option"), [("9999-12-31", "until"), ("0001-01-01", "since")])
def test_a_date_outside_the_supported_range_is_refused_in_one_line(text: str, option: str) -> None:
    # --until 9999-12-31 used to answer "internal error" (the day after overflows).
    with pytest.raises(CommandError, match=f"--{option} {text} is outside the supported dates"):
        parse_when(text, NOW, BERLIN, option)


def test_history_command_pages_under_the_answer_limit_and_continues(
    qapp: object, store: Store
) -> None:
    clock = FakeClock(NOW)
    engine = engine_for(store, MemoryNotifier(), clock)
    try:
        for i in range(450):
            add(store, NOW - timedelta(minutes=i), title=f"n{i}", body="x" * 2000)
        commands = Commands(engine)
        seen: list[int] = []
        request: dict[str, object] = {"cmd": "history", "since": "today"}
        pages = 0
        while True:
            answer = commands.handle(request)
            assert answer["ok"], answer
            result = answer["result"]
            assert len(str(result)) < 400_000
            seen += [item["id"] for item in result["items"]]
            pages += 1
            if result["next"] is None:
                break
            request["after"] = result["next"]
        assert len(seen) == len(set(seen)) == 450 and pages >= 3
        item = commands.handle({"cmd": "history", "since": "10m"})["result"]["items"][0]
        assert set(item) >= {"id", "received_at", "title", "body", "sender", "source",
                             "program", "origin", "decision", "reason", "status", "feedback"}
        bad = commands.handle({"cmd": "history", "since": "soon"})
        assert not bad["ok"] and "--since" in bad["error"]
    finally:
        engine.shutdown()


REASONS = (
    "delivered: Bob is on the breakthrough list (breakthrough 1 of 3 in 'Deep work')",
    "delivered: Bob again within 3 min (repeat escalation)",
    "delivered: critical urgency passes focus",
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=-600, max_value=60 * 24 * 8),  # minutes after MONDAY
            st.sampled_from(list(Outcome)),
            st.sampled_from(["Alice", "Bob", ""]),
            st.sampled_from(["", "Chat"]),  # source
            st.sampled_from(["", "org.chat"]),  # program
            st.integers(min_value=0, max_value=3),  # reason; 3: by a rule
            st.booleans(),  # breakthrough (any outcome: only delivered ones count)
            st.integers(min_value=0, max_value=3),  # 0 stays, 1 released, 2 dismissed, 3 both
            st.lists(st.sampled_from(list(Verdict)), max_size=2),  # the last one wins
        ),
        max_size=30,
    ),
    st.sets(st.integers(min_value=0, max_value=29)),
)
def test_review_activity_counts_in_sql_what_the_items_give_in_python(
    tmp_path_factory: pytest.TempPathFactory,
    items: list[tuple[int, Outcome, str, str, str, int, bool, int, list[Verdict]]],
    picked: set[int],
) -> None:
    """The review reads a week as SQL counts (``Store.review_activity``); they must be
    exactly what :func:`week_activity` makes of the same week's items, for the whole
    week, for a compacted week's kept ids (``only``) and for what compaction folds
    (with the waits in whole minutes)."""
    store, _ = Store.open(tmp_path_factory.mktemp("db") / "focus.sqlite3")
    try:
        ids = []
        for minutes, outcome, sender, source, program, why, through, later, verdicts in items:
            at = MONDAY + timedelta(minutes=minutes)
            n = Notification(title="t", received_at=at, sender=sender, source=source,
                             program=program, origin="caught" if program else "send")
            decision = Decision(outcome, REASONS[why % 3], breakthrough=through,
                                rule_id=7 if why == 3 else None)
            nid = store.record(n, decision, Mode.FOCUS)
            ids.append(nid)
            if outcome is Outcome.HELD and later & 1:
                store.mark_released([nid], at + timedelta(minutes=minutes % 97, seconds=13))
            if outcome is Outcome.HELD and later & 2:
                store.dismiss([nid], at + timedelta(hours=3))
            for k, verdict in enumerate(verdicts):
                store.add_feedback(nid, verdict, at + timedelta(minutes=k))
        start, end = week_range(WEEK, BERLIN)
        only = {ids[i] for i in picked if i < len(ids)}

        def same(got: WeekActivity, items_: list[ReviewItem]) -> None:
            want = week_activity(items_)
            # repr: groups hold rule ids that may be None, which tuples cannot order.
            assert sorted(got.groups, key=repr) == sorted(want.groups, key=repr)
            assert sorted(got.breakthrough_ts) == sorted(want.breakthrough_ts)
            assert sorted(got.waits) == sorted(want.waits)

        week_items = store.review_items(start, end)
        same(store.review_activity(start, end), week_items)
        with_ids = list(zip(store._week_items(start, end)[0], week_items, strict=True))
        same(store.review_activity(start, end, only=only),
             [i for nid, i in with_ids if nid in only])
        final = [i for _, i in with_ids if i.status not in ("held", "queued")]
        same(store.review_activity(start, end, final_only=True), final)
        # What compaction folds: the waits in whole minutes, all that its figures keep.
        minutes = store.review_activity(start, end, final_only=True, whole_minutes=True)
        assert sorted(minutes.groups, key=repr) == sorted(week_activity(final).groups, key=repr)
        assert sorted(minutes.waits) == sorted(
            float(w // 60 * 60) for w in week_activity(final).waits)
    finally:
        store.close()


def test_review_activity_counts_feedback_of_a_week_whose_ids_are_far_apart(
    tmp_path: Path,
) -> None:
    """The feedback of a week is read as one range of ids unless they are scattered (an
    item queued long before): then per decision, with the same counts either way."""
    store, _ = Store.open(tmp_path / "focus.sqlite3")
    try:
        old = MONDAY - timedelta(days=30)
        at = MONDAY + timedelta(hours=10)
        queued = store.add_queued(Notification(title="old", sender="Ann", received_at=old))
        for i in range(1200):  # between the two: the ids are far apart
            store.record(Notification(title=f"n{i}", sender="Bob", received_at=old),
                         Decision(Outcome.DELIVERED, "delivered: available"), Mode.AVAILABLE)
        through = store.record(
            Notification(title="new", sender="Cy", received_at=at),
            Decision(Outcome.DELIVERED, "delivered: Cy is on the breakthrough list",
                     breakthrough=True),
            Mode.FOCUS,
        )
        store.decide_queued(queued, Decision(Outcome.HELD, "held: focus"), Mode.FOCUS, at)
        store.add_feedback(queued, Verdict.SHOULD_HAVE_REACHED, at)
        store.add_feedback(through, Verdict.SHOULD_HAVE_REACHED, at)
        store.add_feedback(through, Verdict.COULD_WAIT, at + timedelta(minutes=1))
        start, end = week_range(WEEK, BERLIN)
        got = store.review_activity(start, end)
        want = week_activity(store.review_items(start, end))
        assert sorted(got.groups, key=repr) == sorted(want.groups, key=repr)
        assert {(g.who, g.feedback, g.total) for g in got.groups} == {
            ("Ann", "should_have_reached", 1), ("Cy", "could_wait", 1)}
    finally:
        store.close()


def test_a_week_read_again_comes_from_memory_until_the_file_changes(tmp_path: Path) -> None:
    """Paging back and forth on the Review page reads each week once; any change, by
    this connection or by another (the compaction's worker), is read again."""
    path = tmp_path / "focus.sqlite3"
    store, _ = Store.open(path)
    other, _ = Store.open(path)
    try:
        nid = add(store, MONDAY + timedelta(hours=9), Outcome.HELD, sender="Ann")
        start, end = week_range(WEEK, BERLIN)
        first = store.review_activity(start, end)
        assert store.review_activity(start, end) is first
        store.add_feedback(nid, Verdict.COULD_WAIT, MONDAY + timedelta(hours=10))
        mine = store.review_activity(start, end)
        assert mine is not first and {g.feedback for g in mine.groups} == {"could_wait"}
        other.mark_released([nid], MONDAY + timedelta(hours=11))
        theirs = store.review_activity(start, end)
        assert {g.status for g in theirs.groups} == {"released"} and len(theirs.waits) == 1
        assert store.review_activity(start, end) is theirs
        assert sorted(theirs.groups) == sorted(
            week_activity(store.review_items(start, end)).groups)
    finally:
        other.close()
        store.close()


# Compaction by swapping tables (a year at once) -----------------------------------------


def schema(store: Store) -> list[tuple[str, str, str]]:
    """Every table and index with its definition, quotes and spacing aside."""
    rows = store.connection.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
    ).fetchall()
    return [(t, n, " ".join(sql.replace('"', "").split())) for t, n, sql in rows]


OLD_ROWS = 5 * 7 * 6
STILL_HELD = 21  # of the old rows: held and never released (kept as rows)


def a_year_mostly_old(store: Store) -> dict[str, int]:
    """Five old weeks of rows (some still held), one more held item, a digest and a
    request that name an old item, and a few rows in the week after the cutoff."""
    ids: dict[str, int] = {}
    for k in range(OLD_ROWS):
        at = MONDAY + timedelta(hours=4 * k)
        nid = add(store, at, Outcome.HELD if k % 5 == 0 else Outcome.DELIVERED,
                  sender=("Bob", "Ann", "")[k % 3], program=("", "org.chat")[k % 2],
                  breakthrough=k % 4 == 1)
        if k % 5 == 0 and k % 2:
            store.mark_released([nid], at + timedelta(minutes=37))
        if k % 7 == 0:
            store.add_feedback(nid, Verdict.COULD_WAIT, at + timedelta(hours=1))
        if k == 1:
            ids["first"] = nid  # delivered: it goes
    ids["held"] = add(store, MONDAY + timedelta(days=3), Outcome.HELD, title="still held")
    ids["digest"] = store.add_digest("digest", "old", [ids["first"]], MONDAY)
    from focus_app.core.requests import Request

    request = store.add_request(Request("a talk", "Bob", timedelta(minutes=30), MONDAY,
                                        notification_id=ids["first"]))
    assert request.id is not None
    ids["request"] = request.id
    for k in range(6):
        ids[f"new{k}"] = add(store, MONDAY + timedelta(weeks=5, hours=k), title=f"new {k}")
    return ids


def test_a_swap_keeps_every_review_figure_and_only_the_rows_that_stay(store: Store) -> None:
    ids = a_year_mostly_old(store)
    cutoff = MONDAY + timedelta(weeks=5)
    mondays = [WEEK + timedelta(weeks=k) for k in range(6)]
    before = [review(store, m) for m in mondays]
    shape = schema(store)
    kept_before = store.history_count(HistoryFilter(since=cutoff))

    removed = swap_out(store, cutoff, BERLIN, SCHEDULE, min_rows=0)

    assert removed == OLD_ROWS - STILL_HELD
    assert store.swap_state() == "" and schema(store) == shape  # every index back, named
    left = store.history_page(HistoryFilter(until=cutoff), limit=1000)
    assert len(left) == STILL_HELD + 1 and all(r.status.value == "held" for r in left)
    assert ids["held"] in {r.notification.id for r in left}
    assert store.history_count(HistoryFilter(since=cutoff)) == kept_before
    for monday, old in zip(mondays, before, strict=True):
        assert_same_figures(review(store, monday), old)
    assert store.get_digest(ids["digest"]) is None
    request = store.get_request(ids["request"])
    assert request is not None and request.notification_id is None
    db = store.connection
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not store.has_compactable(cutoff) and compact_all(store, cutoff) == 0
    # The app goes on as before: writes, and the review's index is used.
    add(store, cutoff + timedelta(days=1), title="after")
    plan = db.execute("EXPLAIN QUERY PLAN SELECT notification_id FROM decisions"
                      " WHERE decided_ts >= 0 AND decided_ts < 1").fetchall()
    assert "decisions_review" in plan[0][3]


def test_a_swap_goes_ahead_when_the_oldest_week_holds_only_items_still_held(
    store: Store,
) -> None:
    """A week whose items are all still held has no figures to fold (its rows stay): the
    swap must not wait for them, or it was refused, and copied again, every day."""
    held = add(store, MONDAY + timedelta(hours=9), Outcome.HELD, sender="Ann")
    for k in range(60):
        add(store, MONDAY + timedelta(weeks=1, hours=9, minutes=k))
    cutoff = MONDAY + timedelta(weeks=2)
    before = [review(store, WEEK + timedelta(weeks=k)) for k in range(2)]

    assert swap_out(store, cutoff, BERLIN, SCHEDULE, min_rows=0) == 60

    assert store.swap_state() == ""
    left = store.history_page(HistoryFilter(until=cutoff), limit=100)
    assert [r.notification.id for r in left] == [held]
    for k, old in enumerate(before):
        assert_same_figures(review(store, WEEK + timedelta(weeks=k)), old)


def test_the_compaction_pauses_only_while_a_writer_of_the_app_waits_for_the_lock(
    tmp_path: Path,
) -> None:
    """Between its steps the worker sleeps only if a write of this process is waiting
    (pausing after every step anyway was a tenth of a year's compaction); the waiting
    writer is seen while SQLite's busy handler holds it."""
    path = tmp_path / "focus.sqlite3"
    worker, _ = Store.open(path)
    wrote: list[int] = []

    def app_write() -> None:
        app, _ = Store.open(path, busy_timeout_ms=5000)
        try:
            wrote.append(add(app, MONDAY))
        finally:
            app.close()

    try:
        started = clock.monotonic()
        let_writers_in(1.0)
        assert clock.monotonic() - started < 0.5 and not writers_waiting()
        writer = threading.Thread(target=app_write)
        with worker._write():  # a step of the worker holds the write lock
            writer.start()
            deadline = clock.monotonic() + 5
            while not writers_waiting() and clock.monotonic() < deadline:
                clock.sleep(0.002)
            assert writers_waiting() and not wrote
        writer.join(5)
        assert wrote and not writers_waiting()
    finally:
        worker.close()


def test_a_swap_is_not_worth_it_while_much_of_the_history_stays(store: Store) -> None:
    a_year_mostly_old(store)
    cutoff = MONDAY + timedelta(weeks=1)  # four of five weeks stay
    assert not store.worth_swapping(cutoff, BERLIN, 0)
    assert swap_out(store, cutoff, BERLIN, SCHEDULE, min_rows=0) == 0
    assert store.swap_state() == "" and compact_all(store, cutoff) == 7 * 6 - 5  # 5 held


def test_what_the_app_writes_while_rows_are_copied_is_in_the_swapped_tables(
    store: Store,
) -> None:
    ids = a_year_mostly_old(store)
    cutoff = MONDAY + timedelta(weeks=5)
    waiting = add(store, cutoff + timedelta(days=1), Outcome.HELD, title="waiting")
    store.fold_history(cutoff, BERLIN, SCHEDULE)
    store.copy_for_swap(store.begin_swap(cutoff, BERLIN))
    # Meanwhile: a new item, a kept one changes, the held one is released, feedback.
    late = add(store, cutoff + timedelta(days=2), title="late")
    store.dismiss([waiting], cutoff + timedelta(days=2))
    store.mark_released([ids["held"]], cutoff + timedelta(days=2))
    store.add_feedback(ids["new1"], Verdict.SHOULD_HAVE_REACHED, cutoff + timedelta(days=2))
    assert store.swap_history(cutoff, BERLIN) == OLD_ROWS - STILL_HELD
    store_rows = {r.notification.id: r for r in store.history_page(limit=1000)}
    assert late in store_rows and ids["held"] in store_rows  # kept ids stay as rows
    assert store_rows[ids["held"]].status.value == "released"
    assert store_rows[waiting].status.value == "dismissed"
    assert store_rows[ids["new1"]].feedback is Verdict.SHOULD_HAVE_REACHED
    swap_out(store, cutoff, BERLIN, SCHEDULE, min_rows=0)  # finishes the swap
    assert store.swap_state() == ""


def test_a_crash_before_the_swap_leaves_the_history_whole_and_the_next_run_starts_over(
    tmp_path: Path,
) -> None:
    path = tmp_path / "focus.sqlite3"
    store, _ = Store.open(path)
    ids = a_year_mostly_old(store)
    cutoff = MONDAY + timedelta(weeks=5)
    count = store.history_count()
    store.fold_history(cutoff, BERLIN, SCHEDULE)
    store.copy_for_swap(store.begin_swap(cutoff, BERLIN)[:3])
    store.close()  # the process dies here

    store, _ = Store.open(path)
    try:
        assert store.swap_state() == "new" and store.history_count() == count
        add(store, cutoff + timedelta(days=1))  # the app works meanwhile
        assert swap_out(store, cutoff, BERLIN, SCHEDULE, min_rows=0) == OLD_ROWS - STILL_HELD
        assert store.swap_state() == ""
        assert ids["held"] in {r.notification.id for r in store.history_page(limit=1000)}
    finally:
        store.close()


def test_a_crash_after_the_swap_leaves_a_working_database_the_next_run_tidies(
    tmp_path: Path,
) -> None:
    path = tmp_path / "focus.sqlite3"
    store, _ = Store.open(path)
    ids = a_year_mostly_old(store)
    cutoff = MONDAY + timedelta(weeks=5)
    shape = schema(store)
    week = review(store, WEEK)
    store.fold_history(cutoff, BERLIN, SCHEDULE)
    store.copy_for_swap(store.begin_swap(cutoff, BERLIN))
    store.swap_history(cutoff, BERLIN)
    store.finish_swap()  # one index renamed back, then the process dies
    store.close()

    store, _ = Store.open(path)
    try:
        assert store.swap_state() == "old"
        nid = add(store, cutoff + timedelta(days=1), Outcome.HELD, title="meanwhile")
        assert nid in {h.notification.id for h in store.held()}
        assert_same_figures(review(store, WEEK), week)
        assert swap_out(store, cutoff, BERLIN, SCHEDULE, min_rows=0) == 0
        assert store.swap_state() == "" and schema(store) == shape
        assert ids["held"] in {h.notification.id for h in store.held()}
    finally:
        store.close()


def test_an_error_inside_the_swap_changes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_year_mostly_old(store)
    cutoff = MONDAY + timedelta(weeks=5)
    count = store.history_count()
    store.fold_history(cutoff, BERLIN, SCHEDULE)
    store.copy_for_swap(store.begin_swap(cutoff, BERLIN))
    original = Store._catch_up

    def failing(self: Store, table: str, column: str) -> None:
        if table == "feedback":
            raise sqlite3.OperationalError("disk I/O error")
        original(self, table, column)

    monkeypatch.setattr(Store, "_catch_up", failing)
    with pytest.raises(sqlite3.OperationalError):
        store.swap_history(cutoff, BERLIN)
    assert store.history_count() == count and store.swap_state() == "new"
    monkeypatch.undo()
    assert swap_out(store, cutoff, BERLIN, SCHEDULE, min_rows=0) == OLD_ROWS - STILL_HELD
