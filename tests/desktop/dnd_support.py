"""Support for the do-not-disturb tests: stand-in servers, helper daemons, a child "app".

``StandInServer`` is a small jeepney D-Bus service owning ``org.freedesktop.Notifications``
on a private bus. It stands in for servers that cannot run here: GNOME Shell (only its
``GetServerInformation`` name matters; the setting itself goes through real ``gsettings``
and ``dconf-service``) and KDE Plasma (it implements Plasma's ``Inhibit``/``UnInhibit``
and the ``Inhibited`` property, and, like Plasma, ends the inhibitions of a client that
leaves the bus).
"""

from __future__ import annotations

import glob
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from jeepney import (  # type: ignore[import-untyped]
    DBusAddress,
    HeaderFields,
    MatchRule,
    MessageType,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]


def _installed(pattern: str) -> str:
    """The one installed file matching ``pattern`` (multiarch folders differ by machine)."""
    found = sorted(glob.glob(pattern))
    return found[0] if found else pattern


XFCONFD = _installed("/usr/lib/*/xfce4/xfconf/xfconfd")  # Debian package xfconf
XFCE4_NOTIFYD = _installed("/usr/lib/*/xfce4/notifyd/xfce4-notifyd")  # xfce4-notifyd
DCONF_SERVICE = _installed("/usr/libexec/dconf-service")  # dconf-service

_PATH = "/org/freedesktop/Notifications"
_IFACE = "org.freedesktop.Notifications"
_PROPS = "org.freedesktop.DBus.Properties"


def wait_until(what: str, check: Callable[[], bool], timeout: float = 5.0) -> float:
    """Poll ``check`` every 50 ms; return the seconds it took, fail after ``timeout``."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - start


def wait_readable(fd: int | None, timeout: float = 5.0) -> None:
    """Wait until the driver's socket has something to read (as a QSocketNotifier would)."""
    assert fd is not None
    ready, _, _ = select.select([fd], [], [], timeout)
    assert ready, f"nothing arrived on the driver's socket within {timeout:g} s"


class StandInServer:
    """A jeepney notification server on ``bus_address``, served from a thread.

    Args:
        name: What ``GetServerInformation`` answers ("gnome-shell", "Plasma").
        inhibit: Implement Plasma's ``Inhibit``/``UnInhibit``/``Inhibited``.
    """

    def __init__(self, bus_address: str, name: str, *, inhibit: bool = False) -> None:
        self.name = name
        self.inhibit = inhibit
        self.inhibitions: dict[int, str] = {}  # cookie -> the client's unique bus name
        self._lock = threading.Lock()
        self._next_cookie = 1
        self._stop = threading.Event()
        self._conn = open_dbus_connection(bus_address)
        reply = self._conn.send_and_get_reply(
            message_bus.RequestName(_IFACE, 4),
            timeout=2,  # 4: do not queue
        )
        assert reply.body[0] == 1, f"could not own {_IFACE}: {reply.body}"
        self._conn.send_and_get_reply(
            message_bus.AddMatch(MatchRule(type="signal", member="NameOwnerChanged")), timeout=2
        )
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def inhibited(self) -> bool:
        """Whether any client holds an inhibition."""
        with self._lock:
            return bool(self.inhibitions)

    def user_clears_inhibitions(self) -> None:
        """What Plasma does when the user switches do-not-disturb off in its applet."""
        with self._lock:
            self.inhibitions.clear()
        self._emit_inhibited()

    def stop(self) -> None:
        """Stop serving and leave the bus."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._conn.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self._conn.receive(timeout=0.1)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                self._handle(msg)
            except OSError:
                return

    def _handle(self, msg: Any) -> None:
        fields = msg.header.fields
        member = fields.get(HeaderFields.member)
        if msg.header.message_type is MessageType.signal:
            if member == "NameOwnerChanged":
                gone, _old, new = msg.body
                if not new:
                    self._drop_client(gone)
            return
        if msg.header.message_type is not MessageType.method_call:
            return
        iface = fields.get(HeaderFields.interface)
        sender = fields.get(HeaderFields.sender)
        if member == "GetServerInformation":
            reply = new_method_return(msg, "ssss", (self.name, "stand-in", "1.0", "1.2"))
        elif self.inhibit and member == "Inhibit" and iface in (_IFACE, None):
            with self._lock:
                cookie, self._next_cookie = self._next_cookie, self._next_cookie + 1
                self.inhibitions[cookie] = sender
            reply = new_method_return(msg, "u", (cookie,))
            self._conn.send(reply)
            self._emit_inhibited()
            return
        elif self.inhibit and member == "UnInhibit":
            with self._lock:
                self.inhibitions.pop(int(msg.body[0]), None)
            self._conn.send(new_method_return(msg))
            self._emit_inhibited()
            return
        elif self.inhibit and iface == _PROPS and member == "Get" and msg.body[1] == "Inhibited":
            reply = new_method_return(msg, "v", (("b", self.inhibited),))
        elif member == "GetCapabilities":
            reply = new_method_return(msg, "as", (["body"],))
        else:
            reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (str(member),))
        self._conn.send(reply)

    def _drop_client(self, unique_name: str) -> None:
        with self._lock:
            gone = [c for c, owner in self.inhibitions.items() if owner == unique_name]
            for cookie in gone:
                del self.inhibitions[cookie]
        if gone:
            self._emit_inhibited()

    def _emit_inhibited(self) -> None:
        if not self.inhibit:
            return
        address = DBusAddress(_PATH, interface=_PROPS)
        self._conn.send(
            new_signal(
                address,
                "PropertiesChanged",
                "sa{sv}as",
                (_IFACE, {"Inhibited": ("b", self.inhibited)}, []),
            )
        )


@contextmanager
def daemon(argv: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """Run a helper daemon for the test; SIGTERM (then SIGKILL) only it afterwards."""
    proc = subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        stop_process(proc)


def stop_process(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL after 3 s; only this process."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=3)


# A stand-in for the app: switches do-not-disturb on through the real controller (and a
# real guardian process), says so on stdout, then waits to be killed.
_CHILD_APP = """
import sys, time
from focus_app.desktop.dnd.controller import DndController
from focus_app.desktop.dnd.guardian import GuardianProcess
from focus_app.desktop.dnd.registry import DRIVERS

entry = next(e for e in DRIVERS if e.name == sys.argv[1])
guardian = GuardianProcess()
controller = DndController(entry.open(sys.argv[2]), guardian)
controller.want(True)
print(controller.status, controller.engaged, guardian.pid, flush=True)
if sys.argv[3] == "quit":
    controller.close()
    print("closed", flush=True)
else:
    time.sleep(120)
"""


def start_child_app(
    driver: str, bus_address: str, env: dict[str, str], *, then: str = "wait"
) -> tuple[subprocess.Popen[str], list[str]]:
    """Start the child app; return it and its first line (status, engaged, guardian pid)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD_APP, driver, bus_address, then],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 15)
    line = proc.stdout.readline() if ready else ""
    if not line:
        stop_process(proc)
        _, err = proc.communicate(timeout=5)
        raise AssertionError(f"the child app did not start: {err.strip()[-800:]}")
    return proc, line.split()


def process_gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie nobody reaped counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def child_env(env: dict[str, str]) -> dict[str, str]:
    """The session's environment with this worktree importable (for ``-c`` children)."""
    out = dict(env)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return out
