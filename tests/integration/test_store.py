"""The SQLite store against real database files: round-trips, migrations, repair, durability."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time as monotonic_time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from focus_app import store as store_module
from focus_app.core.model import (
    Block,
    BlockException,
    BlockKind,
    Decision,
    Mode,
    Notification,
    Outcome,
    Override,
    Recurrence,
    Rule,
    RuleAction,
    RuleMatch,
    Urgency,
)
from focus_app.core.program_prefs import Program, ProgramChoice
from focus_app.store import (
    HeldItem,
    NotFoundError,
    Status,
    Store,
    StoreError,
    Verdict,
    schema_version,
)

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2025, 3, 10, 9, 0, tzinfo=BERLIN)
TABLES = {
    "blocks",
    "rules",
    "overrides",
    "current_override",
    "notifications",
    "decisions",
    "feedback",
}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "focus-app.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened, warning = Store.open(db_path)
    assert warning is None
    yield opened
    opened.close()


def note(title: str = "Build failed", minutes: int = 0, **kwargs: object) -> Notification:
    return Notification(title=title, received_at=T0 + timedelta(minutes=minutes), **kwargs)  # type: ignore[arg-type]


def held_until(
    release_at: datetime | None, reason: str = "held: focus block 'Deep work'"
) -> Decision:
    return Decision(Outcome.HELD, reason, release_at=release_at)


DELIVERED = Decision(Outcome.DELIVERED, "delivered: available")


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        rows = raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def user_version(path: Path) -> int:
    raw = sqlite3.connect(path)
    try:
        version: int = raw.execute("PRAGMA user_version").fetchone()[0]
        return version
    finally:
        raw.close()


# Opening, pragmas, migrations --------------------------------------------------------------


def test_open_creates_the_database_with_the_current_schema(db_path: Path, store: Store) -> None:
    assert db_path.is_file()
    assert tables(db_path) >= TABLES
    assert user_version(db_path) == schema_version()


def test_open_sets_wal_normal_sync_busy_timeout_and_foreign_keys(store: Store) -> None:
    db = store.connection
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_version_0_database_is_migrated_to_the_current_schema(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as raw:
        raw.execute("CREATE TABLE unrelated (x)")  # a v0 file that is a real database
    assert user_version(db_path) == 0

    opened, warning = Store.open(db_path)
    opened.close()

    assert warning is None
    assert user_version(db_path) == schema_version()
    assert TABLES | {"unrelated"} <= tables(db_path)


def test_migrations_run_in_order_from_the_stored_version(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = Store.open(db_path)
    first.add_block(Block(BlockKind.FOCUS, time(9), time(11), on_date=date(2025, 3, 10)))
    first.close()
    known = len(store_module.MIGRATIONS)
    monkeypatch.setattr(
        store_module,
        "MIGRATIONS",
        [*store_module.MIGRATIONS, ("ALTER TABLE blocks ADD COLUMN colour TEXT DEFAULT 'red'",)],
    )

    second, warning = Store.open(db_path)
    colours = second.connection.execute("SELECT colour FROM blocks").fetchall()
    second.close()

    assert warning is None
    assert user_version(db_path) == schema_version() == known + 1
    assert [tuple(row) for row in colours] == [("red",)]


def test_a_failing_migration_leaves_the_previous_version_intact(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(db_path)[0].close()
    monkeypatch.setattr(
        store_module,
        "MIGRATIONS",
        [*store_module.MIGRATIONS, ("CREATE TABLE extra (x)", "THIS IS NOT SQL")],
    )
    with pytest.raises(StoreError, match="cannot set up the database"):
        Store.open(db_path)
    assert user_version(db_path) == len(store_module.MIGRATIONS) - 1
    assert "extra" not in tables(db_path)


def test_garbage_file_is_moved_aside_with_a_timestamp_and_a_fresh_one_started(
    db_path: Path,
) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not a database, just some bytes " * 100
    db_path.write_bytes(garbage)
    db_path.with_name(db_path.name + "-wal").write_bytes(b"stale wal")

    opened, warning = Store.open(db_path)
    try:
        assert opened.list_blocks() == []
    finally:
        opened.close()

    asides = sorted(p.name for p in db_path.parent.glob("*.corrupt-*"))
    main = asides[0]
    assert re.fullmatch(r"focus-app\.sqlite3\.corrupt-\d{8}-\d{6}", main)
    assert set(asides) <= {main, main + "-wal", main + "-shm"}
    assert (db_path.parent / (main + "-wal")).read_bytes() == b"stale wal"  # kept with it
    assert (db_path.parent / main).read_bytes() == garbage
    assert warning is not None
    assert str(db_path.parent / main) in warning
    assert "fresh" in warning
    assert user_version(db_path) == schema_version()


def test_damaged_database_failing_quick_check_is_moved_aside(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as raw:
        raw.execute("PRAGMA page_size = 1024")
        raw.execute("CREATE TABLE t (x TEXT)")
        raw.execute("CREATE INDEX t_x ON t (x)")
        raw.executemany("INSERT INTO t VALUES (?)", [(f"row {i:05d}" * 10,) for i in range(2000)])
    raw.close()
    data = bytearray(db_path.read_bytes())
    # Scribble over pages in the middle of the file, leaving the header alone.
    for offset in range(8 * 1024, len(data) - 4096, 4096):
        data[offset : offset + 200] = b"\xa5" * 200
    db_path.write_bytes(bytes(data))

    opened, warning = Store.open(db_path)
    opened.close()

    assert warning is not None
    assert ".corrupt-" in warning
    assert len(list(db_path.parent.glob("focus-app.sqlite3.corrupt-*"))) == 1


def test_two_corrupt_files_in_the_same_second_get_distinct_names(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "_timestamp_suffix", lambda: "20250310-090000")
    db_path.parent.mkdir(parents=True)
    for content in (b"first broken file" * 64, b"second broken file" * 64):
        db_path.write_bytes(content)
        opened, warning = Store.open(db_path)
        opened.close()
        assert warning is not None
    names = sorted(p.name for p in db_path.parent.glob("*.corrupt-*"))
    assert names == [
        "focus-app.sqlite3.corrupt-20250310-090000",
        "focus-app.sqlite3.corrupt-20250310-090000-1",
    ]


def test_database_from_a_newer_version_is_refused_and_left_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as raw:
        raw.execute("CREATE TABLE future (x)")
        raw.execute(f"PRAGMA user_version = {schema_version() + 5}")
    raw.close()
    before = db_path.read_bytes()

    with pytest.raises(StoreError, match="newer version of focus-app") as caught:
        Store.open(db_path)

    assert str(db_path) in str(caught.value)
    assert "update focus-app" in str(caught.value)
    assert db_path.read_bytes() == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


# Blocks ------------------------------------------------------------------------------------


def test_one_off_block_round_trips(store: Store) -> None:
    block = Block(
        BlockKind.OFF, time(18, 30), time(0, 0), title="Evening", on_date=date(2025, 3, 14)
    )
    added = store.add_block(block)
    assert added.id is not None
    assert store.list_blocks() == [added]


def test_recurring_block_with_exceptions_round_trips(store: Store) -> None:
    block = Block(
        BlockKind.FOCUS,
        time(9),
        time(11, 30),
        title="Deep work",
        recurrence=Recurrence(
            frozenset({0, 2, 4}),
            interval_weeks=2,
            starts=date(2025, 1, 6),
            until=date(2025, 12, 31),
        ),
        exceptions=(
            BlockException(date(2025, 3, 12)),
            BlockException(
                date(2025, 3, 14), datetime(2025, 3, 14, 13, 0), datetime(2025, 3, 14, 15, 30)
            ),
        ),
    )
    added = store.add_block(block)
    assert store.list_blocks() == [added]
    assert added == Block(**{**block.__dict__, "id": added.id})


def test_update_block_replaces_it_and_an_unknown_id_is_not_found(store: Store) -> None:
    added = store.add_block(
        Block(BlockKind.AVAILABLE, time(14), time(15), recurrence=Recurrence(frozenset({1})))
    )
    changed = Block(
        BlockKind.FOCUS, time(8), time(10), title="Early", recurrence=Recurrence(frozenset({3})),
        id=added.id,
    )  # fmt: skip
    store.update_block(changed)
    assert store.list_blocks() == [changed]
    with pytest.raises(NotFoundError, match="no block 999"):
        store.update_block(Block(BlockKind.FOCUS, time(8), time(9), on_date=T0.date(), id=999))


def test_remove_block_says_whether_it_existed(store: Store) -> None:
    added = store.add_block(Block(BlockKind.FOCUS, time(9), time(10), on_date=T0.date()))
    assert added.id is not None
    assert store.remove_block(added.id) is True
    assert store.remove_block(added.id) is False
    assert store.list_blocks() == []


# Rules -------------------------------------------------------------------------------------


def rule(name: str, action: RuleAction = RuleAction.ALLOW) -> Rule:
    return Rule(RuleMatch(sender=f"{name}@example.com"), action, name=name)


def names(store: Store) -> list[str]:
    return [r.name for r in store.list_rules()]


def test_rule_with_every_match_field_round_trips(store: Store) -> None:
    full = Rule(
        RuleMatch(
            sender="*@example.com",
            source="ci",
            urgency=Urgency.CRITICAL,
            keywords=("outage", "pager"),
            time_sensitive=False,
        ),
        RuleAction.PRIORITY,
        name="CI outages",
        enabled=False,
    )
    empty = Rule(RuleMatch(), RuleAction.MUTE)
    added = [store.add_rule(full), store.add_rule(empty)]
    assert store.list_rules() == added
    assert added[0].match.time_sensitive is False
    assert added[1].match.urgency is None


def test_rules_keep_their_order_and_insert_at_a_position(store: Store) -> None:
    store.add_rule(rule("a"))
    store.add_rule(rule("c"))
    store.add_rule(rule("b"), position=1)
    store.add_rule(rule("first"), position=0)
    store.add_rule(rule("last"), position=99)
    assert names(store) == ["first", "a", "b", "c", "last"]


def test_move_rule_shifts_the_others_both_ways(store: Store) -> None:
    ids = {n: store.add_rule(rule(n)).id for n in "abcd"}
    store.move_rule(ids["a"] or 0, 2)
    assert names(store) == ["b", "c", "a", "d"]
    store.move_rule(ids["d"] or 0, 0)
    assert names(store) == ["d", "b", "c", "a"]
    store.move_rule(ids["b"] or 0, 50)
    assert names(store) == ["d", "c", "a", "b"]
    with pytest.raises(NotFoundError):
        store.move_rule(999, 0)


def test_remove_rule_closes_the_gap(store: Store) -> None:
    ids = {n: store.add_rule(rule(n)).id for n in "abc"}
    assert store.remove_rule(ids["b"] or 0) is True
    assert store.remove_rule(ids["b"] or 0) is False
    store.add_rule(rule("x"), position=1)
    assert names(store) == ["a", "x", "c"]
    positions = store.connection.execute("SELECT position FROM rules ORDER BY position")
    assert [p for (p,) in positions] == [0, 1, 2]


def test_update_rule_keeps_its_position(store: Store) -> None:
    a = store.add_rule(rule("a"))
    store.add_rule(rule("b"))
    store.update_rule(Rule(RuleMatch(source="mail"), RuleAction.HOLD, name="a2", id=a.id))
    assert names(store) == ["a2", "b"]
    assert store.list_rules()[0].action is RuleAction.HOLD
    with pytest.raises(NotFoundError):
        store.update_rule(rule("ghost"))


# Overrides ---------------------------------------------------------------------------------


def test_override_round_trips_with_its_offset(store: Store) -> None:
    assert store.get_override() is None
    override = Override(Mode.FOCUS, T0, T0 + timedelta(minutes=50), reason="Report")
    store.set_override(override)
    got = store.get_override()
    assert got == override
    assert got is not None and got.until.utcoffset() == timedelta(hours=1)


def test_set_override_replaces_the_current_one_and_logs_both(store: Store) -> None:
    first = Override(Mode.FOCUS, T0, T0 + timedelta(minutes=50))
    second = Override(Mode.PAUSED, T0 + timedelta(minutes=20), T0 + timedelta(hours=2))
    store.set_override(first)
    store.set_override(second)
    assert store.get_override() == second

    log = store.override_history(T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert [r.override for r in log] == [first, second]
    assert log[0].ended_at == second.starts  # cut short by the second
    assert log[1].ended_at is None
    assert log[1].effective_end == second.until


def test_clear_override_logs_an_early_end(store: Store) -> None:
    override = Override(Mode.FOCUS, T0, T0 + timedelta(minutes=50))
    store.set_override(override)
    store.clear_override(at=T0 + timedelta(minutes=10))
    assert store.get_override() is None
    (record,) = store.override_history(T0, T0 + timedelta(hours=1))
    assert record.ended_at == T0 + timedelta(minutes=10)


def test_clearing_after_the_planned_end_keeps_the_planned_end(store: Store) -> None:
    store.set_override(Override(Mode.FOCUS, T0, T0 + timedelta(minutes=25)))
    store.clear_override(at=T0 + timedelta(hours=3))
    (record,) = store.override_history(T0, T0 + timedelta(hours=1))
    assert record.ended_at is None
    assert record.effective_end == T0 + timedelta(minutes=25)


# Notifications -----------------------------------------------------------------------------


def test_notification_with_every_field_round_trips(store: Store) -> None:
    n = Notification(
        title="Deploy",
        body="production is down\nsecond line",
        sender="alice@example.com",
        source="pager",
        urgency=Urgency.CRITICAL,
        time_sensitive=True,
        received_at=datetime(2025, 7, 1, 23, 59, 59, 123456, tzinfo=timezone(timedelta(hours=-7))),
    )
    nid = store.record(n, DELIVERED, Mode.AVAILABLE)
    got = store.get_notification(nid)
    assert got == Notification(**{**n.__dict__, "id": nid})
    assert got is not None and got.received_at.utcoffset() == timedelta(hours=-7)
    assert store.get_notification(nid + 1) is None


def test_record_stores_the_status_from_the_decision(store: Store) -> None:
    delivered = store.record(note("d"), DELIVERED, Mode.AVAILABLE)
    held = store.record(note("h"), held_until(T0 + timedelta(hours=2)), Mode.FOCUS)
    muted = store.record(note("m"), Decision(Outcome.MUTED, "muted by rule"), Mode.FOCUS)
    assert store.notification_status(delivered) is Status.DELIVERED
    assert store.notification_status(held) is Status.HELD
    assert store.notification_status(muted) is Status.MUTED
    assert store.held_count() == 1


def test_record_refuses_a_notification_that_already_has_an_id(store: Store) -> None:
    nid = store.record(note(), DELIVERED, Mode.AVAILABLE)
    with pytest.raises(ValueError, match="already stored"):
        store.record(note(id=nid), DELIVERED, Mode.AVAILABLE)


def test_record_refuses_naive_times(store: Store) -> None:
    naive = Notification("x", received_at=datetime(2025, 3, 10, 9, 0))
    with pytest.raises(ValueError, match="aware"):
        store.record(naive, DELIVERED, Mode.AVAILABLE)
    assert store.history(T0 - timedelta(days=1), T0 + timedelta(days=1)) == []


def test_held_lists_items_with_reason_release_and_pacing_oldest_first(store: Store) -> None:
    later = store.record(note("later", minutes=5), held_until(T0 + timedelta(hours=1)), Mode.FOCUS)
    paced = Decision(Outcome.HELD, "paced", release_at=T0 + timedelta(minutes=1), paced=True)
    earlier = store.record(note("earlier", minutes=1), paced, Mode.AVAILABLE)
    store.record(note("shown", minutes=2), DELIVERED, Mode.AVAILABLE)

    items = store.held()
    assert [i.notification.id for i in items] == [earlier, later]
    assert items[0] == HeldItem(
        notification=note("earlier", minutes=1, id=earlier),
        reason="paced",
        release_at=T0 + timedelta(minutes=1),
        paced=True,
        held_in=Mode.AVAILABLE,
    )
    assert items[1].reason == "held: focus block 'Deep work'"
    assert items[1].paced is False


def test_held_ordering_uses_instants_not_text_across_offsets(store: Store) -> None:
    # 09:30+05:00 is 04:30 UTC, before 08:00+01:00 (07:00 UTC) though it sorts after as text.
    east = Notification(
        "east", received_at=datetime(2025, 3, 10, 9, 30, tzinfo=timezone(timedelta(hours=5)))
    )
    west = Notification(
        "west", received_at=datetime(2025, 3, 10, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    )
    store.record(west, held_until(None), Mode.FOCUS)
    store.record(east, held_until(None), Mode.FOCUS)
    assert [i.notification.title for i in store.held()] == ["east", "west"]


def test_held_due_before_filters_by_release_time_and_counts_unknown_as_due(store: Store) -> None:
    soon = store.record(note("soon"), held_until(T0 + timedelta(hours=1)), Mode.FOCUS)
    later = store.record(note("later"), held_until(T0 + timedelta(hours=3)), Mode.FOCUS)
    unknown = store.record(note("unknown"), held_until(None), Mode.OFF)
    due = {i.notification.id for i in store.held(release_due_before=T0 + timedelta(hours=1))}
    assert due == {soon, unknown}
    assert {i.notification.id for i in store.held()} == {soon, later, unknown}


def test_mark_released_only_touches_held_items(store: Store) -> None:
    a = store.record(note("a"), held_until(T0), Mode.FOCUS)
    b = store.record(note("b"), held_until(T0), Mode.FOCUS)
    shown = store.record(note("shown"), DELIVERED, Mode.AVAILABLE)
    assert store.mark_released([a, shown], T0 + timedelta(hours=1)) == 1
    assert store.notification_status(a) is Status.RELEASED
    assert store.notification_status(shown) is Status.DELIVERED
    assert [i.notification.id for i in store.held()] == [b]
    assert store.held_count() == 1
    assert store.mark_released([], T0) == 0


def test_dismiss_drops_held_items_from_the_inbox(store: Store) -> None:
    a = store.record(note("a"), held_until(T0), Mode.FOCUS)
    b = store.record(note("b"), held_until(T0), Mode.FOCUS)
    assert store.dismiss([a], at=T0) == 1
    assert store.notification_status(a) is Status.DISMISSED
    assert [i.notification.id for i in store.held()] == [b]


def test_failed_delivery_is_recorded_and_the_item_goes_back_to_the_inbox(store: Store) -> None:
    nid = store.record(note(), DELIVERED, Mode.AVAILABLE)
    store.mark_delivered_failed(nid, "org.freedesktop.Notifications is not running")
    assert store.notification_status(nid) is Status.HELD
    (item,) = store.held(release_due_before=T0)
    assert item.notification.id == nid
    assert item.delivery_error == "org.freedesktop.Notifications is not running"
    with pytest.raises(NotFoundError):
        store.mark_delivered_failed(nid + 100, "x")


def test_queued_items_wait_until_decided_then_get_a_history_row(store: Store) -> None:
    first = store.add_queued(note("first", minutes=1, sender="bob"))
    second = store.add_queued(note("second", minutes=2))
    assert [n.id for n in store.take_queued()] == [first, second]
    assert store.take_queued()[0] == note("first", minutes=1, sender="bob", id=first)
    assert store.notification_status(first) is Status.QUEUED
    assert store.held_count() == 0

    store.decide_queued(first, held_until(T0 + timedelta(hours=1)), Mode.FOCUS, decided_at=T0)
    store.decide_queued(second, DELIVERED, Mode.FOCUS, decided_at=T0)

    assert store.take_queued() == []
    assert [i.notification.id for i in store.held()] == [first]
    entries = store.history(T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert [(e.notification.id, e.decision.outcome) for e in entries] == [
        (first, Outcome.HELD),
        (second, Outcome.DELIVERED),
    ]
    with pytest.raises(NotFoundError, match="no queued notification"):
        store.decide_queued(first, DELIVERED, Mode.AVAILABLE)


def test_history_joins_decisions_notifications_status_and_feedback(store: Store) -> None:
    decision = Decision(Outcome.DELIVERED, "allowed by rule 'Boss'", breakthrough=True, rule_id=7)
    nid = store.record(note("from boss", sender="boss"), decision, Mode.FOCUS)
    held = store.record(note("ci", minutes=10), held_until(T0 + timedelta(hours=2)), Mode.FOCUS)
    store.record(note("outside", minutes=60 * 24), DELIVERED, Mode.AVAILABLE)
    store.mark_released([held], T0 + timedelta(hours=2))
    store.add_feedback(nid, Verdict.COULD_WAIT, T0 + timedelta(hours=1))
    store.add_feedback(nid, "should_have_reached", T0 + timedelta(hours=2))

    entries = store.history(T0, T0 + timedelta(hours=1))
    assert len(entries) == 2
    boss, ci = entries
    assert boss.decision == decision
    assert boss.mode is Mode.FOCUS
    assert boss.decided_at == T0
    assert boss.status is Status.DELIVERED
    assert boss.feedback is Verdict.SHOULD_HAVE_REACHED  # the latest verdict counts
    assert ci.decision.release_at == T0 + timedelta(hours=2)
    assert ci.status is Status.RELEASED
    assert ci.feedback is None


def test_feedback_refuses_unknown_verdicts_and_notifications(store: Store) -> None:
    nid = store.record(note(), DELIVERED, Mode.AVAILABLE)
    with pytest.raises(ValueError, match="unknown verdict 'meh'"):
        store.add_feedback(nid, "meh", T0)
    with pytest.raises(NotFoundError):
        store.add_feedback(nid + 1, Verdict.COULD_WAIT, T0)


# Durability, batches, concurrency -----------------------------------------------------------


def test_held_item_is_visible_to_a_second_connection_as_soon_as_record_returns(
    db_path: Path, store: Store
) -> None:
    nid = store.record(note("urgent-ish"), held_until(T0 + timedelta(hours=1)), Mode.FOCUS)
    other, _ = Store.open(db_path)
    try:
        assert [i.notification.id for i in other.held()] == [nid]
    finally:
        other.close()


def test_held_item_survives_kill_9_right_after_record_returns(db_path: Path) -> None:
    Store.open(db_path)[0].close()
    script = f"""
