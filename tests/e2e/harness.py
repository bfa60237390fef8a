"""A throwaway desktop for end-to-end tests: Xvfb, a private session bus, dunst, a tray.

``DesktopSession`` starts everything on a free display and a private ``dbus-daemon``
(its own config: no service activation, so a test controls exactly which services
exist and the real user's bus is never touched), and kills it all on exit, also when
the test fails. Start the program under test with ``env=desktop.env``.

dunst runs with ``-print``; on dunst 1.9 each notification is printed as::

    {
    \tappname: 'Focus & Boundaries'
    \tsummary: 'Title'
    \tbody: 'first line
    second line'
    \t...
    \turgency: NORMAL
    \tformatted: '<b>Title</b>
    first line ...'
    \tid: 3
    \tactions: {
    \t\t"open": "Open inbox"
    \t}
    }

Values are printed raw (no escaping) in single quotes and may span lines; see
``parse_dunst_print`` for how that is read back.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from jeepney import DBusAddress, new_method_call  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

REQUIRED_PROGRAMS = ("Xvfb", "dbus-daemon", "dunst")
"""Programs every session needs; CI installs them (Debian: xvfb, dbus, dunst)."""

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={socket_dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

# Left click runs the action (a single action or "default"), so xdotool can click one.
_DUNSTRC = """[global]
    monitor = 0
    follow = none
    origin = top-right
    offset = 10x50
    width = 320
    notification_limit = 0
    idle_threshold = 0
    show_indicators = no
    markup = full
    mouse_left_click = do_action, close_current
    mouse_middle_click = close_current
    mouse_right_click = close_all
    dmenu = {dmenu}
