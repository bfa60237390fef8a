"""Syncing 500 blocks through a real Radicale (127.0.0.1) between two engines with their
own SQLite files: the first push (500 PUTs), the pull on the other machine (500 blocks
stored in one transaction), a sync that changes nothing, and 500 edits pushed (PUTs over
existing events: Radicale's cost per new event is not in it). Target: each ≤ 3 s.

Each step prints its wall time, this process's CPU time (the app: building, parsing,
storing) and the Radicale process's CPU time, so it is clear which side the time is on.
Radicale runs with the tests' storage options (``TEST_STORAGE``: no fsync, item cache by
mtime); ``--radicale-defaults`` runs it with its own defaults.

Run: ``PYTHONPATH=. python -m benchmarks.bench_caldav [--radicale-defaults]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from datetime import time as clock_time
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from focus_app.calendars.linking import CalDavLinks
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


if __name__ == "__main__":
    main()