import sys
from datetime import datetime, timezone
from pathlib import Path
from focus_app.core.model import Decision, Mode, Notification, Outcome
from focus_app.store import Store
store, _ = Store.open(Path({str(db_path)!r}))
n = Notification("kept", received_at=datetime.now(timezone.utc))
nid = store.record(n, Decision(Outcome.HELD, "held: focus"), Mode.FOCUS)
print(nid, flush=True)
sys.stdin.read()  # wait here, connection open, until killed
"""
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        nid = int(child.stdout.readline())
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=10)
        if child.stdin:
            child.stdin.close()
        if child.stdout:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    survivor, warning = Store.open(db_path)
    try:
        assert warning is None
        assert [(i.notification.id, i.notification.title) for i in survivor.held()] == [
            (nid, "kept")
        ]
    finally:
        survivor.close()


def test_record_many_stores_a_batch_in_order(store: Store) -> None:
    items = [(note(f"n{i}", minutes=i), held_until(None), Mode.FOCUS) for i in range(5)]
    ids = store.record_many(items)
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert [i.notification.title for i in store.held()] == [f"n{i}" for i in range(5)]
    assert len(store.history(T0, T0 + timedelta(hours=1))) == 5


def test_record_many_is_all_or_nothing(store: Store) -> None:
    bad = Notification("naive", received_at=datetime(2025, 3, 10, 9, 0))
    items = [
        (note("ok 1"), held_until(None), Mode.FOCUS),
        (bad, held_until(None), Mode.FOCUS),
        (note("ok 2"), held_until(None), Mode.FOCUS),
    ]
    with pytest.raises(ValueError):
        store.record_many(items)
    assert store.held() == []
    count = store.connection.execute("SELECT count(*) FROM decisions").fetchone()[0]
    assert count == 0
    store.record(note("after"), DELIVERED, Mode.AVAILABLE)  # the store is still usable


def test_record_many_reaches_well_over_2000_inserts_a_second(store: Store) -> None:
    items = [
        (note(f"n{i}", sender=f"s{i % 7}"), held_until(T0 + timedelta(hours=1)), Mode.FOCUS)
        for i in range(5000)
    ]
    started = monotonic_time.perf_counter()
    for start in range(0, len(items), 100):  # batches as the IPC server would send them
        store.record_many(items[start : start + 100])
    elapsed = monotonic_time.perf_counter() - started
    assert store.held_count() == 5000
    assert 5000 / elapsed > 2000, f"{5000 / elapsed:.0f} inserts/s"


def test_cli_connection_can_queue_while_the_app_holds_a_connection(
    db_path: Path, store: Store
) -> None:
    cli, _ = Store.open(db_path)
    try:
        nid = cli.add_queued(note("from cron"))
    finally:
        cli.close()
    assert [n.id for n in store.take_queued()] == [nid]


def test_writer_waits_for_a_busy_database_instead_of_failing(db_path: Path, store: Store) -> None:
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time, sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
            " c.execute('BEGIN IMMEDIATE'); time.sleep(0.3); c.execute('COMMIT')",
            str(db_path),
        ]
    )
    blocker.execute("COMMIT")  # hand the lock to the child, which keeps it for 0.3 s
    blocker.close()
    monotonic_time.sleep(0.1)
    try:
        nid = store.add_queued(note("waited"))  # waits (busy_timeout) rather than raising
    finally:
        child.wait(timeout=10)
    assert store.notification_status(nid) is Status.QUEUED


# Programs (the Programs list) and caught notifications ------------------------------------

PROGRAMS_MIGRATION = next(
    i for i, m in enumerate(store_module.MIGRATIONS) if any("TABLE programs" in s for s in m)
)
"""Index of the migration that adds programs (it may move when branches merge)."""

MONDAY = datetime(2025, 3, 10, 0, 0, tzinfo=BERLIN)  # the week of T0


def caught(title: str, program: str, minutes: int = 0, **kwargs: object) -> Notification:
    return note(title, minutes, program=program, origin="caught", **kwargs)


def make_old_database(path: Path, version: int) -> None:
    """A database file exactly as an older version of the app left it, with data in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(path)
    try:
        for migration in store_module.MIGRATIONS[:version]:
            for statement in migration:
                raw.execute(statement)
        raw.execute(
            "INSERT INTO notifications (title, body, sender, source, urgency, received_at,"
            " received_ts, status, reason) VALUES ('Build failed', 'red', 'CI', 'Jenkins',"
            " 'normal', ?, ?, 'held', 'held: focus')",
            (T0.isoformat(), T0.timestamp()),
        )
        raw.execute(
            "INSERT INTO rules (position, name, action, match_sender) VALUES (0, 'A', 'allow',"
            " 'Alice')"
        )
        raw.execute(f"PRAGMA user_version = {version}")
        raw.commit()
    finally:
        raw.close()


