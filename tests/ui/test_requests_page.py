"""The Requests page, the add and triage dialogs, replies and the referral directory.

Real engine (fake clock, real SQLite); dialogs are driven with real clicks and, in the
keyboard tests, with key presses only (mnemonics, Tab, Enter).
"""

from __future__ import annotations

import dataclasses
import pathlib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from urllib.parse import unquote

import pytest
from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.core.model import Block, BlockKind, Recurrence
from focus_app.core.referrals import Contact
from focus_app.core.requests import Question, RequestOrigin, RequestStatus, TriageOutcome
from focus_app.engine import Engine
from focus_app.ui.requests_model import (
    ContactColumn,
    ContactRole,
    DirectoryModel,
    RequestColumn,
    RequestRole,
    RequestsModel,
)
from focus_app.ui.requests_page import EMPTY_TEXT, FILTER_ALL, RequestsPage
from focus_app.ui.triage_dialog import AddRequestDialog, TriageDialog
from tests.ui.ui_engine import BERLIN, clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]  # fixtures (Thursday 2026-11-26, 10:00 Berlin)

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
)

ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture(autouse=True)
def office_hours(engine: Engine) -> None:
    """Weekdays 14:00-16:00 are availability windows; a focus morning before them."""
    days = Recurrence(weekdays=frozenset(range(5)))
    engine.add_block(Block(BlockKind.AVAILABLE, time(14), time(16), "Office hours",
                           recurrence=days))
    engine.add_block(Block(BlockKind.FOCUS, time(9), time(12), "Deep work", recurrence=days))


class Opener:
    """Stands in for ``QDesktopServices.openUrl``: remembers what it was asked to open."""

    def __init__(self) -> None:
        self.urls: list[QUrl] = []

    def __call__(self, url: QUrl) -> bool:
        self.urls.append(url)
        return True


@pytest.fixture
def opener() -> Opener:
    return Opener()


@pytest.fixture
def page(engine: Engine, qtbot: QtBot, opener: Opener) -> RequestsPage:
    page = RequestsPage(engine, opener=opener)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    return page


def activate(widget: QWidget, qtbot: QtBot) -> None:
    """Shortcuts and mnemonics only reach the active window."""
    widget.show()
    qtbot.waitExposed(widget)
    handle = widget.windowHandle()
    assert handle is not None
    handle.requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)


def alt(qtbot: QtBot, dialog: QWidget, key: Qt.Key, until: Callable[[], object]) -> None:
    """Press Alt+key (a mnemonic) and wait for its effect.

    A button's mnemonic clicks it the way a person sees it (``animateClick``): the click
    lands a moment later, not during the key press.
    """
    qtbot.keyClick(dialog, key, ALT)
    qtbot.waitUntil(lambda: bool(until()), timeout=2000)


def ask(engine: Engine, what: str = "Review the deck", who: str = "Dana",
        minutes: int = 30) -> int:
    request = engine.ask(what, who, timedelta(minutes=minutes))
    assert request.id is not None
    return request.id


def triage(page: RequestsPage, request_id: int, qtbot: QtBot) -> TriageDialog:
    dialog = page.open_triage(request_id)
    assert isinstance(dialog, TriageDialog)
    activate(dialog, qtbot)
    return dialog


# ------------------------------------------------------------------ models


def test_requests_model_passes_the_model_tester_while_requests_come_and_go(
    engine: Engine, qtmodeltester: ModelTester
) -> None:
    model = RequestsModel(engine.clock.now(), BERLIN)
    qtmodeltester.check(model)
    for i in range(5):
        ask(engine, f"Thing {i}")
    model.set_requests(engine.requests(), engine.clock.now())
    qtmodeltester.check(model)
    assert model.rowCount() == 5
    index = model.index(0, RequestColumn.WHAT)
    assert index.data() == "Thing 4"  # newest first
    assert index.data(RequestRole.STATUS) == "open"
    assert index.data(RequestRole.REQUEST).who == "Dana"
    assert model.index(0, RequestColumn.ESTIMATE).data() == "30 min"
    model.set_requests([], engine.clock.now())
    qtmodeltester.check(model)


