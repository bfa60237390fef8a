"""Boundaries: finding the next window with room, and loading 10,000 requests + 500 contacts.

Run from the repository root::

    python -m benchmarks.bench_boundaries [--calls N]

* ``find_slot``: a working week of 30 blocks (focus mornings, two availability windows
  a day, some off-time) in Europe/Berlin and 500 existing commitments over the next eight
  weeks; a 45-minute request is booked from random instants. Cold (fresh schedule, first
  call) and warm (median, p95) figures; target p95 <= 5 ms cold.
* The data the Requests page and the referral directory open with: 10,000 past requests
  (a tenth of them referred) and 500 contacts in a real SQLite file, a fifth of them
  with a published calendar whose next availability is worked out on every load, read
  with ``Store.list_requests`` and ``boundaries.directory``; target <= 200 ms.
* The Requests page itself over that data (offscreen Qt, a running engine): built,
  shown and painted (``QWidget.grab``) with its default filter (needs triage) and then
  switched to "All requests" (all 10,000 rows in the table model, painted); and the
  Directory tab with its 500 people. Median of 5 fresh pages; target <= 200 ms each.
  The table is a model over the rows, so no widget is made per request.

Prints the figures and PASS or FAIL; exits with status 1 on FAIL.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from datetime import time as wall
from pathlib import Path
from zoneinfo import ZoneInfo

from focus_app import boundaries
from focus_app.core.booking import Span, find_slot
from focus_app.core.contact_availability import contact_schedule
from focus_app.core.model import Block, BlockKind, Recurrence
from focus_app.core.referrals import Contact
from focus_app.core.requests import Request, RequestOrigin, RequestStatus
from focus_app.core.schedule import Schedule
from focus_app.settings import Settings
from focus_app.store import Store

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 23, 8, 0, tzinfo=TZ)  # a Monday; DST begins on 2026-03-29
SLOT_TARGET_MS = 5.0
OPEN_TARGET_MS = 200.0


def week_blocks() -> list[Block]:
    blocks = []
    for day in range(5):
        days = Recurrence(frozenset({day}))
        blocks += [
            Block(BlockKind.FOCUS, wall(8, 30), wall(11, 30), "Deep work", recurrence=days),
            Block(BlockKind.AVAILABLE, wall(11, 30), wall(12, 30), "Office hours", recurrence=days),
            Block(BlockKind.FOCUS, wall(13, 30), wall(15, 30), "Writing", recurrence=days),
            Block(BlockKind.AVAILABLE, wall(15, 30), wall(17, 0), "Inbox", recurrence=days),
            Block(BlockKind.OFF, wall(19, 0), wall(7, 0), "Evening", recurrence=days),
            Block(BlockKind.FOCUS, wall(16, 30), wall(17, 0), "Wrap-up", recurrence=days),
        ]
    return blocks


def commitments(rng: random.Random) -> list[Span]:
    """500 commitments of 15-60 minutes at random half hours over the next eight weeks.

    The windows hold about 80 hours in eight weeks; 500 commitments fill most of it, so
    a booking must step over many of them before it finds room.
    """
    booked = []
    for _ in range(500):
        start = NOW + timedelta(minutes=rng.randrange(0, 8 * 7 * 24 * 60, 30))
        booked.append(Span(start, start + timedelta(minutes=rng.choice([15, 30, 45, 60]))))
    return booked


def measure_slot(calls: int, rng: random.Random) -> tuple[float, float, float]:
    base = Schedule(week_blocks(), tz=TZ)
    booked = commitments(rng)
    cold = []
    for _ in range(20):
        schedule = Schedule(week_blocks(), tz=TZ)
        start = time.perf_counter()
        find_slot(schedule, NOW, timedelta(minutes=45), booked)
        cold.append((time.perf_counter() - start) * 1000)
    warm = []
    for _ in range(calls):
        at = NOW + timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
        start = time.perf_counter()
        find_slot(base, at, timedelta(minutes=45), booked)
        warm.append((time.perf_counter() - start) * 1000)
    return _p95(cold), statistics.median(warm), _p95(warm)


CALENDAR_EVERY = 5
"""One contact in this many publishes an availability calendar."""


def contact_schedules(contacts: Sequence[Contact]) -> dict[int, Schedule]:
    """A published calendar's schedule for each contact that has one: meetings on
    weekday mornings and a long one on Mondays (working hours are their windows)."""
    meetings = []
    for day in range(5):
        days = Recurrence(frozenset({day}))
        meetings += [
            Block(BlockKind.OFF, wall(9), wall(10, 30), "Standup", recurrence=days),
            Block(BlockKind.OFF, wall(13), wall(14), "Review", recurrence=days),
        ]
    meetings.append(Block(BlockKind.OFF, wall(9), wall(17), "Planning",
                          recurrence=Recurrence(frozenset({0}))))
    return {
        c.id: contact_schedule(meetings, TZ) for c in contacts if c.calendar and c.id is not None
    }


def fill_store(store: Store, rng: random.Random) -> list[Contact]:
    """10,000 decided requests (a tenth referred), 500 contacts and one open request."""
    contacts = [
        store.add_referral(Contact(
            f"Person {i}", f"p{i}@example.org", ("design",),
            calendar=f"https://cal.example.org/p{i}.ics" if i % CALENDAR_EVERY == 0 else "",
        ))
        for i in range(500)
    ]
    db = store.connection
    rows = []
    for i in range(10_000):
        created = NOW - timedelta(minutes=37 * i)
        referred = i % 10 == 0
        contact_id = contacts[rng.randrange(500)].id if referred else None
        status = RequestStatus.REFERRED if referred else RequestStatus.DECLINED
        rows.append((f"Request {i}", f"Asker {i % 300}", 30, None, "bridge", None,
                     created.isoformat(), created.timestamp(), status.value,
                     created.isoformat(), created.timestamp(), contact_id))
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO requests (what, who, estimate_minutes, due, origin, notification_id,"
        " created_at, created_ts, status, decided_at, decided_ts, referral_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.execute("COMMIT")
    store.add_request(Request("Fresh", "Dana", timedelta(minutes=30), NOW,
                              origin=RequestOrigin.WINDOW))
    return contacts


def measure_open(folder: Path, rng: random.Random) -> float:
    store, _ = Store.open(folder / "bench.sqlite3")
    schedules = contact_schedules(fill_store(store, rng))
    settings = Settings(timezone="Europe/Berlin")
    times = []
    for _ in range(7):
        start = time.perf_counter()
        requests = store.list_requests()
        entries = boundaries.directory(store, settings, NOW, schedules)
        times.append((time.perf_counter() - start) * 1000)
        assert len(requests) == 10_000 and len(entries) == 500  # the newest 10,000
        assert sum(e.next_available is not None for e in entries) == 500 // CALENDAR_EVERY
    store.close()
    return statistics.median(times)


def measure_page(folder: Path, rng: random.Random) -> tuple[float, float, float]:
    """Median ms to open and paint the page (needs triage), switch to all, show the directory."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from focus_app.clock import FakeClock
    from focus_app.desktop.notifier import MemoryNotifier
    from focus_app.engine import Engine
    from focus_app.ui.requests_page import FILTER_ALL, RequestsPage

    app = QApplication.instance() or QApplication([])
    store, _ = Store.open(folder / "page.sqlite3")
    schedules = contact_schedules(fill_store(store, rng))
    engine = Engine(store, Settings(timezone="Europe/Berlin"), MemoryNotifier(), FakeClock(NOW))
    engine.start()
    for contact_id, schedule in schedules.items():
        engine.set_contact_availability(contact_id, schedule)
    for block in week_blocks():
        engine.add_block(block)
    opened, switched, directory = [], [], []
    for _ in range(5):
        start = time.perf_counter()
        page = RequestsPage(engine)
        page.resize(1000, 700)
        page.show()
        page.grab()
        opened.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        page.set_filter(FILTER_ALL)
        page.grab()
        switched.append((time.perf_counter() - start) * 1000)
        assert page.model.rowCount() == 10_000
        start = time.perf_counter()
        page.tabs.setCurrentIndex(1)
        page.grab()
        directory.append((time.perf_counter() - start) * 1000)
        assert page.directory_model.rowCount() == 500
        page.close()
        page.deleteLater()
        app.processEvents()
    engine.shutdown()
    store.close()
    return statistics.median(opened), statistics.median(switched), statistics.median(directory)


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    cold, median, p95 = measure_slot(args.calls, rng)
    with tempfile.TemporaryDirectory() as folder:
        opened = measure_open(Path(folder), rng)
        page_open, page_all, page_directory = measure_page(Path(folder), rng)
    slot_ok = cold <= SLOT_TARGET_MS and p95 <= SLOT_TARGET_MS
    open_ok = opened <= OPEN_TARGET_MS
    page_ok = max(page_open, page_all, page_directory) <= OPEN_TARGET_MS
    print(f"find_slot, 500 commitments: cold p95 {cold:.2f} ms, warm median {median:.2f} ms, "
          f"p95 {p95:.2f} ms (target {SLOT_TARGET_MS:g} ms): {'PASS' if slot_ok else 'FAIL'}")
    print(f"10,000 requests + 500 contacts (100 with calendars) read: median {opened:.1f} ms "
          f"(target {OPEN_TARGET_MS:g} ms, data only): {'PASS' if open_ok else 'FAIL'}")
    print(f"Requests page over them: opened and painted {page_open:.1f} ms, "
          f"'All requests' (10,000 rows) {page_all:.1f} ms, directory tab (500) "
          f"{page_directory:.1f} ms (target {OPEN_TARGET_MS:g} ms each): "
          f"{'PASS' if page_ok else 'FAIL'}")
    return 0 if slot_ok and open_ok and page_ok else 1


if __name__ == "__main__":
    sys.exit(main())