@pytest.mark.parametrize("version", range(1, PROGRAMS_MIGRATION + 1))
def test_database_from_before_programs_is_migrated_and_keeps_its_data(
    db_path: Path, version: int
) -> None:
    make_old_database(db_path, version)
    assert "programs" not in tables(db_path)

    opened, warning = Store.open(db_path)
    try:
        (item,) = opened.held()
        rules = opened.list_rules()
        programs = opened.list_programs(MONDAY)
    finally:
        opened.close()

    assert warning is None
    assert user_version(db_path) == schema_version()
    assert "programs" in tables(db_path)
    assert item.notification == Notification(
        title="Build failed",
        body="red",
        sender="CI",
        source="Jenkins",
        received_at=T0,
        id=item.notification.id,
    )
    assert item.notification.origin == "send" and item.notification.program == ""
    assert [r.name for r in rules] == ["A"]
    assert programs == []


def test_a_program_seen_for_the_first_time_follows_the_schedule(store: Store) -> None:
    program = store.note_program_seen("slack", "Slack", "slack", T0)
    assert program == Program(
        key="slack",
        display_name="Slack",
        icon="slack",
        choice=ProgramChoice.FOLLOW,
        sender_rule="",
        first_seen=T0,
        last_seen=T0,
    )
    assert store.get_program("slack") == program
    assert store.get_program("signal") is None