def test_directory_model_passes_the_model_tester_and_counts_recent_referrals(
    engine: Engine, qtmodeltester: ModelTester
) -> None:
    engine.add_referral(Contact("Ana", "ana@example.org", ("design", "slides"), "mornings"))
    engine.refer_request(ask(engine), "Ana")
    model = DirectoryModel()
    model.set_entries(engine.referrals())
    qtmodeltester.check(model)
    assert model.index(0, 2).data() == "design, slides"
    assert model.index(0, 0).data(ContactRole.RECENT) == 1
    assert model.index(0, 0).data(ContactRole.NAME) == "Ana"


# ------------------------------------------------------------------ page and adding


def test_an_empty_page_explains_requests_and_adds_one_from_the_dialog(
    page: RequestsPage, engine: Engine, qtbot: QtBot
) -> None:
    page.show()
    assert page.empty.isVisible() and page.empty_text.text() == EMPTY_TEXT
    assert not page.table.isVisible()
    page.empty_add_button.click()
    dialog = page.dialog
    assert isinstance(dialog, AddRequestDialog)
    qtbot.keyClicks(dialog.who_edit, "Dana")
    qtbot.keyClicks(dialog.what_edit, "Review the deck")
    dialog.estimate_edit.setText("45m")
    qtbot.keyClicks(dialog.due_edit, "fri")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    [request] = engine.requests()
    assert (request.who, request.what, request.estimate) == ("Dana", "Review the deck",
                                                               timedelta(minutes=45))
    assert request.due == date(2026, 11, 27) and request.origin is RequestOrigin.WINDOW
    assert page.table.isVisible() and page.model.rowCount() == 1
    assert page.selected_request_id() == request.id


@pytest.mark.parametrize(
    ("estimate", "due", "says"),
    [("0m", "", "longer than zero"), ("-5m", "", "longer than zero"),
     ("1000h", "", "at most"), ("30m", "yesterday", "Bad due date")],
)
def test_the_add_dialog_says_what_is_wrong_in_one_line_and_stores_nothing(
    page: RequestsPage, engine: Engine, qtbot: QtBot, estimate: str, due: str, says: str
) -> None:
    dialog = page.open_add(who="Dana", what="Review")
    dialog.estimate_edit.setText(estimate)
    dialog.due_edit.setText(due)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    assert says in dialog.problem.text() and "\n" not in dialog.problem.text()
    dialog.accept()
    assert engine.requests() == []


def test_the_filter_shows_what_needs_triage_or_everything(
    page: RequestsPage, engine: Engine
) -> None:
    done = ask(engine, "Old thing")
    engine.decline_request(done)
    ask(engine, "New thing")
    assert [page.model.request_at(r).what for r in range(page.model.rowCount())] == ["New thing"]
    page.set_filter(FILTER_ALL)
    assert page.model.rowCount() == 2
    assert page.model.index(1, RequestColumn.STATUS).data() == "Declined"
    assert "0 of 5 h committed" in page.budget_label.text()


# ------------------------------------------------------------------ triage


def test_two_yes_clicks_accept_into_the_next_window_with_room_and_say_which(
    page: RequestsPage, engine: Engine, qtbot: QtBot
) -> None:
    dialog = triage(page, ask(engine), qtbot)
    assert dialog.step() is Question.SERVES_PRIORITY  # budget is computed, never asked
    assert "30 min fits this week's budget (5 h left)" in dialog.meter_label.text()
    assert dialog.meter.format() == "0 of 5 h committed, 0 of 10 breakthroughs"
    qtbot.mouseClick(dialog.yes_button, Qt.MouseButton.LeftButton)
    assert dialog.step() is Question.IS_MINE
    qtbot.mouseClick(dialog.yes_button, Qt.MouseButton.LeftButton)
    assert dialog.outcome is TriageOutcome.ACCEPT
    assert dialog.question_label.text().startswith("Suggested: Accept")
    assert dialog.accept_label.text() == (
        "Books it for today 14:00–14:30: the next availability window with room."
    )
    assert "I've set time aside for it: today at 14:00." in dialog.reply_text()
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    decided = engine.request(dialog.request.id or 0)
    assert decided.status is RequestStatus.ACCEPTED
    assert decided.booked_start == datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)
    assert "accepted" in page.status_label.text()


