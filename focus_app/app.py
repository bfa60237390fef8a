"""Starting the program: the engine alone (``--headless``) or with the tray and windows.

Wires the adapters (store, settings, D-Bus notifier, sleep and clock watchers, IPC server)
to the engine. Everything runs on the one Qt thread.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler

from PySide6.QtCore import QCoreApplication, QSocketNotifier

from focus_app import APP_NAME, DISPLAY_NAME, __version__
from focus_app.clock import SystemClock
from focus_app.commands import Commands
from focus_app.desktop.clockwatch import ClockWatch
from focus_app.desktop.instance import InstanceLock, acquire, holder_pid
from focus_app.desktop.notifier import DBusNotifier
from focus_app.desktop.qt_notifier import NotifierBridge
from focus_app.desktop.sleepwatch import SleepWatch
from focus_app.engine import Engine
from focus_app.ipc_client import Client, NotAnswering, NotRunning, RemoteError
from focus_app.ipc_server import AlreadyRunning, IpcServer
from focus_app.paths import database_path, settings_path, socket_path, state_dir
from focus_app.settings import load_settings
from focus_app.store import Store, StoreError

log = logging.getLogger("focus_app")

EXIT_ALREADY_RUNNING = 1
RAISE_TIMEOUT = 5.0
"""How long a second tray start waits for the running app to show its window."""


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

    def shutdown(self) -> None:
        self.server.close()
        self.clock_watch.close()
        self.engine.shutdown()
        self.store.close()


def setup_logging() -> None:
    folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(folder / "focus-app.log", maxBytes=1_000_000, backupCount=2)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("focus-app: %(message)s"))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    root.addHandler(console)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


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
    store, warning = Store.open(database_path())
    if warning:
        problems.append(warning)
    notifier = DBusNotifier()
    engine = Engine(store, settings, notifier, SystemClock(), settings_path=settings_path())
    bridge = NotifierBridge(notifier)
    bridge.action_invoked.connect(
        lambda server_id, key: engine.on_notification_action(key, server_id)
    )
    bridge.delivery_reported.connect(engine.on_delivery_report)
    bridge.server_appeared.connect(engine.on_notification_server_appeared)
    commands = Commands(engine)
    server = IpcServer(socket_path(), commands.handle, commands.handle_sends, lock)
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
    engine.start()
    log.info("%s %s started (pid %d)", DISPLAY_NAME, __version__, os.getpid())
    return Runtime(engine, server, store, notifier, bridge, sleep, clock_watch, problems)


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
    """Another process holds the instance lock: a tray start asks it to show its window."""
    pid = holder_pid()
    who = f" (pid {pid}?)" if pid is not None else ""
    if headless:
        print(f"focus-app: already running{who}; stop it first", file=sys.stderr)
        return EXIT_ALREADY_RUNNING
    try:
        with Client(socket_path(), timeout=RAISE_TIMEOUT) as client:
            client.call("raise")
    except (NotRunning, NotAnswering, RemoteError, OSError):
        print(
            f"focus-app is already running but not answering{who}; "
            "wait a moment, or stop it and start again",
            file=sys.stderr,
        )
        return EXIT_ALREADY_RUNNING
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
    setup_logging()
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
    if not headless:
        from focus_app.ui.shell import start_ui

        ui = start_ui(runtime)
    try:
        return app.exec()
    finally:
        del ui
        runtime.shutdown()
        log.info("stopped")
