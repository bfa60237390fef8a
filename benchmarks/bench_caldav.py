"""Syncing 500 blocks through a real Radicale (127.0.0.1) between two engines with their
own SQLite files: the first push (500 PUTs), the pull on the other machine (500 blocks
stored in one transaction), a sync that changes nothing, and 500 edits pushed (PUTs over
existing events: Radicale's cost per new event is not in it). Target: each ≤ 3 s.

Each step prints its wall time, this process's CPU time (the app: building, parsing,
storing) and the Radicale process's CPU time, so it is clear which side the time is on.
Radicale runs with the tests' storage options (``TEST_STORAGE``: no fsync, item cache by
mtime); ``--radicale-defaults`` runs it with its own defaults.

``--server-paths`` measures instead what Radicale spends on the ways 500 new events can
reach it (each on a fresh server process: vobject keeps a zone's first definition for the
life of the process): one PUT per event, or one PUT of the whole VCALENDAR on the
collection's URL (which Radicale splits into one resource per UID, writing each event's
VTIMEZONE anew from its own reading of the zone), and whether the VTIMEZONE it stores
still has the zone's summer time.

Run: ``PYTHONPATH=. python -m benchmarks.bench_caldav [--radicale-defaults | --server-paths]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication

from focus_app.calendars.caldav_sync import Put, Server, block_event
from focus_app.calendars.linking import CalDavLinks
from focus_app.calendars.vtimezones import VTIMEZONE
from focus_app.calendars.writing import _vtimezone
from focus_app.clock import FakeClock
from focus_app.core.model import Block, BlockKind, Recurrence
from focus_app.core.subscriptions import CalDavLink
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store
from tests.calendars.radicale_server import PASSWORD, USER, RadicaleServer
from tests.calendars.test_caldav import run
from tests.ui.ui_engine import START

BLOCKS = 500


def main() -> None:
    if "--server-paths" in sys.argv:
        server_paths()
        return
    _app = QCoreApplication.instance() or QCoreApplication([])
    with tempfile.TemporaryDirectory() as folder:
        storage = {} if "--radicale-defaults" in sys.argv else None
        server = RadicaleServer(Path(folder), {USER: PASSWORD}, storage)
        server.start()
        try:
            url = server.calendar_url("mine")
            engines = []
            for name in ("a", "b"):
                store, _ = Store.open(Path(folder) / name / "focus.sqlite3")
                engine = Engine(store, Settings(timezone="Europe/Berlin"), MemoryNotifier(),
                                FakeClock(START))
                engine.start()
                links = CalDavLinks(engine, lambda _l: PASSWORD, host=name)
                links.add(CalDavLink(url=url, user=USER))
                engines.append((engine, links))
            (a, links_a), (b, links_b) = engines
            a.add_blocks([
                Block(kind=BlockKind.FOCUS, start=clock_time(i % 20), end=clock_time(i % 20 + 1),
                      title=f"Block {i}", recurrence=Recurrence(weekdays=frozenset({i % 7})))
                for i in range(BLOCKS)
            ])

            def edit_all() -> None:
                a.import_blocks([], [replace(blk, title=f"{blk.title}!") for blk in a.blocks()])

            steps = (("push (a)", links_a, None), ("pull (b)", links_b, None),
                     ("nothing changed (a)", links_a, None),
                     ("500 edits pushed (a)", links_a, edit_all))
            for label, links, before in steps:
                if before is not None:
                    before()
                began, cpu, server_cpu = (
                    time.perf_counter(), time.process_time(), server.cpu_seconds()
                )
                run(links.sync_steps())
                print(
                    f"{label}: {time.perf_counter() - began:.2f} s "
                    f"(app CPU {time.process_time() - cpu:.2f} s, "
                    f"Radicale CPU {server.cpu_seconds() - server_cpu:.2f} s)"
                )
            assert len(b.blocks()) == BLOCKS
            for engine, _ in engines:
                engine.shutdown()
        finally:
            server.stop()


def _blocks() -> list[Block]:
    return [
        Block(kind=BlockKind.FOCUS, start=clock_time(i % 20), end=clock_time(i % 20 + 1),
              title=f"Block {i}", recurrence=Recurrence(weekdays=frozenset({i % 7})), id=i + 1)
        for i in range(BLOCKS)
    ]


def _whole(texts: list[str]) -> str:
    """One VCALENDAR: the first event's header and VTIMEZONE, then every VEVENT."""
    head = texts[0][: texts[0].index("BEGIN:VEVENT")]
    events = [t[t.index("BEGIN:VEVENT"): t.index("END:VCALENDAR")] for t in texts]
    return head + "".join(events) + "END:VCALENDAR\r\n"


def server_paths() -> None:
    """Radicale's CPU for 500 new events written one by one or in one collection PUT."""
    zone = ZoneInfo("Europe/Berlin")
    stamp = datetime(2026, 11, 30, tzinfo=UTC)
    puts = [Put(f"b{b.id}@focus-app", block_event(b, f"b{b.id}@focus-app", zone, stamp=stamp,
                                                   host="a"))
            for b in _blocks()]
    # The same events with icalendar's VTIMEZONE (RDATE lists), as written before.
    rdates = _vtimezone("Europe/Berlin", date(1969, 12, 31), date(2038, 1, 2))
    assert "RDATE" in rdates
    puts_rdates = [replace(p, text=VTIMEZONE.sub(lambda _m: rdates, p.text)) for p in puts]

    def one_by_one(chosen: list[Put]) -> Callable[[Server, str], None]:
        def write(server: Server, _url: str) -> None:
            assert all(isinstance(a, str) for a in server.put_many(chosen))
        return write

    def whole(chosen: list[Put]) -> Callable[[Server, str], None]:
        def write(server: Server, url: str) -> None:
            text = _whole([p.text for p in chosen])
            response = server._client.put(url, text, {"Content-Type": "text/calendar"})
            assert response.status == 201, response.status
        return write

    paths = (
        ("500 PUTs, one per event (VTIMEZONE as yearly rules)", one_by_one(puts)),
        ("500 PUTs, one per event (icalendar's RDATE lists)", one_by_one(puts_rdates)),
        ("one PUT of the whole calendar (RDATE lists)", whole(puts_rdates)),
        ("one PUT of the whole calendar (yearly rules)", whole(puts)),
    )
    for label, write in paths:
        with tempfile.TemporaryDirectory() as folder:
            radicale = RadicaleServer(Path(folder), {USER: PASSWORD})
            radicale.start()
            try:
                url = radicale.calendar_url("mine")
                server = Server(CalDavLink(url=url, user=USER), PASSWORD, timeout=600)
                began, cpu = time.perf_counter(), radicale.cpu_seconds()
                write(server, url)
                wall, used = time.perf_counter() - began, radicale.cpu_seconds() - cpu
                server.close()
                stored = next((Path(folder) / "collections").rglob("b1@focus-app.ics"))
                summer = "TZOFFSETTO:+0200" in stored.read_text()  # Berlin's summer time
                print(f"{label}: {wall:.2f} s (Radicale CPU {used:.2f} s); stored VTIMEZONE "
                      f"{'has' if summer else 'LOST'} summer time")
            finally:
                radicale.stop()


if __name__ == "__main__":
    main()
