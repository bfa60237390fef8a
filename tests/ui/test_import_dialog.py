"""Importing an .ics file from the window (Settings → Calendars → Import a file…): a
preview of what the file gives before anything is stored, then the import, through the
same command as ``focus-app import``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from focus_app.commands import Commands
from focus_app.engine import Engine
from focus_app.ui.calendars_section import CalendarsSection
from focus_app.ui.import_dialog import ImportDialog
from tests.ui.ui_engine import clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]

DATA = Path(__file__).parents[1] / "data" / "ics"
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def section(qtbot: QtBot, engine: Engine) -> Iterator[CalendarsSection]:
    widget = CalendarsSection(Commands(engine))
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.close_work()


def open_import(qtbot: QtBot, section: CalendarsSection, path: Path | str) -> ImportDialog:
    with qtbot.waitSignal(section.dialog_opened) as opened:
        qtbot.mouseClick(section.import_button, LEFT)
    dialog = opened.args[0]
    assert isinstance(dialog, ImportDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.path_edit, str(path))
    return dialog


def press(qtbot: QtBot, section: CalendarsSection, button: object) -> dict[str, object]:
    with qtbot.waitSignal(section.work_finished, timeout=20_000) as finished:
        qtbot.mouseClick(button, LEFT)  # type: ignore[arg-type]
    answer = finished.args[0]
    assert isinstance(answer, dict)
    return answer


def test_the_preview_shows_kinds_dates_and_skips_and_stores_nothing_then_import_stores_it(
    qtbot: QtBot, section: CalendarsSection, engine: Engine
) -> None:
    dialog = open_import(qtbot, section, DATA / "outlook_windows_tzids.ics")
    assert not dialog.import_button.isEnabled()  # nothing is stored unseen
    press(qtbot, section, dialog.preview_button)
    lines = dialog.preview_text.toPlainText().splitlines()
    assert lines[0].startswith("Would add ") and lines[0].endswith("already up to date.")
    assert any(line.startswith("Blocks by kind: ") for line in lines)
    assert any(  # the plain meeting, with the choice that would take it
        "skipped: " in line and "no kind" in line and "under Events without a kind" in line
        for line in lines
    )
    assert engine.blocks() == []
    assert dialog.import_button.isEnabled()

    # Another kind for plain events is another import: it must be previewed again.
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("available"))
    assert not dialog.import_button.isEnabled() and dialog.preview_text.toPlainText() == ""
    press(qtbot, section, dialog.preview_button)
    preview = dialog.preview_text.toPlainText()
    assert "no kind" not in preview and "available" in preview
    added = int(preview.split()[2])  # "Would add N new block(s), ..."

    answer = press(qtbot, section, dialog.import_button)
    assert answer["ok"] is True and not dialog.isVisible()
    assert len(engine.blocks()) == added > 0
    assert section.status_label.text() == f"Imported {added} new block(s), updated 0, removed 0."


def test_a_file_that_cannot_be_read_says_why_in_one_line_and_offers_no_import(
    qtbot: QtBot, section: CalendarsSection, engine: Engine, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.ics"
    dialog = open_import(qtbot, section, missing)
    answer = press(qtbot, section, dialog.preview_button)
    assert answer["ok"] is False
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text() == (
        f"cannot read {missing}: No such file or directory; check the path and its permissions"
    )
    assert not dialog.import_button.isEnabled() and dialog.preview_button.isEnabled()
    assert engine.blocks() == []
