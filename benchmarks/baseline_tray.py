"""The baseline for the tray benchmark (issue 3): the least a PySide6 tray app can be.

A ``QApplication``, one ``QSystemTrayIcon`` with a plain drawn icon, and a context menu
with "Quit". No engine, no windows, no timers. ``benchmarks.bench_tray`` starts it the way
it starts ``focus-app`` and measures start-up, idle memory and idle wake-ups of both.

Run alone (on a desktop with a system tray): ``python -m benchmarks.baseline_tray``.
Once the icon has been handed to the tray and the event loop has run, it prints ``shown``
on stdout; the benchmark does not rely on that line but detects the icon from outside,
as an embedded window inside the tray host (the same way it watches ``focus-app``).
"""

from __future__ import annotations

import signal
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

APP_NAME = "baseline-tray"
"""Also the X window class of the icon, which the benchmark looks for."""


def _icon() -> QIcon:
    pixmap = QPixmap(32, 32)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#3a7bd5"))
    painter.setPen(QColor("#1d3d6a"))
    painter.drawEllipse(2, 2, 28, 28)
    painter.end()
    return QIcon(pixmap)


def main() -> int:
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setQuitOnLastWindowClosed(False)
    # SIGTERM ends the process at once (the default action); Qt's loop needs no help.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if not QSystemTrayIcon.isSystemTrayAvailable():
        print("baseline-tray: no system tray", file=sys.stderr)
        return 1
    menu = QMenu()
    menu.addAction("Quit", app.quit)
    tray = QSystemTrayIcon(_icon())
    tray.setToolTip("Baseline tray app")
    tray.setContextMenu(menu)
    tray.show()

    def announce() -> None:
        if tray.isVisible():
            print("shown", flush=True)

    QTimer.singleShot(0, announce)  # once, after the loop has processed show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
