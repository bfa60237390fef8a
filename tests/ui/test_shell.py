"""The UI shell: the window is built only when something needs it.

A tray app mostly sits in the tray; a hidden main window built at every start costs ~9 MB
and ~28 ms (docs/benchmarks.md). With a tray the window appears on a left click, a menu
item that opens a page, a second start or a notification's "Open inbox"; without a tray,
or with start-up problems to show, it opens at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import pytest
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from focus_app.core.model import Mode
from focus_app.engine import ACTION_OPEN_INBOX, Engine
from focus_app.ui.main_window import NO_TRAY_BANNER, MainWindow
from focus_app.ui.shell import Shell, Ui, start_ui
from tests.ui.ui_engine import clock, engine, notifier

if TYPE_CHECKING:
    from focus_app.app import Runtime

__all__ = ["clock", "engine", "notifier"]  # fixtures used by name

# The offscreen platform cannot size or raise windows, and has no tray to put an icon in
# (showing one warns); what is tested here is which windows exist and are shown.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
    "No such signal QPlatformNativeInterface::systemTrayWindowChanged",
)


def runtime(engine: Engine, problems: list[str] | None = None) -> Runtime:
    """The parts of ``app.Runtime`` the UI reads."""
    return cast(
        "Runtime", SimpleNamespace(engine=engine, startup_problems=problems or [], commands=None)
    )


@pytest.fixture
def started(engine: Engine, tmp_path: Path) -> Iterator[list[Ui]]:
    """Started UIs, taken down after the test (icon out of the tray, window closed)."""
    uis: list[Ui] = []
    yield uis
    for ui in uis:
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.disconnect(ui.shutdown)
        if ui.tray is not None:
            ui.tray.hide()
        if ui.shell.welcome is not None:
            ui.shell.welcome.hide()
            ui.shell.welcome.deleteLater()
        if ui.window is not None:
            ui.window.quit_on_close = False  # closing it must not quit the test run
            ui.window.close()
            ui.window.deleteLater()


def start(
    started: list[Ui],
    engine: Engine,
    tmp_path: Path,
    *,
    tray: bool,
    problems: list[str] | None = None,
) -> Ui:
    ui = start_ui(
        runtime(engine, problems), tray_available=tray, state_file=tmp_path / "window.json"
    )
    started.append(ui)
    return ui


def main_windows() -> set[int]:
    """Every MainWindow alive (earlier tests' windows may await deletion)."""
    return {id(w) for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)}


def visible_window(ui: Ui | Shell) -> MainWindow:
    window = ui.window
    assert window is not None and window.isVisible()
    return window


def test_with_a_tray_no_window_exists_until_the_icon_is_clicked(
    started: list[Ui], engine: Engine, tmp_path: Path
) -> None:
    before = main_windows()
    ui = start(started, engine, tmp_path, tray=True)
    assert ui.tray is not None
    assert ui.window is None
    assert main_windows() == before, "no MainWindow was built"
    # The menu works without it.
    ui.tray.submenus[Mode.FOCUS].actions()[0].trigger()
    assert engine.state().mode is Mode.FOCUS
    assert ui.window is None

    ui.tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    window = visible_window(ui)
    assert window.quick_actions is ui.shell.quick_actions, "one set of actions"
    assert window.banner.isHidden()


def test_without_a_tray_the_window_opens_at_once_and_says_why(
    started: list[Ui], engine: Engine, tmp_path: Path
) -> None:
    ui = start(started, engine, tmp_path, tray=False)
    assert ui.tray is None
    window = visible_window(ui)
    assert window.banner.text() == NO_TRAY_BANNER
    assert window.quit_on_close


def test_startup_problems_open_the_window_even_with_a_tray(
    started: list[Ui], engine: Engine, tmp_path: Path
) -> None:
    ui = start(started, engine, tmp_path, tray=True, problems=["settings.toml: bad value"])
    window = visible_window(ui)
    assert "settings.toml: bad value" in window.banner.text()
    assert not window.quit_on_close, "the tray stays; closing only hides"


def test_a_second_start_builds_and_raises_the_window(
    started: list[Ui], engine: Engine, tmp_path: Path
) -> None:
    ui = start(started, engine, tmp_path, tray=True)
    engine.request_raise()
    window = visible_window(ui)
    window.close()
    engine.request_raise()
    assert visible_window(ui) is window


def test_open_inbox_from_a_notification_builds_the_window_on_the_inbox(
    started: list[Ui], engine: Engine, tmp_path: Path
) -> None:
    ui = start(started, engine, tmp_path, tray=True)
    engine.on_notification_action(ACTION_OPEN_INBOX)
    assert visible_window(ui).current_page() == "inbox"


def test_a_problem_before_the_window_exists_shows_when_it_is_built(
    started: list[Ui], engine: Engine, tmp_path: Path
) -> None:
    ui = start(started, engine, tmp_path, tray=True)
    engine.problem.emit("Could not show a notification: no server")
    assert ui.window is None, "a problem alone opens nothing"
    window = ui.shell.ensure_window()
    assert window.statusBar().currentMessage() == "Could not show a notification: no server"
    engine.problem.emit("Another one")
    assert window.statusBar().currentMessage() == "Another one"


def test_a_menu_item_opening_a_page_builds_the_window_once(
    started: list[Ui], engine: Engine, tmp_path: Path
) -> None:
    ui = start(started, engine, tmp_path, tray=True)
    ui.shell.quick_actions.settings_action.trigger()
    window = visible_window(ui)
    assert window.current_page() == "settings"
    ui.shell.quick_actions.calendar_action.trigger()
    assert ui.window is window and window.current_page() == "calendar"
