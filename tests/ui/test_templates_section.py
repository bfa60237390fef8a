"""The "Reply templates" settings section against a real engine and SQLite file.

Templates are edited with real key presses and clicks, saved to the store, used by the
triage dialog and by the command line's answers, and brought back to the default.
"""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.commands import Commands
from focus_app.core.model import Block, BlockKind, Recurrence
from focus_app.core.replies import DEFAULT_TEMPLATES, Tone
from focus_app.core.requests import TriageOutcome
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store
from focus_app.ui.requests_page import RequestsPage
from focus_app.ui.settings_page import SettingsPage
from focus_app.ui.templates_section import TemplatesSection
from tests.ui.ui_engine import START, clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]  # fixtures (Thursday 2026-11-26, 10:00 Berlin)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def section(engine: Engine, qtbot: QtBot) -> TemplatesSection:
    section = TemplatesSection(engine)
    qtbot.addWidget(section)
    section.show()
    qtbot.waitExposed(section)
    return section


def type_text(section: TemplatesSection, qtbot: QtBot, text: str) -> None:
    """Select everything in the editor and type ``text`` over it."""
    section.editor.setFocus()
    qtbot.keyClick(section.editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(section.editor, text)


def test_the_settings_page_has_the_reply_templates_section(
    engine: Engine, qtbot: QtBot, tmp_path: Path
) -> None:
    page = SettingsPage(engine)
    qtbot.addWidget(page)
    assert page.findChild(TemplatesSection, None) is page.templates_section
    assert page.templates_section.title() == "Reply templates"


def test_it_starts_on_the_default_with_nothing_to_save(section: TemplatesSection) -> None:
    assert section.key() == (TriageOutcome.ACCEPT, Tone.WARM)
    assert section.text() == DEFAULT_TEMPLATES[TriageOutcome.ACCEPT][Tone.WARM]
    assert not section.save_button.isEnabled() and not section.reset_button.isEnabled()
    assert section.status.text() == "The default."
    assert "Hi Dana, happy to help!" in section.preview.text()
    for field in ("{name}", "{next_window}", "{referral}", "{referral_contact}", "{due}"):
        assert field in section.fields_label.text()


def test_a_typed_template_previews_and_is_saved_for_replies(
    section: TemplatesSection, engine: Engine, qtbot: QtBot
) -> None:
    section.select(TriageOutcome.DECLINE, Tone.SHORT)
    type_text(section, qtbot, "Thanks {name}, not this time.")
    assert section.preview.text() == "Thanks Dana, not this time."
    assert section.status.text() == "Not saved yet."
    assert engine.reply_templates() == {}  # nothing stored before Save
    qtbot.mouseClick(section.save_button, LEFT)
    assert engine.reply_templates() == {
        TriageOutcome.DECLINE: {Tone.SHORT: "Thanks {name}, not this time."}
    }
    assert section.status.text() == "Saved: Decline, short."
    assert not section.save_button.isEnabled() and section.reset_button.isEnabled()


def test_a_misspelt_field_is_shown_at_once_and_cannot_be_saved(
    section: TemplatesSection, engine: Engine, qtbot: QtBot
) -> None:
    type_text(section, qtbot, "Hi {nmae}")
    assert section.problem.text().startswith("Unknown field '{nmae}'")
    assert section.preview.text() == ""
    assert not section.save_button.isEnabled()
    assert section.save() is False
    assert engine.reply_templates() == {}


def test_a_draft_survives_looking_at_another_template(
    section: TemplatesSection, qtbot: QtBot
) -> None:
    type_text(section, qtbot, "Yes {name}: {next_window}.")
    section.select(TriageOutcome.REFER, Tone.FORMAL)
    assert section.text() == DEFAULT_TEMPLATES[TriageOutcome.REFER][Tone.FORMAL]
    assert section.status.text() == "The default; 1 other template not saved."
    section.select(TriageOutcome.ACCEPT, Tone.WARM)
    assert section.text() == "Yes {name}: {next_window}."
    assert section.save_button.isEnabled()


def test_reset_brings_the_default_back_and_forgets_the_stored_text(
    section: TemplatesSection, engine: Engine, qtbot: QtBot
) -> None:
    engine.set_reply_template(TriageOutcome.ACCEPT, Tone.WARM, "Sure, {name}.")
    section.load()
    assert section.text() == "Sure, {name}." and section.status.text() == "Your own text."
    qtbot.mouseClick(section.reset_button, LEFT)
    assert engine.reply_templates() == {}
    assert section.text() == DEFAULT_TEMPLATES[TriageOutcome.ACCEPT][Tone.WARM]
    assert section.status.text() == "Back to the default: Accept, warm."


def test_saving_the_default_text_stores_nothing(engine: Engine) -> None:
    engine.set_reply_template(TriageOutcome.DEFER, Tone.WARM, "Later, {name}.")
    default = DEFAULT_TEMPLATES[TriageOutcome.DEFER][Tone.WARM]
    engine.set_reply_template(TriageOutcome.DEFER, Tone.WARM, default)
    assert engine.reply_templates() == {}
    with pytest.raises(ValueError, match="unknown field"):
        engine.set_reply_template(TriageOutcome.DEFER, Tone.WARM, "{when}")


def test_the_triage_dialog_uses_the_saved_template(
    section: TemplatesSection, engine: Engine, qtbot: QtBot
) -> None:
    days = Recurrence(weekdays=frozenset(range(5)))
    engine.add_block(Block(BlockKind.AVAILABLE, time(14), time(16), "Office", recurrence=days))
    section.select(TriageOutcome.ACCEPT, Tone.WARM)
    type_text(section, qtbot, "Booked, {name}: {next_window}.")
    qtbot.mouseClick(section.save_button, LEFT)
    page = RequestsPage(engine)
    qtbot.addWidget(page)
    request = engine.ask("Review the deck", "Dana", timedelta(minutes=30))
    dialog = page.open_triage(request.id or 0)
    assert dialog is not None
    dialog.choose(TriageOutcome.ACCEPT)
    assert dialog.reply_text() == "Booked, Dana: today at 14:00."
    dialog.reject()


def test_saved_templates_outlive_a_restart_and_reach_the_command_line(
    tmp_path: Path, qapp: QApplication
) -> None:
    path = tmp_path / "focus.sqlite3"
    settings = Settings(timezone="Europe/Berlin", heads_up_minutes=0)
    store, _ = Store.open(path)
    engine = Engine(store, settings, MemoryNotifier(), FakeClock(START))
    engine.set_reply_template(TriageOutcome.DECLINE, Tone.FORMAL, "Dear {name}, regrettably no.")
    store.close()
    store, _ = Store.open(path)
    engine = Engine(store, settings, MemoryNotifier(), FakeClock(START))
    engine.start()
    try:
        commands = Commands(engine)
        asked = commands.handle({"cmd": "ask", "what": "Talk", "from": "Dana"})
        answer = commands.handle(
            {"cmd": "request.decline", "id": asked["result"]["id"], "tone": "formal"}
        )
        assert answer["result"]["reply"] == "Dear Dana, regrettably no."
    finally:
        engine.shutdown()
        store.close()
