"""The waker with the real APScheduler ``QtScheduler`` on the Qt event loop."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from focus_app import wakeup
from focus_app.clock import SystemClock
from focus_app.wakeup import Wakeup


def test_scheduler_wakes_on_time_and_a_wake_planned_inside_the_callback_fires_too(
    qtbot: QtBot,
) -> None:
    clock = SystemClock()
    fired: list[datetime] = []

    def callback() -> None:
        fired.append(clock.now())
        if len(fired) == 1:  # like the engine: plan the next wake-up while being woken
            waker.wake_at_time(clock.now() + timedelta(milliseconds=300))

    waker = Wakeup(callback, clock, clock.now().tzinfo)  # type: ignore[arg-type]
    waker.start(scheduler_delay_ms=0)
    qtbot.waitUntil(lambda: waker.scheduler_running, timeout=5000)
    planned = clock.now() + timedelta(milliseconds=300)
    waker.wake_at_time(planned)
    qtbot.waitUntil(lambda: len(fired) == 2, timeout=5000)
    assert fired[0] >= planned
    assert fired[1] - fired[0] >= timedelta(milliseconds=250)
    waker.shutdown()


def test_a_wake_planned_before_the_scheduler_starts_is_handed_over(qtbot: QtBot) -> None:
    clock = SystemClock()
    fired: list[datetime] = []
    waker = Wakeup(lambda: fired.append(clock.now()), clock, clock.now().tzinfo)  # type: ignore[arg-type]
    planned = clock.now() + timedelta(milliseconds=400)
    waker.wake_at_time(planned)
    waker.start(scheduler_delay_ms=100)
    assert not waker.scheduler_running
    qtbot.waitUntil(lambda: len(fired) == 1, timeout=5000)
    assert waker.scheduler_running and fired[0] >= planned
    waker.shutdown()


def test_a_wake_due_before_the_scheduler_starts_runs_when_it_starts(qtbot: QtBot) -> None:
    clock = SystemClock()
    fired: list[datetime] = []
    waker = Wakeup(lambda: fired.append(clock.now()), clock, clock.now().tzinfo)  # type: ignore[arg-type]
    waker.wake_at_time(clock.now() - timedelta(seconds=1))
    waker.start(scheduler_delay_ms=50)
    qtbot.waitUntil(lambda: len(fired) == 1, timeout=5000)
    waker.shutdown()


def _running_timers(waker: Wakeup) -> list[QTimer]:
    timers = waker.findChildren(QTimer)
    if waker._scheduler is not None:
        timers.append(waker._scheduler._qtimer)  # APScheduler's one timer
    return [t for t in timers if t.isActive()]


def test_an_idle_waker_runs_no_timer_at_all(qtbot: QtBot) -> None:
    """Issue 7's 0 idle wake-ups a minute: no backstop, nothing periodic."""
    clock = SystemClock()
    fired: list[datetime] = []
    waker = Wakeup(lambda: fired.append(clock.now()), clock, clock.now().tzinfo)  # type: ignore[arg-type]
    waker.start(scheduler_delay_ms=0)
    qtbot.waitUntil(lambda: waker.scheduler_running, timeout=5000)
    assert _running_timers(waker) == []
    waker.wake_at_time(clock.now() + timedelta(milliseconds=100))
    assert len(_running_timers(waker)) == 1  # the planned instant, and only that
    qtbot.waitUntil(lambda: len(fired) == 1, timeout=5000)
    qtbot.waitUntil(lambda: _running_timers(waker) == [], timeout=1000)
    waker.shutdown()


def test_a_clock_change_wakes_now_and_drops_the_timer_planned_on_the_old_clock(
    qtbot: QtBot,
) -> None:
    clock = SystemClock()
    fired: list[datetime] = []
    waker = Wakeup(lambda: fired.append(clock.now()), clock, clock.now().tzinfo)  # type: ignore[arg-type]
    waker.start(scheduler_delay_ms=0)
    qtbot.waitUntil(lambda: waker.scheduler_running, timeout=5000)
    waker.wake_at_time(clock.now() + timedelta(hours=1))
    assert waker.check_overdue() is False
    waker.clock_changed()  # e.g. resumed after 40 minutes: that timer would be late
    assert len(fired) == 1
    assert waker.wake_at is None  # the engine's reconcile plans afresh from the new clock
    assert waker._scheduler.get_job("reconcile") is None
    qtbot.waitUntil(lambda: _running_timers(waker) == [], timeout=1000)
    waker.shutdown()


def test_the_deferred_start_imports_apscheduler_a_module_per_turn_of_the_event_loop(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Importing it all at once (~90 ms) stalled a window busy with a flood past 100 ms.
    ticks = [0]
    ticker = QTimer()
    ticker.setInterval(0)
    ticker.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    ticker.start()
    imported: list[tuple[str, int]] = []
    monkeypatch.setattr(wakeup, "_SCHEDULER_IMPORTS", ("one", "two", "three"))
    monkeypatch.setattr(wakeup, "_import_one", lambda name: imported.append((name, ticks[0])))
    clock = SystemClock()
    waker = Wakeup(lambda: None, clock, clock.now().tzinfo)  # type: ignore[arg-type]
    waker.start(scheduler_delay_ms=0)
    qtbot.waitUntil(lambda: waker.scheduler_running, timeout=5000)
    ticker.stop()
    assert [name for name, _ in imported] == ["one", "two", "three"]
    turns = [tick for _, tick in imported]
    assert turns[0] < turns[1] < turns[2], "the event loop served other work in between"
    waker.shutdown()


def test_a_waker_shut_down_while_importing_starts_no_scheduler(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wakeup, "_SCHEDULER_IMPORTS", ("one", "two"))
    clock = SystemClock()
    waker = Wakeup(lambda: None, clock, clock.now().tzinfo)  # type: ignore[arg-type]

    def import_one(name: str) -> None:
        if name == "one":
            waker.shutdown()  # the app quits a second after start-up

    monkeypatch.setattr(wakeup, "_import_one", import_one)
    waker.start(scheduler_delay_ms=0)
    qtbot.wait(100)
    assert not waker.scheduler_running
