"""History retention: fold weeks older than ``history_weeks`` into per-week totals.

The work runs on a worker thread with its own connection, as a series of short
transactions: the GUI thread never waits on it, and its writes (a notification arriving
meanwhile) wait at most one step for the write lock. When most of the history goes at
once (a year), :func:`swap_out` copies the rows that stay into fresh tables and swaps
them in; otherwise (every ordinary day: one week) ``Store.compact_history`` deletes in
chunks. The engine starts it after the first reconcile of a new day
(``Engine.reconcile``), so retention adds no timer and no idle wake-up of its own.
"""

from __future__ import annotations

import logging
import threading
import time as _time
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from focus_app.core.schedule import Schedule
from focus_app.store import Store, StoreError, week_start, writers_waiting

log = logging.getLogger(__name__)

CHUNK_ROWS = 2000
"""Notifications in the first transaction; later ones are sized to :data:`CHUNK_MS`."""
CHUNK_MS = 30.0
"""Target time of one step (fold + delete), so the write lock is held well under 100 ms
and the app connection's 200 ms busy timeout (deleting costs ~8 µs a notification with
its indexes here, docs/benchmarks.md)."""
SECURE_DELETE = "FAST"
"""The worker's ``secure_delete``. Debian's SQLite is built with it on: every deleted
row and every freed page is overwritten with zeros and written out (dropping a year's
tables and indexes took 5.2 s with it, 0.4 s without; docs/benchmarks.md). FAST still
zeroes deleted rows on the pages that are written anyway; pages freed whole keep their
old bytes until SQLite reuses them (they are not part of any table)."""
MAX_CHUNK_ROWS = 20000
MMAP_BYTES = 2**30
"""The worker reads the file through a memory map (up to 1 GiB of it): folding a year
reads every page once and dropping a table visits every page; without a copy into
SQLite's page cache both take a fifth less (docs/benchmarks.md)."""
SWAP_COPY_ROWS = 1250
"""Notifications copied into the fresh tables per transaction (with their indexes):
~25 ms of CPU here, so a writer of the app that waits for one gets in well under
100 ms even on a busy machine (2,500 took up to 85 ms at load 3.5)."""
SWAP_MIN_ROWS = 50_000
"""Below this many notifications to compact, deleting them beats copying what stays."""
PAUSE_BETWEEN_CHUNKS = 0.025
"""Seconds the worker lets go of the lock between chunks while a writer of the app waits
for it (:func:`~focus_app.store.writers_waiting`; with none waiting it goes straight
on: pausing after every step anyway was a tenth of a year's compaction). SQLite's busy
handler sleeps in steps of up to 25 ms, so a shorter pause could end before a waiting
writer looks again, and the worker would take the lock back first."""
CHECKPOINT_EVERY_S = 0.5
"""While weeks are folded the worker checkpoints at most this often (after every other
step of a swap, always). A week's figures are one small row, so the WAL grows by what
the app writes meanwhile (a few pages a notification): far below the 1000 pages past
which the app's next commit would have to copy it back. A checkpoint after every week
(52 in a year, each with its syncs, 4–8 ms here) cost ~0.3 s."""
CACHE_KIB = 65536
"""The worker's page cache: deleting touches every index, 2 MiB (the default) thrashes."""


def retention_cutoff(now: datetime, tz: tzinfo, weeks: int) -> datetime:
    """The instant before which history is compacted: ``weeks`` whole weeks are kept.

    Aligned to a Monday 00:00 in ``tz``, so a week is compacted whole (its totals come
    from one run), plus the current week, which is always kept as rows.
    """
    monday = week_start(now, tz).date() - timedelta(weeks=weeks)
    return datetime.combine(monday, time(0), tzinfo=tz)


def let_writers_in(pause: float) -> None:
    """Between two steps of the worker: sleep ``pause`` seconds if a writer of the app
    (this process) waits for the write lock, so that it gets it, else go straight on.

    A writer that starts waiting just after this looks waits one step more at most: the
    next look sees it. Writers of other processes (a ``sqlite3`` shell) are not seen;
    they get in while weeks are folded (reads, the lock held a moment a week), and the
    steps that follow back to back last well under their 5 s busy timeout.
    """
    if pause > 0 and writers_waiting():
        _time.sleep(pause)


