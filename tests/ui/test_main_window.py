"""The main window: Today page buttons, pages, remembered geometry, no-tray banner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from focus_app.clock import FakeClock
from focus_app.core.model import Mode, ModeSource
from focus_app.engine import ACTION_OPEN_INBOX, ACTION_SNOOZE, Engine
from focus_app.paths import state_dir
from focus_app.ui.main_window import (
    NO_TRAY_BANNER,
    MainWindow,
    PlaceholderPage,
    window_state_path,
)
from focus_app.ui.quick_actions import QuickActions
from focus_app.ui.shell import Shell
from tests.ui.ui_engine import START, clock, engine, hold_some, notifier

__all__ = ["clock", "engine", "notifier"]  # fixtures used by name

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


@pytest.fixture
def shell(engine: Engine, tmp_path: Path) -> Shell:
    return Shell(engine, state_file=tmp_path / "window.json")


@pytest.fixture
def window(shell: Shell, qtbot: object) -> Iterator[MainWindow]:
    """The window as the shell builds it (the shell routes the engine's requests to it)."""
    win = shell.ensure_window()
    qtbot.addWidget(win)  # type: ignore[attr-defined]  # closed and deleted after the test
    yield win
    win.quit_on_close = False  # qtbot closes it after the test; that must not quit the app


def test_pages_in_sidebar_order_with_icons(window: MainWindow) -> None:
    assert window.page_keys() == [
        "today", "calendar", "inbox", "history", "review", "requests", "settings"
    ]
    titles = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert titles == ["Today", "Calendar", "Inbox", "History", "Review", "Requests", "Settings"]
    assert all(not window.sidebar.item(i).icon().isNull() for i in range(7))
    assert window.current_page() == "today"


def test_no_page_is_a_placeholder_any_more(window: MainWindow) -> None:
    placeholders = {
        key for key in window.page_keys() if isinstance(window.page(key), PlaceholderPage)
    }
    assert placeholders == set()
    assert window.page("today").findChildren(PlaceholderPage) == []


def test_real_pages_are_built_when_first_shown(window: MainWindow, qtbot: object) -> None:
    from focus_app.ui.history_page import HistoryPage
    from focus_app.ui.inbox_page import InboxPage
    from focus_app.ui.pages import LazyPage
    from focus_app.ui.requests_page import RequestsPage
    from focus_app.ui.review_page import ReviewPage
    from focus_app.ui.settings_page import SettingsPage
    from focus_app.ui.week_page import WeekPage

    expected = {
        "calendar": WeekPage,
        "inbox": InboxPage,
        "history": HistoryPage,
        "review": ReviewPage,
        "requests": RequestsPage,
        "settings": SettingsPage,
    }
    for key in expected:
        page = window.page(key)
        assert isinstance(page, LazyPage) and not page.is_built
    window.show()
    for key, kind in expected.items():
        window.show_page(key)
        page = window.page(key)
        assert isinstance(page, LazyPage) and page.is_built
        assert isinstance(page.content, kind)
    window.hide()


def test_add_page_replaces_a_placeholder_and_keeps_the_current_page(
    window: MainWindow,
) -> None:
    window.show_page("inbox")
    real = QWidget()
    window.add_page("calendar", "Week", real)
    assert window.page("calendar") is real
    assert window.sidebar.item(1).text() == "Week"
    assert not window.sidebar.item(1).icon().isNull(), "keeps the placeholder's icon"
    assert window.current_page() == "inbox"
    window.show_page("calendar")
    assert window.stack.currentWidget() is real


def test_show_page_of_an_unknown_key_says_which_exist(window: MainWindow) -> None:
    with pytest.raises(KeyError, match="today, calendar"):
        window.show_page("nope")


def show_active(window: MainWindow, qtbot: object) -> None:
    """Shortcuts only reach the active window."""
    window.show()
    qtbot.waitExposed(window)  # type: ignore[attr-defined]
    handle = window.windowHandle()
    assert handle is not None
    handle.requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # type: ignore[attr-defined]


def test_ctrl_number_switches_pages(window: MainWindow, qtbot: object) -> None:
    show_active(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    assert window.current_page() == "inbox"
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    assert window.current_page() == "requests"
    qtbot.keyClick(window, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    assert window.current_page() == "settings"
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    assert window.current_page() == "today"


def test_today_card_shows_mode_until_next_and_held(
    window: MainWindow, engine: Engine, clock: FakeClock
) -> None:
    today = window.today
    assert today.mode_label.text() == "Available"
    assert today.held_label.text() == "0 held"
    engine.start_override(Mode.FOCUS, timedelta(minutes=50), reason="Report")
    hold_some(engine, clock, 2)
    assert today.mode_label.text() == "Focus: Report"
    assert today.until_label.text() == "Until 10:50 (manual)"
    assert today.next_label.text() == "Next: Available 10:50"
    assert today.held_label.text() == "2 held"
    assert window.sidebar.item(2).text() == "Inbox (2)"


def test_today_buttons_run_every_quick_action(
    window: MainWindow, engine: Engine, clock: FakeClock
) -> None:
    buttons = window.today.buttons
    assert set(buttons) >= {
        "focus:25 min", "focus:50 min", "focus:90 min", "focus:Custom…",
        "available:30 min", "available:1 hour", "available:Until…",
        "paused:30 min", "paused:1 hour", "paused:Until end of day", "paused:Until…",
        "resume", "release", "inbox",
    }
    assert not buttons["resume"].isEnabled()
    buttons["focus:90 min"].click()
    assert engine.state().mode is Mode.FOCUS
    assert engine.state().until == START + timedelta(minutes=90)
    assert buttons["focus:90 min"].isChecked()
    assert buttons["resume"].isEnabled()

    buttons["paused:30 min"].click()
    assert engine.state().mode is Mode.PAUSED
    assert not buttons["focus:90 min"].isChecked()
    assert buttons["paused:30 min"].isChecked()

    buttons["resume"].click()
    assert engine.state().source is ModeSource.DEFAULT
    assert not buttons["resume"].isEnabled()

    hold_some(engine, clock, 3)
    assert buttons["release"].isEnabled()
    assert buttons["inbox"].text() == "Held (3)…"
    buttons["release"].click()
    assert engine.held_count() == 0
    assert not buttons["release"].isEnabled()


def test_geometry_and_last_page_are_saved_on_close_and_restored(
    engine: Engine, tmp_path: Path, qtbot: object
) -> None:
    path = tmp_path / "window.json"
    first = MainWindow(engine, QuickActions(engine), state_file=path)
    qtbot.addWidget(first)  # type: ignore[attr-defined]
    first.show()
    qtbot.waitExposed(first)  # type: ignore[attr-defined]
    first.setGeometry(QRect(60, 50, 600, 400))  # inside the 800x600 offscreen screen
    first.show_page("review")
    first.close()
    data = json.loads(path.read_text())
    assert data["page"] == "review"
    assert data["geometry"]

    second = MainWindow(engine, QuickActions(engine), state_file=path)
    qtbot.addWidget(second)  # type: ignore[attr-defined]
    assert second.current_page() == "review"
    second.show()
    qtbot.waitExposed(second)  # type: ignore[attr-defined]
    assert second.geometry() == first.geometry()


def test_state_file_lives_in_the_state_folder_not_with_the_settings() -> None:
    assert window_state_path().parent == state_dir()


def test_a_broken_state_file_means_defaults(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "window.json"
    path.write_text("{not json")
    window = MainWindow(engine, QuickActions(engine), state_file=path)
    assert window.current_page() == "today"


def test_closing_hides_when_a_tray_exists_and_quits_without_one(
    window: MainWindow, qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    quits: list[bool] = []
    monkeypatch.setattr("focus_app.ui.main_window.QApplication.quit", lambda: quits.append(True))
    window.show()
    window.close()
    assert not window.isVisible()
    assert quits == []
    window.show_no_tray_banner()
    window.show()
    window.close()
    assert quits == [True]


def test_no_tray_banner_says_why_in_one_line(window: MainWindow) -> None:
    window.show_no_tray_banner()
    assert window.banner.text() == NO_TRAY_BANNER
    assert "\n" not in NO_TRAY_BANNER
    assert window.banner.isVisibleTo(window)


def test_startup_problems_are_shown_in_the_banner(window: MainWindow) -> None:
    window.show_startup_problems(["settings.toml line 3: bad value; default used"])
    assert "settings.toml line 3" in window.banner.text()
    assert window.banner.isVisibleTo(window)


def test_engine_problem_goes_to_the_status_bar(window: MainWindow, engine: Engine) -> None:
    engine.problem.emit("Could not show a notification: no server")
    assert window.statusBar().currentMessage() == "Could not show a notification: no server"


def test_open_inbox_notification_action_shows_the_inbox_page(
    window: MainWindow, engine: Engine
) -> None:
    engine.on_notification_action(ACTION_OPEN_INBOX)
    assert window.isVisible()
    assert window.current_page() == "inbox"


def test_snooze_action_is_the_engines_and_opens_nothing(
    window: MainWindow, engine: Engine
) -> None:
    engine.on_notification_action(ACTION_SNOOZE)
    assert engine.state().mode is Mode.FOCUS
    assert not window.isVisible()


def test_raise_request_shows_the_window(window: MainWindow, engine: Engine) -> None:
    engine.request_raise()
    assert window.isVisible()


def test_f1_opens_about(window: MainWindow, qtbot: object) -> None:
    show_active(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_F1)  # type: ignore[attr-defined]
    boxes = [w for w in window.findChildren(QWidget) if w.windowTitle().startswith("About")]
    assert boxes and boxes[0].isVisible()
    assert any("0." in label.text() for label in boxes[0].findChildren(QLabel))
    boxes[0].close()  # a modal box left open would swallow later tests' mouse events


def test_sidebar_icons_take_the_new_ink_when_the_palette_turns_dark(window: MainWindow) -> None:
    from PySide6.QtGui import QColor, QGuiApplication, QPalette

    def ink(row: int) -> int:
        image = window.sidebar.item(row).icon().pixmap(24, 24).toImage()
        alphas = [
            QColor.fromRgba(image.pixel(x, y)) for x in range(24) for y in range(24)
        ]
        return max(c.lightness() for c in alphas if c.alpha() > 200)

    before = ink(1)
    old = QGuiApplication.palette()
    dark = QPalette(old)
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#f0f0f0"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    try:
        QGuiApplication.setPalette(dark)
        window.refresh_page_icons()  # also what the PaletteChange event does
        assert ink(1) > before + 100
    finally:
        QGuiApplication.setPalette(old)
