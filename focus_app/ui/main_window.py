"""The main window: a sidebar of pages (Today, Calendar, Inbox, History, Review, Requests,
Settings).

The Today page shows the mode in large type and offers every quick action as a button, so
the window alone is enough to run the day where no system tray exists. The other pages are
plugged in with :meth:`MainWindow.add_page` by whoever builds them; until they are, each
says in one paragraph what will be there.

The window is built the first time it is needed (see :mod:`focus_app.ui.shell`, which owns
the quick actions and routes the engine's requests to it). Every label that can show the
user's words (block titles, reasons, settings values, start-up problems) is plain text:
Qt would otherwise take "<b>Deep</b>" for markup.

Remembered UI state (geometry, last page) is kept in a JSON file in the state folder, not
in the user's settings: deleting it must never lose a preference.
"""

from __future__ import annotations

import base64
import binascii
import functools
import html
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QFont, QIcon, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from focus_app import DISPLAY_NAME, __version__
from focus_app.core.model import Mode
from focus_app.engine import Engine
from focus_app.paths import state_dir
from focus_app.status_text import (
    Status,
    held_text,
    mode_title,
    next_text,
    source_word,
    until_text,
)
from focus_app.ui.icons import PAGE_ICON_NAMES, app_icon, mode_icon, page_icon
from focus_app.ui.pages import (
    LazyPage,
    build_calendar_page,
    build_history_page,
    build_inbox_page,
    build_requests_page,
    build_settings_page,
)
from focus_app.ui.quick_actions import (
    GROUP_TITLES,
    MODE_HELP,
    PAGE_CALENDAR,
    PAGE_HISTORY,
    PAGE_INBOX,
    PAGE_REQUESTS,
    PAGE_REVIEW,
    PAGE_SETTINGS,
    PAGE_TODAY,
    QuickActions,
)
from focus_app.ui.today_view import TodayTimeline, held_summary, next_window_text

if TYPE_CHECKING:
    from focus_app.commands import Commands

log = logging.getLogger(__name__)

STATE_FILE_NAME = "main-window.json"
NO_TRAY_BANNER = (
    "No system tray found (e.g. GNOME without the AppIndicator extension): "
    f"{DISPLAY_NAME} runs in this window."
)


def window_state_path() -> Path:
    """Where the window's geometry and last page are remembered."""
    return state_dir() / STATE_FILE_NAME


def _placeholder_texts() -> dict[str, str]:
    """What each not-yet-built page will hold (none left: every page is built)."""
    return {}


def _build_review_page(engine: Engine) -> QWidget:
    # Imported when first shown, like the other pages: charts are a cost of opening them.
    from focus_app.ui.review_page import build_review_page

    return build_review_page(engine)