def test_keyboard_only_not_a_priority_and_not_urgent_declines_kindly(
    page: RequestsPage, engine: Engine, qtbot: QtBot
) -> None:
    dialog = triage(page, ask(engine), qtbot)
    alt(qtbot, dialog, Qt.Key.Key_N, lambda: dialog.step() is Question.URGENT)  # priority? no
    alt(qtbot, dialog, Qt.Key.Key_N, lambda: dialog.outcome is TriageOutcome.DECLINE)  # urgent?
    assert "thank you for asking me" in dialog.reply_text()
    assert dialog.confirm_button.hasFocus() and dialog.confirm_button.isDefault()
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Return)
    assert engine.request(dialog.request.id or 0).status is RequestStatus.DECLINED


def test_keyboard_only_defer_to_a_date_typed_in_the_date_field(
    page: RequestsPage, engine: Engine, qtbot: QtBot
) -> None:
    dialog = triage(page, ask(engine), qtbot)
    # The outcome "De&fer" directly, then the date: "Comes &back on:".
    alt(qtbot, dialog, Qt.Key.Key_F, lambda: dialog.outcome is TriageOutcome.DEFER)
    alt(qtbot, dialog, Qt.Key.Key_B, dialog.defer_edit.hasFocus)
    assert dialog.defer_until() == date(2026, 11, 30)  # next Monday by default
    qtbot.keyClick(dialog.defer_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.defer_edit, "2026-12-01")
    assert dialog.defer_until() == date(2026, 12, 1)
    assert "set it aside until Tue 1 Dec." in dialog.reply_text()
    request_id = dialog.request.id or 0
    alt(qtbot, dialog, Qt.Key.Key_D,  # "&Defer it"
        lambda: engine.request(request_id).status is RequestStatus.DEFERRED)
    decided = engine.request(request_id)
    assert decided.status is RequestStatus.DEFERRED and decided.defer_until == date(2026, 12, 1)


def test_refer_picks_from_the_directory_and_warns_gently_past_the_limit(
    page: RequestsPage, engine: Engine, qtbot: QtBot
) -> None:
    engine.add_referral(Contact("Ana", "ana@example.org", ("design",)))
    engine.add_referral(Contact("Bo", "bo@example.org"))
    for _ in range(3):
        engine.refer_request(ask(engine, "earlier"), "Ana")
    dialog = triage(page, ask(engine, "Logo"), qtbot)
    qtbot.mouseClick(dialog.yes_button, Qt.MouseButton.LeftButton)  # a priority
    qtbot.mouseClick(dialog.no_button, Qt.MouseButton.LeftButton)  # not mine
    assert dialog.outcome is TriageOutcome.REFER
    assert dialog.refer_combo.currentText() == "Ana (design), referred 3× lately"
    assert "Ana was already referred 3 times" in dialog.refer_warning.text()
    assert "ana@example.org" in dialog.reply_text()
    dialog.refer_combo.setCurrentIndex(dialog.refer_combo.findData("Bo"))
    assert not dialog.refer_warning.isVisible()
    assert "Bo knows it well" in dialog.reply_text() and "bo@example.org" in dialog.reply_text()
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    decided = engine.request(dialog.request.id or 0)
    assert decided.status is RequestStatus.REFERRED and decided.referral == "Bo"


def test_over_budget_asks_which_commitment_makes_room(
    page: RequestsPage, engine: Engine, qtbot: QtBot
) -> None:
    engine.update_settings(dataclasses.replace(engine.settings, budget_hours=1))
    first = ask(engine, "Big review", minutes=50)
    engine.accept_request(first)
    dialog = triage(page, ask(engine, "Another", minutes=30), qtbot)
    assert dialog.answers.fits_budget is False
    assert "does not fit this week's budget (10 min left)" in dialog.meter_label.text()
    qtbot.mouseClick(dialog.outcome_buttons[TriageOutcome.ACCEPT], Qt.MouseButton.LeftButton)
    assert dialog.room_row.isVisible()
    assert dialog.room_combo.currentData() == first
    assert "Big review" in dialog.room_combo.currentText()
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert engine.request(dialog.request.id or 0).status is RequestStatus.ACCEPTED
    moved = engine.request(first)
    assert moved.status is RequestStatus.DEFERRED and moved.defer_until == date(2026, 11, 30)