def test_seeing_a_program_again_keeps_the_users_choice_and_takes_the_new_name(
    store: Store,
) -> None:
    store.note_program_seen("slack", "Slack", "slack", T0)
    store.set_program_choice("slack", ProgramChoice.HOLD)
    store.set_program_sender_rule("slack", "summary")

    later = T0 + timedelta(hours=2)
    program = store.note_program_seen("slack", "Slack (beta)", "/opt/slack/icon.png", later)

    assert program.choice is ProgramChoice.HOLD
    assert program.sender_rule == "summary"
    assert (program.display_name, program.icon) == ("Slack (beta)", "/opt/slack/icon.png")
    assert (program.first_seen, program.last_seen) == (T0, later)


def test_an_empty_name_or_icon_keeps_the_known_ones_and_a_late_one_does_not_go_back(
    store: Store,
) -> None:
    store.note_program_seen("slack", "Slack", "slack", T0)
    earlier = T0 - timedelta(days=1)
    program = store.note_program_seen("slack", "", "", earlier)
    assert (program.display_name, program.icon) == ("Slack", "slack")
    assert (program.first_seen, program.last_seen) == (earlier, T0)


def test_note_program_seen_refuses_an_empty_key(store: Store) -> None:
    with pytest.raises(ValueError, match="needs a key"):
        store.note_program_seen("", "Slack", "", T0)


