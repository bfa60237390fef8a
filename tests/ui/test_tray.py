"""The tray menu drives the engine, and the engine's changes show in the menu at once."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.core.model import Block, BlockKind, Mode, ModeSource, Notification, Recurrence
from focus_app.desktop import autostart
from focus_app.engine import Engine
from focus_app.ui.main_window import MainWindow
from focus_app.ui.shell import Shell
from focus_app.ui.tray import TrayController
from tests.ui.ui_engine import START, clock, engine, hold_some, notifier

__all__ = ["clock", "engine", "notifier"]  # fixtures used by name

DAILY = Recurrence(frozenset(range(7)))

# The offscreen platform cannot size or raise windows; showing one is what is tested here.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


# The offscreen platform says these whenever a menu pops up; harmless here.
OFFSCREEN_POPUP = ("This plugin does not support grabbing the keyboard", "does not support raise")


@pytest.fixture
def shell(engine: Engine, tmp_path: Path, qtbot: object) -> Iterator[Shell]:
    shell = Shell(engine, state_file=tmp_path / "window.json")
    yield shell
    if shell.window is not None:  # built by the test: close it, which must not quit the app
        shell.window.quit_on_close = False
        shell.window.close()
        shell.window.deleteLater()


@pytest.fixture
def tray(shell: Shell) -> TrayController:
    return TrayController(shell.quick_actions, shell.show_window, parent=shell)


def shown_window(shell: Shell) -> MainWindow:
    """The main window, which the action under test must have built and shown."""
    window = shell.window
    assert window is not None and window.isVisible()
    return window


def menu_texts(tray: TrayController) -> list[str]:
    return [a.text() for a in tray.menu.actions() if not a.isSeparator()]


def find(tray: TrayController, text: str) -> QAction:
    for action in tray.menu.actions():
        if action.text() == text:
            return action
    raise AssertionError(f"no menu item {text!r} in {menu_texts(tray)}")


def sub_action(tray: TrayController, mode: Mode, text: str) -> QAction:
    for action in tray.submenus[mode].actions():
        if action.text() == text:
            return action
    raise AssertionError(f"no {text!r} in the {mode} submenu")


def test_menu_has_every_item_of_the_design_in_order(tray: TrayController) -> None:
    assert menu_texts(tray) == [
        "Available · 0 held",
        "▱▱▱▱▱▱▱▱▱▱ 0 of 5 h committed, 0 of 10 breakthroughs",
        "&Focus now",
        "&Available now",
        "&Pause now",
        "&Back to schedule",
        "&Copy my status",
        "&Held (0)…",
        "&Release held now",
        "&Calendar…",
        "Weekly re&view…",
        "&Settings…",
        "Start at &login",
        "&Quit",
    ]
    assert [a.text() for a in tray.submenus[Mode.FOCUS].actions()] == [
        "&25 min", "&50 min", "&90 min", "&Custom…"
    ]
    assert [a.text() for a in tray.submenus[Mode.AVAILABLE].actions()] == [
        "&30 min", "&1 hour", "&2 hours", "&Until…"
    ]
    assert [a.text() for a in tray.submenus[Mode.PAUSED].actions()] == [
        "&30 min", "&1 hour", "Until &end of day", "&Until…"
    ]


def test_nothing_held_and_no_override_disable_the_meaningless_items(
    tray: TrayController,
) -> None:
    assert not find(tray, "&Back to schedule").isEnabled()
    assert not find(tray, "&Held (0)…").isEnabled()
    assert not find(tray, "&Release held now").isEnabled()
    assert not any(a.isChecked() for m in tray.submenus.values() for a in m.actions())


def test_focus_25_from_the_menu_starts_a_25_minute_override_and_checks_the_item(
    tray: TrayController, engine: Engine
) -> None:
    item = sub_action(tray, Mode.FOCUS, "&25 min")
    item.trigger()
    state = engine.state()
    assert state.mode is Mode.FOCUS
    assert state.source is ModeSource.OVERRIDE
    assert state.until == START + timedelta(minutes=25)
    assert item.isChecked()
    assert not sub_action(tray, Mode.FOCUS, "&50 min").isChecked()
    assert tray.submenus[Mode.FOCUS].title() == "&Focus now (until 10:25)"
    assert find(tray, "&Back to schedule").isEnabled()
    assert tray.tooltip().splitlines()[0] == "Focus until 10:25 · 0 held · next: Available 10:25"


def test_triggering_the_running_item_again_keeps_it_checked(
    tray: TrayController, engine: Engine
) -> None:
    item = sub_action(tray, Mode.FOCUS, "&50 min")
    item.trigger()
    item.trigger()  # a checkable QAction toggles itself off; the engine's state wins
    assert item.isChecked()
    assert engine.state().until == START + timedelta(minutes=50)


def test_pause_until_end_of_day_ends_at_midnight(tray: TrayController, engine: Engine) -> None:
    sub_action(tray, Mode.PAUSED, "Until &end of day").trigger()
    state = engine.state()
    assert state.mode is Mode.PAUSED
    assert state.until == START.replace(hour=0) + timedelta(days=1)


def test_available_for_an_hour_then_back_to_schedule(
    tray: TrayController, engine: Engine
) -> None:
    engine.start_override(Mode.FOCUS, timedelta(hours=2))
    sub_action(tray, Mode.AVAILABLE, "&1 hour").trigger()
    assert engine.state().mode is Mode.AVAILABLE
    assert engine.state().until == START + timedelta(hours=1)
    find(tray, "&Back to schedule").trigger()
    assert engine.state().source is ModeSource.DEFAULT
    assert not find(tray, "&Back to schedule").isEnabled()
    assert not any(a.isChecked() for a in tray.submenus[Mode.AVAILABLE].actions())


def test_override_started_elsewhere_updates_menu_and_tooltip_immediately(
    tray: TrayController, engine: Engine
) -> None:
    engine.start_override(Mode.FOCUS, timedelta(minutes=90))  # e.g. `focus-app focus 90m`
    assert sub_action(tray, Mode.FOCUS, "&90 min").isChecked()
    assert tray.tooltip().startswith("Focus until 11:30 · ")
    assert tray.menu.actions()[0].text().startswith("Focus until 11:30")
    engine.start_override(Mode.FOCUS, timedelta(minutes=37))
    assert sub_action(tray, Mode.FOCUS, "&Custom…").isChecked()
    assert not sub_action(tray, Mode.FOCUS, "&90 min").isChecked()


def test_the_tooltip_shows_the_weeks_budget_meter_and_follows_accepted_requests(
    tray: TrayController, engine: Engine
) -> None:
    assert tray.tooltip().endswith("▱▱▱▱▱▱▱▱▱▱ 0 of 5 h committed, 0 of 10 breakthroughs")
    engine.add_blocks([Block(BlockKind.AVAILABLE, time(11), time(14), recurrence=DAILY)])
    request = engine.ask("Review the deck", "Dana", timedelta(hours=2, minutes=30))
    assert request.id is not None
    engine.accept_request(request.id)
    assert tray.tooltip().endswith("▰▰▰▰▰▱▱▱▱▱ 2.5 of 5 h committed, 0 of 10 breakthroughs")


def test_the_menu_shows_the_budget_meter_too_and_it_opens_the_requests_page(
    tray: TrayController, engine: Engine, shell: Shell
) -> None:
    # Not every tray host shows tooltips (GNOME's AppIndicator extension does not): the
    # meter is also the menu's second line.
    engine.add_blocks([Block(BlockKind.AVAILABLE, time(11), time(14), recurrence=DAILY)])
    request = engine.ask("Review the deck", "Dana", timedelta(hours=2, minutes=30))
    assert request.id is not None
    engine.accept_request(request.id)
    line = "▰▰▰▰▰▱▱▱▱▱ 2.5 of 5 h committed, 0 of 10 breakthroughs"
    assert menu_texts(tray)[1] == line
    find(tray, line).trigger()
    assert shown_window(shell).current_page() == "requests"


def test_copy_my_status_puts_one_friendly_line_on_the_clipboard(
    tray: TrayController, engine: Engine
) -> None:
    engine.add_blocks([Block(BlockKind.AVAILABLE, time(16), time(17), recurrence=DAILY)])
    engine.start_override(Mode.FOCUS, timedelta(minutes=90))
    find(tray, "&Copy my status").trigger()
    assert QGuiApplication.clipboard().text() == (
        "Focusing until 11:30; I read messages at 16:00; for urgent things call."
    )


def test_held_count_changes_update_items_tooltip_and_icon(
    tray: TrayController, engine: Engine, clock: FakeClock
) -> None:
    icon_before = tray.icon.icon().cacheKey()
    hold_some(engine, clock, 4)
    assert engine.held_count() == 4
    assert find(tray, "&Held (4)…").isEnabled()
    assert find(tray, "&Release held now").isEnabled()
    assert " · 4 held · " in tray.tooltip()
    assert tray.icon.icon().cacheKey() != icon_before


def test_release_held_now_sends_one_digest_and_disables_itself(
    tray: TrayController, engine: Engine, clock: FakeClock, notifier: object
) -> None:
    hold_some(engine, clock, 3)
    find(tray, "&Release held now").trigger()
    assert engine.held_count() == 0
    assert len(notifier.sent) == 1  # type: ignore[attr-defined]
    assert not find(tray, "&Release held now").isEnabled()
    assert find(tray, "&Held (0)…").text() == "&Held (0)…"


def test_held_item_opens_the_inbox_page(
    tray: TrayController, shell: Shell, engine: Engine, clock: FakeClock
) -> None:
    hold_some(engine, clock, 1)
    find(tray, "&Held (1)…").trigger()
    assert shown_window(shell).current_page() == "inbox"


@pytest.mark.parametrize(
    ("text", "page"),
    [("&Calendar…", "calendar"), ("Weekly re&view…", "review"), ("&Settings…", "settings")],
)
def test_window_items_open_their_page(
    tray: TrayController, shell: Shell, text: str, page: str
) -> None:
    find(tray, text).trigger()
    assert shown_window(shell).current_page() == page


def test_status_line_opens_the_today_page(tray: TrayController, shell: Shell) -> None:
    shell.ensure_window().show_page("review")
    tray.menu.actions()[0].trigger()
    assert shown_window(shell).current_page() == "today"


@pytest.mark.qt_log_ignore(*OFFSCREEN_POPUP)
def test_left_click_builds_and_opens_the_window_and_right_click_does_not(
    tray: TrayController, shell: Shell
) -> None:
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Context)
    assert shell.window is None
    tray.menu.hide()
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    window = shown_window(shell)
    window.close()  # to the tray
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert shown_window(shell) is window, "built once, shown again"


@pytest.mark.qt_log_ignore(*OFFSCREEN_POPUP)
def test_a_bare_right_click_from_a_tray_host_without_menus_pops_the_menu_up(
    tray: TrayController,
) -> None:
    # swaybar 1.7 only calls ContextMenu; X11 trays show the menu before Qt says Context.
    assert not tray.menu.isVisible()
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Context)
    assert tray.menu.isVisible()
    tray.menu.hide()


def test_menu_works_without_a_main_window(tray: TrayController, shell: Shell) -> None:
    sub_action(tray, Mode.FOCUS, "&25 min").trigger()
    find(tray, "&Back to schedule").trigger()
    sub_action(tray, Mode.PAUSED, "&1 hour").trigger()
    assert shell.engine.state().mode is Mode.PAUSED
    assert shell.window is None


def test_start_at_login_writes_and_removes_the_autostart_entry(tray: TrayController) -> None:
    item = find(tray, "Start at &login")
    assert not item.isChecked()
    item.trigger()
    assert autostart.is_enabled()
    assert autostart.autostart_path().is_file()
    assert item.isChecked()
    item.trigger()
    assert not autostart.is_enabled()
    assert not item.isChecked()


def test_custom_focus_asks_for_a_duration_and_refuses_nonsense(
    tray: TrayController, engine: Engine
) -> None:
    sub_action(tray, Mode.FOCUS, "&Custom…").trigger()
    dialog = tray.actions.dialog
    assert dialog is not None and dialog.isVisible()
    assert not sub_action(tray, Mode.FOCUS, "&Custom…").isChecked(), "nothing started yet"
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.duration_edit.setText("soon")
    assert not ok.isEnabled()
    assert "duration" in dialog.feedback.text()
    dialog.duration_edit.setText("1h15m")
    assert ok.isEnabled()
    assert dialog.feedback.text() == "Ends at 11:15."
    dialog.reason_edit.setText("Report")
    ok.click()
    state = engine.state()
    assert state.mode is Mode.FOCUS
    assert state.until == START + timedelta(hours=1, minutes=15)
    assert state.label == "Report"
    assert sub_action(tray, Mode.FOCUS, "&Custom…").isChecked()
    assert tray.actions.dialog is None


def test_custom_pause_until_an_earlier_time_means_tomorrow(
    tray: TrayController, engine: Engine
) -> None:
    from PySide6.QtCore import QTime

    sub_action(tray, Mode.PAUSED, "&Until…").trigger()
    dialog = tray.actions.dialog
    assert dialog is not None
    assert dialog.until_radio.isChecked()
    dialog.until_edit.setTime(QTime(8, 0))
    assert dialog.feedback.text() == "Ends at tomorrow 08:00."
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert engine.state().mode is Mode.PAUSED
    assert engine.state().until == START.replace(hour=8) + timedelta(days=1)


def test_cancelled_custom_dialog_changes_nothing(tray: TrayController, engine: Engine) -> None:
    sub_action(tray, Mode.AVAILABLE, "&Until…").trigger()
    dialog = tray.actions.dialog
    assert dialog is not None
    dialog.reject()
    assert engine.state().source is ModeSource.DEFAULT
    assert not any(a.isChecked() for a in tray.submenus[Mode.AVAILABLE].actions())


def test_an_override_running_out_updates_the_menu(
    tray: TrayController, engine: Engine, clock: FakeClock
) -> None:
    sub_action(tray, Mode.FOCUS, "&25 min").trigger()
    clock.advance(timedelta(minutes=25))
    engine.reconcile()  # what the scheduler does at the override's end
    assert not sub_action(tray, Mode.FOCUS, "&25 min").isChecked()
    assert tray.submenus[Mode.FOCUS].title() == "&Focus now"
    assert tray.tooltip().splitlines()[0] == "Available · 0 held"


def test_the_meter_follows_breakthroughs_and_says_when_the_rest_wait(
    tray: TrayController, engine: Engine, clock: FakeClock, qtbot: QtBot
) -> None:
    engine.update_settings(
        dataclasses.replace(
            engine.settings,
            breakthrough_people=("alice",),
            breakthrough_budget=-1,
            weekly_breakthroughs=2,
        )
    )
    engine.start_override(Mode.FOCUS, timedelta(hours=1))

    def alice() -> None:
        engine.ingest(Notification(title="ping", sender="alice", received_at=clock.now()))

    alice()
    qtbot.waitUntil(lambda: tray.tooltip().endswith("0 of 5 h committed, 1 of 2 breakthroughs"))
    alice()
    alice()  # held: the week's two are used
    line = "▱▱▱▱▱▱▱▱▱▱ 0 of 5 h committed, 2 of 2 breakthroughs, the rest wait"
    qtbot.waitUntil(lambda: tray.tooltip().endswith(line))
    assert menu_texts(tray)[1] == line


def test_a_flood_of_priority_breakthroughs_refreshes_the_meter_once(
    tray: TrayController, engine: Engine, clock: FakeClock, qtbot: QtBot
) -> None:
    engine.update_settings(dataclasses.replace(engine.settings, priority_people=("boss",)))
    engine.start_override(Mode.FOCUS, timedelta(hours=1))
    refreshes: list[object] = []
    tray.actions.refreshed.connect(refreshes.append)
    for _ in range(200):
        engine.ingest(Notification(title="ping", sender="boss", received_at=clock.now()))
    qtbot.waitUntil(lambda: tray.tooltip().endswith("200 of 10 breakthroughs, the rest wait"))
    qtbot.wait(300)
    assert len(refreshes) == 1
