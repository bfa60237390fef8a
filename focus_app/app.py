"""Starting the program: the engine alone (``--headless``) or with the tray and windows.

Wires the adapters (store, settings, D-Bus notifier, sleep and clock watchers, IPC server)
to the engine. Everything runs on the one Qt thread.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSocketNotifier

from focus_app import APP_NAME, DISPLAY_NAME, __version__
from focus_app.clock import SystemClock
from focus_app.commands import Commands, Pending
from focus_app.desktop.clockwatch import ClockWatch
from focus_app.desktop.instance import InstanceLock, acquire, holder_pid, is_held
from focus_app.desktop.notifier import DBusNotifier
from focus_app.desktop.qt_notifier import NotifierBridge
from focus_app.desktop.sleepwatch import SleepWatch
from focus_app.desktop.watcher import REFUSED_PREFIX
from focus_app.desktop_gate import DesktopParts, GatedNotifier, start_desktop_gate
from focus_app.engine import Engine
from focus_app.ipc_client import Client, NotAnswering, NotRunning, RemoteError
from focus_app.ipc_server import AlreadyRunning, IpcServer
from focus_app.paths import (
    database_path,
    private_dir,
    private_file,
    settings_path,
    socket_path,
    state_dir,
    tighten,
)
from focus_app.settings import load_settings
from focus_app.store import APP_BUSY_TIMEOUT_MS, Store, StoreError

if TYPE_CHECKING:
    from focus_app.calendars.background import BackgroundWork

log = logging.getLogger("focus_app")

EXIT_ALREADY_RUNNING = 1
RAISE_TIMEOUT = 5.0
"""How long a second tray start waits for the running app to show its window."""
WAIT_FOR_WINNER = 10.0
"""How long a second start waits for an app that holds the lock to start answering."""


@dataclass
class Runtime:
    """What a running app holds on to (keeps the Qt objects alive)."""

    engine: Engine
    server: IpcServer
    store: Store
    notifier: DBusNotifier
    bridge: NotifierBridge
    sleep: SleepWatch
    clock_watch: ClockWatch
    startup_problems: list[str]
    desktop: DesktopParts | None = None
    background: BackgroundWork | None = None
    commands: Commands | None = None
    """The command layer the socket serves; the window's Calendars section uses it too, and
    the desktop UI adds what the window shows (``window``)."""

    def run_in_background(self, pending: Pending) -> None:
        """Drive long work nobody waits for (a scheduled calendar refresh)."""
        if self.background is None:
            from focus_app.calendars.background import BackgroundWork  # only once needed

            self.background = BackgroundWork()
        self.background.run(pending)

    def shutdown(self) -> None:
        self.server.close()
        if self.background is not None:
            self.background.close()
        if self.desktop is not None:
            self.desktop.gate.shutdown()  # the user's own do-not-disturb back first
        self.clock_watch.close()
        self.engine.shutdown()
        self.store.close()


class _PrivateLogHandler(RotatingFileHandler):
    """The log file, created 0600 and never through a symlink (rotated copies keep it).

    The log quotes notification titles and senders: other users must not read it.
    """

    def _open(self) -> io.TextIOWrapper:
        fd = private_file(Path(self.baseFilename), os.O_WRONLY | os.O_APPEND)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


LOG_NAME = "focus-app.log"


def setup_logging() -> str | None:
    """Log to the (private) state folder and warnings to stderr.

    Returns:
        A problem line if the log file cannot be written (the app then logs to stderr
        only: a log is no reason not to start), else ``None``.
    """
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("focus-app: %(message)s"))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(console)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    path = state_dir() / LOG_NAME
    try:
        private_dir(path.parent)
        for old in (path, *(path.with_name(f"{LOG_NAME}.{n}") for n in (1, 2))):
            tighten(old)
        handler = _PrivateLogHandler(path, maxBytes=1_000_000, backupCount=2)
    except OSError as error:
        reason = "it is a symlink" if error.errno == errno.ELOOP else error.strerror
        return (
            f"cannot write the log {path} ({reason}); logging to the terminal only. "
            f"Fix with: chmod 700 {path.parent}"
        )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return None


def start_runtime(lock: InstanceLock) -> Runtime:
    """Open everything and start serving.

    Args:
        lock: The instance lock, taken before anything is opened (``instance.acquire``).

    Raises:
        AlreadyRunning: ``lock`` is not held.
        StoreError: The database cannot be used (the message says why).
    """
    problems: list[str] = []
    settings, settings_problems = load_settings(settings_path())
    problems.extend(settings_problems)
    store, warning = Store.open(database_path(), busy_timeout_ms=APP_BUSY_TIMEOUT_MS)
    if warning:
        problems.append(warning)
    notifier = DBusNotifier()
    gated = GatedNotifier(notifier)
    engine = Engine(store, settings, gated, SystemClock(), settings_path=settings_path())
    problems.extend(engine.problems())  # stored blocks it cannot use, skipped
    bridge = NotifierBridge(notifier)
    bridge.action_invoked.connect(
        lambda server_id, key: engine.on_notification_action(key, server_id)
    )
    bridge.delivery_reported.connect(engine.on_delivery_report)
    bridge.server_appeared.connect(engine.on_notification_server_appeared)
    commands = Commands(engine)
    server = IpcServer(socket_path(), commands.serve, commands.handle_sends, lock)
    try:
        server.listen()
    except AlreadyRunning:
        store.close()
        raise
    sleep = SleepWatch()
    sleep.resumed.connect(engine.on_clock_changed)
    clock_watch = ClockWatch(engine.clock)
    clock_watch.clock_changed.connect(engine.on_clock_changed)
    clock_watch.timezone_changed.connect(engine.on_timezone_changed)
    for line in problems:
        log.warning("%s", line)
    runtime = Runtime(engine, server, store, notifier, bridge, sleep, clock_watch, problems)
    runtime.commands = commands
    commands.run_in_background = runtime.run_in_background
    if store.list_subscriptions() or store.has_contact_calendars():
        commands.following()  # calendars are followed: their refreshes join the wake-ups
    if store.list_caldav_links():
        commands.caldav()  # CalDAV links: their syncs join the wake-ups, edits are noted
    engine.start()
    if os.environ.get(NO_DESKTOP_GATE_ENV) != "1":
        runtime.desktop = start_desktop_gate(
            engine, gated, guardian_log=state_dir() / "dnd-guardian.log"
        )
        problems.extend(desktop_problems(runtime.desktop.gate.status()))
    log.info("%s %s started (pid %d)", DISPLAY_NAME, __version__, os.getpid())
    return runtime


NO_DESKTOP_GATE_ENV = "FOCUS_APP_NO_DESKTOP_GATE"
"""Set to 1 to run without catching other programs' notifications or touching the
desktop's do-not-disturb (the engine then gates only ``send``)."""



