"""Starting the desktop UI on a running engine: the tray icon if there is a tray, the window.

``focus_app.app.run_app`` calls :func:`start_ui` once the engine runs. Where a system
tray exists the app lives there and the window is built the first time it is needed (a
left click on the icon, a menu item that opens a page, a second ``focus-app``, a
notification's "Open inbox"): a window nobody opened would cost ~9 MB and ~28 ms at every
start (``docs/benchmarks.md``). Where no tray exists (stock GNOME without the
AppIndicator extension, some Wayland hosts), or something went wrong at start, the window
opens at once; without a tray it says why in one line, and closing it quits.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, QTimer
from PySide6.QtGui import QGuiApplication, QPixmapCache
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from focus_app import APP_ID
from focus_app.engine import ACTION_OPEN_INBOX, ACTION_OPEN_REVIEW, Engine
from focus_app.ui.icons import app_icon
from focus_app.ui.quick_actions import PAGE_HISTORY, PAGE_INBOX, PAGE_REVIEW, QuickActions
from focus_app.ui.tray import TrayController

if TYPE_CHECKING:
    from focus_app.app import Runtime
    from focus_app.commands import Commands
    from focus_app.ui.main_window import MainWindow
    from focus_app.ui.welcome import WelcomeWizard

log = logging.getLogger(__name__)


class Shell(QObject):
    """The quick actions, the main window once built, and where requests for it go.

    Every request to show something (a page from the tray menu or the Today page, a raise
    from a second start, "Open inbox" on a notification) comes here, so it works whether
    or not the window exists yet; a problem reported while there is no window is logged
    and shown in the status bar once the window is built.

    Args:
        engine: The running engine.
        state_file: Where the window remembers its geometry (default:
            ``main_window.window_state_path()``).
        commands: The app's command layer (the Settings page's Calendars section).

    Attributes:
        quick_actions: The tray menu's and the Today page's actions (one set).
    """

    def __init__(
        self, engine: Engine, *, state_file: Path | None = None, commands: Commands | None = None
    ) -> None:
        super().__init__()
        self.engine = engine
        self.commands = commands
        self.state_file = state_file
        self.quick_actions = QuickActions(engine, parent=self)
        self._window: MainWindow | None = None
        self._no_tray = False
        self._startup_problems: list[str] = []
        self._last_problem: str | None = None
        self.welcome: WelcomeWizard | None = None
        self.quick_actions.page_requested.connect(self.open_page)
        self.quick_actions.problem.connect(self.show_problem)
        engine.problem.connect(self.show_problem)
        engine.action_invoked.connect(self._on_notification_action)
        engine.digest_opened.connect(self.open_digest)
        engine.raise_requested.connect(self.show_window)

    @property
    def window(self) -> MainWindow | None:
        """The main window, or ``None`` while nothing has needed it yet."""
        return self._window

    def ensure_window(self) -> MainWindow:
        """The main window, built now (hidden) if it does not exist yet."""
        if self._window is None:
            # Imported here as well: the module and its widgets are a cost of opening it.
            from focus_app.ui.main_window import MainWindow

            # The theme lookup for the app icon is a cost of windows only (the tray has its own).
            QApplication.setWindowIcon(app_icon())
            window = MainWindow(
                self.engine, self.quick_actions, state_file=self.state_file,
                commands=self.commands,
            )
            if self._no_tray:
                window.show_no_tray_banner()
            window.show_startup_problems(self._startup_problems)
            if self._last_problem is not None:
                window.show_problem(self._last_problem)
            self.quick_actions.window = window
            self._window = window
        return self._window

    def show_window(self) -> None:
        """Build the window if needed and bring it to the front."""
        self.ensure_window().bring_to_front()

    def open_page(self, key: str) -> None:
        """Show the window on page ``key`` (tray menu items, notification actions)."""
        self.ensure_window().open_page(key)

    def set_no_tray(self) -> None:
        """There is no tray: the window says so, and closing it quits."""
        self._no_tray = True
        if self._window is not None:
            self._window.show_no_tray_banner()

    def set_startup_problems(self, problems: Sequence[str]) -> None:
        """What went wrong at start; the window's banner shows it (now or when built)."""
        self._startup_problems = list(problems)
        if self._window is not None:
            self._window.show_startup_problems(self._startup_problems)

    def show_problem(self, message: str) -> None:
        """A runtime problem: logged, and in the window's status bar (now or when built)."""
        log.warning("%s", message)
        self._last_problem = message
        if self._window is not None:
            self._window.show_problem(message)

    def maybe_welcome(self, state_path: Path | None = None) -> WelcomeWizard | None:
        """Show the first-run guide on a first start (empty calendar, never done).

        Args:
            state_path: Where "done" is remembered (default: the state folder).

        Returns:
            The guide when it is shown, else ``None``.
        """
        from focus_app.ui.welcome_state import should_welcome, welcome_state_path

        path = state_path if state_path is not None else welcome_state_path()
        if self.welcome is not None or not should_welcome(self.engine, path):
            return None
        from focus_app.ui.welcome import WelcomeWizard  # its widgets: only when it is shown

        self.welcome = WelcomeWizard(self.engine, state_path=path, tray_available=not self._no_tray)
        self.welcome.show()
        return self.welcome


    def open_digest(self, digest_id: int) -> None:
        """Show the History page with exactly the items of one digest or pacing summary."""
        from focus_app.ui.history_page import HistoryPage
        from focus_app.ui.pages import LazyPage

        window = self.ensure_window()
        page = window.page(PAGE_HISTORY)
        content = page.content if isinstance(page, LazyPage) else page
        if isinstance(content, HistoryPage):
            content.show_digest(digest_id)
        window.open_page(PAGE_HISTORY)

    def window_state(self) -> dict[str, Any]:
        """What the window shows, for ``focus-app window`` (format: ``commands.NO_WINDOW``).

        Read from the widgets as they are: nothing is built or loaded for the answer (a
        window nobody opened stays unbuilt; a page never shown reports no items).
        """
        from focus_app.commands import NO_WINDOW
        from focus_app.ui.history_page import HistoryPage
        from focus_app.ui.inbox_page import InboxPage
        from focus_app.ui.pages import LazyPage

        window = self._window
        if window is None:
            return dict(NO_WINDOW)
        key = window.current_page()
        page = window.page(key)
        content: QObject | None = page
        if isinstance(page, LazyPage):
            content = page.content if page.is_built else None
        items: list[int] = []
        digest: int | None = None
        more = False
        if isinstance(content, HistoryPage):
            model = content.model
            digest = model.filter.digest_id
            rows = (model.row_at(row).notification.id for row in range(model.rowCount()))
            items = [nid for nid in rows if nid is not None]
            more = model.canFetchMore(QModelIndex())
        elif isinstance(content, InboxPage):
            proxy = content.proxy
            for row in range(proxy.rowCount()):
                source = proxy.mapToSource(proxy.index(row, 0))
                nid = content.model.item(source.row()).notification.id
                if nid is not None:
                    items.append(nid)
        return {
            **NO_WINDOW,
            "open": window.isVisible() and not window.isMinimized(),
            "page": key,
            "digest": digest,
            "items": items,
            "more": more,
        }

    def _on_notification_action(self, action: str) -> None:
        """A digest's "Open inbox" opens the inbox; the reminder's "Open review" the review."""
        if action == ACTION_OPEN_INBOX:
            self.open_page(PAGE_INBOX)
        elif action == ACTION_OPEN_REVIEW:
            self.open_page(PAGE_REVIEW)

    def shutdown(self) -> None:
        """Remember an open window's geometry before the app ends."""
        if self._window is not None and self._window.isVisible():
            self._window.save_state()


