"""A throwaway Wayland desktop for end-to-end tests: headless sway, swaybar's tray, swaync or mako.

``WaylandSession`` is the Wayland sibling of ``tests.e2e.harness.DesktopSession``: a
private ``dbus-daemon`` (the same no-activation config), a headless sway
(``WLR_BACKENDS=headless``, software rendering, no Xwayland) whose swaybar hosts
StatusNotifierItems (``org.kde.StatusNotifierWatcher`` on the private bus), and swaync or
mako as the notification server. Start the program under test with ``env=session.env``.

Running as root (containers, CI images): sway 1.7 refuses to start when it could regain
root after dropping it ("Unable to drop root ... refusing to start"), so as root sway
(and the swaybar it spawns) runs as ``nobody`` through ``setpriv``; the private bus then
lets that user connect and sway gets a runtime folder of its own. Everything else (the
app, the notification server, the test) stays the calling user and reaches sway through
``WAYLAND_DISPLAY`` as an absolute socket path. As an ordinary user nothing changes hands.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from jeepney import DBusAddress, MessageType, new_method_call  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

from tests.e2e.harness import (
    _BUS_CONFIG,
    HarnessError,
    _read_line_from_fd,
    _terminate,
    _wait_until,
    missing_programs,
)

SERVERS = ("swaync", "mako")
"""Notification servers a session can run."""

REQUIRED_PROGRAMS = ("sway", "swaybar", "swaymsg", "dbus-daemon")
"""Programs every Wayland session needs (Debian: sway, dbus)."""

_NOBODY = 65534
"""The unprivileged user sway runs as when the tests run as root."""

_SWAY_CONFIG = """xwayland disable
output HEADLESS-1 resolution {width}x{height}
default_border normal
bar {{
    position top
    mode dock
    tray_output *
}}
"""

# mako only hides anything in do-not-disturb when the user's config says so; this is the
# section mako's documentation suggests, so the driver has something real to switch.
MAKO_DND_CONFIG = """default-timeout=0
[mode=do-not-disturb]
invisible=1
"""

SWAYNC = DBusAddress(
    "/org/erikreider/swaync/cc", "org.erikreider.swaync.cc", "org.erikreider.swaync.cc"
)
MAKO = DBusAddress("/fr/emersion/Mako", "org.freedesktop.Notifications", "fr.emersion.Mako")
WATCHER = DBusAddress(
    "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher", "org.freedesktop.DBus.Properties"
)
_BUS = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")


def wayland_missing_programs(server: str | None) -> list[str]:
    """The programs a session with ``server`` needs that are not on PATH."""
    wanted = REQUIRED_PROGRAMS + ((server,) if server else ())
    if os.geteuid() == 0:
        wanted += ("setpriv",)
    return missing_programs(wanted)


class WaylandSession:
    """Private session bus + headless sway (with swaybar's tray) + a notification server.

    Args:
        server: ``"swaync"``, ``"mako"`` or ``None`` (a bus without a notification server).
        mako_config: The mako config file's text (only with ``server="mako"``); the default
            has the ``[mode=do-not-disturb]`` section. Written to
            ``root/config/mako/config``, where mako (and the mako driver) look for it.
        size: The headless output's resolution.
        startup_timeout: Seconds each program gets to come up.

    Attributes:
        root: Temporary folder for everything of this session (removed on exit).
        env: Environment for the program under test: ``os.environ`` without DISPLAY, plus
            WAYLAND_DISPLAY (absolute path), SWAYSOCK, DBUS_SESSION_BUS_ADDRESS, the XDG
            folders in ``root``, XDG_SESSION_TYPE=wayland and QT_QPA_PLATFORM=wayland.
        bus_address: The private session bus address.
        wayland_socket: sway's Wayland socket.
    """

    def __init__(
        self,
        *,
        server: str | None = "swaync",
        mako_config: str = MAKO_DND_CONFIG,
        size: tuple[int, int] = (1280, 800),
        startup_timeout: float = 10.0,
    ) -> None:
        if server not in (*SERVERS, None):
            raise ValueError(f"unknown notification server {server!r}; use one of {SERVERS}")
        self.server = server
        self.mako_config = mako_config
        self.size = size
        self.startup_timeout = startup_timeout
        self.root = Path(tempfile.mkdtemp(prefix="fa-wl-"))
        self.env: dict[str, str] = {}
        self.bus_address = ""
        self.wayland_socket = Path()
        self._as_root = os.geteuid() == 0
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._logs: list[Any] = []
        self._server_proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> WaylandSession:
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
        """Start the bus, sway (+ swaybar) and the server; raise ``HarnessError``."""
        missing = wayland_missing_programs(self.server)
        if missing:
            raise HarnessError(
                f"Wayland e2e tests need {', '.join(missing)} on PATH "
                "(Debian/Ubuntu: apt install sway sway-notification-center mako-notifier dbus)"
            )
        # nobody (sway as root) must reach its own folder and the bus socket below root.
        self.root.chmod(0o711)
        for sub in ("config", "data", "state", "cache", "runtime"):
            (self.root / sub).mkdir(mode=0o700)
        self._start_bus()
        self.env = dict(os.environ)
        self.env.pop("DISPLAY", None)
        self.env.update(
            DBUS_SESSION_BUS_ADDRESS=self.bus_address,
            XDG_CONFIG_HOME=str(self.root / "config"),
            XDG_DATA_HOME=str(self.root / "data"),
            XDG_STATE_HOME=str(self.root / "state"),
            XDG_CACHE_HOME=str(self.root / "cache"),
            XDG_RUNTIME_DIR=str(self.root / "runtime"),
            XDG_SESSION_TYPE="wayland",
            XDG_CURRENT_DESKTOP="sway",
            QT_QPA_PLATFORM="wayland",
        )
        self._start_sway()
        if self.server:
            self.start_server()

    def stop(self) -> None:
        """Kill everything this session started (newest first) and remove ``root``."""
        for _name, proc in reversed(self._procs):
            _terminate(proc)
        self._procs.clear()
        self._server_proc = None
        for log in self._logs:
            log.close()
        self._logs.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def start_server(self) -> None:
        """Start the session's notification server; wait until it owns the freedesktop name."""
        if self._server_proc is not None or not self.server:
            return
        if self.server == "mako":
            config = self.root / "config" / "mako" / "config"
            config.parent.mkdir(exist_ok=True)
            config.write_text(self.mako_config)
            argv = ["mako"]
        else:
            # swaync 0.7 keeps do-not-disturb in GSettings (org.erikreider.swaync dnd-state):
            # without dconf on the bus every switch is silently lost.
            self._start_dconf()
            argv = ["swaync"]
        # GTK's accessibility bridge would ask the bus for a service that is not there.
        env = {**self.env, "NO_AT_BRIDGE": "1", "GTK_A11Y": "none"}
        proc = self._spawn(self.server, argv, env=env)
        self._server_proc = proc

        def up() -> bool:
            if proc.poll() is not None:
                raise HarnessError(f"{self.server} exited at startup: {self.log_tail(self.server)}")
            return self.name_has_owner("org.freedesktop.Notifications")

        _wait_until(f"{self.server} to own org.freedesktop.Notifications", up, self.startup_timeout)

    def _start_dconf(self) -> None:
        if self.name_has_owner("ca.desrt.dconf"):
            return
        service = shutil.which("dconf-service") or "/usr/libexec/dconf-service"
        if not Path(service).exists():
            raise HarnessError("swaync needs dconf-service (Debian: apt install dconf-service)")
        proc = self._spawn("dconf-service", [service], env=self.env)

        def up() -> bool:
            if proc.poll() is not None:
                raise HarnessError(f"dconf-service exited: {self.log_tail('dconf-service')}")
            return self.name_has_owner("ca.desrt.dconf")

        _wait_until("dconf-service to own ca.desrt.dconf", up, self.startup_timeout)

    def stop_server(self) -> None:
        """Stop the notification server, leaving the bus without one."""
        if self._server_proc is not None:
            _terminate(self._server_proc)
            self._procs = [(n, p) for n, p in self._procs if p is not self._server_proc]
            self._server_proc = None
            _wait_until(
                "org.freedesktop.Notifications to leave the bus",
                lambda: not self.name_has_owner("org.freedesktop.Notifications"),
                self.startup_timeout,
            )

    def call(
        self,
        address: DBusAddress,
        method: str,
        signature: str | None = None,
        body: tuple[Any, ...] = (),
    ) -> tuple[Any, ...]:
        """One method call on the private bus; raise ``HarnessError`` on an error reply."""
        with open_dbus_connection(self.bus_address) as conn:
            reply = conn.send_and_get_reply(
                new_method_call(address, method, signature, body), timeout=3
            )
        if reply.header.message_type is MessageType.error:
            raise HarnessError(f"{address.interface}.{method} failed: {reply.body}")
        return tuple(reply.body)

    def name_has_owner(self, name: str) -> bool:
        """Ask the private bus whether ``name`` is owned right now."""
        return bool(self.call(_BUS, "NameHasOwner", "s", (name,))[0])

    def name_owner_pid(self, name: str) -> int:
        """The process id of the connection owning ``name`` (e.g. the notification server)."""
        owner = self.call(_BUS, "GetNameOwner", "s", (name,))[0]
        return int(self.call(_BUS, "GetConnectionUnixProcessID", "s", (owner,))[0])

    def registered_tray_items(self) -> list[str]:
        """swaybar's ``RegisteredStatusNotifierItems``: ``"<bus name><object path>"`` each."""
        value = self.call(
            WATCHER,
            "Get",
            "ss",
            ("org.kde.StatusNotifierWatcher", "RegisteredStatusNotifierItems"),
        )[0]
        # Properties.Get answers a variant: (signature, value).
        return [str(item) for item in value[1]]

    def server_notifications(self) -> list[dict[str, str]]:
        """What the notification server holds now (shown or in its list), oldest first.

        swaync: its control center's count only (no listing on its bus interface), as
        ``[{}] * count``. mako: ``ListNotifications`` with ``summary``, ``body``,
        ``app-name`` and ``urgency`` of each.
        """
        if self.server == "swaync":
            count = int(self.call(SWAYNC, "NotificationCount")[0])
            return [{} for _ in range(count)]
        if self.server == "mako":
            (items,) = self.call(MAKO, "ListNotifications")
            found = []
            for item in reversed(items):  # mako lists the newest first
                found.append({key: str(value[1]) for key, value in item.items()})
            return found
        return []

    def swaymsg(self, *args: str) -> str:
        """Run ``swaymsg`` against this session's sway; return its stdout."""
        done = subprocess.run(
            ["swaymsg", *args], env=self.env, capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise HarnessError(f"swaymsg {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def screenshot(self, path: Path | str) -> Path:
        """Save the headless output with ``grim`` (for failure reports)."""
        path = Path(path)
        if shutil.which("grim") is None:
            raise HarnessError("screenshots on Wayland need grim (Debian: apt install grim)")
        subprocess.run(
            ["grim", str(path)], env=self.env, check=True, capture_output=True, timeout=20
        )
        return path

    def log_tail(self, name: str, chars: int = 600) -> str:
        """The end of a started program's stderr log, for error messages."""
        try:
            text = (self.root / f"{name}.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return " ".join(text[-chars:].split())

    def _start_bus(self) -> None:
        # The harness's bus (no activation), open to every user of this machine only when
        # sway has to run as someone else; the socket folder is then traversable.
        socket_dir = self.root / "bus"
        socket_dir.mkdir(mode=0o711 if self._as_root else 0o700)
        config = _BUS_CONFIG.format(socket_dir=socket_dir)
        if self._as_root:
            config = config.replace(
                '<policy context="default">', '<policy context="default">\n    <allow user="*"/>'
            )
        (self.root / "bus.conf").write_text(config)
        read_fd, write_fd = os.pipe()
        try:
            self._spawn(
                "dbus-daemon",
                [
                    "dbus-daemon",
                    f"--config-file={self.root / 'bus.conf'}",
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

    def _start_sway(self) -> None:
        sway_runtime = self.root / "sway-runtime"
        sway_runtime.mkdir(mode=0o700)
        config = self.root / "sway.conf"
        config.write_text(_SWAY_CONFIG.format(width=self.size[0], height=self.size[1]))
        config.chmod(0o644)
        argv = ["sway", "-c", str(config)]
        if self._as_root:
            os.chown(sway_runtime, _NOBODY, _NOBODY)
            argv = [
                "setpriv",
                f"--reuid={_NOBODY}",
                f"--regid={_NOBODY}",
                "--clear-groups",
                *argv,
            ]
        env = {
            **self.env,
            "XDG_RUNTIME_DIR": str(sway_runtime),
            "WLR_BACKENDS": "headless",
            "WLR_LIBINPUT_NO_DEVICES": "1",
            # No GPU here (no /dev/dri): wlroots renders in software.
            "WLR_RENDERER": "pixman",
            "HOME": str(self.root),
        }
        env.pop("WAYLAND_DISPLAY", None)
        env.pop("SWAYSOCK", None)
        proc = self._spawn("sway", argv, env=env)

        def sockets() -> bool:
            if proc.poll() is not None:
                raise HarnessError(f"sway exited at startup: {self.log_tail('sway')}")
            return any(sway_runtime.glob("wayland-*.lock")) and any(
                sway_runtime.glob("sway-ipc.*.sock")
            )

        _wait_until("sway's Wayland and IPC sockets", sockets, self.startup_timeout)
        self.wayland_socket = next(
            p for p in sway_runtime.glob("wayland-*") if not p.name.endswith(".lock")
        )
        self.env.update(
            WAYLAND_DISPLAY=str(self.wayland_socket),
            SWAYSOCK=str(next(sway_runtime.glob("sway-ipc.*.sock"))),
        )

        def watcher_up() -> bool:
            if proc.poll() is not None:
                raise HarnessError(f"sway exited at startup: {self.log_tail('sway')}")
            return self.name_has_owner("org.kde.StatusNotifierWatcher")

        _wait_until("swaybar's StatusNotifierWatcher", watcher_up, self.startup_timeout)

    def _spawn(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        pass_fds: tuple[int, ...] = (),
    ) -> subprocess.Popen[bytes]:
        out = open(self.root / f"{name}.out", "ab")  # noqa: SIM115
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


def wait_for(what: str, check: Any, timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy; return that, or fail the test."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)
