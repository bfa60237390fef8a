"""Waking the engine at the right instants, on the GUI thread.

APScheduler 3's ``QtScheduler`` decides *when*; we only ever keep one date job (the next
instant the engine must reconcile) because the engine recomputes everything from the clock
when it wakes (DESIGN.md: reconcile, don't replay). Jobs are never persisted.

Two details matter:

* ``QtScheduler`` keeps the return value of ``QTimer.singleShot`` to cancel it later, but
  PySide6 returns ``None`` there, so every reschedule would leave another timer chain
  running: idle wake-ups would multiply. We own one ``QTimer`` instead.
* A ``QTimer`` counts monotonic time, which stops while the machine is suspended, and Qt's
  default coarse timers may fire 5 % late. The timer is precise, and a once-a-minute
  backstop compares the wall clock with the planned instant, so after a suspend or a clock
  change the engine is right again within a minute.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.qt import QtScheduler
from PySide6.QtCore import QObject, Qt, QTimer

from focus_app.core.ports import Clock
from focus_app.sleepwatch import ClockJumpDetector

log = logging.getLogger(__name__)

_JOB_ID = "reconcile"
_MAX_TIMER_MS = 2**31 - 1
BACKSTOP_INTERVAL_MS = 60_000


class _GuiThreadQtScheduler(QtScheduler):  # type: ignore[misc]
    """``QtScheduler`` with one owned, precise timer (see the module docstring)."""

    def __init__(self, **options: Any) -> None:
        self._qtimer = QTimer()
        self._qtimer.setSingleShot(True)
        self._qtimer.setTimerType(Qt.TimerType.PreciseTimer)
        self._qtimer.timeout.connect(self._process_jobs)
        super().__init__(**options)

    def _start_timer(self, wait_seconds: float | None) -> None:
        self._qtimer.stop()
        if wait_seconds is not None:
            self._qtimer.start(min(int(wait_seconds * 1000), _MAX_TIMER_MS))

    def _stop_timer(self) -> None:
        self._qtimer.stop()

    def wakeup(self) -> None:
        self._start_timer(0)


class Wakeup(QObject):
    """Calls ``callback`` at (or as soon as possible after) the instant set with ``wake_at``.

    Args:
        callback: Run on the GUI thread; the engine's ``reconcile``.
        clock: For the backstop check.
        tz: The scheduler's time zone.
    """

    def __init__(self, callback: Callable[[], None], clock: Clock, tz: tzinfo) -> None:
        super().__init__()
        self._callback = callback
        self._clock = clock
        self._wake_at: datetime | None = None
        self._jumps = ClockJumpDetector(clock)
        self._scheduler = _GuiThreadQtScheduler(
            executors={"default": DebugExecutor()},
            job_defaults={
                # None = run however late: after a suspend the job must still run.
                "misfire_grace_time": None,
                "coalesce": True,
                "max_instances": 1,
            },
            timezone=tz,
        )
        self._backstop = QTimer(self)
        self._backstop.setInterval(BACKSTOP_INTERVAL_MS)
        self._backstop.timeout.connect(self.check_overdue)

    @property
    def wake_at(self) -> datetime | None:
        """The instant the engine asked to be woken at, if any."""
        return self._wake_at

    def start(self) -> None:
        self._scheduler.start()
        self._backstop.start()

    def shutdown(self) -> None:
        self._backstop.stop()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def wake_at_time(self, when: datetime | None) -> None:
        """Replace the pending wake-up with one at ``when`` (``None``: no wake-up)."""
        if when == self._wake_at and (when is None or self._scheduler.get_job(_JOB_ID)):
            return  # unchanged: the common case after every batch of notifications
        self._wake_at = when
        if self._scheduler.get_job(_JOB_ID) is not None:
            self._scheduler.remove_job(_JOB_ID)
        if when is not None:
            self._scheduler.add_job(self._fire, "date", run_date=when, id=_JOB_ID)

    def check_overdue(self) -> None:
        """The backstop: wake now if the planned instant has passed or the clock jumped.

        Covers suspend/resume and wall-clock changes, where the monotonic ``QTimer`` is late
        (or, after a jump backwards, the mode may have changed under us). Also called on
        logind's resume signal.
        """
        jumped = self._jumps.check()
        overdue = self._wake_at is not None and self._clock.now() >= self._wake_at
        if jumped or overdue:
            log.info("waking now: %s", "clock jumped" if jumped else "wake-up overdue")
            self._fire()

    def _fire(self) -> None:
        self._wake_at = None
        if self._scheduler.get_job(_JOB_ID) is not None:
            self._scheduler.remove_job(_JOB_ID)
        self._callback()
