"""The waker with the real APScheduler ``QtScheduler`` on the Qt event loop."""

from __future__ import annotations

from datetime import datetime, timedelta

from pytestqt.qtbot import QtBot

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
