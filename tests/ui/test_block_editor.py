"""BlockEditorDialog: round-trips a block and refuses bad input with a visible reason."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from focus_app.core.model import Block, BlockException, BlockKind, Recurrence
from focus_app.ui.block_editor import BlockEditorDialog

# The offscreen platform says so whenever a top-level window is shown; it is harmless.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

RECURRING = Block(
    BlockKind.FOCUS,
    time(9),
    time(11, 30),
    "Deep work",
    Recurrence(frozenset({0, 2}), interval_weeks=2, until=date(2025, 6, 30)),
    exceptions=(
        BlockException(date(2025, 3, 10)),
        BlockException(date(2025, 3, 12), datetime(2025, 3, 12, 14), datetime(2025, 3, 12, 16)),
    ),
    id=7,
)


def make(qtbot: QtBot, block: Block = RECURRING) -> BlockEditorDialog:
    dialog = BlockEditorDialog(block)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def ok_enabled(dialog: BlockEditorDialog) -> bool:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_unchanged_form_returns_the_same_block(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    assert dialog.block() == RECURRING
    assert dialog.exceptions_list.count() == 2 and dialog.error_label.isHidden()


def test_typed_title_kind_and_days_end_up_in_the_block(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.title_edit.clear()
    qtbot.keyClicks(dialog.title_edit, "Writing")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(BlockKind.OFF))
    qtbot.mouseClick(dialog.day_checks[4], Qt.MouseButton.LeftButton)
    block = dialog.block()
    assert (block.title, block.kind, block.id) == ("Writing", BlockKind.OFF, 7)
    assert block.recurrence is not None and block.recurrence.weekdays == frozenset({0, 2, 4})


def test_end_equal_to_start_is_refused_with_a_reason(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.end_edit.setTime(QTime(9, 0))
    assert dialog.error_label.isVisible()
    assert "End must differ from start" in dialog.error_label.text()
    assert not ok_enabled(dialog)
    dialog.accept()
    assert dialog.result() != BlockEditorDialog.DialogCode.Accepted and dialog.isVisible()


def test_weekly_without_weekdays_is_refused_with_a_reason(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    for check in dialog.day_checks:
        check.setChecked(False)
    assert "Choose at least one weekday" in dialog.error_label.text()
    assert not ok_enabled(dialog)
    dialog.day_checks[1].setChecked(True)
    assert ok_enabled(dialog) and dialog.error_label.isHidden()


def test_until_before_from_is_refused(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.from_check.setChecked(True)
    dialog.from_edit.setDate(QDate(2025, 7, 1))
    assert "'Until' must not be before 'from'" in dialog.error_label.text()
    assert not ok_enabled(dialog)


def test_end_before_start_is_asked_and_accepted_once_next_day_is_ticked(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.start_edit.setTime(QTime(11, 0))
    dialog.end_edit.setTime(QTime(10, 0))
    assert dialog.next_day_label.isVisible() and not dialog.next_day_label.isChecked()
    assert not ok_enabled(dialog), "11:00 to 10:00 is 23 hours: asked, not assumed"
    assert "ends the next day" in dialog.error_label.text()
    dialog.next_day_label.setChecked(True)
    assert ok_enabled(dialog)
    assert (dialog.block().start, dialog.block().end) == (time(11), time(10))


def test_an_overnight_block_opens_with_next_day_ticked_and_midnight_needs_no_tick(
    qtbot: QtBot,
) -> None:
    evening = Block(BlockKind.OFF, time(19), time(7), "Evening", Recurrence(frozenset({0})))
    dialog = make(qtbot, evening)
    assert dialog.next_day_label.isChecked() and ok_enabled(dialog)
    dialog.end_edit.setTime(QTime(0, 0))
    assert not dialog.next_day_label.isVisible() and ok_enabled(dialog)


def test_editing_one_occurrence_locks_what_an_exception_cannot_hold(qtbot: QtBot) -> None:
    draft = Block(BlockKind.FOCUS, time(13), time(15), "Deep work", on_date=date(2025, 3, 13))
    dialog = BlockEditorDialog(draft, occurrence_of=RECURRING)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle().startswith("Edit one occurrence of")
    assert not dialog.title_edit.isEnabled() and not dialog.kind_combo.isEnabled()
    assert not dialog.weekly_radio.isEnabled() and dialog.once_radio.isChecked()
    assert (dialog.start_edit.time(), dialog.end_edit.time()) == (QTime(13, 0), QTime(15, 0))


def test_switching_to_once_makes_a_one_off_without_exceptions(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.once_radio.setChecked(True)
    dialog.date_edit.setDate(QDate(2025, 3, 14))
    assert not dialog.day_checks[0].isEnabled()
    block = dialog.block()
    assert (block.recurrence, block.on_date, block.exceptions) == (None, date(2025, 3, 14), ())


def test_removing_an_exception_drops_it_from_the_block(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    assert not dialog.remove_exception_button.isEnabled()
    dialog.exceptions_list.setCurrentRow(0)
    qtbot.mouseClick(dialog.remove_exception_button, Qt.MouseButton.LeftButton)
    assert dialog.block().exceptions == (RECURRING.exceptions[1],)


def test_exceptions_are_listed_readably(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    rows = [dialog.exceptions_list.item(i).text() for i in range(2)]
    assert rows == [
        "Mon 10 Mar 2025: skipped",
        "Wed 12 Mar 2025: moved to Wed 12 Mar 14:00–16:00",
    ]


def test_ok_on_a_valid_form_accepts(qtbot: QtBot) -> None:
    dialog = make(qtbot, Block(BlockKind.AVAILABLE, time(8), time(9), on_date=date(2025, 3, 11)))
    assert dialog.exceptions_box.isHidden()
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert dialog.result() == BlockEditorDialog.DialogCode.Accepted


def test_the_date_fields_cannot_leave_the_supported_dates(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.until_edit.setDate(QDate(9999, 12, 28))  # was stored, and then bricked every start
    dialog.from_check.setChecked(True)
    dialog.from_edit.setDate(QDate(1, 1, 1))
    block = dialog.block()
    assert block.recurrence is not None
    assert block.recurrence.until == date(9000, 12, 31)
    assert block.recurrence.starts == date(1900, 1, 1)


def test_the_editor_says_which_block_applies_where_the_edited_one_overlaps_another_kind(
    qtbot: QtBot,
) -> None:
    from zoneinfo import ZoneInfo

    from focus_app.ui.calendar_model import CalendarController, InMemoryBlockRepository

    day = date(2025, 3, 11)
    office = Block(BlockKind.AVAILABLE, time(14), time(15), "Office hours", on_date=day)
    report = Block(BlockKind.FOCUS, time(9), time(10), "Report", on_date=day)
    repo = InMemoryBlockRepository(ZoneInfo("Europe/Berlin"), [office, report])
    controller = CalendarController(repo)
    stored = next(b for b in repo.blocks() if b.title == "Report")
    dialog = BlockEditorDialog(
        stored, overlap_notes=lambda b: controller.overlap_notes(b, b.on_date or day)
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.overlap_label.isVisible()  # 09:00-10:00 overlaps nothing
    dialog.start_edit.setTime(QTime(14, 30))
    dialog.end_edit.setTime(QTime(16, 0))
    assert dialog.overlap_label.isVisible()
    text = dialog.overlap_label.text()
    note = "Tue 11 Mar 14:30–15:00: “Report” (focus) applies, not “Office hours” (available)"
    assert note in text
    assert "more protective kind applies" in text
    dialog.kind_combo.setCurrentIndex(list(BlockKind).index(BlockKind.AVAILABLE))
    assert not dialog.overlap_label.isVisible()  # the same kind: nothing to choose between


def test_the_time_row_label_is_a_mnemonic_not_a_literal_ampersand(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QLabel

    dialog = make(qtbot)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert "T&ime:" in texts
    label = next(lbl for lbl in dialog.findChildren(QLabel) if lbl.text() == "T&ime:")
    assert label.buddy() is dialog.start_edit


def test_the_dialog_keeps_its_height_when_the_end_goes_before_the_start(qtbot: QtBot) -> None:
    dialog = make(qtbot, Block(BlockKind.FOCUS, time(9), time(10), on_date=date(2025, 3, 11)))
    before = dialog.sizeHint().height()
    dialog.end_edit.setTime(QTime(8, 0))
    assert dialog.next_day_label.isVisible()
    dialog.end_edit.setTime(QTime(11, 0))
    assert dialog.sizeHint().height() == before
