"""Issue 7 under load: a program sends 1,000 notifications a second for 10 s.

The real headless app, a real dunst on a private bus and a sender process that calls
``Notify`` at a steady 1,000 a second without waiting for replies (``tests.e2e.senders``
with ``window=0``): dunst 1.9, paused, stops answering for good under such a flood when
calls wait for its replies, even with 8 in flight, and the app's closing of what it
holds, so a sender that waits would measure dunst, not the app.

During a focus block every notification must end up held in
the app's database, none missing; meanwhile ``status`` must answer every time it is asked
(every 50 ms, over the socket as ``focus-app status`` does, without that command's
interpreter start), typically within 100 ms, and the app's memory must stay bounded.
The strict "every answer within 100 ms" is a speed target, judged by the benchmark
(``benchmarks/bench_desktop_gate.py``) rather than here: on a machine shared with other
work a single answer can wait for the scheduler, and a test must not fail for that.
"""

from __future__ import annotations

import sqlite3
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from focus_app.ipc_client import Client
from tests.e2e.app_process import AppProcess, socket_path
from tests.e2e.harness import DesktopSession
from tests.e2e.senders import sender_result, start_sender

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RATE = 1_000
SECONDS = 10
STATUS_EVERY_S = 0.05
STATUS_LIMIT_MS = 100.0
"""The median answer: the app keeps answering promptly all through the flood."""
STATUS_STALL_MS = 2_000.0
"""No answer waits this long: the app never stalls behind the flood."""
START_UP_S = 3.5
"""Start-up's one-offs are over by then (APScheduler imported at 1.5 s, which takes 90 ms
to 300 ms of the GUI thread on this machine; the settle step at 3 s): the flood meets the
app in its steady state."""
RSS_GROWTH_LIMIT_MB = 60.0
"""The app keeps nothing per notification in memory once it is stored: the watcher reads
at most 512 messages a turn, the desktop gate tracks at most 4,096 notifications whose
server id is pending, and SQLite's page cache is bounded (2 MB by default). What grows is
the heap's high-water mark (CPython rarely gives arenas back) and SQLite's WAL-index
mapping. Measured here: +10 MB (54 -> 64 MB); 60 MB leaves room for a busier heap and
still fails on a leak that keeps the 10,000 notifications' objects (several kB each
with their decisions, caught copies and tracking entries)."""


def _wait(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


class StatusPoller(threading.Thread):
    """Asks ``status`` every 50 ms on a new connection; records each answer's time (ms)."""

    def __init__(self, sock: Path) -> None:
        super().__init__(daemon=True)
        self.sock = sock
        self.times_ms: list[float] = []
        self.failures: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            start = time.perf_counter()
            try:
                with Client(self.sock, timeout=5) as client:
                    client.call("status")
                self.times_ms.append((time.perf_counter() - start) * 1000)
            except Exception as exc:  # every failure is reported by the test
                self.failures.append(repr(exc))
            self.done.wait(max(0.0, start + STATUS_EVERY_S - time.perf_counter()))


def test_1000_notifications_a_second_for_10_s_are_all_held_while_status_keeps_answering(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    settings = Path(desktop.env["XDG_CONFIG_HOME"]) / "focus-app" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    # Repeated senders would escalate; this is about holding a flood.
    settings.write_text("[gate]\nrepeat_escalation_minutes = 0\n")
    app = AppProcess(desktop.env, "--headless", log=tmp_path / "focus-app.log")
    sock = socket_path(desktop.env)
    try:
        app.wait_ready()
        started = time.monotonic()

        def call(cmd: str, **args: object) -> dict[str, object]:
            with Client(sock, timeout=5) as client:
                result: dict[str, object] = client.call(cmd, **args)
            return result

        _wait("the desktop gate to drive dunst", lambda: call("status")["dnd"] == "dunst", 8)
        call("focus", duration="1h")
        _wait("dunst to be paused", lambda: desktop.dunstctl("is-paused").strip() == "true", 8)
        time.sleep(max(0.0, started + START_UP_S - time.monotonic()))
        rss_before = _rss_mb(app.proc.pid)
        database = Path(desktop.env["XDG_DATA_HOME"]) / "focus-app" / "focus-app.sqlite3"
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)

        def held() -> tuple[int, int]:
            row = db.execute(
                "SELECT count(*), count(DISTINCT body) FROM notifications"
                " WHERE origin = 'caught' AND status = 'held'"
            ).fetchone()
            return int(row[0]), int(row[1])

        poller = StatusPoller(sock)
        poller.start()
        try:
            sender = start_sender(desktop.bus_address, RATE * SECONDS, RATE, "Slack", window=0)
            sent = sender_result(sender, timeout=SECONDS + 20)
            _wait("every notification to be held", lambda: held()[0] >= RATE * SECONDS, 10)
        finally:
            poller.done.set()
            poller.join(5)
        stored, distinct = held()
        db.close()
        rss_after = _rss_mb(app.proc.pid)
        slowest = max(poller.times_ms, default=float("inf"))
        print(
            f"sender: {sent['sent']:.0f} sent in {sent['seconds']:.1f} s; "
            f"held {stored} ({distinct} distinct); "
            f"status: {len(poller.times_ms)} answers, max {slowest:.1f} ms, "
            f"median {sorted(poller.times_ms)[len(poller.times_ms) // 2]:.1f} ms; "
            f"RSS {rss_before:.1f} -> {rss_after:.1f} MB"
        )

        assert sent["seconds"] < SECONDS + 1  # the pace was kept: this was the load asked for
        assert stored == distinct == RATE * SECONDS
        assert poller.failures == []
        assert len(poller.times_ms) >= SECONDS / STATUS_EVERY_S * 0.8
        assert statistics.median(poller.times_ms) <= STATUS_LIMIT_MS
        assert slowest <= STATUS_STALL_MS
        assert rss_after - rss_before < RSS_GROWTH_LIMIT_MB
        assert app.proc.poll() is None
    finally:
        app.stop()