@dataclass
class Ui:
    """What the running desktop UI holds on to (keeps the Qt objects alive).

    Attributes:
        shell: The quick actions and the main window (built on first use).
        tray: The tray controller, or ``None`` when no system tray was found.
    """

    shell: Shell
    tray: TrayController | None

    @property
    def window(self) -> MainWindow | None:
        """The main window, or ``None`` while nothing has opened it."""
        return self.shell.window

    def shutdown(self) -> None:
        """Remember the window and take the icon out of the tray before the app ends."""
        self.shell.shutdown()
        if self.shell.welcome is not None:
            self.shell.welcome.hide()  # quitting is not skipping: it comes back next start
        if self.tray is not None:
            self.tray.hide()


def start_ui(
    runtime: Runtime,
    *,
    tray_available: bool | None = None,
    state_file: Path | None = None,
    welcome_file: Path | None = None,
) -> Ui:
    """Create the tray icon, or the main window when there is no tray or a start-up problem.

    On a first start (empty calendar, guide never done) the first-run guide opens too.

    Args:
        runtime: The started engine and its adapters (``app.start_runtime``).
        tray_available: Whether to use the system tray; ``None`` asks Qt (tests decide).
        state_file: Where the window remembers its geometry (default: the state folder).
        welcome_file: Where "the guide was done" is remembered (default: the state folder).

    Returns:
        The :class:`Ui`; the caller keeps it alive as long as the event loop runs.
    """
    # Lets the desktop match windows and notifications to our .desktop file (Wayland app id).
    QGuiApplication.setDesktopFileName(APP_ID)
    if tray_available is None:
        tray_available = QSystemTrayIcon.isSystemTrayAvailable()
    shell = Shell(runtime.engine, state_file=state_file, commands=runtime.commands)
    if runtime.commands is not None:
        runtime.commands.window_state = shell.window_state
    tray: TrayController | None = None
    if tray_available:
        tray = TrayController(shell.quick_actions, shell.show_window, parent=shell)
        tray.show()
    else:
        log.warning("no system tray found; running in the main window")
        shell.set_no_tray()
    if runtime.startup_problems:
        # Already in the log (start_runtime); the window is where a person will see them.
        shell.set_startup_problems(runtime.startup_problems)
    if tray is None or runtime.startup_problems:
        shell.show_window()
    shell.maybe_welcome(welcome_file)
    ui = Ui(shell, tray)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(ui.shutdown)
    QTimer.singleShot(SETTLE_MS, settle_after_start)
    return ui


SETTLE_MS = 3_000
"""When start-up's leftovers are let go (see :func:`settle_after_start`)."""


def settle_after_start() -> None:
    """Give back what start-up needed and idle does not: a tray app mostly sits there.

    * ``QPixmapCache`` keeps the pixmaps rendered while starting and runs a flush timer
      (every 30 s, then every 10 s) until the cache is empty: idle wake-ups for nothing.
      The tray icons are QIcons with their own pixmaps and do not need the cache.
    * glibc keeps the heap that imports and start-up freed; ``malloc_trim`` returns it to
      the system, so the idle footprint is what the app really holds.
    """
    QPixmapCache.clear()
    if sys.platform.startswith("linux"):
        # Not glibc (musl): nothing to give back this way.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