def test_list_programs_counts_each_programs_notifications_since_the_week_start(
    store: Store,
) -> None:
    store.note_program_seen("slack", "Slack", "", T0)
    store.note_program_seen("mail", "Thunderbird", "", T0)
    store.note_program_seen("quiet", "Quiet tool", "", T0)
    store.record_many(
        [
            (caught("this week", "slack", 0), DELIVERED, Mode.AVAILABLE),
            (caught("this week too", "slack", 30), held_until(None), Mode.FOCUS),
            (caught("last week", "slack", -60 * 24 * 2), DELIVERED, Mode.AVAILABLE),
            (caught("mail", "mail", 5), DELIVERED, Mode.AVAILABLE),
            (note("sent through the CLI", 5, source="Slack"), DELIVERED, Mode.AVAILABLE),
        ]
    )
    store.add_queued(caught("queued", "mail", 6))

    programs = store.list_programs(MONDAY)

    assert [(p.display_name, p.count_week) for p in programs] == [
        ("Quiet tool", 0),
        ("Slack", 2),
        ("Thunderbird", 2),
    ]


def test_list_programs_counts_from_the_program_index(store: Store) -> None:
    plan = store.connection.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM notifications n"
        " WHERE n.program = ? AND n.received_ts >= ?",
        ("slack", 0.0),
    ).fetchall()
    assert any("notifications_program" in row["detail"] for row in plan), plan