def test_over_budget_defer_instead_switches_to_defer(
    page: RequestsPage, engine: Engine, qtbot: QtBot
) -> None:
    engine.update_settings(dataclasses.replace(engine.settings, budget_hours=0))
    dialog = triage(page, ask(engine), qtbot)
    dialog.choose(TriageOutcome.ACCEPT)
    qtbot.mouseClick(dialog.defer_instead_button, Qt.MouseButton.LeftButton)
    assert dialog.outcome is TriageOutcome.DEFER
    assert dialog.outcome_buttons[TriageOutcome.DEFER].isChecked()


# ------------------------------------------------------------------ replies


def test_reply_tones_copy_to_clipboard_and_open_in_mail(
    page: RequestsPage, engine: Engine, qtbot: QtBot, opener: Opener
) -> None:
    request = engine.ask("Slides & notes", "dana@example.org", timedelta(minutes=30))
    dialog = triage(page, request.id or 0, qtbot)
    dialog.choose(TriageOutcome.DECLINE)
    warm = dialog.reply_text()
    dialog.tone_combo.setCurrentIndex(dialog.tone_combo.findData("short"))
    assert dialog.reply_text() != warm and dialog.reply_text().startswith("Hi dana@")
    dialog.reply_edit.setPlainText("Sorry, no time this month!")
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == "Sorry, no time this month!"
    qtbot.mouseClick(dialog.mail_button, Qt.MouseButton.LeftButton)
    [url] = opener.urls
    text = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
    assert text.startswith("mailto:dana@example.org?subject=")
    assert unquote(text.split("body=")[1]) == "Sorry, no time this month!"
    assert unquote(text.split("subject=")[1].split("&body")[0]) == "Re: Slides & notes"


# ------------------------------------------------------------------ directory


def test_directory_adds_and_removes_people_and_refuses_an_empty_name(
    page: RequestsPage, engine: Engine, qtbot: QtBot
) -> None:
    page.tabs.setCurrentIndex(1)
    page.show()
    assert page.directory_empty.isVisible()
    page.add_contact_button.click()
    assert page.directory_status.text().startswith("The name is empty")
    qtbot.keyClicks(page.name_edit, "Ana")
    qtbot.keyClicks(page.contact_edit, "ana@example.org")
    qtbot.keyClicks(page.topics_edit, "design, slides,")
    qtbot.keyClick(page.name_edit, Qt.Key.Key_Return)
    [entry] = engine.referrals()
    assert entry.contact.topics == ("design", "slides")
    assert page.directory_model.rowCount() == 1 and not page.directory_empty.isVisible()
    qtbot.keyClicks(page.name_edit, "ana")
    page.add_contact_button.click()
    assert "already" in page.directory_status.text()
    page.directory_table.selectRow(0)
    page.remove_contact_button.click()
    assert engine.referrals() == []


def test_enter_on_a_row_opens_its_triage(
    page: RequestsPage, engine: Engine, qtbot: QtBot
) -> None:
    ask(engine)
    activate(page, qtbot)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert isinstance(page.dialog, TriageDialog)
    page.dialog.reject()


def test_a_deferred_request_comes_back_for_triage_on_its_day(
    page: RequestsPage, engine: Engine, clock: FakeClock
) -> None:
    engine.defer_request(ask(engine), date(2026, 11, 28))
    page.reload()
    assert page.model.rowCount() == 0
    clock.advance(timedelta(days=2))  # Saturday 10:00
    page.reload()
    assert page.model.index(0, RequestColumn.STATUS).data() == "Due again (deferred to Sat 28 Nov)"


def test_a_qdate_before_tomorrow_cannot_be_picked_for_defer(
    page: RequestsPage, engine: Engine, qtbot: QtBot
) -> None:
    dialog = triage(page, ask(engine), qtbot)
    dialog.defer_edit.setDate(QDate(2026, 11, 20))
    assert dialog.defer_until() == date(2026, 11, 27)


