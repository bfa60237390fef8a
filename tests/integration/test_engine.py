"""The engine with a fake clock, a memory notifier and a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from focus_app.clock import FakeClock
from focus_app.core.model import (
    Block,
    BlockKind,
    Mode,
    ModeSource,
    Notification,
    Outcome,
    Recurrence,
    Rule,
    RuleAction,
    RuleMatch,
    Urgency,
)
from focus_app.core.program_prefs import ProgramChoice
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store
from tests.ui.ui_engine import BERLIN, clock, notifier

__all__ = ["clock", "notifier"]  # fixtures used by name (Thursday 2026-11-26, 10:00 Berlin)


_running: list[Engine] = []


@pytest.fixture(autouse=True)
def shut_engines_down() -> Iterator[None]:
    """Engines started here stop with their test: a live waker would fire in a later one."""
    yield
    while _running:
        _running.pop().shutdown()


def started(engine: Engine) -> Engine:
    engine.start()
    _running.append(engine)
    return engine


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store, warning = Store.open(tmp_path / "focus.sqlite3")
    assert warning is None
    yield store
    store.close()


def make_engine(store: Store, notifier: MemoryNotifier, clock: FakeClock, **settings: object):
    settings_ = Settings(timezone="Europe/Berlin", **settings)  # type: ignore[arg-type]
    return started(Engine(store, settings_, notifier, clock))


def deep_work(start: time = time(9, 0), end: time = time(11, 30)) -> Block:
    return Block(
        kind=BlockKind.FOCUS,
        start=start,
        end=end,
        title="Deep work",
        recurrence=Recurrence(weekdays=frozenset(range(7))),
    )


def note(clock: FakeClock, title: str, sender: str = "Bob", **kw: object) -> Notification:
    return Notification(title=title, sender=sender, received_at=clock.now(), **kw)  # type: ignore[arg-type]


def test_focus_block_holds_and_the_transition_releases_one_digest(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, repeat_escalation_minutes=0, heads_up_minutes=0)
    engine.add_block(deep_work())
    assert engine.state().mode is Mode.FOCUS
    assert engine.state().source is ModeSource.SCHEDULE

    results = [engine.ingest(note(clock, f"n{i}", sender=s)) for i, s in enumerate("ABA")]
    assert all(r.decision.outcome is Outcome.HELD for r in results)
    assert "Deep work" in results[0].decision.reason
    assert engine.held_count() == 3
    assert notifier.sent == []
    assert engine._wakeup.wake_at == datetime(2026, 11, 26, 11, 30, tzinfo=BERLIN)

    clock.advance(timedelta(hours=1, minutes=30))
    engine.reconcile()  # what the scheduler does at 11:30

    assert engine.state().mode is Mode.AVAILABLE
    assert len(notifier.sent) == 1
    digest = notifier.sent[0]
    assert "3" in digest.title
    assert "2 from A" in digest.body
    assert engine.held_count() == 0


def test_critical_passes_focus_and_priority_rule_passes_off_time(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock)
    engine.add_block(deep_work())
    critical = engine.ingest(note(clock, "prod down", urgency=Urgency.CRITICAL))
    assert critical.decision.outcome is Outcome.DELIVERED
    assert notifier.sent[-1].title == "prod down"

    engine.add_block(
        Block(kind=BlockKind.OFF, start=time(9, 30), end=time(12, 0), title="Offline",
              on_date=date(2026, 11, 26))
    )
    assert engine.state().mode is Mode.OFF
    assert engine.ingest(note(clock, "again", urgency=Urgency.CRITICAL)).decision.outcome \
        is Outcome.HELD
    engine.add_rule(Rule(match=RuleMatch(sender="Partner"), action=RuleAction.PRIORITY))
    assert engine.ingest(note(clock, "dinner?", sender="Partner")).decision.outcome \
        is Outcome.DELIVERED


def test_override_ends_by_itself_and_releases_what_it_held(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock)
    engine.start_override(Mode.FOCUS, timedelta(minutes=25), reason="Write report")
    assert engine.state().source is ModeSource.OVERRIDE
    assert engine.state().label == "Write report"
    engine.ingest(note(clock, "hello"))
    assert engine.held_count() == 1

    clock.advance(timedelta(minutes=26))
    engine.reconcile()
    assert engine.state().mode is Mode.AVAILABLE
    assert store.get_override() is None
    assert engine.held_count() == 0
    assert [s.title for s in notifier.sent] == ["hello"]


def test_available_now_releases_items_held_for_a_later_window(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock)
    engine.add_block(deep_work())
    engine.ingest(note(clock, "one", sender="A"))
    engine.ingest(note(clock, "two", sender="B"))
    clock.advance(timedelta(minutes=1))
    engine.start_override(Mode.AVAILABLE, timedelta(minutes=30))
    assert engine.held_count() == 0
    assert len(notifier.sent) == 1 and "2" in notifier.sent[0].title


def test_after_suspend_the_clock_change_reconciles_without_the_timer(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock)
    engine.add_block(deep_work())
    engine.ingest(note(clock, "held during focus"))
    # Suspended from 10:00 to 12:00: the wall clock moved, the monotonic clock did not.
    clock.jump(timedelta(hours=2))
    engine.on_clock_changed()  # ClockWatch: the wall clock jumped over the suspend
    assert engine.state().mode is Mode.AVAILABLE
    assert [s.title for s in notifier.sent] == ["held during focus"]


def test_clock_jump_backwards_into_focus_is_noticed(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock)
    engine.add_block(deep_work(time(8, 0), time(9, 0)))
    assert engine.state().mode is Mode.AVAILABLE
    changes: list[None] = []
    engine.state_changed.connect(lambda: changes.append(None))
    clock.jump(timedelta(hours=-1, minutes=-30))  # 08:30, inside the block
    engine.on_clock_changed()
    assert changes, "a clock change must trigger a reconcile"
    assert engine._state is not None and engine._state.mode is Mode.FOCUS


def test_no_notification_server_keeps_the_item_and_retries(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    notifier.fail_with = "no notification server"
    engine = make_engine(store, notifier, clock)
    result = engine.ingest(note(clock, "lost?"))
    assert result.decision.outcome is Outcome.HELD
    assert "delivery failed" in result.decision.reason
    assert engine.held_count() == 1
    retry_at = engine._wakeup.wake_at
    assert retry_at is not None and retry_at <= clock.now() + timedelta(minutes=5)

    notifier.fail_with = None
    clock.advance(timedelta(minutes=5))
    engine.reconcile()
    assert engine.held_count() == 0
    assert notifier.sent[-1].title == "lost?"


def test_breakthrough_budget_is_per_focus_block(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, breakthrough_people=("Alice",),
                         breakthrough_budget=2)
    engine.add_block(deep_work())
    outcomes = [engine.ingest(note(clock, f"a{i}", sender="Alice")).decision for i in range(3)]
    assert [d.outcome for d in outcomes] == [Outcome.DELIVERED, Outcome.DELIVERED, Outcome.HELD]
    assert "budget" in outcomes[2].reason


def test_queued_notifications_are_decided_at_start(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    store.add_block(deep_work())
    store.add_queued(note(clock, "sent while not running"))
    engine = make_engine(store, notifier, clock)
    held = engine.held()
    assert [item.notification.title for item in held] == ["sent while not running"]
    assert notifier.sent == []


def test_idle_engine_plans_one_wake_at_the_next_transition(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, review_reminder=False)
    assert engine._wakeup.wake_at is None  # nothing scheduled: nothing to wake for
    engine.add_block(deep_work(time(14, 0), time(16, 0)))
    assert engine._wakeup.wake_at == datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)
    assert engine.status()["next_transition"] == "2026-11-26T14:00:00+01:00"


def test_heads_up_before_focus_ends_reaches_the_user_during_focus(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, heads_up_minutes=5)
    engine.add_block(deep_work())
    assert engine._wakeup.wake_at == datetime(2026, 11, 26, 11, 25, tzinfo=BERLIN)
    clock.advance(timedelta(hours=1, minutes=25))
    engine.reconcile()
    assert [s.title for s in notifier.sent] == ["Focus ends in 5 min"]
    assert engine.state().mode is Mode.FOCUS
    engine.reconcile()
    assert len(notifier.sent) == 1, "one heads-up per focus block"


def test_next_transition_ignores_schedule_changes_hidden_under_an_override(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, heads_up_minutes=0)
    engine.add_block(
        Block(kind=BlockKind.OFF, start=time(9, 0), end=time(10, 30), title="Lunch",
              on_date=date(2026, 11, 26))
    )
    engine.start_override(Mode.FOCUS, timedelta(minutes=50), reason="Report")
    # The off block ends at 10:30 under the override; the mode changes only at 10:50.
    assert engine.next_transition() == datetime(2026, 11, 26, 10, 50, tzinfo=BERLIN)
    nxt = engine.next_transition_state()
    assert nxt is not None and nxt.mode is Mode.AVAILABLE


def test_another_program_cannot_borrow_the_apps_heads_up_rule(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock)
    engine.add_block(
        Block(kind=BlockKind.OFF, start=time(9), end=time(12), on_date=date(2026, 11, 26))
    )
    spoof = engine.ingest(
        note(clock, "spoof", source="focus & BOUNDARIES", time_sensitive=True)
    )
    assert spoof.decision.outcome is Outcome.HELD
    assert spoof.notification.source.endswith("(external)")


def test_sends_queued_while_the_engine_started_are_decided_when_the_scheduler_starts(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock)
    engine.add_block(deep_work())
    store.add_queued(note(clock, "late queued"))  # a CLI that just missed the socket
    engine._wakeup.start_scheduler()  # SCHEDULER_START_DELAY_MS after start
    assert [item.notification.title for item in engine.held()] == ["late queued"]
    assert engine.held_count() == 1


def test_a_changed_system_time_zone_is_followed(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import focus_app.engine as engine_module

    monkeypatch.setattr(engine_module, "system_timezone", lambda reload=False: BERLIN)
    store_engine = started(Engine(store, Settings(), notifier, clock))
    tokyo = ZoneInfo("Asia/Tokyo")
    monkeypatch.setattr(engine_module, "system_timezone", lambda reload=False: tokyo)
    store_engine.on_timezone_changed()
    assert store_engine.tz == tokyo
    assert store_engine.schedule().tz == tokyo


def test_a_settings_save_that_fails_changes_nothing(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the settings folder should be")
    engine = Engine(store, Settings(timezone="Europe/Berlin"), notifier, clock,
                    settings_path=blocked / "settings.toml")
    started(engine)
    with pytest.raises(OSError):
        engine.update_settings(Settings(timezone="Europe/Berlin", breakthrough_budget=9))
    assert engine.settings.breakthrough_budget == 3


def test_a_critical_breakthrough_that_failed_to_show_is_retried_during_focus(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, heads_up_minutes=0)
    engine.add_block(deep_work())
    notifier.fail_with = "server went away"
    first = engine.ingest(note(clock, "prod down", urgency=Urgency.CRITICAL))
    assert first.decision.outcome is Outcome.HELD
    notifier.fail_with = None
    clock.advance(timedelta(minutes=5))
    engine.reconcile()  # the retry wake-up, still inside the focus block
    assert engine.state().mode is Mode.FOCUS
    assert [s.title for s in notifier.sent if s.result.ok] == ["prod down"]
    assert engine.held_count() == 0


def test_without_digests_a_partial_failure_does_not_show_items_twice(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, digest=False, heads_up_minutes=0,
                         repeat_escalation_minutes=0)
    engine.add_block(deep_work())
    for i in range(3):
        engine.ingest(note(clock, f"n{i}", sender=f"s{i}"))
    calls = 0
    original = notifier.notify

    def flaky(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        notifier.fail_with = "gone" if calls == 2 else None
        return original(*args, **kwargs)  # type: ignore[arg-type]

    notifier.notify = flaky  # type: ignore[method-assign]
    clock.advance(timedelta(hours=2))
    engine.reconcile()
    assert engine.held_count() == 2
    notifier.fail_with = None
    notifier.notify = original  # type: ignore[method-assign]
    clock.advance(timedelta(minutes=5))
    engine.reconcile()
    shown = [s.title for s in notifier.sent if s.result.ok]
    assert sorted(shown) == ["n0", "n1", "n2"]


def test_saving_settings_keeps_a_copy_of_a_hand_edited_file(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[gate]\nbreakthrough_budget = 5  # my own note\n")
    from focus_app.settings import load_settings

    settings, _ = load_settings(path)
    engine = Engine(store, settings, notifier, clock, settings_path=path)
    started(engine)
    engine.update_settings(replace(settings, pacing_per_minute=2))
    [backup] = tmp_path.glob("settings.toml.before-*")
    assert "my own note" in backup.read_text()
    assert load_settings(path)[0].pacing_per_minute == 2
    engine.update_settings(replace(settings, pacing_per_minute=3))
    assert len(list(tmp_path.glob("settings.toml.before-*"))) == 1, "our own file needs no copy"


def test_snoozing_a_digest_brings_its_items_back_when_the_quiet_ten_minutes_end(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, heads_up_minutes=0, repeat_escalation_minutes=0)
    engine.add_block(deep_work())
    for sender in ("A", "B", "C"):
        engine.ingest(note(clock, f"from {sender}", sender=sender))
    clock.advance(timedelta(hours=1, minutes=30))
    engine.reconcile()
    digest = notifier.sent[-1]
    assert "3" in digest.title and engine.held_count() == 0

    engine.on_notification_action("snooze-10", digest.result.server_id)
    assert engine.state().mode is Mode.FOCUS and engine.state().label == "Snoozed"
    assert engine.held_count() == 3
    assert all("snoozed until 11:40" in item.reason for item in engine.held())
    engine.ingest(note(clock, "during the snooze", sender="D"))
    assert engine.held_count() == 4

    clock.advance(timedelta(minutes=10))
    engine.reconcile()
    assert engine.held_count() == 0
    assert "4" in notifier.sent[-1].title


def test_snoozing_a_digest_during_a_longer_focus_keeps_the_focus_and_its_end(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, heads_up_minutes=0, repeat_escalation_minutes=0)
    engine.start_override(Mode.FOCUS, timedelta(minutes=5))
    for sender in ("A", "B"):
        engine.ingest(note(clock, f"from {sender}", sender=sender))
    clock.advance(timedelta(minutes=5))
    engine.reconcile()
    digest = notifier.sent[-1]
    assert "2" in digest.title and engine.held_count() == 0
    clock.advance(timedelta(minutes=1))
    focus = engine.start_override(Mode.FOCUS, timedelta(minutes=25), reason="Write")

    engine.on_notification_action("snooze-10", digest.result.server_id)
    state = engine.state()
    assert state.mode is Mode.FOCUS and state.until == focus.until and state.label == "Write"
    assert engine.held_count() == 2
    assert all("snoozed until 10:31" in item.reason for item in engine.held())
    clock.advance(timedelta(minutes=10))
    engine.reconcile()
    assert engine.state().mode is Mode.FOCUS and engine.held_count() == 2


def test_snoozing_a_digest_when_focus_ends_in_five_minutes_quiets_ten(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, heads_up_minutes=0, repeat_escalation_minutes=0)
    engine.start_override(Mode.FOCUS, timedelta(minutes=5))
    for sender in ("A", "B"):
        engine.ingest(note(clock, f"from {sender}", sender=sender))
    clock.advance(timedelta(minutes=5))
    engine.reconcile()
    digest = notifier.sent[-1]
    engine.start_override(Mode.FOCUS, timedelta(minutes=5))

    engine.on_notification_action("snooze-10", digest.result.server_id)
    assert engine.state().until == clock.now() + timedelta(minutes=10)
    assert [item.reason for item in engine.held()] == ["snoozed until 10:15"] * 2


# Programs list choices ------------------------------------------------------------------


def from_program(clock: FakeClock, key: str, name: str, sender: str = "Bob") -> Notification:
    return note(clock, f"from {name}", sender=sender, source=name, program=key, origin="caught")


def quiet_engine(store: Store, notifier: MemoryNotifier, clock: FakeClock) -> Engine:
    return make_engine(store, notifier, clock, repeat_escalation_minutes=0, heads_up_minutes=0)


def test_program_set_to_always_hold_is_held_while_available(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = quiet_engine(store, notifier, clock)
    engine.note_program_seen("slack", "Slack")
    first = engine.ingest(from_program(clock, "slack", "Slack"))
    assert first.decision.outcome is Outcome.DELIVERED

    engine.set_program_choice("slack", "hold")
    result = engine.ingest(from_program(clock, "slack", "Slack"))

    assert engine.state().mode is Mode.AVAILABLE
    assert result.decision.outcome is Outcome.HELD
    assert "Slack: always hold" in result.decision.reason
    # A caught notification is already at the server: the engine never shows it again
    # itself (the desktop gate closes held ones there and re-shows breakthroughs).
    assert notifier.sent == []
    other = engine.ingest(from_program(clock, "mail", "Thunderbird"))
    assert other.decision.outcome is Outcome.DELIVERED


def test_muted_program_is_muted_and_never_shown(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = quiet_engine(store, notifier, clock)
    engine.note_program_seen("steam", "Steam")
    engine.set_program_choice("steam", ProgramChoice.MUTE)

    result = engine.ingest(from_program(clock, "steam", "steam"))  # source case differs

    assert result.decision.outcome is Outcome.MUTED
    assert "Steam: mute" in result.decision.reason
    assert notifier.sent == []


def test_program_always_let_through_is_delivered_during_focus_and_off_time(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = quiet_engine(store, notifier, clock)
    engine.note_program_seen("pager", "Pager")
    engine.set_program_choice("pager", ProgramChoice.ALLOW)
    engine.add_block(deep_work())
    assert engine.state().mode is Mode.FOCUS

    in_focus = engine.ingest(from_program(clock, "pager", "Pager"))
    other = engine.ingest(from_program(clock, "chat", "Chat"))
    engine.start_override(Mode.OFF, timedelta(hours=1))
    in_off_time = engine.ingest(from_program(clock, "pager", "Pager"))

    assert in_focus.decision.outcome is Outcome.DELIVERED
    assert "Pager: always let through" in in_focus.decision.reason
    assert other.decision.outcome is Outcome.HELD
    assert in_off_time.decision.outcome is Outcome.DELIVERED


def test_a_user_rule_wins_over_the_program_choice(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = quiet_engine(store, notifier, clock)
    engine.note_program_seen("slack", "Slack")
    engine.set_program_choice("slack", ProgramChoice.MUTE)
    engine.add_rule(Rule(match=RuleMatch(sender="Alice"), action=RuleAction.ALLOW, name="Alice"))

    alice = engine.ingest(from_program(clock, "slack", "Slack", sender="Alice"))
    bob = engine.ingest(from_program(clock, "slack", "Slack", sender="Bob"))

    assert alice.decision.outcome is Outcome.DELIVERED
    assert bob.decision.outcome is Outcome.MUTED


def test_back_to_follow_the_schedule_drops_the_programs_rule(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = quiet_engine(store, notifier, clock)
    engine.note_program_seen("slack", "Slack")
    engine.set_program_choice("slack", ProgramChoice.HOLD)
    engine.set_program_choice("slack", ProgramChoice.FOLLOW)
    first = engine.ingest(from_program(clock, "slack", "Slack"))
    assert first.decision.outcome is Outcome.DELIVERED


def test_a_renamed_program_keeps_its_choice_under_the_new_name(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = quiet_engine(store, notifier, clock)
    engine.note_program_seen("slack", "Slack")
    engine.set_program_choice("slack", ProgramChoice.HOLD)

    engine.note_program_seen("slack", "Slack Beta")
    result = engine.ingest(from_program(clock, "slack", "Slack Beta"))

    assert result.decision.outcome is Outcome.HELD


def test_program_choices_survive_a_restart(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    quiet_engine(store, notifier, clock).note_program_seen("slack", "Slack")
    store.set_program_choice("slack", ProgramChoice.HOLD)
    engine = quiet_engine(store, notifier, clock)
    assert engine.ingest(from_program(clock, "slack", "Slack")).decision.outcome is Outcome.HELD


def test_programs_count_since_monday_in_the_engines_zone_and_signal_changes(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = quiet_engine(store, notifier, clock)
    changes: list[None] = []
    engine.programs_changed.connect(lambda: changes.append(None))
    monday = datetime(2026, 11, 23, 0, 0, tzinfo=BERLIN)
    engine.note_program_seen("slack", "Slack", "slack", at=monday - timedelta(minutes=1))
    engine.ingest(replace(from_program(clock, "slack", "Slack"), received_at=monday))
    engine.ingest(
        replace(from_program(clock, "slack", "Slack"), received_at=monday - timedelta(minutes=1))
    )
    engine.set_program_choice("slack", ProgramChoice.HOLD)
    engine.set_program_sender_rule("slack", "summary")

    (program,) = engine.programs()
    assert (program.key, program.count_week, program.choice, program.sender_rule) == (
        "slack",
        1,
        ProgramChoice.HOLD,
        "summary",
    )
    assert program.last_seen == monday - timedelta(minutes=1)
    assert len(changes) == 3
    assert engine.program("slack") is not None
    assert engine.program("nobody") is None


# ------------------------------------------------------------------ issue 8: sends and digests


def _held_during_focus(engine: Engine, clock: FakeClock, titles: list[str]) -> list[int]:
    engine.add_block(deep_work())
    return [engine.ingest(note(clock, t, sender=t)).id for t in titles]


def test_a_digest_the_server_refuses_is_sent_item_by_item_and_the_bad_one_stays_held(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, repeat_escalation_minutes=0, heads_up_minutes=0)
    ids = _held_during_focus(engine, clock, ["a", "bad", "c", "d"])
    notifier.refuse = lambda title, body: "held while" in title or "bad" in title
    clock.advance(timedelta(hours=2))
    engine.reconcile()

    assert [s.title for s in notifier.sent if s.result.ok] == ["a", "c", "d"]
    assert [item.notification.id for item in engine.held()] == [ids[1]]
    assert engine.held()[0].refused
    notifier.refuse = None
    assert engine.release() == 0  # "release all" leaves a refused item out...
    assert engine.release([ids[1]]) == 1  # ...naming it tries again


def test_release_says_why_nothing_was_released(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, repeat_escalation_minutes=0, heads_up_minutes=0)
    _held_during_focus(engine, clock, ["a", "b"])
    notifier.fail_with = "no notification server is running"
    assert engine.release() == 0
    assert engine.last_release_problem == "no notification server is running"
    assert engine.held_count() == 2


def test_a_repeated_send_key_is_stored_once_and_answered_with_the_first_decision(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, repeat_escalation_minutes=0, heads_up_minutes=0)
    engine.add_block(deep_work())
    first = engine.ingest_many([note(clock, "x"), note(clock, "x")], ["k1", "k1"])
    again = engine.ingest_many([note(clock, "x")], ["k1"])
    assert first[0].id == first[1].id == again[0].id
    assert again[0].decision.outcome is Outcome.HELD
    assert again[0].decision.reason == first[0].decision.reason
    assert engine.held_count() == 1
    assert store.held_count() == 1


def test_items_are_released_before_notify_and_a_slow_server_does_not_show_them_twice(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, repeat_escalation_minutes=0, heads_up_minutes=0)
    _held_during_focus(engine, clock, ["a", "b"])
    notifier.slow = True  # the server has not answered (yet, or ever)
    clock.advance(timedelta(hours=2))
    engine.reconcile()
    clock.advance(timedelta(minutes=10))
    engine.reconcile()
    assert len(notifier.sent) == 1
    assert engine.held_count() == 0


def test_a_late_error_reply_puts_the_digest_back_on_hold_for_a_retry(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    from focus_app.core.ports import DeliveryReport, DeliveryResult

    engine = make_engine(store, notifier, clock, repeat_escalation_minutes=0, heads_up_minutes=0)
    _held_during_focus(engine, clock, ["a", "b"])
    notifier.slow = True
    clock.advance(timedelta(hours=2))
    engine.reconcile()
    token = notifier.sent[-1].result.token
    engine.on_delivery_report(
        DeliveryReport(token, DeliveryResult(ok=False, error="no notification server"))
    )
    assert engine.held_count() == 2
    notifier.slow = False
    engine.on_notification_server_appeared()  # retried at once, not 5 minutes later
    assert engine.held_count() == 0
    assert notifier.sent[-1].title == "2 held while you focused"


def test_importing_two_thousand_blocks_is_one_transaction_and_one_rebuild(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    import time as _time

    engine = make_engine(store, notifier, clock, repeat_escalation_minutes=0, heads_up_minutes=0)
    blocks = [
        Block(BlockKind.FOCUS, time(9), time(10), f"e{i}", on_date=date(2027, 1, 1) + timedelta(i))
        for i in range(2000)
    ]
    rebuilt = []
    engine.blocks_changed.connect(lambda: rebuilt.append(1))
    started_at = _time.perf_counter()
    added = engine.add_blocks(blocks)
    took = _time.perf_counter() - started_at
    assert len(added) == 2000 and len(engine.blocks()) == 2000
    assert rebuilt == [1]
    assert took < 5.0, took


def test_after_the_clock_is_set_back_items_held_for_focus_go_out_when_available(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, repeat_escalation_minutes=0, heads_up_minutes=0)
    engine.start_override(Mode.FOCUS, timedelta(hours=3))
    engine.ingest(note(clock, "held in focus"))
    clock.jump(timedelta(hours=-2, minutes=-30))  # the block is now "in the future"
    engine.start_override(Mode.AVAILABLE, timedelta(minutes=30))
    assert engine.held_count() == 0
    assert [s.title for s in notifier.sent] == ["held in focus"]


def test_a_new_delivery_does_not_overtake_older_items_waiting_for_a_retry(
    qapp: object, store: Store, notifier: MemoryNotifier, clock: FakeClock
) -> None:
    engine = make_engine(store, notifier, clock, repeat_escalation_minutes=0, heads_up_minutes=0)
    engine.start_override(Mode.AVAILABLE, timedelta(hours=3))
    notifier.fail_with = "no notification server"
    engine.ingest(note(clock, "older", sender="A"))
    notifier.fail_with = ""
    clock.advance(timedelta(minutes=1))
    engine.ingest(note(clock, "newer", sender="B"))
    shown = [s.body for s in notifier.sent if s.result.ok]
    assert shown[0].startswith("A") and shown[-1].startswith("B"), shown
