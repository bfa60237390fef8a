"""Starting the program: the engine alone (``--headless``) or with the tray and windows.

Wires the adapters (store, settings, D-Bus notifier, sleep watcher, IPC server) to the
engine. Everything runs on the one Qt thread.
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
from focus_app.engine import Engine
from focus_app.ipc_client import Client, NotRunning, RemoteError, is_running
from focus_app.ipc_server import AlreadyRunning, IpcServer
from focus_app.notifier import DBusNotifier
from focus_app.paths import database_path, settings_path, socket_path, state_dir
from focus_app.qt_notifier import NotifierBridge
from focus_app.settings import load_settings
from focus_app.sleepwatch import SleepWatch
from focus_app.store import Store

log = logging.getLogger("focus_app")

EXIT_ALREADY_RUNNING = 1


@dataclass
class Runtime:
    """What a running app holds on to (keeps the Qt objects alive)."""

    engine: Engine
    server: IpcServer
    store: Store
    notifier: DBusNotifier
    bridge: NotifierBridge
    sleep: SleepWatch
    startup_problems: list[str]

    def shutdown(self) -> None:
        self.server.close()
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


def start_runtime() -> Runtime:
    """Open everything and start serving.

    Raises:
        AlreadyRunning: Another instance answers on the socket.
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
    bridge.action_invoked.connect(lambda _id, key: engine.on_notification_action(key))
    commands = Commands(engine)
    server = IpcServer(socket_path(), commands.handle, commands.handle_sends, is_running)
    try:
        server.listen()
    except AlreadyRunning:
        store.close()
        raise
    sleep = SleepWatch()
    sleep.resumed.connect(engine.reconcile)
    for line in problems:
        log.warning("%s", line)
    engine.start()
    log.info("%s %s started (pid %d)", DISPLAY_NAME, __version__, os.getpid())
    return Runtime(engine, server, store, notifier, bridge, sleep, problems)


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


def run_app(headless: bool = False) -> int:
    """``focus-app`` and ``focus-app --headless``."""
    if not headless:
        # A second start raises the running app's window and exits 0.
        try:
            with Client(socket_path()) as client:
                client.call("raise")
            print(f"{DISPLAY_NAME} is already running; showing its window.")
            return 0
        except (NotRunning, RemoteError, OSError):
            pass
    elif is_running(socket_path()):
        print(f"focus-app: already running (socket {socket_path()})", file=sys.stderr)
        return EXIT_ALREADY_RUNNING
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
        runtime = start_runtime()
    except AlreadyRunning:
        print(f"focus-app: already running (socket {socket_path()})", file=sys.stderr)
        return EXIT_ALREADY_RUNNING
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