def desktop_problems(status: dict[str, object]) -> list[str]:
    """One line for each part of the desktop gate that does not work here."""
    lines = []
    dnd, catching = str(status.get("dnd", "")), str(status.get("catching", ""))
    if ": " in dnd:  # "unsupported: <server>", "none: …" or "<driver>: <last error>"
        lines.append(
            f"Do-not-disturb cannot be driven here ({dnd}); other programs' held "
            "notifications may still pop up."
        )
    if catching.startswith("unavailable"):
        # The watcher's line says what failed, then what still works: say the latter once.
        why = catching.removeprefix("unavailable: ").removeprefix(f"{REFUSED_PREFIX}: ")
        why = why.split("; only notifications sent with focus-app send", 1)[0]
        lines.append(
            f"Other programs' notifications are not gated ({why}); 'focus-app send' still is."
        )
    return lines


def _quit_on_signals(app: QCoreApplication) -> QSocketNotifier:
    """SIGINT/SIGTERM end the event loop cleanly (no polling: a wake-up fd)."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:
        try:
            reader.recv(64)
        except BlockingIOError:
            return
        app.quit()

    notifier.activated.connect(drain)
    _keepalive.append((reader, writer, notifier))  # alive as long as the process
    return notifier


_keepalive: list[object] = []


def _already_running(headless: bool) -> int:
    """Another process holds the instance lock: a tray start asks it to show its window.

    The holder may have won the lock a moment ago and not be listening yet (twenty
    starts at once): while it still holds the lock, keep asking for up to
    :data:`WAIT_FOR_WINNER` seconds before calling it unresponsive.
    """
    deadline = time.monotonic() + WAIT_FOR_WINNER
    pid = holder_pid()
    while pid is None and is_held() and time.monotonic() < deadline:
        time.sleep(0.05)  # the winner writes its pid right after taking the lock
        pid = holder_pid()
    who = f" (pid {pid})" if pid is not None else ""
    if headless:
        print(f"focus-app: already running{who}; stop it first", file=sys.stderr)
        return EXIT_ALREADY_RUNNING
    while True:
        try:
            with Client(socket_path(), timeout=RAISE_TIMEOUT) as client:
                client.call("raise")
            break
        except (NotRunning, NotAnswering, RemoteError, OSError):
            if time.monotonic() >= deadline or not is_held():
                stale = f" (pid {pid}?)" if pid is not None else ""  # it may have died since
                print(
                    f"focus-app is already running but not answering{stale}; "
                    "wait a moment, or stop it and start again",
                    file=sys.stderr,
                )
                return EXIT_ALREADY_RUNNING
            time.sleep(0.1)
    print(f"{DISPLAY_NAME} is already running; showing its window.")
    return 0


def run_app(headless: bool = False) -> int:
    """``focus-app`` and ``focus-app --headless``."""
    # Who runs is decided by the lock alone, before the store is opened (desktop/instance.py).
    try:
        lock = acquire()
    except OSError as exc:
        print(f"focus-app: {exc}", file=sys.stderr)
        return 1
    if lock is None:
        return _already_running(headless)
    _keepalive.append(lock)  # held until the process exits
    log_problem = setup_logging()
    if headless:
        app: QCoreApplication = QCoreApplication(sys.argv[:1])
    else:
        from PySide6.QtWidgets import QApplication

        app = QApplication(sys.argv[:1])
        app.setQuitOnLastWindowClosed(False)
        app.setApplicationDisplayName(DISPLAY_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    try:
        runtime = start_runtime(lock)
        if log_problem:
            log.warning("%s", log_problem)
            runtime.startup_problems.insert(0, log_problem)
    except AlreadyRunning:
        print(f"focus-app: already running (socket {socket_path()})", file=sys.stderr)
        return EXIT_ALREADY_RUNNING
    except StoreError as exc:
        print(f"focus-app: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"focus-app: {exc}", file=sys.stderr)
        return 1
    _quit_on_signals(app)
    ui = None
    if headless:
        # The one thing a person starting it by hand needs: it runs, and where to reach it.
        print(
            f"{DISPLAY_NAME} {__version__} is running headless (pid {os.getpid()}); "
            f"socket {socket_path()}; try 'focus-app status', stop with Ctrl+C",
            flush=True,
        )
    else:
        from focus_app.ui.shell import start_ui

        ui = start_ui(runtime)
    try:
        return app.exec()
    finally:
        del ui
        runtime.shutdown()
        log.info("stopped")