def test_program_choice_and_sender_rule_refuse_unknown_values_and_programs(
    store: Store,
) -> None:
    store.note_program_seen("slack", "Slack", "", T0)
    with pytest.raises(ValueError, match="unknown choice 'always'; use one of follow, allow"):
        store.set_program_choice("slack", "always")
    with pytest.raises(ValueError, match="unknown sender rule 'title'"):
        store.set_program_sender_rule("slack", "title")
    with pytest.raises(NotFoundError, match="no program 'signal'"):
        store.set_program_choice("signal", ProgramChoice.MUTE)
    with pytest.raises(NotFoundError, match="no program 'signal'"):
        store.set_program_sender_rule("signal", "none")
    program = store.get_program("slack")
    assert program is not None and program.choice is ProgramChoice.FOLLOW


def test_chosen_programs_are_those_not_following_the_schedule(store: Store) -> None:
    for key in ("a", "b", "c"):
        store.note_program_seen(key, key.upper(), "", T0)
    store.set_program_choice("b", "mute")
    store.set_program_choice("c", ProgramChoice.ALLOW)
    store.set_program_choice("c", ProgramChoice.FOLLOW)
    assert [(p.key, p.choice) for p in store.chosen_programs()] == [("b", ProgramChoice.MUTE)]


def test_a_caught_notification_keeps_its_program_icon_category_and_server_id(
    store: Store,
) -> None:
    n = caught("Alice: lunch?", "slack", app_icon="slack", category="im.received")
    (nid,) = store.record_many([(n, held_until(None), Mode.FOCUS)])
    store.set_server_id(nid, 4711)

    (item,) = store.held()
    assert item.notification == replace(n, id=nid)
    assert store.get_notification(nid) == replace(n, id=nid)
    assert store.server_id(nid) == 4711
    with pytest.raises(NotFoundError, match="no notification 999"):
        store.set_server_id(999, 1)


