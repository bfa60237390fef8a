"""Refreshing a followed calendar of 500 events over real HTTP (127.0.0.1), through the
command layer with a real engine and SQLite file: the first refresh (500 blocks stored in
one transaction) and a refresh that changes nothing (a new text, same events: no write).

Run: ``PYTHONPATH=. python -m benchmarks.bench_subscriptions``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from focus_app.clock import FakeClock
from focus_app.commands import Commands
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store
from tests.calendars.http_calendar import calendar, serve_calendar, vevent
from tests.ui.ui_engine import START

EVENTS = 500


def main() -> None:
    _app = QCoreApplication.instance() or QCoreApplication([])
    events = [
        vevent(f"e{i}@work", f"202612{1 + i % 28:02d}T{8 + i % 9:02d}0000Z",
               f"202612{1 + i % 28:02d}T{8 + i % 9:02d}3000Z", f"Meeting {i}")
        for i in range(EVENTS)
    ]
    with tempfile.TemporaryDirectory() as folder, serve_calendar() as host:
        host.text = calendar(*events)
        store, _ = Store.open(Path(folder) / "focus.sqlite3")
        engine = Engine(store, Settings(timezone="Europe/Berlin"), MemoryNotifier(),
                        FakeClock(START))
        engine.start()
        commands = Commands(engine)
        assert commands.handle({"cmd": "calendar.add", "source": host.url})["ok"]
        t0 = time.perf_counter()
        first = commands.handle({"cmd": "calendar.sync"})
        t1 = time.perf_counter()
        assert first["ok"] and first["result"][0]["blocks"] == EVENTS, first
        host.text = host.text.replace("DTSTAMP:20261101T000000Z", "DTSTAMP:20261130T000000Z")
        begins: list[str] = []
        store.connection.set_trace_callback(
            lambda sql: begins.append(sql) if sql.startswith("BEGIN") else None
        )
        t2 = time.perf_counter()
        again = commands.handle({"cmd": "calendar.sync"})
        t3 = time.perf_counter()
        assert again["ok"] and again["result"][0]["changed"] == 0
        print(f"first refresh of {EVENTS} events: {(t1 - t0) * 1000:.0f} ms")
        print(f"refresh with nothing changed: {(t3 - t2) * 1000:.0f} ms, "
              f"{len(begins)} write transaction(s)")
        engine.shutdown()
        store.close()


if __name__ == "__main__":
    main()
