"""The review's side of the engine and store: reminder, suggestions applied and dismissed,
and the review's read queries over a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from focus_app.clock import FakeClock
from focus_app.core.model import Mode, Notification, Outcome, Rule, RuleAction, RuleMatch
from focus_app.core.program_prefs import ProgramChoice
from focus_app.core.review import monday_of, week_range
from focus_app.core.suggestions import Apply, ApplyKind, Suggestion
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.desktop.qt_notifier import NotifierBridge
from focus_app.engine import ACTION_OPEN_REVIEW, Engine
from focus_app.settings import Settings
from focus_app.store import Store, Verdict
from tests.ui.ui_engine import BERLIN, clock, notifier

__all__ = ["clock", "notifier"]  # fixtures (Thursday 2026-11-26, 10:00 Berlin)

FRIDAY_16 = datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store, warning = Store.open(tmp_path / "focus.sqlite3")
    assert warning is None
    yield store
    store.close()


@pytest.fixture
def make(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> Iterator[object]:
    engines: list[Engine] = []

    def build(**settings: object) -> Engine:
        engine = Engine(
            store,
            Settings(timezone="Europe/Berlin", heads_up_minutes=0, **settings),  # type: ignore[arg-type]
            notifier,
            clock,
        )
        engine.start()
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        engine.shutdown()


def test_the_reminder_is_the_one_planned_wake_up_and_fires_once_with_open_review(
    make: object, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make()  # type: ignore[operator]
    assert engine._wakeup.wake_at == FRIDAY_16, "Friday 16:00 by default, no timer of its own"
    clock.advance(FRIDAY_16 - clock.now())
    engine.reconcile()
    [sent] = notifier.sent
    assert sent.title == "Weekly review"
    assert sent.actions == ((ACTION_OPEN_REVIEW, "Open review"),)
    engine.reconcile()
    assert len(notifier.sent) == 1, "once per week"
    assert engine._wakeup.wake_at == FRIDAY_16 + timedelta(days=7)


def test_the_reminder_follows_the_chosen_day_and_time_and_can_be_off(
    make: object, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make(review_day="mon", review_time="08:30")  # type: ignore[operator]
    assert engine._wakeup.wake_at == datetime(2026, 11, 30, 8, 30, tzinfo=BERLIN)
    engine.update_settings(Settings(timezone="Europe/Berlin", heads_up_minutes=0,
                                    review_reminder=False))
    assert engine._wakeup.wake_at is None
    clock.advance(timedelta(days=8))
    engine.reconcile()
    assert notifier.sent == []


def test_a_reminder_time_moved_into_the_past_waits_for_next_week(
    make: object, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make()  # type: ignore[operator]
    engine.update_settings(Settings(timezone="Europe/Berlin", heads_up_minutes=0,
                                    review_day="thu", review_time="09:00"))
    assert notifier.sent == []
    assert engine._wakeup.wake_at == datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN)


def test_a_reminder_missed_while_asleep_is_shown_on_waking_but_not_a_day_late(
    make: object, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make()  # type: ignore[operator]
    clock.advance(FRIDAY_16 - clock.now() + timedelta(hours=3))  # suspended over 16:00
    engine.on_clock_changed()
    engine.reconcile()
    assert [s.title for s in notifier.sent] == ["Weekly review"]
    notifier.sent.clear()
    clock.advance(timedelta(days=7, hours=13))  # Saturday 08:00 after the next Friday
    engine.reconcile()
    assert notifier.sent == []


def test_open_review_on_the_reminder_reaches_the_engine_as_an_action(
    make: object, notifier: MemoryNotifier, clock: FakeClock, qtbot: object
) -> None:
    engine = make()  # type: ignore[operator]
    bridge = NotifierBridge(notifier)
    bridge.action_invoked.connect(lambda sid, key: engine.on_notification_action(key, sid))
    clock.advance(FRIDAY_16 - clock.now())
    engine.reconcile()
    seen: list[str] = []
    engine.action_invoked.connect(seen.append)
    notifier.invoke(notifier.sent[0].result.server_id, ACTION_OPEN_REVIEW)
    qtbot.waitUntil(lambda: seen == [ACTION_OPEN_REVIEW])  # type: ignore[attr-defined]


def test_applying_suggestions_adds_a_first_rule_sets_a_program_and_changes_a_setting(
    make: object, store: Store, clock: FakeClock
) -> None:
    engine = make(breakthrough_people=("Bob", "Amy"))  # type: ignore[operator]
    engine.add_rule(Rule(RuleMatch(sender="*"), RuleAction.ALLOW, name="everyone"))
    rule = Rule(RuleMatch(sender="Bob"), RuleAction.HOLD, name="Hold Bob")
    add = Apply(ApplyKind.ADD_RULE, "", rule=rule)
    engine.apply_suggestion(Suggestion("hold-sender:bob", "?", add))
    assert [r.name for r in engine.rules()] == ["Hold Bob", "everyone"]
    engine.note_program_seen("ci", "CI", at=clock.now())
    engine.apply_suggestion(Suggestion("mute:ci", "?", Apply(
        ApplyKind.SET_PROGRAM_CHOICE, "", program="ci", choice=ProgramChoice.MUTE)))
    program = engine.program("ci")
    assert program is not None and program.choice is ProgramChoice.MUTE
    engine.apply_suggestion(Suggestion("x", "?", Apply(
        ApplyKind.UPDATE_SETTING, "", setting="breakthrough_people", value=("Amy",))))
    assert engine.settings.breakthrough_people == ("Amy",)
    with pytest.raises(ValueError, match="cannot apply suggestion 'bad'"):
        engine.apply_suggestion(Suggestion("bad", "?", Apply(
            ApplyKind.UPDATE_SETTING, "", setting="no_such_setting", value=1)))


def test_dismissed_suggestions_are_remembered_across_a_reopen(
    make: object, store: Store, tmp_path: Path
) -> None:
    engine = make()  # type: ignore[operator]
    engine.dismiss_suggestion("mute:ci")
    engine.dismiss_suggestion("mute:ci")
    assert engine.dismissed_suggestions() == {"mute:ci"}
    again, _ = Store.open(tmp_path / "focus.sqlite3")
    try:
        assert again.dismissed_suggestions() == {"mute:ci"}
    finally:
        again.close()


def test_review_items_carry_outcome_feedback_and_the_time_it_was_read(
    make: object, store: Store, clock: FakeClock
) -> None:
    engine = make()  # type: ignore[operator]
    engine.start_override(Mode.FOCUS, timedelta(hours=1))
    held = engine.ingest(Notification(title="a", sender="Bob", received_at=clock.now()))
    engine.add_feedback(held.id, Verdict.COULD_WAIT)
    clock.advance(timedelta(minutes=40))
    engine.resume_schedule()  # available: released now
    start, end = week_range(monday_of(clock.now(), BERLIN), BERLIN)
    [item] = store.review_items(start, end)
    assert item.outcome == Outcome.HELD and item.status == "released"
    assert item.who == "Bob" and item.feedback == "could_wait"
    assert item.read_ts is not None
    assert item.read_ts - item.received_ts == pytest.approx(40 * 60, abs=0.001)
    assert store.review_items(end, end + timedelta(days=7)) == []


def test_an_override_from_the_week_before_counts_for_the_week_it_runs_into(
    make: object, store: Store, clock: FakeClock
) -> None:
    engine = make()  # type: ignore[operator]
    engine.start_override(Mode.PAUSED, timedelta(days=5), reason="Holiday")
    start, end = week_range(monday_of(clock.now(), BERLIN) + timedelta(days=7), BERLIN)
    assert store.override_history(start, end) == []
    [record] = store.overrides_overlapping(start, end)
    assert record.override.reason == "Holiday"
    assert store.overrides_overlapping(end, end + timedelta(days=7)) == []


def test_review_items_find_a_week_whose_ids_are_far_apart(
    store: Store, clock: FakeClock
) -> None:
    """An item queued long ago and decided this week: ids too scattered for a range scan."""
    from focus_app.core.model import Decision

    old = clock.now() - timedelta(days=30)
    queued = store.add_queued(Notification(title="old", sender="Ann", received_at=old))
    for i in range(1200):
        store.record(
            Notification(title=f"n{i}", sender="Bob", received_at=old),
            Decision(Outcome.DELIVERED, "delivered: available"),
            Mode.AVAILABLE,
        )
    store.record(
        Notification(title="new", sender="Cy", received_at=clock.now()),
        Decision(Outcome.DELIVERED, "delivered: available"),
        Mode.AVAILABLE,
    )
    store.decide_queued(queued, Decision(Outcome.HELD, "held: focus"), Mode.FOCUS, clock.now())
    start, end = week_range(monday_of(clock.now(), BERLIN), BERLIN)
    items = store.review_items(start, end)
    assert sorted(i.who for i in items) == ["Ann", "Cy"]