def test_the_directory_shows_when_a_contact_with_a_calendar_is_next_available(
    page: RequestsPage, engine: Engine
) -> None:
    from focus_app.core.contact_availability import contact_schedule

    dana = engine.add_referral(Contact("Dana", "dana@example.org", calendar="/cal/dana.ics"))
    engine.add_referral(Contact("Ana", "ana@example.org"))
    page.reload()
    model = page.directory_model
    texts = {model.index(r, 0).data(): model.index(r, ContactColumn.AVAILABLE).data()
             for r in range(model.rowCount())}
    assert texts == {"Ana": "", "Dana": "calendar not read yet"}
    engine.set_contact_availability(dana.id or 0, contact_schedule([], BERLIN))
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "Dana")
    assert model.index(row, ContactColumn.AVAILABLE).data() == "available now, until 17:00"


def test_a_contact_s_published_calendar_is_set_and_edited_in_the_directory_form(
    engine: Engine, qtbot: QtBot, opener: Opener, tmp_path: pathlib.Path
) -> None:
    followed: list[bool] = []
    page = RequestsPage(engine, opener=opener, follow=lambda: followed.append(True))
    qtbot.addWidget(page)
    page.tabs.setCurrentIndex(1)
    page.show()
    qtbot.keyClicks(page.name_edit, "Ana")
    qtbot.keyClicks(page.calendar_edit, "dana.ics")
    page.add_contact_button.click()
    assert page.directory_status.text().startswith("Calendar: 'dana.ics' is neither")
    assert engine.referrals() == [] and followed == []

    page.calendar_edit.clear()
    page.add_contact_button.click()
    assert [e.contact.calendar for e in engine.referrals()] == [""] and followed == []

    page.directory_table.selectRow(0)
    assert page.name_edit.text() == "Ana" and page.save_contact_button.isEnabled()
    calendar = tmp_path / "ana.ics"
    qtbot.keyClicks(page.calendar_edit, str(calendar))
    qtbot.keyClicks(page.notes_edit, "mornings")
    page.save_contact_button.click()
    [entry] = engine.referrals()
    assert (entry.contact.calendar, entry.contact.notes) == (str(calendar), "mornings")
    assert followed == [True]  # followed before it was stored, so it is read at once
    assert page.directory_status.text() == "Saved Ana"


def test_the_reply_box_has_no_empty_band_above_or_below_its_contents(
    page: RequestsPage, engine: Engine, qtbot: QtBot
) -> None:
    """The dialog opens taller than its contents; the room goes below the reply, not
    into the Reply group as empty bands around the tone row and the text."""
    dialog = triage(page, ask(engine), qtbot)
    QApplication.processEvents()
    box = dialog.reply_box
    spacing = box.fontMetrics().lineSpacing()
    tone_top = dialog.tone_combo.mapTo(box, dialog.tone_combo.rect().topLeft()).y()
    edit_bottom = dialog.reply_edit.mapTo(box, dialog.reply_edit.rect().bottomLeft()).y()
    assert tone_top < 3 * spacing, f"{tone_top} px of nothing above the tone row"
    assert box.height() - edit_bottom < 2 * spacing, "an empty band below the reply"


def test_asking_a_contact_for_time_suggests_their_published_window_not_now(
    page: RequestsPage, engine: Engine, clock: FakeClock
) -> None:
    from focus_app.core.contact_availability import contact_schedule

    dana = engine.add_referral(Contact("Dana Reyes", "dana@example.org", calendar="/c/d.ics"))
    page.tabs.setCurrentIndex(1)
    page.show()
    page.reload()
    page.directory_table.selectRow(0)
    assert page.ask_contact_button.isEnabled()
    # Not read yet: the message asks when suits them.
    assert page.ask_selected_contact() == (
        "Hi Dana, could we find some time? When would suit you?"
    )
    # Their calendar: weekdays 09:00-17:00 (no windows published); it is Thursday 10:00,
    # so they are free now; on Saturday the next time is Monday at 09:00.
    engine.set_contact_availability(dana.id or 0, contact_schedule([], BERLIN))
    page.directory_table.selectRow(0)
    text = page.ask_selected_contact()
    assert text.endswith("Your calendar shows you free now, until 17:00: is now a good moment?")
    assert QApplication.clipboard().text() == text
    clock.advance(timedelta(days=2))
    engine.set_contact_availability(dana.id or 0, contact_schedule([], BERLIN))
    page.directory_table.selectRow(0)
    assert page.ask_selected_contact() == (
        "Hi Dana, could we find some time? Your calendar shows you free from "
        "Mon 30 Nov at 09:00: would that suit you?"
    )
