"""The settings page's Calendars section, driven by clicks: add an .ics file from
tests/data, see it listed, sync now (in the background), remove it after the question;
the empty state; a refused source; a CalDAV link on a real Radicale whose password goes
to the password keeper, never to the database; a CalDAV calendar followed (read only) as
busy time."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from focus_app.commands import Commands, OffThread, Pending, Progress, Step
from focus_app.core.model import BlockKind
from focus_app.desktop.secrets import Passwords, subscription_key
from focus_app.engine import Engine
from focus_app.ui.calendars_section import (
    EMPTY_TEXT,
    KIND_CALDAV,
    KIND_CALDAV_FOLLOW,
    AddCalendarDialog,
    CalendarsSection,
    PasswordDialog,
)
from focus_app.ui.pages import LazyPage
from focus_app.ui.settings_page import SettingsPage
from focus_app.ui.shell import Shell
from tests.calendars.radicale_server import PASSWORD, USER, RadicaleServer, radicale
from tests.calendars.test_caldav_follow import STANDUP, WorkCalendar
from tests.ui.ui_engine import clock, engine, notifier

__all__ = ["clock", "engine", "notifier", "radicale"]

GOOGLE = Path(__file__).parents[1] / "data" / "ics" / "google_focus_time.ics"
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def commands(engine: Engine) -> Commands:
    made = Commands(engine)
    made.passwords = Passwords(None)  # no Secret Service in tests: kept in memory
    return made


@pytest.fixture
def section(qtbot: QtBot, commands: Commands) -> Iterator[CalendarsSection]:
    widget = CalendarsSection(commands)
    qtbot.addWidget(widget)
    widget.resize(900, 360)
    widget.show()
    yield widget
    widget.close_work()


def open_add(qtbot: QtBot, section: CalendarsSection) -> AddCalendarDialog:
    with qtbot.waitSignal(section.dialog_opened) as opened:
        qtbot.mouseClick(section.add_button, LEFT)
    dialog = opened.args[0]
    assert isinstance(dialog, AddCalendarDialog) and dialog.isVisible()
    return dialog


def cell(section: CalendarsSection, row: int, column: int) -> str:
    item = section.table.item(row, column)
    assert item is not None
    return item.text()


def test_without_calendars_the_section_says_what_to_add_and_offers_no_sync(
    section: CalendarsSection,
) -> None:
    assert section.empty_label.isVisible() and section.empty_label.text() == EMPTY_TEXT
    assert not section.table.isVisible()
    assert not section.sync_button.isEnabled() and not section.remove_button.isEnabled()
    assert section.add_button.isEnabled()


def test_add_an_ics_file_see_it_listed_sync_now_in_the_background_and_remove_it(
    qtbot: QtBot, section: CalendarsSection, engine: Engine
) -> None:
    dialog = open_add(qtbot, section)
    qtbot.keyClicks(dialog.source_edit, str(GOOGLE))
    dialog.busy_combo.setCurrentIndex(dialog.busy_combo.findData("available"))
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert not dialog.isVisible()
    assert section.table.isVisible() and not section.empty_label.isVisible()
    assert cell(section, 0, 0) == "google_focus_time.ics"
    assert cell(section, 0, 1) == "Counts as available"
    assert cell(section, 0, 2) == "never"
    assert cell(section, 0, 3) == "not refreshed since the app started"
    assert section.status_label.text() == "Added google_focus_time.ics."

    # The window goes on: the refresh runs on the worker and the section shows it. Seen
    # right after the click's own handler (connected first): the mouse click lets the
    # event loop run, and on a busy machine the worker may be done by the time it returns.
    seen: list[tuple[bool, bool, bool, bool]] = []
    section.sync_button.clicked.connect(
        lambda: seen.append(
            (
                section.busy,
                section.progress.isVisible(),
                section.sync_button.isEnabled(),
                section.add_button.isEnabled(),
            )
        )
    )
    with qtbot.waitSignal(section.work_finished, timeout=20_000) as finished:
        qtbot.mouseClick(section.sync_button, LEFT)
    assert seen == [(True, True, False, False)]
    assert finished.args[0]["ok"] is True
    assert not section.progress.isVisible() and section.sync_button.isEnabled()
    followed = [b for b in engine.blocks() if b.source_calendar is not None]
    assert followed and any(b.kind is BlockKind.AVAILABLE for b in followed)
    assert cell(section, 0, 3) == f"OK, {len(followed)} changed"
    assert cell(section, 0, 2) == "Thu 26 Nov 10:00"
    assert section.status_label.text() == f"Synced; {len(followed)} change(s)."

    section.select("google_focus_time.ics")
    with qtbot.waitSignal(section.dialog_opened) as asked:
        qtbot.mouseClick(section.remove_button, LEFT)
    box = asked.args[0]
    assert isinstance(box, QMessageBox)
    assert f"Its {len(followed)} block(s) are removed too." in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), LEFT)
    assert section.summaries == [] and section.empty_label.isVisible()
    assert [b for b in engine.blocks() if b.source_calendar is not None] == []


def test_cancelling_the_remove_question_keeps_the_calendar(
    qtbot: QtBot, section: CalendarsSection
) -> None:
    dialog = open_add(qtbot, section)
    qtbot.keyClicks(dialog.source_edit, str(GOOGLE))
    qtbot.mouseClick(dialog.ok_button, LEFT)
    section.select("google_focus_time.ics")
    with qtbot.waitSignal(section.dialog_opened) as asked:
        qtbot.mouseClick(section.remove_button, LEFT)
    qtbot.mouseClick(asked.args[0].button(QMessageBox.StandardButton.Cancel), LEFT)
    assert [s["name"] for s in section.summaries] == ["google_focus_time.ics"]


def test_a_source_the_command_refuses_stays_in_the_dialog_with_its_one_line_reason(
    qtbot: QtBot, section: CalendarsSection
) -> None:
    dialog = open_add(qtbot, section)
    qtbot.keyClicks(dialog.source_edit, "work.ics")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert dialog.isVisible() and dialog.error_label.isVisible()
    assert dialog.error_label.text() == (
        "'work.ics' is neither an http(s):// address nor an absolute path of an .ics file"
    )
    assert dialog.ok_button.isEnabled() and section.summaries == []


def test_a_caldav_calendar_is_added_with_its_password_kept_outside_the_database_and_syncs(
    qtbot: QtBot,
    section: CalendarsSection,
    commands: Commands,
    engine: Engine,
    radicale: RadicaleServer,
    tmp_path: Path,
) -> None:
    url = radicale.calendar_url("mine")
    dialog = open_add(qtbot, section)
    dialog.set_kind(KIND_CALDAV)
    assert not dialog.busy_combo.isVisible() and dialog.password_edit.isVisible()
    qtbot.keyClicks(dialog.source_edit, url)
    qtbot.keyClicks(dialog.user_edit, USER)
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(section.work_finished, timeout=20_000):
        qtbot.mouseClick(dialog.ok_button, LEFT)  # the password is stored off the GUI thread
    assert not dialog.isVisible()
    assert cell(section, 0, 0) == f"{USER} at 127.0.0.1"
    assert cell(section, 0, 1) == "CalDAV: syncs your blocks"
    assert section.status_label.text() == (
        f"Added {USER} at 127.0.0.1. Password: no Secret Service on this desktop: the "
        "password is kept in memory until the app quits (give it again after a restart)."
    )
    assert commands.passwords is not None and commands.passwords.lookup(1) == PASSWORD
    for stored in tmp_path.glob("focus.sqlite3*"):  # the database, its WAL
        assert PASSWORD.encode() not in stored.read_bytes()

    with qtbot.waitSignal(section.work_finished, timeout=20_000) as finished:
        qtbot.mouseClick(section.sync_button, LEFT)
    assert finished.args[0]["ok"] is True
    assert cell(section, 0, 3) == "up to date"


def test_the_settings_page_has_the_section_only_with_the_apps_command_layer(
    qtbot: QtBot, engine: Engine, commands: Commands
) -> None:
    without = SettingsPage(engine)
    qtbot.addWidget(without)
    assert without.calendars is None
    page = SettingsPage(engine, commands=commands)
    qtbot.addWidget(page)
    assert isinstance(page.calendars, CalendarsSection)
    assert page.findChild(CalendarsSection, "section.calendars") is page.calendars


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_the_windows_settings_page_lists_what_the_command_line_added(
    qtbot: QtBot, engine: Engine, commands: Commands, tmp_path: Path
) -> None:
    assert commands.handle({"cmd": "calendar.add", "source": str(GOOGLE)})["ok"] is True
    window = Shell(engine, state_file=tmp_path / "window.json", commands=commands).ensure_window()
    qtbot.addWidget(window)
    window.show()
    window.show_page("settings")
    page = window.page("settings")
    assert isinstance(page, LazyPage) and isinstance(page.content, SettingsPage)
    section = page.content.calendars
    assert section is not None
    page.content.show_tab("calendars")
    qtbot.waitUntil(section.isVisible)  # the lazy page shows its content in the next turn
    assert [s["name"] for s in section.summaries] == ["google_focus_time.ics"]
    window.hide()


def test_a_caldav_calendars_password_is_given_again_from_the_section(
    qtbot: QtBot, section: CalendarsSection, commands: Commands, tmp_path: Path
) -> None:
    # After a restart without a Secret Service the sync asks for the password again;
    # the window had no way to give it ('focus-app calendar password' only).
    assert not section.password_button.isVisible()  # no CalDAV calendar, no button
    added = commands.handle(
        {
            "cmd": "calendar.add",
            "caldav": True,
            "source": "https://dav.example/cal/",
            "user": USER,
        }
    )
    assert added["ok"] is True
    section.refresh()
    assert section.password_button.isVisible() and not section.password_button.isEnabled()
    section.select(f"{USER} at dav.example")
    assert section.password_button.isEnabled()
    with qtbot.waitSignal(section.dialog_opened) as opened:
        qtbot.mouseClick(section.password_button, LEFT)
    dialog = opened.args[0]
    assert isinstance(dialog, PasswordDialog) and not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(section.work_finished, timeout=20_000) as finished:
        qtbot.mouseClick(dialog.ok_button, LEFT)
    assert finished.args[0]["ok"] is True and not dialog.isVisible()
    assert commands.passwords is not None and commands.passwords.lookup(1) == PASSWORD
    assert section.status_label.text().startswith(f"Password given for {USER} at dav.example.")
    for stored in tmp_path.glob("focus.sqlite3*"):
        assert PASSWORD.encode() not in stored.read_bytes()


def test_following_a_caldav_calendar_is_a_choice_of_the_add_dialog_with_busy_time_and_log_in(
    qtbot: QtBot,
    section: CalendarsSection,
    commands: Commands,
    engine: Engine,
    radicale: RadicaleServer,
    tmp_path: Path,
) -> None:
    work = WorkCalendar(radicale)
    work.put(STANDUP)
    work.close()
    dialog = open_add(qtbot, section)
    dialog.set_kind(KIND_CALDAV_FOLLOW)
    assert dialog.kind_combo.currentText().startswith("Follow (CalDAV, read only)")
    for shown in (dialog.busy_combo, dialog.user_edit, dialog.password_edit, dialog.name_edit):
        assert shown.isVisible()
    assert not dialog.mode_combo.isVisible() and not dialog.browse_button.isVisible()
    qtbot.keyClicks(dialog.source_edit, work.url)
    qtbot.keyClicks(dialog.user_edit, USER)
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    dialog.busy_combo.setCurrentIndex(dialog.busy_combo.findData("available"))
    with qtbot.waitSignal(section.work_finished, timeout=20_000):
        qtbot.mouseClick(dialog.ok_button, LEFT)  # the password is stored off the GUI thread
    assert not dialog.isVisible()
    assert cell(section, 0, 0) == f"work ({USER} at 127.0.0.1)"
    assert cell(section, 0, 1) == "CalDAV: counts as available"
    assert commands.passwords is not None
    assert commands.passwords.lookup(subscription_key(1)) == PASSWORD
    section.select(f"work ({USER} at 127.0.0.1)")
    assert section.password_button.isVisible() and section.password_button.isEnabled()

    with qtbot.waitSignal(section.work_finished, timeout=20_000) as finished:
        qtbot.mouseClick(section.sync_button, LEFT)
    assert finished.args[0]["ok"] is True
    assert cell(section, 0, 3) == "OK, 1 changed"
    [block] = [b for b in engine.blocks() if b.source_calendar == "sub:1"]
    assert (block.title, block.kind) == ("Standup", BlockKind.AVAILABLE)
    for stored in tmp_path.glob("focus.sqlite3*"):  # the database, its WAL
        assert PASSWORD.encode() not in stored.read_bytes()


def test_a_followed_caldav_calendars_wrong_password_shows_as_its_result(
    qtbot: QtBot,
    section: CalendarsSection,
    commands: Commands,
    radicale: RadicaleServer,
) -> None:
    url = radicale.calendar_url("work")
    added = commands.handle(
        {
            "cmd": "calendar.add",
            "caldav": True,
            "mode": "follow",
            "source": url,
            "user": USER,
            "password": "not it",
        }
    )
    assert added["ok"] is True
    section.refresh()
    with qtbot.waitSignal(section.work_finished, timeout=20_000):
        qtbot.mouseClick(section.sync_button, LEFT)
    assert cell(section, 0, 3).startswith(f"127.0.0.1 refused the password of '{USER}'")
    assert section.status_label.text().startswith(f"work ({USER} at 127.0.0.1): 127.0.0.1 ")


def test_a_running_sync_shows_how_many_events_it_has_written(
    qtbot: QtBot, section: CalendarsSection, commands: Commands, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first push of hundreds of events to a CalDAV server takes seconds: the section
    # says how far it got instead of only spinning.
    written = [0]
    release = threading.Event()

    def push() -> None:  # on the worker thread, as the real sync's writes are
        written[0] = 120
        release.wait(10)

    def steps() -> Generator[Step, Any, dict[str, Any]]:
        yield OffThread(push, lambda: Progress(written[0], 500))
        return {"ok": True, "result": []}

    real_serve = commands.serve

    def serve(request: dict[str, Any]) -> Any:
        return Pending(steps()) if request["cmd"] == "calendar.sync" else real_serve(request)

    monkeypatch.setattr(commands, "serve", serve)
    section.sync_now()
    qtbot.waitUntil(
        lambda: section.status_label.text() == "Syncing… 120 of 500 events written", timeout=5000
    )
    assert section.progress.isVisible()
    assert (section.progress.value(), section.progress.maximum()) == (120, 500)
    with qtbot.waitSignal(section.work_finished, timeout=5000):
        release.set()
    assert not section.progress.isVisible()
    assert section.status_label.text() == "Synced; 0 change(s)."
