"""Dialogs and pages keep a sensible size: no 201 px dialog, no window that grows."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from focus_app.core.model import Mode
from focus_app.engine import Engine
from focus_app.ui.main_window import MainWindow
from focus_app.ui.override_dialog import OverrideDialog
from focus_app.ui.quick_actions import QuickActions
from tests.ui.ui_engine import BERLIN, clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]  # fixtures used by name


@pytest.mark.parametrize("mode", [Mode.FOCUS, Mode.AVAILABLE, Mode.PAUSED])
def test_custom_dialog_has_a_short_title_and_room_for_it(
    engine: Engine, qtbot: QtBot, mode: Mode
) -> None:
    dialog = OverrideDialog(mode, engine.clock.now, BERLIN)
    qtbot.addWidget(dialog)
    dialog.show()
    title = dialog.windowTitle()
    assert title.startswith("Custom ") and len(title) <= 20
    assert dialog.width() >= 300  # it was 201 px, its bare size hint
    # The title and the app's name the desktop appends fit in the title bar.
    shown = f"{title} — Focus & Boundaries"
    assert dialog.fontMetrics().horizontalAdvance(shown) < dialog.width()
    assert dialog.feedback.sizeHint().width() <= dialog.width()


def test_opening_calendar_does_not_widen_the_window(
    engine: Engine, qtbot: QtBot, tmp_path: Path
) -> None:
    window = MainWindow(engine, QuickActions(engine), state_file=tmp_path / "window.json")
    qtbot.addWidget(window)
    window.resize(1100, 700)
    window.show()
    QApplication.processEvents()
    assert window.width() == 1100
    window.show_page("calendar")
    QApplication.processEvents()
    assert window.width() == 1100
    assert window.minimumSizeHint().width() <= 1000


def test_the_add_request_dialog_shows_its_prefill_and_hints_whole(
    engine: Engine, qtbot: QtBot
) -> None:
    from PySide6.QtWidgets import QLineEdit

    from focus_app.ui.triage_dialog import AddRequestDialog

    # What the inbox's "This is a request…" prefills: a sender and a whole mail subject.
    dialog = AddRequestDialog(engine, who="Bob", what="Re: the quarterly numbers for Q3")
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    assert dialog.width() >= 300  # it was 212 px, its bare size hint
    for edit in dialog.findChildren(QLineEdit):
        for text in (edit.text(), edit.placeholderText()):
            room = edit.contentsRect().width() - 8  # the frame's and the text's margins
            assert edit.fontMetrics().horizontalAdvance(text) <= room, text
