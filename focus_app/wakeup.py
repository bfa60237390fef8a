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

APScheduler is imported and started a moment after start-up (``SCHEDULER_START_DELAY_MS``):
importing it costs about 90 ms, which the tray icon and the socket should not wait for. The
planned instant is kept meanwhile and handed over when the scheduler starts; a wake-up due
before then is caught by the same backstop check, run once when the scheduler starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QObject, QTimer

from focus_app.core.ports import Clock
from focus_app.desktop.sleepwatch import ClockJumpDetector

log = logging.getLogger(__name__)

_JOB_ID = "reconcile"
_MAX_TIMER_MS = 2**31 - 1
BACKSTOP_INTERVAL_MS = 60_000
SCHEDULER_START_DELAY_MS = 1_500


def _make_scheduler(tz: tzinfo) -> Any:
    """A ``QtScheduler`` running jobs on the GUI thread with one owned, precise timer."""
    from apscheduler.executors.debug import DebugExecutor
    from apscheduler.schedulers.qt import QtScheduler
    from PySide6.QtCore import Qt

    class GuiThreadQtScheduler(QtScheduler):  # type: ignore[misc]
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

    return GuiThreadQtScheduler(
        # DebugExecutor runs the job where the scheduler processes jobs: the GUI thread.
        executors={"default": DebugExecutor()},
        job_defaults={
            # None = run however late: after a suspend the job must still run.
            "misfire_grace_time": None,
            "coalesce": True,
            "max_instances": 1,
        },
        timezone=tz,
    )


class Wakeup(QObject):
    """Calls ``callback`` at (or as soon as possible after) the instant set with ``wake_at_time``.

    Args:
        callback: Run on the GUI thread; the engine's ``reconcile``.
        clock: For the backstop check.
        tz: The scheduler's time zone.
        tick: Run on every backstop tick (once a minute), for cheap checks of the engine's
            own (queued notifications, a changed system time zone).
    """

    def __init__(
        self,
        callback: Callable[[], None],
        clock: Clock,
        tz: tzinfo,
        tick: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self._callback = callback
        self._tick = tick
        self._clock = clock
        self._tz = tz
        self._wake_at: datetime | None = None
        self._jumps = ClockJumpDetector(clock)
        self._scheduler: Any = None
        self._backstop = QTimer(self)
        self._backstop.setInterval(BACKSTOP_INTERVAL_MS)
        self._backstop.timeout.connect(self._on_backstop)
        self._deferred_start = QTimer(self)
        self._deferred_start.setSingleShot(True)
        self._deferred_start.timeout.connect(self.start_scheduler)
        self._fire_timer = QTimer(self)
        self._fire_timer.setSingleShot(True)
        self._fire_timer.setInterval(0)
        self._fire_timer.timeout.connect(self._fire)

    @property
    def wake_at(self) -> datetime | None:
        """The instant the engine asked to be woken at, if any."""
        return self._wake_at

    @property
    def scheduler_running(self) -> bool:
        return self._scheduler is not None

    def start(self, scheduler_delay_ms: int = SCHEDULER_START_DELAY_MS) -> None:
        """Start the backstop now and APScheduler after ``scheduler_delay_ms``."""
        self._backstop.start()
        self._deferred_start.start(scheduler_delay_ms)

    def start_scheduler(self) -> None:
        """Import and start APScheduler and hand it the planned instant."""
        self._deferred_start.stop()
        if self._scheduler is not None:
            return
        self._scheduler = _make_scheduler(self._tz)
        self._scheduler.start()
        self._sync_job()
        self.check_overdue()  # anything due while the scheduler was not there yet

    def shutdown(self) -> None:
        self._backstop.stop()
        self._deferred_start.stop()
        self._fire_timer.stop()
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def wake_at_time(self, when: datetime | None) -> None:
        """Replace the pending wake-up with one at ``when`` (``None``: no wake-up)."""
        if when == self._wake_at:
            return  # unchanged: the common case after every batch of notifications
        self._wake_at = when
        self._sync_job()

    def _sync_job(self) -> None:
        if self._scheduler is None:
            return
        if self._scheduler.get_job(_JOB_ID) is not None:
            self._scheduler.remove_job(_JOB_ID)
        if self._wake_at is not None:
            self._scheduler.add_job(
                self._fire_soon, "date", run_date=self._wake_at, id=_JOB_ID
            )

    def _on_backstop(self) -> None:
        if self._tick is not None:
            self._tick()
        self.check_overdue()

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

    def _fire_soon(self) -> None:
        """The job: wake the engine right after APScheduler is done with this job.

        Running the engine inside the job would let it plan the next wake-up (same job
        id) before APScheduler removes the finished job, which would remove the new one.
        """
        self._fire_timer.start()

    def _fire(self) -> None:
        self._wake_at = None
        if self._scheduler is not None and self._scheduler.get_job(_JOB_ID) is not None:
            self._scheduler.remove_job(_JOB_ID)  # an early wake (backstop, resume)
        self._callback()
