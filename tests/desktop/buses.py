"""Real D-Bus parts for the watcher's tests and benchmark: private buses, stand-in services.

- ``PrivateBus``: a ``dbus-daemon`` of our own with a chosen policy (the e2e harness's
  bus allows everything; the watcher must also be seen on buses that refuse monitoring).
- ``StandInService``: a tiny jeepney service in a thread that owns the names a test
  needs (``org.gtk.Notifications`` as GNOME Shell would, the portal, a notification
  server) and answers every method call, optionally only once the test says so.
- ``flood``: a fast jeepney sender of ``Notify`` calls at a steady rate, run as its own
  process (``python -m tests.desktop.buses flood ADDRESS COUNT RATE``), so its pacing
  does not depend on the reader under test.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from jeepney import (  # type: ignore[import-untyped]
    DBusAddress,
    MessageFlag,
    MessageType,
    new_method_call,
    new_method_return,
)
from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

_HEAD = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={socket_dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
"""
_TAIL = """  </policy>
</busconfig>
"""

OPEN_POLICY = """    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
"""
"""Like the e2e harness's bus: monitoring and eavesdropping allowed."""

NO_MONITORING_POLICY = OPEN_POLICY + """    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.DBus.Monitoring"/>
"""
"""An older-style bus: BecomeMonitor refused, eavesdropping allowed."""

STRICT_POLICY = """    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    <allow own="*"/>
    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.DBus.Monitoring"/>
"""
"""A sandbox-like bus: no monitoring, no eavesdropping (the dbus-daemon default)."""

NOTIFICATIONS = DBusAddress(
    "/org/freedesktop/Notifications",
    bus_name="org.freedesktop.Notifications",
    interface="org.freedesktop.Notifications",
)


class PrivateBus:
    """A ``dbus-daemon`` with its own policy; killed on exit."""

    def __init__(self, policy: str = OPEN_POLICY) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="fa-bus-"))
        self.policy = policy
        self.address = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = (self.root / "dbus-daemon.log").open("ab")

    def __enter__(self) -> PrivateBus:
        config = self.root / "bus.conf"
        config.write_text((_HEAD + self.policy + _TAIL).format(socket_dir=self.root))
        read_fd, write_fd = os.pipe()
        try:
            self._proc = subprocess.Popen(
                ["dbus-daemon", f"--config-file={config}", "--nofork", "--nosyslog",
                 f"--print-address={write_fd}"],
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stderr=self._log,
                start_new_session=True,
            )
            os.close(write_fd)
            write_fd = -1
            ready, _, _ = select.select([read_fd], [], [], 10)
            if not ready:
                raise RuntimeError("dbus-daemon did not print its address within 10 s")
            self.address = os.read(read_fd, 4096).decode().strip()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=3)
        self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)


Answer = Callable[[Any], tuple[str, tuple[Any, ...]]]


class StandInService:
    """Owns ``names`` on a bus and answers every method call from a thread.

    ``answer(message) -> (signature, body)`` makes the reply (default: an empty one).
    With ``hold`` set, replies (but that to ``Introspect``) wait until ``release()``, so
    a caller stays on the bus while the test looks at it. ``calls`` lists every method
    call's member, in order.
    """

    def __init__(
        self, address: str, names: tuple[str, ...], *, answer: Answer | None = None,
        hold: bool = False,
    ) -> None:
        self._conn = open_dbus_connection(address)
        for name in names:
            reply = self._conn.send_and_get_reply(message_bus.RequestName(name, 4), timeout=5)
            if reply.body[0] != 1:
                raise RuntimeError(f"could not own {name} on the test bus: {reply.body}")
        self._answer = answer or (lambda _msg: ("", ()))
        self._released = threading.Event()
        if not hold:
            self._released.set()
        self._stop = threading.Event()
        self.calls: list[str] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Let held replies go."""
        self._released.set()

    def close(self) -> None:
        self._stop.set()
        self._released.set()
        self._thread.join(5)
        self._conn.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self._conn.receive(timeout=0.05)
            except TimeoutError:
                continue
            except (OSError, ValueError):
                return
            if msg.header.message_type is not MessageType.method_call:
                continue
            self.calls.append(str(msg.header.fields.get(3, "")))  # 3: member
            if msg.header.flags & MessageFlag.no_reply_expected:
                continue
            if self.calls[-1] == "Introspect":  # gdbus asks first; never held
                self._conn.send(new_method_return(msg, "s", ("<node/>",)))
                continue
            self._released.wait()
            signature, body = self._answer(msg)
            try:
                self._conn.send(new_method_return(msg, signature, body))
            except OSError:
                return


def notify_call(app_name: str, summary: str, body: str, hints: dict[str, Any] | None = None,
                *, no_reply: bool = False) -> Any:
    """A ``Notify`` method call as a program would make it."""
    msg = new_method_call(
        NOTIFICATIONS, "Notify", "susssasa{sv}i",
        (app_name, 0, "", summary, body, [], hints or {}, -1),
    )
    if no_reply:
        msg.header.flags |= MessageFlag.no_reply_expected
    return msg


def flood(address: str, count: int, rate: float) -> None:
    """Send ``count`` Notify calls (no reply expected) at ``rate`` per second."""
    with open_dbus_connection(address) as conn:
        start = time.monotonic()
        for i in range(count):
            conn.send(notify_call("Flood", f"flood {i}", f"message number {i}", no_reply=True))
            due = start + (i + 1) / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        # A round trip to the bus: everything sent before it has been routed.
        bus = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
        conn.send_and_get_reply(new_method_call(bus, "GetId"), timeout=10)


def start_flood(address: str, count: int, rate: float) -> subprocess.Popen[bytes]:
    """Run ``flood`` in its own process; the caller waits for it."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.desktop.buses", "flood", address, str(count), str(rate)],
        stdin=subprocess.DEVNULL,
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["flood"]:
        flood(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