def swap_out(
    store: Store,
    cutoff: datetime,
    tz: tzinfo,
    schedule: Schedule,
    *,
    stop: threading.Event | None = None,
    pause: float = 0.0,
    min_rows: int | None = None,
) -> int:
    """Compact by copying what stays into fresh tables, when most of the history goes.

    The fast way for a year at once (``Store.swap_history`` and the steps around it,
    each its own short transaction, with ``pause`` seconds between them while a writer
    of the app waits, so that it gets the lock: :func:`let_writers_in`). First
    finishes or abandons a swap a crash interrupted; does nothing more unless
    :meth:`Store.worth_swapping`. The chunked deletion
    (``Store.compact_history``) handles whatever is left, and every ordinary day.

    Returns:
        How many notifications went.
    """
    stopped = stop.is_set if stop is not None else (lambda: False)
    last = [_time.monotonic()]

    def checkpoint() -> None:
        # Here, not in the app's next commit: SQLite makes whichever connection
        # commits past the WAL's threshold copy it back (see Compactor._run).
        store.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        last[0] = _time.monotonic()

    def now_and_then() -> None:
        if _time.monotonic() - last[0] >= CHECKPOINT_EVERY_S:
            checkpoint()

    def finish() -> None:
        while not stopped() and store.finish_swap():
            # Every step: an index built again writes hundreds of pages, and a WAL
            # past 1000 made the app's next write copy it back (228 ms).
            checkpoint()
            let_writers_in(pause)

    if store.swap_state() == "new":
        store.abandon_swap()
    finish()
    if stopped() or not store.worth_swapping(
        cutoff, tz, SWAP_MIN_ROWS if min_rows is None else min_rows
    ):
        return 0
    store.fold_history(cutoff, tz, schedule, between=now_and_then)
    checkpoint()
    ids = store.begin_swap(cutoff, tz)
    for i in range(0, len(ids), SWAP_COPY_ROWS):
        if stopped():
            store.abandon_swap()
            return 0
        store.copy_for_swap(ids[i : i + SWAP_COPY_ROWS])
        checkpoint()
        let_writers_in(pause)
    removed = store.swap_history(cutoff, tz)
    checkpoint()
    if store.swap_state() == "new":  # not swapped (a week's figures were missing)
        store.abandon_swap()
    finish()
    return removed


class Compactor(QObject):
    """Runs ``Store.compact_history`` to the end on a worker thread.

    Args:
        path: The database file (the worker opens its own connection: a SQLite
            connection belongs to the thread that opened it).

    Signals:
        finished(int): The run ended; how many notifications were compacted. Emitted from
            the worker thread; Qt queues it to the receiver's thread.
    """

    finished = Signal(int)

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path = path
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, cutoff: datetime, tz: tzinfo, schedule: Schedule) -> bool:
        """Start a run unless one is running; whether one was started.

        ``schedule`` is what the review of each compacted week is computed with (the
        Review page uses the current schedule for every week, so the figures match).
        """
        if self.running:
            return False
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(cutoff, tz, schedule), name="history-compaction", daemon=True
        )
        self._thread.start()
        return True

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the run to end after its current chunk and wait for it (app shutdown)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait for the run to end (tests, benchmarks); whether it ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _swap(self, store: Store, cutoff: datetime, tz: tzinfo, schedule: Schedule) -> int:
        return swap_out(store, cutoff, tz, schedule, stop=self._stop,
                        pause=PAUSE_BETWEEN_CHUNKS)

    def _run(self, cutoff: datetime, tz: tzinfo, schedule: Schedule) -> None:
        total = 0
        started = _time.perf_counter()
        try:
            store, warning = Store.open(self._path, probe=False)
        except StoreError as exc:
            log.warning("history compaction skipped: %s", exc)
            self.finished.emit(0)
            return
        if warning:
            log.warning("%s", warning)
        try:
            store.connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            store.connection.execute(f"PRAGMA secure_delete = {SECURE_DELETE}")
            store.connection.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            total += self._swap(store, cutoff, tz, schedule)
            rows = CHUNK_ROWS
            while not self._stop.is_set():
                step = _time.perf_counter()
                done = store.compact_history(cutoff, tz, schedule, max_rows=rows)
                if not done:
                    break
                total += done
                ms = (_time.perf_counter() - step) * 1000
                # Checkpoint here, off the GUI thread: SQLite makes whichever connection
                # commits past the WAL's threshold copy it back, and that was the app's
                # next write (hundreds of ms for a WAL full of deletions).
                store.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                if done == rows:  # a full chunk: size the next one to the target time
                    rows = int(min(MAX_CHUNK_ROWS, max(200, rows * CHUNK_MS / max(ms, 1.0))))
                let_writers_in(PAUSE_BETWEEN_CHUNKS)
        except StoreError as exc:
            # Retention is housekeeping: tomorrow's run tries again.
            log.warning("history compaction stopped: %s", exc)
        finally:
            store.close()
        if total:
            log.info("compacted %d notifications older than %s in %.1f s",
                     total, cutoff.date(), _time.perf_counter() - started)
        self.finished.emit(total)