ROW_TITLES = {mode: title.replace("&", "") for mode, title in GROUP_TITLES.items()}
"""The Today page's row titles: the tray's group titles, without the mnemonics."""


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plain_label(text: str = "") -> QLabel:
    """A label that never interprets its text as rich text (it may be the user's)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _panel(title: str, summary: QLabel) -> tuple[QFrame, QVBoxLayout]:
    """A framed box on the Today page: a bold title, its summary, then room below (for
    buttons the caller adds to the returned layout)."""
    box = QFrame()
    box.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(box)
    heading = QLabel(title)
    heading.setFont(_bold(heading.font()))
    layout.addWidget(heading)
    layout.addWidget(summary)
    layout.addStretch(1)
    return box, layout


def _bold(font: QFont) -> QFont:
    font = QFont(font)
    font.setBold(True)
    return font


class PlaceholderPage(QWidget):
    """A page that is not built yet: one paragraph on what will be there.

    The only kind of placeholder the app allows; tests check it appears nowhere else.
    """

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("placeholder")
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        heading.setFont(font)
        self.text = _plain_label(text)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(heading)
        layout.addWidget(self.text)
        layout.addStretch(1)


class ActionButton(QPushButton):
    """A push button that mirrors a QAction (text without mnemonic, enabled, checked).

    ``QToolButton.setDefaultAction`` would do this, but it keeps the menu's ``&`` mnemonics,
    and the same mnemonic on several buttons of one page makes ambiguous shortcuts.
    """

    def __init__(self, action: QAction, text: str | None = None) -> None:
        super().__init__()
        self.action_ = action
        self._fixed_text = text
        self.clicked.connect(self._trigger)
        action.changed.connect(self._sync)
        self._sync()

    def _trigger(self) -> None:
        self.action_.trigger()
        self._sync()

    def _sync(self) -> None:
        action = self.action_
        text = self._fixed_text or action.text()
        # Drop the menu's mnemonics but keep an escaped "&&" (a literal "&" on a button too).
        self.setText(text.replace("&&", "\0").replace("&", "").replace("\0", "&&"))
        self.setEnabled(action.isEnabled())
        self.setCheckable(action.isCheckable())
        self.setChecked(action.isChecked())


class TodayPage(QWidget):
    """The day at a glance and every quick action as buttons (the no-tray fallback).

    From the top: the mode in large type; today's timeline (blocks, the override, now);
    what is held (how many, from whom, the way to the inbox) beside the next window;
    then the quick actions.
    """

    def __init__(self, actions: QuickActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.quick_actions = actions
        self.mode_icon = QLabel()
        self.mode_label = _plain_label()
        self.mode_label.setObjectName("mode")
        big = QFont(self.mode_label.font())
        big.setPointSizeF(big.pointSizeF() * 2.2)
        big.setBold(True)
        self.mode_label.setFont(big)
        self.until_label = _plain_label()
        self.next_label = _plain_label()
        self.held_label = _plain_label()
        for label in (self.until_label, self.next_label, self.held_label):
            font = label.font()
            font.setPointSizeF(font.pointSizeF() * 1.15)
            label.setFont(font)

        card = QFrame()
        card.setObjectName("status-card")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card_layout = QHBoxLayout(card)
        card_layout.setContentsMargins(16, 16, 16, 16)
        card_layout.addWidget(self.mode_icon, 0, Qt.AlignmentFlag.AlignTop)
        text_column = QVBoxLayout()
        text_column.addWidget(self.mode_label)
        text_column.addWidget(self.until_label)
        text_column.addWidget(self.next_label)
        text_column.addWidget(self.held_label)
        card_layout.addLayout(text_column, 1)

        self.day_label = _plain_label()
        self.day_label.setFont(_bold(self.day_label.font()))
        self.timeline = TodayTimeline(actions.engine)
        self.held_summary = _plain_label()
        self.held_summary.setWordWrap(True)
        self.held_summary.setObjectName("held-summary")
        self.window_summary = _plain_label()
        self.window_summary.setWordWrap(True)
        self.window_summary.setObjectName("next-window")

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        self.buttons: dict[str, ActionButton] = {}
        self.group_labels: dict[Mode, QLabel] = {}
        for row, mode in enumerate((Mode.FOCUS, Mode.AVAILABLE, Mode.PAUSED)):
            label = QLabel(ROW_TITLES[mode])
            label.setFont(_bold(label.font()))
            label.setToolTip(MODE_HELP[mode])
            self.group_labels[mode] = label
            grid.addWidget(label, row, 0)
            for column, action in enumerate(actions.choice_actions(mode), start=1):
                button = ActionButton(action)
                self.buttons[f"{mode.value}:{button.text()}"] = button
                grid.addWidget(button, row, column)
        grid.setColumnStretch(6, 1)

        others = QHBoxLayout()
        for key, action in (
            ("resume", actions.resume_action),
            ("release", actions.release_action),
            ("inbox", actions.held_action),
        ):
            button = ActionButton(action)
            self.buttons[key] = button
        others.addWidget(self.buttons["resume"])
        others.addStretch(1)

        held_box, held_layout = _panel("Held", self.held_summary)
        held_buttons = QHBoxLayout()
        held_buttons.addWidget(self.buttons["inbox"])
        held_buttons.addWidget(self.buttons["release"])
        held_buttons.addStretch(1)
        held_layout.addLayout(held_buttons)
        window_box, _ = _panel("Next window", self.window_summary)
        boxes = QHBoxLayout()
        boxes.setSpacing(16)
        boxes.addWidget(held_box, 1)
        boxes.addWidget(window_box, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.setSpacing(12)
        layout.addWidget(card)
        layout.addSpacing(4)
        layout.addWidget(self.day_label)
        layout.addWidget(self.timeline)
        layout.addLayout(boxes)
        layout.addSpacing(4)
        layout.addLayout(grid)
        layout.addLayout(others)
        layout.addStretch(1)
        actions.refreshed.connect(self.show_status)
        self.show_status(actions.status)

    def show_status(self, status: Status) -> None:
        """Fill the card from the engine's status dict."""
        if not status:
            return
        now = self.quick_actions.engine.clock.now()
        mode = Mode(str(status["mode"]))
        self.mode_icon.setPixmap(mode_icon(mode, 0).pixmap(QSize(48, 48)))
        self.mode_label.setText(mode_title(status))
        until = until_text(status, now)
        phrases = {"schedule": "from your schedule", "default": "your default mode"}
        word = source_word(status)  # "manual" here, in the tray and on the command line
        origin = phrases.get(word, word)
        self.until_label.setText(
            f"{_first_upper(until)} ({origin})" if until else _first_upper(origin)
        )
        self.next_label.setText(_first_upper(next_text(status, now)) or "No change ahead")
        self.held_label.setText(held_text(status))
        if self.isVisible():
            self.show_day()

    def show_day(self) -> None:
        """Today's heading, timeline, held senders and next window, read now.

        Only while the page is seen: the held senders come from the store.
        """
        engine = self.quick_actions.engine
        now = engine.clock.now().astimezone(engine.tz)
        self.day_label.setText(f"Today, {now:%A %d %B}")
        self.timeline.refresh()
        self.held_summary.setText(held_summary(engine.held()))
        self.window_summary.setText(next_window_text(engine, now))

    def showEvent(self, event: QShowEvent) -> None:
        self.show_day()
        super().showEvent(event)