# Private files and one-line errors ------------------------------------------------------------


def test_the_folder_and_database_files_are_private_even_with_umask_000(db_path: Path) -> None:
    old = os.umask(0)
    try:
        opened, _ = Store.open(db_path)
        opened.add_block(Block(BlockKind.FOCUS, time(9), time(10), on_date=date(2026, 1, 5)))
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700
        for suffix in ("", "-wal", "-shm"):
            file = db_path.with_name(db_path.name + suffix)
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    finally:
        opened.close()


def test_a_database_symlink_planted_as_a_companion_is_not_tightened(db_path: Path) -> None:
    Store.open(db_path)[0].close()
    target = db_path.parent.parent / "elsewhere"
    target.write_text("")
    target.chmod(0o644)
    db_path.with_name(db_path.name + "-shm").unlink(missing_ok=True)
    db_path.with_name(db_path.name + "-shm").symlink_to(target)
    with suppress(StoreError):
        Store.open(db_path)[0].close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_locked_database_raises_store_locked_within_the_app_busy_timeout(
    db_path: Path,
) -> None:
    opened, _ = Store.open(db_path, busy_timeout_ms=store_module.APP_BUSY_TIMEOUT_MS)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = monotonic_time.monotonic()
        with pytest.raises(store_module.StoreLockedError, match="is locked by another program"):
            opened.add_block(Block(BlockKind.FOCUS, time(9), time(10), on_date=date(2026, 1, 5)))
        assert monotonic_time.monotonic() - started < 1.0
    finally:
        other.execute("ROLLBACK")
        other.close()
    opened.add_block(Block(BlockKind.FOCUS, time(9), time(10), on_date=date(2026, 1, 5)))
    assert len(opened.list_blocks()) == 1
    opened.close()


def test_a_full_database_raises_store_full_and_keeps_what_was_committed(store: Store) -> None:
    when = datetime(2026, 1, 5, 9, tzinfo=UTC)
    kept = store.add_queued(Notification(title="kept", received_at=when))
    pages = store.connection.execute("PRAGMA page_count").fetchone()[0]
    store.connection.execute(f"PRAGMA max_page_count = {pages}")  # a real SQLITE_FULL
    with pytest.raises(store_module.StoreFullError, match=r"is full .*free some space"):
        store.add_queued(Notification(title="x" * 200_000, received_at=when))
    store.connection.execute("PRAGMA max_page_count = 1073741823")
    assert [n.id for n in store.take_queued()] == [kept]


def test_opening_where_the_folder_cannot_be_created_is_one_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError, match="cannot create the folder"):
        Store.open(tmp_path / "file" / "data" / "focus-app.sqlite3")
