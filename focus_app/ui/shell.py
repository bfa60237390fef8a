"""Starting the desktop UI on a running engine: the tray icon if there is a tray, the window.

``focus_app.app.run_app`` calls :func:`start_ui` once the engine runs. Where a system
tray exists the app lives there and the window opens on demand; where none does (stock
GNOME without the AppIndicator extension, some Wayland hosts) the window opens at once,
says why in one line, and closing it quits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from focus_app import APP_ID
from focus_app.ui.icons import app_icon
from focus_app.ui.main_window import MainWindow
from focus_app.ui.tray import TrayController

if TYPE_CHECKING:
    from focus_app.app import Runtime

log = logging.getLogger(__name__)


@dataclass
class Ui:
    """What the running desktop UI holds on to (keeps the Qt objects alive).

    Attributes:
        window: The main window (hidden at start when the tray exists).
        tray: The tray controller, or ``None`` when no system tray was found.
    """

    window: MainWindow
    tray: TrayController | None

    def shutdown(self) -> None:
        """Remember the window and take the icon out of the tray before the app ends."""
        if self.window.isVisible():
            self.window.save_state()
        if self.tray is not None:
            self.tray.hide()


def start_ui(runtime: Runtime) -> Ui:
    """Create the tray icon (when a tray exists) and the main window.

    Args:
        runtime: The started engine and its adapters (``app.start_runtime``).

    Returns:
        The :class:`Ui`; the caller keeps it alive as long as the event loop runs.
    """
    # Lets the desktop match windows and notifications to our .desktop file (Wayland app id).
    QGuiApplication.setDesktopFileName(APP_ID)
    QApplication.setWindowIcon(app_icon())
    window = MainWindow(runtime.engine)
    tray: TrayController | None = None
    if QSystemTrayIcon.isSystemTrayAvailable():
        tray = TrayController(runtime.engine, window)
        tray.show()
    else:
        log.warning("no system tray found; running in the main window")
        window.show_no_tray_banner()
    if runtime.startup_problems:
        # Already in the log (start_runtime); the window is where a person will see them.
        window.show_startup_problems(runtime.startup_problems)
    if tray is None or runtime.startup_problems:
        window.bring_to_front()
    ui = Ui(window, tray)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(ui.shutdown)
    return ui
