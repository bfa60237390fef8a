"""Long work nobody waits for (the scheduled calendar refresh), driven on the GUI thread.

The same ``Pending`` steps the socket drives for ``calendar sync`` (``IpcServer``):
``OffThread`` steps run on one worker thread and their results come back through a queued
signal (STYLE.md point 4); ``Progress`` steps resume at the next event-loop turn.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from focus_app.commands import OffThread, Pending

log = logging.getLogger(__name__)


class BackgroundWork(QObject):
    """Drives ``Pending`` work to its end; ``finished(answer)`` when each ends."""

    finished = Signal(object)
    _worker_done = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: ThreadPoolExecutor | None = None
        self._running: list[Pending] = []
        self._closed = False
        self._worker_done.connect(self._on_worker_done)

    @property
    def running(self) -> int:
        """How many pieces of work are under way."""
        return len(self._running)

    def run(self, pending: Pending) -> None:
        """Start ``pending``; it goes on in later event-loop turns."""
        self._running.append(pending)
        self._advance(pending)

    def close(self) -> None:
        """Abandon what runs (the app quits); the worker thread ends."""
        self._closed = True
        for pending in self._running:
            pending.close()
        self._running.clear()
        if self._worker is not None:
            self._worker.shutdown(wait=True, cancel_futures=True)
            self._worker = None

    def _advance(
        self, pending: Pending, value: Any = None, error: BaseException | None = None
    ) -> None:
        if self._closed:
            return
        try:
            step = pending.advance(value, error)
        except Exception:  # a bug or a store error: logged, the work is over
            log.exception("background work failed")
            self._done(pending, {"ok": False, "error": "internal error; see the log"})
            return
        if step is None:
            assert pending.answer is not None
            self._done(pending, pending.answer)
        elif isinstance(step, OffThread):
            if self._worker is None:
                self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="focus-bg")
            future: Future[Any] = self._worker.submit(step.call)
            future.add_done_callback(functools.partial(self._from_worker, pending))
        else:
            resume: Callable[[], None] = lambda: self._advance(pending)  # noqa: E731
            QTimer.singleShot(0, self, resume)

    def _from_worker(self, pending: Pending, future: Future[Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the object is gone (the app quit)
            self._worker_done.emit(pending, future)

    def _on_worker_done(self, pending: Pending, future: Future[Any]) -> None:
        if future.cancelled() or pending not in self._running:
            return
        error = future.exception()
        self._advance(pending, None if error is not None else future.result(), error)

    def _done(self, pending: Pending, answer: Any) -> None:
        self._running = [p for p in self._running if p is not pending]
        self.finished.emit(answer)