class MainWindow(QMainWindow):
    """The one window: sidebar, pages, status bar and the app's keyboard shortcuts.

    The window only shows; who owns it routes requests to it (the quick actions'
    ``page_requested`` and ``problem``, the engine's ``raise_requested``, ``problem`` and
    notification actions): see :class:`focus_app.ui.shell.Shell`.

    Args:
        engine: The running engine.
        quick_actions: The actions shared with the tray menu (the Today page's buttons).
        state_file: Where geometry and last page are remembered (default:
            :func:`window_state_path`).
        commands: The app's command layer (the Settings page's Calendars section).

    Attributes:
        quick_actions: The actions shared with the tray menu.
        quit_on_close: Closing the window quits the app (no tray to come back from);
            otherwise closing only hides it.
    """

    def __init__(
        self,
        engine: Engine,
        quick_actions: QuickActions,
        *,
        state_file: Path | None = None,
        commands: Commands | None = None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.state_file = state_file or window_state_path()
        self.quit_on_close = False
        self.setWindowTitle(DISPLAY_NAME)
        self.setWindowIcon(app_icon())
        self.quick_actions = quick_actions

        self.banner = _plain_label()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "QLabel#banner { background: #fff4ce; color: #3b2f00;"
            " border-bottom: 1px solid #e0c97a; padding: 6px 12px; }"
        )
        self.banner.hide()
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFixedWidth(170)
        self.sidebar.setSpacing(2)
        self.stack = QStackedWidget()
        self._keys: list[str] = []
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.sidebar)
        body.addWidget(self.stack, 1)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addLayout(body, 1)
        self.setCentralWidget(central)

        self.today = TodayPage(self.quick_actions)
        self.add_page(PAGE_TODAY, "Today", self.today, page_icon(PAGE_TODAY))
        titles = {
            PAGE_CALENDAR: "Calendar",
            PAGE_INBOX: "Inbox",
            PAGE_HISTORY: "History",
            PAGE_REVIEW: "Review",
            PAGE_REQUESTS: "Requests",
            PAGE_SETTINGS: "Settings",
        }
        factories: dict[str, Callable[[Engine], QWidget]] = {
            PAGE_CALENDAR: build_calendar_page,
            PAGE_INBOX: build_inbox_page,
            PAGE_HISTORY: build_history_page,
            PAGE_REVIEW: _build_review_page,
            PAGE_REQUESTS: functools.partial(build_requests_page, commands=commands),
            PAGE_SETTINGS: functools.partial(build_settings_page, commands=commands),
        }
        placeholders = _placeholder_texts()
        for key, title in titles.items():
            icon = page_icon(key)
            if key in factories:
                page: QWidget = LazyPage(functools.partial(factories[key], engine))
            else:
                page = PlaceholderPage(title, placeholders[key])
            self.add_page(key, title, page, icon)
        self.quick_actions.refreshed.connect(self._update_inbox_title)
        self._update_inbox_title(self.quick_actions.status)

        self._add_shortcuts()
        self.statusBar().setSizeGripEnabled(True)
        self.resize(1100, 720)  # the week view needs the room
        self.restore_state()

    # ----------------------------------------------------------------- pages

    def add_page(self, key: str, title: str, widget: QWidget, icon: QIcon | None = None) -> None:
        """Add a page, or replace the page with the same key (e.g. a placeholder).

        Args:
            key: A stable name (``today``, ``calendar``, ``inbox``, ``review``,
                ``settings``, or a new one), used by :meth:`show_page` and remembered
                as the last page.
            title: The sidebar text.
            widget: The page.
            icon: The sidebar icon; a replaced page keeps the old one when ``None``.
        """
        if key in self._keys:
            index = self._keys.index(key)
            old = self.stack.widget(index)
            current = self.stack.currentIndex()
            if old is not None:
                self.stack.removeWidget(old)
                old.deleteLater()
            self.stack.insertWidget(index, widget)
            item = self.sidebar.item(index)
            item.setText(title)
            if icon is not None:
                item.setIcon(icon)
            self.stack.setCurrentIndex(current)
            return
        self._keys.append(key)
        self.stack.addWidget(widget)
        item = QListWidgetItem(icon or QIcon(), title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setSizeHint(QSize(0, 34))
        self.sidebar.addItem(item)
        if self.sidebar.currentRow() < 0:
            self.sidebar.setCurrentRow(0)

    def page(self, key: str) -> QWidget:
        """The page widget for ``key``.

        Raises:
            KeyError: No such page.
        """
        if key not in self._keys:
            raise KeyError(f"no page {key!r}; pages are {', '.join(self._keys)}")
        widget = self.stack.widget(self._keys.index(key))
        assert widget is not None
        return widget

    def page_keys(self) -> list[str]:
        """The pages in sidebar order."""
        return list(self._keys)

    def show_page(self, key: str) -> None:
        """Switch to the page ``key`` (the window itself is not shown; see ``open_page``)."""
        self.page(key)  # a clear KeyError for an unknown page
        self.sidebar.setCurrentRow(self._keys.index(key))

    def current_page(self) -> str:
        """The key of the page on screen."""
        return self._keys[self.stack.currentIndex()]

    def open_page(self, key: str) -> None:
        """Show the window on page ``key`` (tray menu items, notification actions)."""
        self.show_page(key)
        self.bring_to_front()

    def _update_inbox_title(self, status: Status) -> None:
        if status and PAGE_INBOX in self._keys:
            held = int(status.get("held", 0))
            item = self.sidebar.item(self._keys.index(PAGE_INBOX))
            item.setText(f"Inbox ({held})" if held else "Inbox")

    # ----------------------------------------------------------------- showing

    def bring_to_front(self) -> None:
        """Show, un-minimise, raise and activate (a second ``focus-app``, a tray click)."""
        self.setWindowState(
            (self.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
        )
        self.show()
        self.raise_()
        self.activateWindow()

    def show_no_tray_banner(self) -> None:
        """Say in one line why the app is a window here, and make closing it quit."""
        self.quit_on_close = True
        self.banner.setText(NO_TRAY_BANNER)
        self.banner.show()

    def show_startup_problems(self, problems: Sequence[str]) -> None:
        """Show what went wrong at start (bad settings, a database moved aside) once.

        They go into the banner, under the no-tray line if there is one, and stay until
        the window is closed; the log has them too.
        """
        if not problems:
            return
        lines = [self.banner.text()] if self.banner.isVisible() and self.banner.text() else []
        lines += [f"⚠ {line}" for line in problems]
        self.banner.setText("\n".join(lines))
        self.banner.show()

    def show_problem(self, message: str) -> None:
        """A runtime problem from the engine or an action, in the status bar (plain text).

        Logging is the caller's: the shell logs problems whether or not a window exists.
        """
        self.statusBar().showMessage(message)

    def show_about(self) -> None:
        """F1: what this is and which version (non-modal, so the tray keeps working)."""
        box = QMessageBox(self)
        box.setWindowTitle(f"About {DISPLAY_NAME}")
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.setText(
            f"<b>{html.escape(DISPLAY_NAME)}</b> {__version__}<br>Filters, priorities and "
            "limits: protected focus time, known windows of availability, and a weekly look back."
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _add_shortcuts(self) -> None:
        for number, key in enumerate(self._keys[:9], start=1):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _c=False, k=key: self.show_page(k))
            self.addAction(action)
        for sequence, slot in (
            (QKeySequence("Ctrl+Q"), QApplication.quit),
            (QKeySequence("Ctrl+W"), self.close),
            (QKeySequence("F1"), self.show_about),
        ):
            action = QAction(self)
            action.setShortcut(sequence)
            action.triggered.connect(slot)
            self.addAction(action)

    # ----------------------------------------------------------------- state

    def changeEvent(self, event: QEvent) -> None:
        """Follow the desktop's light/dark scheme live: the sidebar icons take the new ink."""
        if event.type() == QEvent.Type.PaletteChange:
            self.refresh_page_icons()
        super().changeEvent(event)

    def refresh_page_icons(self) -> None:
        """Redraw the sidebar's line icons in the palette's current text colour."""
        for row, key in enumerate(self._keys):
            if key in PAGE_ICON_NAMES:
                self.sidebar.item(row).setIcon(page_icon(key))

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember geometry; hide when a tray icon stays, quit when the window is all."""
        self.save_state()
        event.accept()
        if self.quit_on_close:
            QApplication.quit()

    def save_state(self) -> None:
        """Write geometry and last page to the state file (atomically; errors are logged)."""
        data = {
            "geometry": base64.b64encode(bytes(self.saveGeometry().data())).decode("ascii"),
            "page": self.current_page(),
        }
        path = self.state_file
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("could not remember the window's size in %s: %s", path, exc)

    def restore_state(self) -> None:
        """Restore geometry and last page; a missing or broken file means the defaults."""
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
            geometry = base64.b64decode(str(data.get("geometry", "")), validate=True)
            page = str(data.get("page", PAGE_TODAY))
        except FileNotFoundError:
            return
        except (OSError, ValueError, AttributeError, binascii.Error) as exc:
            log.warning("ignoring remembered window state in %s: %s", self.state_file, exc)
            return
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        if page in self._keys:
            self.show_page(page)


__all__ = ["NO_TRAY_BANNER", "MainWindow", "PlaceholderPage", "TodayPage", "window_state_path"]
