"""The system tray icon: the mode at a glance and the day's quick toggles.

The icon shows the mode and the held count, the tooltip says it in words ("Focus until
11:30 · 4 held · next: Office hours 16:00"), and the menu offers the quick actions of
:class:`~focus_app.ui.quick_actions.QuickActions`, which it shares with the Today page.
Nothing here polls: everything follows the engine's signals, so an override started from
the command line shows in an already open menu.

Balloon messages (``showMessage``) are never used: on Linux they are unreliable and
bypass the gate. The app's own notifications go through the engine's notifier.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QCursor, QGuiApplication, QPixmapCache
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from focus_app.core.model import Mode
from focus_app.engine import Ingested
from focus_app.status_text import Status, desktop_gate_text, format_status
from focus_app.ui.icons import mode_icon
from focus_app.ui.quick_actions import (
    MODE_HELP,
    PAGE_REQUESTS,
    QuickActions,
    literal_tooltip,
    menu_text,
)


def meter(fraction: float, cells: int = 10) -> str:
    """A small text meter, ``▰▰▰▱▱▱▱▱▱▱``; full (never more) past the budget."""
    filled = max(0, min(cells, round(fraction * cells)))
    return "▰" * filled + "▱" * (cells - filled)


class TrayController(QObject):
    """Owns the tray icon and its menu.

    The main window is not needed (nor built) for the menu: the icon only asks for it
    through ``open_window`` on a left click.

    Args:
        actions: The shared quick actions; they fill the menu.
        open_window: Shows the main window, building it on first use.
        parent: The owning object (the UI shell).

    Attributes:
        icon: The ``QSystemTrayIcon``.
        menu: Its context menu.
        submenus: The "Focus now", "Available now" and "Pause now" submenus by mode.
    """

    def __init__(
        self,
        actions: QuickActions,
        open_window: Callable[[], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.actions = actions
        self._open_window = open_window
        self.menu = QMenu()
        self.menu.setObjectName("tray-menu")
        self.menu.setToolTipsVisible(True)
        self.submenus: dict[Mode, QMenu] = {}
        self.copy_status_action = QAction("&Copy my status", self.menu)
        self.copy_status_action.setObjectName("tray-copy-status")
        self.copy_status_action.setToolTip(
            "Copy one friendly line for auto-replies: the mode and when you read messages"
        )
        self.copy_status_action.triggered.connect(self.copy_status)
        # The week's budget as the menu's second line as well as in the tooltip: not
        # every tray host shows tooltips (GNOME's AppIndicator extension does not).
        self.budget_action = QAction("", self.menu)
        self.budget_action.setObjectName("tray-budget")
        self.budget_action.setToolTip("This week's budget: open Requests to triage")
        self.budget_action.triggered.connect(
            lambda: self.actions.page_requested.emit(PAGE_REQUESTS)
        )
        self._build_menu()
        self.icon = QSystemTrayIcon(self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.actions.refreshed.connect(self._show_status)
        self.menu.aboutToShow.connect(self.actions.refresh)
        self.actions.engine.requests_changed.connect(self.actions.refresh)
        # A breakthrough changes the meter but no held count or mode: refresh for it,
        # at most every quarter second (a flood of priority messages is one refresh).
        self._meter_timer = QTimer(self)
        self._meter_timer.setSingleShot(True)
        self._meter_timer.setInterval(250)
        self._meter_timer.timeout.connect(self.actions.refresh)
        self.actions.engine.decided.connect(self._on_decided)
        self._shown_icon_key: tuple[str, int] | None = None
        self._show_status(self.actions.status)

    def _on_decided(self, ingested: Ingested) -> None:
        if ingested.decision.breakthrough and not self._meter_timer.isActive():
            self._meter_timer.start()

    def show(self) -> None:
        """Put the icon into the tray."""
        self.icon.show()

    def hide(self) -> None:
        """Take the icon out of the tray (before quitting, so no ghost icon stays)."""
        self._meter_timer.stop()  # nothing refreshes after the engine's store is closed
        self.icon.hide()

    def _build_menu(self) -> None:
        a = self.actions
        self.menu.addAction(a.status_action)
        self.menu.addAction(self.budget_action)
        self.menu.addSeparator()
        for mode in (Mode.FOCUS, Mode.AVAILABLE, Mode.PAUSED):
            sub = self.menu.addMenu(a.group_title(mode))
            sub.setObjectName(f"tray-{mode.value}")
            sub.menuAction().setToolTip(MODE_HELP[mode])
            for action in a.choice_actions(mode):
                sub.addAction(action)
            self.submenus[mode] = sub
        self.menu.addAction(a.resume_action)
        self.menu.addAction(self.copy_status_action)
        self.menu.addSeparator()
        self.menu.addAction(a.held_action)
        self.menu.addAction(a.release_action)
        self.menu.addSeparator()
        self.menu.addAction(a.calendar_action)
        self.menu.addAction(a.review_action)
        self.menu.addAction(a.settings_action)
        self.menu.addSeparator()
        self.menu.addAction(a.autostart_action)
        self.menu.addAction(a.quit_action)

    def _show_status(self, status: Status) -> None:
        """Icon, tooltip and submenu titles from the engine's status."""
        if not status:
            return
        self._meter_timer.stop()  # this refresh shows every breakthrough decided so far
        now = self.actions.engine.clock.now()
        key = (str(status["mode"]), int(status.get("held", 0)))
        if key != self._shown_icon_key:  # setIcon makes the panel redraw: only on change
            self.icon.setIcon(mode_icon(Mode(key[0]), key[1]))
            self._shown_icon_key = key
            # Drawing the new icon fills QPixmapCache, whose flush timer then wakes the app
            # every 10-30 s until the cache is empty (the tray icon keeps its own pixmaps):
            # empty it once the icon is drawn, so a mode change leaves no idle wake-ups.
            QTimer.singleShot(0, QPixmapCache.clear)
        # The mode's label is the user's (block title, reason, imported SUMMARY).
        text = format_status(status, now=now, with_source=False)
        gate = desktop_gate_text(status)
        budget = self.budget_line()
        self.budget_action.setText(menu_text(budget))
        lines = [text, gate, budget]
        self.icon.setToolTip(literal_tooltip("\n".join(line for line in lines if line)))
        for mode, sub in self.submenus.items():
            sub.setTitle(self.actions.group_title(mode))

    def budget_line(self) -> str:
        """The week's budget meter: ``▰▰▰▰▰▰▰▱▱▱ 3.5 of 5 h committed, 2 of 10 breakthroughs``."""
        budget = self.actions.engine.week_budget()
        return f"{meter(budget.fraction)} {budget.text()}"

    def copy_status(self) -> str:
        """Put the status line for auto-replies on the clipboard (and return it)."""
        line = self.actions.engine.status_text()
        QGuiApplication.clipboard().setText(line)
        return line

    def tooltip(self) -> str:
        """The tooltip as set on the icon (escaped as rich text when Qt would misread it)."""
        return self.icon.toolTip()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        """Left click (or double click) opens the main window; right click is the menu.

        X11 trays and StatusNotifierItem hosts that read the exported menu (KDE, GNOME's
        extension, waybar) show the menu themselves. swaybar 1.7 does not: it only calls
        the item's ``ContextMenu``, which Qt passes on as a bare ``Context`` activation.
        Then the menu pops up here; on Wayland a menu needs a window to hang from, so
        the main window opens instead (its Today page has the same quick actions).
        """
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self._open_window()
        elif reason == QSystemTrayIcon.ActivationReason.Context and not self.menu.isVisible():
            if QGuiApplication.platformName().startswith("wayland"):
                self._open_window()
            else:
                self.menu.popup(QCursor.pos())