"""

# dunst's context menu, scripted: dunst writes one line per action of every notification
# on screen to "dmenu" and takes the line it prints back as the choice.
_DMENU = """#!/bin/sh
cat > "{root}/menu.tmp" && mv "{root}/menu.tmp" "{root}/menu.in"
grep -F -m1 -e "$(cat "{root}/menu.pick")" "{root}/menu.in"
"""

_FIELD = re.compile(r"^\t([A-Za-z_][A-Za-z_ ]*): ?(.*)$")
_ACTION = re.compile(r'^\t\t"(.*)": "(.*)"$')


class HarnessError(RuntimeError):
    """The throwaway desktop could not be started; the message says what to install/fix."""


def missing_programs(names: tuple[str, ...] = REQUIRED_PROGRAMS) -> list[str]:
    """The programs of ``names`` that are not on PATH."""
    return [name for name in names if shutil.which(name) is None]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value.startswith("'") and value.endswith("'"):
        return value[1:-1]
    return value


def _open_quote(value: str) -> bool:
    return value.startswith("'") and not (len(value) >= 2 and value.endswith("'"))


def parse_dunst_print(text: str) -> list[dict[str, Any]]:
    """Parse the notifications printed by ``dunst -print``.

    Each notification is a block from a line ``{`` to a line ``}``. A field line is a
    tab, a key and ``: ``; a single-quoted value runs until a line that ends the quote,
    so bodies with newlines (even lines that look like fields) are kept whole. Unknown
    keys are kept, so a newer dunst adding fields does not break tests.

    Returns:
        One dict per notification: every printed key with the quotes removed (e.g.
        ``summary``, ``body``, ``appname``, ``urgency`` as ``LOW``/``NORMAL``/
        ``CRITICAL``, ``formatted``, ``id``), and ``actions`` as ``{key: label}``.
    """
    notifications: list[dict[str, Any]] = []
    fields: dict[str, str] | None = None
    key = ""
    for line in text.splitlines():
        if fields is None:
            if line == "{":
                fields, key = {}, ""
            continue
        if key and _open_quote(fields[key]):
            fields[key] += "\n" + line
            continue
        if line == "}":
            notifications.append(_finish(fields))
            fields = None
            continue
        match = _FIELD.match(line)
        if match:
            key = match.group(1)
            fields[key] = match.group(2)
        elif key:
            fields[key] += "\n" + line
    return notifications


def _finish(fields: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = {key: _unquote(value) for key, value in fields.items()}
    actions: dict[str, str] = {}
    for line in fields.get("actions", "").splitlines():
        match = _ACTION.match(line)
        if match:
            actions[match.group(1)] = match.group(2)
    result["actions"] = actions
    return result


def _wait_until(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise HarnessError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


def _read_line_from_fd(fd: int, what: str, timeout: float) -> str:
    """Read one line a child writes to a pipe (Xvfb's display, dbus-daemon's address)."""
    import selectors

    data = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise HarnessError(f"timed out after {timeout:g} s waiting for {what}")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise HarnessError(f"{what}: the program exited before reporting it")
            data += chunk
    return data.split(b"\n", 1)[0].decode()


class DesktopSession:
    """Xvfb + private session bus + dunst (+ trayer), as a context manager.

    Args:
        with_tray: Also start ``trayer``, a real XEmbed system tray.
        with_dunst: Start dunst; ``False`` gives a bus without a notification server.
        screen: Xvfb screen geometry and depth.
        startup_timeout: Seconds each program gets to come up.
        dunst_config: More dunstrc text after the ``[global]`` section, e.g. a section
            ``[urgency_normal]`` with ``timeout = 0`` (pop-ups stay until closed).

    Attributes:
        root: Temporary folder for everything of this session (removed on exit).
        env: Environment for the program under test: ``os.environ`` plus DISPLAY,
            DBUS_SESSION_BUS_ADDRESS, the XDG folders in ``root`` and QT_QPA_PLATFORM=xcb.
        display: e.g. ``":5"``.
        bus_address: The private session bus address.
        dunst_log: The file dunst's ``-print`` output goes to.
    """

    def __init__(
        self,
        *,
        with_tray: bool = False,
        with_dunst: bool = True,
        screen: str = "1280x800x24",
        startup_timeout: float = 10.0,
        dunst_config: str = "",
    ) -> None:
        self.with_tray = with_tray
        self.dunst_config = dunst_config
        self.with_dunst = with_dunst
        self.screen = screen
        self.startup_timeout = startup_timeout
        self.root = Path(tempfile.mkdtemp(prefix="fa-desk-"))
        self.env: dict[str, str] = {}
        self.display = ""
        self.bus_address = ""
        self.dunst_log = self.root / "dunst.out"
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._logs: list[Any] = []
        self._dunst: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> DesktopSession:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start Xvfb, the bus, dunst and (if asked) trayer; raise ``HarnessError``."""
        missing = missing_programs(REQUIRED_PROGRAMS + (("trayer",) if self.with_tray else ()))
        if missing:
            raise HarnessError(
                f"e2e tests need {', '.join(missing)} on PATH "
                "(Debian/Ubuntu: apt install xvfb dbus dunst trayer)"
            )
        for sub in ("config", "data", "state", "cache", "runtime"):
            (self.root / sub).mkdir(mode=0o700)
        self._start_xvfb()
        self._start_bus()
        self.env = dict(os.environ)
        self.env.update(
            DISPLAY=self.display,
            DBUS_SESSION_BUS_ADDRESS=self.bus_address,
            XDG_CONFIG_HOME=str(self.root / "config"),
            XDG_DATA_HOME=str(self.root / "data"),
            XDG_STATE_HOME=str(self.root / "state"),
            XDG_CACHE_HOME=str(self.root / "cache"),
            XDG_RUNTIME_DIR=str(self.root / "runtime"),
            QT_QPA_PLATFORM="xcb",
        )
        self.env.pop("WAYLAND_DISPLAY", None)
        if self.with_dunst:
            self.start_dunst()
        if self.with_tray:
            self._start_trayer()

    def stop(self) -> None:
        """Kill everything this session started (newest first) and remove ``root``."""
        for _name, proc in reversed(self._procs):
            _terminate(proc)
        self._procs.clear()
        self._dunst = None
        for log in self._logs:
            log.close()
        self._logs.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def start_dunst(self) -> None:
        """Start dunst (again) and wait until it owns org.freedesktop.Notifications."""
        if self._dunst is not None:
            return
        config = self.root / "dunstrc"
        dmenu = self.root / "dmenu.sh"
        dmenu.write_text(_DMENU.format(root=self.root))
        dmenu.chmod(0o700)
        config.write_text(_DUNSTRC.format(dmenu=dmenu) + self.dunst_config)
        self._dunst = self._spawn(
            "dunst",
            ["dunst", "-config", str(config), "-print"],
            stdout=self.dunst_log,
            env=self.env,
        )
        _wait_until(
            "dunst to own org.freedesktop.Notifications",
            lambda: self._dunst_alive() and self.name_has_owner("org.freedesktop.Notifications"),
            self.startup_timeout,
        )

    def stop_dunst(self) -> None:
        """Stop dunst, leaving the bus without a notification server."""
        if self._dunst is not None:
            _terminate(self._dunst)
            self._procs = [(n, p) for n, p in self._procs if p is not self._dunst]
            self._dunst = None
            _wait_until(
                "org.freedesktop.Notifications to leave the bus",
                lambda: not self.name_has_owner("org.freedesktop.Notifications"),
                self.startup_timeout,
            )

    def name_has_owner(self, name: str) -> bool:
        """Ask the private bus whether ``name`` is owned right now."""
        bus = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
        with open_dbus_connection(self.bus_address) as conn:
            reply = conn.send_and_get_reply(
                new_method_call(bus, "NameHasOwner", "s", (name,)), timeout=2
            )
        return bool(reply.body[0])

    def dunst_notifications(self) -> list[dict[str, Any]]:
        """Every notification dunst has printed so far, oldest first."""
        try:
            text = self.dunst_log.read_text(errors="replace")
        except FileNotFoundError:
            return []
        return parse_dunst_print(text)

    def wait_for_notifications(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until dunst has printed at least ``count`` notifications; return them all."""
        _wait_until(
            f"{count} notification(s) in dunst's output",
            lambda: len(self.dunst_notifications()) >= count,
            timeout,
        )
        return self.dunst_notifications()

    def dunstctl(self, *args: str) -> str:
        """Run ``dunstctl`` against this session's dunst; return its stdout."""
        done = subprocess.run(
            ["dunstctl", *args], env=self.env, capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise HarnessError(f"dunstctl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def invoke_action(self, notification_id: int, action: str, timeout: float = 5.0) -> None:
        """Pick ``action`` of a notification on screen in dunst's own context menu.

        ``dunstctl context`` makes dunst run its ``dmenu`` command with one line per
        action of every notification on screen (``#Open inbox (summary) [12,open-inbox]``)
        and act on the line it answers; this session's ``dmenu`` is a script that answers
        the wanted line. So dunst itself emits ``ActionInvoked``, exactly as when a person
        picks the action. (``dunstctl action N`` only helps for a notification with one
        action or a "default": otherwise it opens this same menu.)

        Args:
            notification_id: dunst's id of the notification (``id`` in its output).
            action: The action's key, e.g. ``open-inbox``.
            timeout: Seconds to wait for dunst to run the menu.

        Raises:
            HarnessError: dunst ran no menu (nothing with an action is on screen), or the
                menu has no such action (not on screen any more, timed out, closed).
        """
        menu = self.root / "menu.in"
        menu.unlink(missing_ok=True)
        wanted = f"[{notification_id},{action}]"
        (self.root / "menu.pick").write_text(wanted)
        self.dunstctl("context")
        _wait_until("dunst to run its context menu", menu.exists, timeout)
        lines = menu.read_text(errors="replace").splitlines()
        if not any(line.endswith(wanted) for line in lines):
            raise HarnessError(f"dunst's menu has no {wanted}: {lines}")

    def screenshot(self, path: Path | str) -> Path:
        """Save the whole screen with ImageMagick's ``import`` (for failure reports)."""
        path = Path(path)
        subprocess.run(
            ["import", "-window", "root", str(path)],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=20,
        )
        return path

    def _start_xvfb(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            self._spawn(
                "Xvfb",
                [
                    "Xvfb",
                    "-displayfd",
                    str(write_fd),
                    "-screen",
                    "0",
                    self.screen,
                    "-nolisten",
                    "tcp",
                ],
                pass_fds=(write_fd,),
            )
            os.close(write_fd)
            write_fd = -1
            number = _read_line_from_fd(read_fd, "Xvfb's display number", self.startup_timeout)
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        self.display = f":{number.strip()}"

    def _start_bus(self) -> None:
        # A short folder of its own: AF_UNIX paths must stay under 108 bytes.
        socket_dir = self.root / "bus"
        socket_dir.mkdir(mode=0o700)
        config = self.root / "bus.conf"
        config.write_text(_BUS_CONFIG.format(socket_dir=socket_dir))
        read_fd, write_fd = os.pipe()
        try:
            self._spawn(
                "dbus-daemon",
                [
                    "dbus-daemon",
                    f"--config-file={config}",
                    "--nofork",
                    "--nosyslog",
                    f"--print-address={write_fd}",
                ],
                pass_fds=(write_fd,),
            )
            os.close(write_fd)
            write_fd = -1
            self.bus_address = _read_line_from_fd(
                read_fd, "dbus-daemon's address", self.startup_timeout
            ).strip()
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)

    def _start_trayer(self) -> None:
        self._spawn(
            "trayer",
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "request",
                "--height",
                "24",
                "--transparent",
                "false",
            ],
            env=self.env,
        )
        _wait_until("trayer to own the X system tray", self._tray_owned, self.startup_timeout)

    def _tray_owned(self) -> bool:
        done = subprocess.run(
            ["xdotool", "search", "--classname", "trayer"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return done.returncode == 0 and bool(done.stdout.strip())

    def _dunst_alive(self) -> bool:
        if self._dunst is None or self._dunst.poll() is not None:
            log = (self.root / "dunst.log").read_text(errors="replace")[-500:]
            raise HarnessError(f"dunst exited at startup: {log.strip()}")
        return True

    def _spawn(
        self,
        name: str,
        argv: list[str],
        *,
        stdout: Path | None = None,
        env: dict[str, str] | None = None,
        pass_fds: tuple[int, ...] = (),
    ) -> subprocess.Popen[bytes]:
        out = open(stdout if stdout else self.root / f"{name}.out", "ab")  # noqa: SIM115
        err = open(self.root / f"{name}.log", "ab")  # noqa: SIM115
        self._logs += [out, err]
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env if env is not None else {**os.environ},
            pass_fds=pass_fds,
            start_new_session=True,
        )
        self._procs.append((name, proc))
        return proc


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 3 s; only the one process we started."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=3)
