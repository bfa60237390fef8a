"""Watcher benchmark: caught notifications parsed per second through a real dbus-daemon.

Target (issue 7): at least 2,000 caught notifications a second. Run from the
repository root::

    python -m benchmarks.bench_watcher [--count N]

Starts a private ``dbus-daemon`` (monitoring allowed), a stand-in notification server
that owns the name, and a started ``NotificationWatcher``. Two figures:

* **parse rate**: a sender process sends N ``Notify`` calls (the size of a typical
  chat notification, with the usual hints) while the watcher is not reading, so the
  daemon queues them for the monitor; then the watcher drains them all, timed. This is
  the watcher's own cost per notification (socket reads + parsing + cleaning).
* **live**: the same sender as fast as it can while the watcher reads as they arrive;
  notifications per second from the first to the last caught, and whether any went
  missing.

Exits with status 1 if the parse rate misses the target or a notification is missing.
"""

from __future__ import annotations

import argparse
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from focus_app.clock import FakeClock
from focus_app.desktop.watcher import Caught, NotificationWatcher
from tests.desktop.buses import PrivateBus, StandInService

TARGET_PER_S = 2_000.0
DEFAULT_COUNT = 20_000

_SENDER = """
import sys
from jeepney import DBusAddress, MessageFlag, new_method_call
from jeepney.io.blocking import open_dbus_connection
address, count = sys.argv[1], int(sys.argv[2])
target = DBusAddress("/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                     "org.freedesktop.Notifications")
hints = {"urgency": ("y", 1), "category": ("s", "im.received"),
         "desktop-entry": ("s", "slack"), "sender-pid": ("x", 4242)}
with open_dbus_connection(address) as conn:
    for i in range(count):
        msg = new_method_call(target, "Notify", "susssasa{sv}i", (
            "Slack", 0, "slack", f"Bob {i % 50}",
            f"quick <b>question</b> number {i}: are you free at 3 to talk about the release?",
            ["default", "Open"], hints, -1))
        msg.header.flags |= MessageFlag.no_reply_expected
        conn.send(msg)
    bus = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
    conn.send_and_get_reply(new_method_call(bus, "GetId"), timeout=60)
"""


def _send(address: str, count: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", _SENDER, address, str(count)])


def _drain(watcher: NotificationWatcher, count: int, timeout: float) -> tuple[int, float, float]:
    """Read until ``count`` caught; return (caught, first time, last time)."""
    caught = 0
    first = last = 0.0
    deadline = time.monotonic() + timeout
    while caught < count and time.monotonic() < deadline:
        fd = watcher.fileno()
        if fd is None:
            raise SystemExit(f"watcher stopped: {watcher.problem}")
        if not watcher.has_pending:
            select.select([fd], [], [], 0.05)
        events = watcher.dispatch_pending()
        n = sum(isinstance(e, Caught) for e in events)
        if n:
            now = time.perf_counter()
            first = first or now
            last = now
            caught += n
    return caught, first, last


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    args = parser.parse_args(argv)
    count: int = args.count

    with PrivateBus() as bus:
        server = StandInService(bus.address, ("org.freedesktop.Notifications",))
        watcher = NotificationWatcher(FakeClock(datetime(2024, 5, 6, tzinfo=UTC)),
                                      bus=bus.address)
        try:
            if not watcher.start():
                print(watcher.problem)
                return 1
            # Parse rate: everything queued first, then drained.
            sender = _send(bus.address, count)
            sender.wait(120)
            start = time.perf_counter()
            queued, _first, _last = _drain(watcher, count, timeout=120)
            parse_s = time.perf_counter() - start
            # Live: read while the sender sends.
            sender = _send(bus.address, count)
            live, first, last = _drain(watcher, count, timeout=120)
            sender.wait(120)
        finally:
            watcher.close()
            server.close()

    parse_rate = queued / parse_s if parse_s else 0.0
    live_rate = (live - 1) / (last - first) if last > first else 0.0
    ok_rate = parse_rate >= TARGET_PER_S
    ok_whole = queued == count and live == count
    print("Watcher (private dbus-daemon, monitor connection, chat-sized Notify calls)")
    print(f"  parse rate, {count:,} queued: {parse_rate:,.0f}/s "
          f"({parse_s * 1e6 / max(queued, 1):.1f} µs each; target >= {TARGET_PER_S:,.0f}/s)  "
          f"{'PASS' if ok_rate else 'FAIL'}")
    print(f"  live, sender at full speed: {live_rate:,.0f}/s caught as they arrived")
    print(f"  complete: {queued:,} + {live:,} caught of {count:,} + {count:,} sent  "
          f"{'PASS' if ok_whole else 'FAIL'}")
    return 0 if ok_rate and ok_whole else 1


if __name__ == "__main__":
    sys.exit(main())
