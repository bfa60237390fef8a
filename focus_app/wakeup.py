"""Waking the engine at the right instants, on the GUI thread.

APScheduler 3's ``QtScheduler`` decides *when*; we only ever keep one date job (the next
instant the engine must reconcile) because the engine recomputes everything from the clock
when it wakes (DESIGN.md: reconcile, don't replay). Jobs are never persisted.

Two details matter:

* ``QtScheduler`` keeps the return value of ``QTimer.singleShot`` to cancel it later, but
  PySide6 returns ``None`` there, so every reschedule would leave another timer chain
  running: idle wake-ups would multiply. We own one ``QTimer`` instead.
* A ``QTimer`` counts monotonic time, which stops while the machine is suspended, and Qt's
  default coarse timers may fire 5 % late. The timer is precise, and there is no periodic
  backstop (an idle tray app should not wake at all): whoever notices that the wall clock
  moved under the timer (``desktop.clockwatch.ClockWatch``: a clock set, or the jump over
  a suspend; logind's resume signal) calls :meth:`Wakeup.clock_changed`, which wakes the
  engine at once; its reconcile plans the next wake-up afresh from the new wall clock.

APScheduler is imported and started a moment after start-up (``SCHEDULER_START_DELAY_MS``):
importing it costs about 90 ms, which the tray icon and the socket should not wait for, and
neither should a window busy with a flood: it is imported a module or two per turn of the
event loop (:data:`_SCHEDULER_IMPORTS`, each ~20 ms at most). A thread would not do: while
it imports, every call from Qt into Python on the GUI thread waits for the GIL. The planned
instant is kept meanwhile and handed over when the scheduler starts; a wake-up due before
then runs at once when the scheduler starts (:meth:`Wakeup.check_overdue`).
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QObject, QTimer

from focus_app.core.ports import Clock

log = logging.getLogger(__name__)

_JOB_ID = "reconcile"
_MAX_TIMER_MS = 2**31 - 1
SCHEDULER_START_DELAY_MS = 1_500
_SCHEDULER_IMPORTS = (
    "importlib.metadata",  # APScheduler reads its entry points at import (~18 ms)
    # asyncio, for apscheduler.util: ~25 ms in one piece, so its heavy parts first
    "ssl",
    "subprocess",
    "concurrent.futures",
    "asyncio.events",
    "asyncio.base_events",
    "asyncio",
    "apscheduler.util",
    "apscheduler.job",
    "apscheduler.executors.pool",
    "apscheduler.schedulers.base",
    "apscheduler.executors.debug",
    "apscheduler.schedulers.qt",
)
"""What :func:`_make_scheduler` needs, in the order they import each other; one per turn."""


def _import_one(name: str) -> None:
    importlib.import_module(name)


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
        clock: For the overdue check.
        tz: The scheduler's time zone.
    """

    def __init__(self, callback: Callable[[], None], clock: Clock, tz: tzinfo) -> None:
        super().__init__()
        self._callback = callback
        self._clock = clock
        self._tz = tz
        self._wake_at: datetime | None = None
        self._scheduler: Any = None
        self._after_start: Callable[[], None] | None = None
        self._deferred_start = QTimer(self)
        self._deferred_start.setSingleShot(True)
        self._deferred_start.timeout.connect(self._import_step)
        self._imports_left: list[str] | None = None
        self._closed = False
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

    def start(
        self,
        scheduler_delay_ms: int = SCHEDULER_START_DELAY_MS,
        after_start: Callable[[], None] | None = None,
    ) -> None:
        """Start APScheduler after ``scheduler_delay_ms`` (the only timer until a wake-up).

        Args:
            scheduler_delay_ms: How long start-up goes on without APScheduler.
            after_start: Run once when the scheduler has started: a one-off look after
                start-up (the engine's second look at the queue) costs no wake-up of its own.
        """
        self._after_start = after_start
        self._closed = False
        self._deferred_start.start(scheduler_delay_ms)

    def _import_step(self) -> None:
        """Import the next module APScheduler needs; start it once all are there."""
        if self._scheduler is not None or self._closed:
            return
        if self._imports_left is None:
            self._imports_left = [m for m in _SCHEDULER_IMPORTS if m not in sys.modules]
        if not self._imports_left:
            self.start_scheduler()
            return
        name = self._imports_left.pop(0)
        try:
            _import_one(name)
        except Exception:  # start_scheduler meets it again and says so
            log.debug("importing %s failed", name, exc_info=True)
            self._imports_left.clear()
        self._deferred_start.start(0)  # the next module in the next turn of the loop

    def start_scheduler(self) -> None:
        """Import (what is not yet) and start APScheduler, and hand it the planned
        instant."""
        self._deferred_start.stop()
        if self._scheduler is not None:
            return
        self._scheduler = _make_scheduler(self._tz)
        self._scheduler.start()
        self._sync_job()
        self.check_overdue()  # anything due while the scheduler was not there yet
        after_start, self._after_start = self._after_start, None
        if after_start is not None:
            after_start()

    def shutdown(self) -> None:
        self._closed = True
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
            self._scheduler.add_job(self._fire_soon, "date", run_date=self._wake_at, id=_JOB_ID)

    def check_overdue(self) -> bool:
        """Wake now if the planned instant has passed; whether it had.

        Run when the scheduler starts, for a wake-up that fell due before it was there.
        """
        if self._wake_at is not None and self._clock.now() >= self._wake_at:
            log.info("waking now: wake-up overdue")
            self._fire()
            return True
        return False

    def clock_changed(self) -> None:
        """The wall clock moved under the monotonic timer: wake the engine now.

        After a clock set or a resume the pending timer counts toward the wrong moment
        (late by the time suspended, or early or late by the step), and after a step
        backwards the mode itself may have changed, so the engine reconciles at once and
        plans its next wake-up from the new wall clock, whether or not one was overdue.
        """
        log.info("waking now: the wall clock changed")
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
            self._scheduler.remove_job(_JOB_ID)  # an early wake (clock change, resume)
        self._callback()
