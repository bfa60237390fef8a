"""WeekView driven with real mouse, wheel and key events against an in-memory repository.

The shown week is Mon 10 – Sun 16 March 2025 in Berlin, and the clock is fixed at
Wednesday 10:40:15 (column 2).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from focus_app.core.model import Block, BlockException, BlockKind, Mode, Override, Recurrence
from focus_app.ui.calendar_model import CalendarController, InMemoryBlockRepository, Scope
from focus_app.ui.week_page import WeekPage
from focus_app.ui.week_view import HEADER_HEIGHT, WeekView

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 3, 12, 10, 40, 15, tzinfo=TZ)
LEFT = Qt.MouseButton.LeftButton
NO_MODS = Qt.KeyboardModifier.NoModifier


class Harness:
    """The view, its repository and recorders for the injected questions."""

    def __init__(self, qtbot: QtBot, blocks: list[Block], override: Override | None = None):
        self.repo = InMemoryBlockRepository(TZ, blocks, override)
        self.controller = CalendarController(self.repo)
        self.view = WeekView(self.controller, lambda: NOW, hour_height=40)
        self.questions: list[str] = []
        self.scope: Scope | None = Scope.THIS
        self.edited: list[Block] = []
        self.edit_result: Block | None = None
        self.overlap_questions: list[str] = []
        self.keep_overlap = True
        self.view.ask_scope = self._ask
        self.view.ask_overlap = self._ask_overlap
        self.view.edit_block = self._edit
        qtbot.addWidget(self.view)
        self.view.resize(1000, 700)
        self.view.show()
        qtbot.waitExposed(self.view)
        self.qtbot = qtbot

    def _ask(self, question: str) -> Scope | None:
        self.questions.append(question)
        return self.scope

    def _ask_overlap(self, question: str) -> bool:
        self.overlap_questions.append(question)
        return self.keep_overlap

    def _edit(self, block: Block) -> Block | None:
        self.edited.append(block)
        return self.edit_result

    def drag(self, start: QPoint, end: QPoint) -> None:
        """Press, move in a few steps (like a hand does), release."""
        self.qtbot.mousePress(self.view, LEFT, NO_MODS, start)
        for i in range(1, 5):
            self.qtbot.mouseMove(self.view, start + (end - start) * (i / 4))
        self.qtbot.mouseRelease(self.view, LEFT, NO_MODS, end)

    def only_block(self) -> Block:
        [block] = self.repo.blocks()
        return block


def one_off(start: time, end: time, day: date = date(2025, 3, 12), title: str = "") -> Block:
    return Block(BlockKind.FOCUS, start, end, title, on_date=day)


def weekly(start: time, end: time, days: frozenset[int] = frozenset(range(5))) -> Block:
    return Block(BlockKind.FOCUS, start, end, "Deep work", Recurrence(days))


def test_shows_the_week_of_now_scrolled_to_the_working_day(qtbot: QtBot) -> None:
    h = Harness(qtbot, [])
    assert h.view.week_start() == date(2025, 3, 10)
    top = h.view.point_at(0, time(7)).y()
    assert HEADER_HEIGHT <= top <= HEADER_HEIGHT + 20


def test_drag_on_empty_space_creates_a_snapped_one_off_focus_block(qtbot: QtBot) -> None:
    h = Harness(qtbot, [])
    h.drag(h.view.point_at(1, time(9, 5)), h.view.point_at(1, time(10, 50)))
    block = h.only_block()
    assert (block.kind, block.title, block.recurrence) == (BlockKind.FOCUS, "", None)
    assert (block.on_date, block.start, block.end) == (date(2025, 3, 11), time(9), time(10, 45))
    assert h.view.selected_occurrence() is not None
    assert h.view.selected_occurrence().block.id == block.id  # type: ignore[union-attr]


def test_drag_upwards_creates_the_same_span_with_the_chosen_kind(qtbot: QtBot) -> None:
    h = Harness(qtbot, [])
    h.view.new_block_kind = BlockKind.AVAILABLE
    h.drag(h.view.point_at(3, time(16, 2)), h.view.point_at(3, time(14, 14)))
    block = h.only_block()
    assert (block.kind, block.start, block.end) == (BlockKind.AVAILABLE, time(14, 15), time(16))


def test_a_click_without_drag_creates_nothing(qtbot: QtBot) -> None:
    h = Harness(qtbot, [])
    qtbot.mouseClick(h.view, LEFT, NO_MODS, h.view.point_at(2, time(9)))
    assert h.repo.blocks() == []


def test_dragging_a_block_moves_it_across_days_then_undo_and_redo(qtbot: QtBot) -> None:
    h = Harness(qtbot, [one_off(time(14), time(15))])
    original = h.only_block()
    h.drag(h.view.point_at(2, time(14, 30)), h.view.point_at(3, time(16, 30)))
    moved = h.only_block()
    assert (moved.on_date, moved.start, moved.end) == (date(2025, 3, 13), time(16), time(17))
    assert h.questions == []  # one-off blocks have nothing to ask
    qtbot.keyClick(h.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert h.only_block() == original
    qtbot.keyClick(
        h.view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert h.only_block() == moved
    qtbot.keyClick(h.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(h.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert h.only_block() == moved


def test_dragging_the_bottom_edge_resizes_the_end(qtbot: QtBot) -> None:
    h = Harness(qtbot, [one_off(time(14), time(15))])
    [segment] = h.view.segments()
    rect = h.view.segment_rect(segment)
    edge = QPoint(rect.center().x(), rect.bottom() - 1)
    # Start elsewhere: a move to where an earlier test left the cursor sends no event.
    qtbot.mouseMove(h.view, rect.center())
    qtbot.mouseMove(h.view, edge)
    assert h.view.cursor().shape() == Qt.CursorShape.SizeVerCursor
    h.drag(edge, h.view.point_at(2, time(16, 35)))
    assert (h.only_block().start, h.only_block().end) == (time(14), time(16, 30))


def test_dragging_the_top_edge_resizes_the_start_and_never_past_the_end(qtbot: QtBot) -> None:
    h = Harness(qtbot, [one_off(time(14), time(15))])
    rect = h.view.segment_rect(h.view.segments()[0])
    h.drag(QPoint(rect.center().x(), rect.top() + 1), h.view.point_at(2, time(13, 15)))
    assert (h.only_block().start, h.only_block().end) == (time(13, 15), time(15))
    rect = h.view.segment_rect(h.view.segments()[0])
    h.drag(QPoint(rect.center().x(), rect.top() + 1), h.view.point_at(2, time(17)))
    assert (h.only_block().start, h.only_block().end) == (time(14, 45), time(15))


def test_moving_this_occurrence_of_a_recurring_block_adds_a_moved_exception(
    qtbot: QtBot,
) -> None:
    h = Harness(qtbot, [weekly(time(9), time(10))])
    h.scope = Scope.THIS
    h.drag(h.view.point_at(2, time(9, 30)), h.view.point_at(2, time(11, 30)))
    block = h.only_block()
    assert len(h.questions) == 1 and "only this occurrence" in h.questions[0]
    assert (block.start, block.end) == (time(9), time(10))
    assert block.exceptions == (
        BlockException(date(2025, 3, 12), datetime(2025, 3, 12, 11), datetime(2025, 3, 12, 12)),
    )
    days_at_nine = {s.day for s in h.view.segments() if s.top == 9 * 60}
    assert days_at_nine == {0, 1, 3, 4}


def test_moving_all_occurrences_changes_the_block_time_and_weekdays(qtbot: QtBot) -> None:
    h = Harness(qtbot, [weekly(time(9), time(10), frozenset({0, 2}))])
    h.scope = Scope.ALL
    h.drag(h.view.point_at(2, time(9, 30)), h.view.point_at(3, time(10, 30)))
    block = h.only_block()
    assert (block.start, block.end, block.exceptions) == (time(10), time(11), ())
    assert block.recurrence is not None and block.recurrence.weekdays == frozenset({1, 3})


def test_cancelling_the_scope_question_changes_nothing(qtbot: QtBot) -> None:
    original = weekly(time(9), time(10))
    h = Harness(qtbot, [original])
    h.scope = None
    h.drag(h.view.point_at(2, time(9, 30)), h.view.point_at(2, time(12)))
    assert h.only_block().exceptions == () and h.controller.undo_stack.count() == 0


def test_delete_key_skips_this_occurrence_or_removes_a_one_off(qtbot: QtBot) -> None:
    h = Harness(qtbot, [weekly(time(9), time(10)), one_off(time(15), time(16))])
    qtbot.mouseClick(h.view, LEFT, NO_MODS, h.view.point_at(1, time(9, 30)))
    qtbot.keyClick(h.view, Qt.Key.Key_Delete)
    recurring = next(b for b in h.repo.blocks() if b.recurrence)
    assert recurring.exceptions == (BlockException(date(2025, 3, 11)),)
    qtbot.mouseClick(h.view, LEFT, NO_MODS, h.view.point_at(2, time(15, 30)))
    qtbot.keyClick(h.view, Qt.Key.Key_Delete)
    assert [b.recurrence is not None for b in h.repo.blocks()] == [True]
    assert len(h.questions) == 1  # only the recurring block asked
    qtbot.keyClick(h.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(h.repo.blocks()) == 2


def test_arrow_keys_walk_the_blocks_and_enter_opens_the_editor(qtbot: QtBot) -> None:
    blocks = [
        one_off(time(9), time(10), date(2025, 3, 10), "Mon early"),
        one_off(time(13), time(14), date(2025, 3, 10), "Mon late"),
        one_off(time(12, 30), time(13), date(2025, 3, 12), "Wed"),
    ]
    h = Harness(qtbot, blocks)
    h.view.setFocus()

    def title() -> str:
        occ = h.view.selected_occurrence()
        return occ.block.title if occ else ""

    qtbot.keyClick(h.view, Qt.Key.Key_Down)
    assert title() == "Mon early"
    qtbot.keyClick(h.view, Qt.Key.Key_Down)
    assert title() == "Mon late"
    qtbot.keyClick(h.view, Qt.Key.Key_Right)  # Tuesday is empty: on to Wednesday
    assert title() == "Wed"
    qtbot.keyClick(h.view, Qt.Key.Key_Left)
    assert title() == "Mon late"
    qtbot.keyClick(h.view, Qt.Key.Key_Up)
    assert title() == "Mon early"

    selected = h.view.selected_occurrence()
    assert selected is not None
    h.edit_result = Block(
        BlockKind.OFF, time(8), time(9), "Renamed", on_date=date(2025, 3, 10), id=selected.block.id
    )
    qtbot.keyClick(h.view, Qt.Key.Key_Return)
    assert [b.title for b in h.edited] == ["Mon early"]
    renamed = h.controller.block(selected.block.id or 0)
    assert renamed is not None and (renamed.title, renamed.kind) == ("Renamed", BlockKind.OFF)
    qtbot.keyClick(h.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert h.controller.block(selected.block.id or 0) == selected.block


def test_double_click_on_a_block_opens_the_editor_and_cancel_changes_nothing(
    qtbot: QtBot,
) -> None:
    h = Harness(qtbot, [one_off(time(9), time(10), title="Plan")])
    qtbot.mouseDClick(h.view, LEFT, NO_MODS, h.view.point_at(2, time(9, 30)))
    assert [b.title for b in h.edited] == ["Plan"]
    assert h.controller.undo_stack.count() == 0


def test_double_clicking_a_moved_occurrence_edits_this_occurrence_at_its_own_times(
    qtbot: QtBot,
) -> None:
    moved = BlockException(date(2025, 3, 12), datetime(2025, 3, 12, 14), datetime(2025, 3, 12, 15))
    h = Harness(qtbot, [replace(weekly(time(9), time(10)), exceptions=(moved,))])
    drafts: list[tuple[Block, Block]] = []

    def edit_occurrence(draft: Block, series: Block) -> Block:
        drafts.append((draft, series))
        return replace(draft, start=time(16), end=time(17, 30))

    h.view.edit_occurrence = edit_occurrence
    h.scope = Scope.THIS
    qtbot.mouseDClick(h.view, LEFT, NO_MODS, h.view.point_at(2, time(14, 30)))
    assert len(h.questions) == 1 and "edit only this occurrence" in h.questions[0]
    assert h.edited == [], "the series editor stays closed"
    [(draft, series)] = drafts
    assert (draft.on_date, draft.start, draft.end) == (date(2025, 3, 12), time(14), time(15))
    assert series.exceptions == (moved,)
    block = h.only_block()
    assert (block.start, block.end) == (time(9), time(10))
    assert block.exceptions == (
        BlockException(
            date(2025, 3, 12), datetime(2025, 3, 12, 16), datetime(2025, 3, 12, 17, 30)
        ),
    )


def test_double_clicking_a_recurring_block_and_choosing_all_opens_the_series(
    qtbot: QtBot,
) -> None:
    h = Harness(qtbot, [weekly(time(9), time(10))])
    h.scope = Scope.ALL
    qtbot.mouseDClick(h.view, LEFT, NO_MODS, h.view.point_at(2, time(9, 30)))
    assert [b.title for b in h.edited] == ["Deep work"]


def test_double_click_on_empty_space_offers_an_hour_long_draft(qtbot: QtBot) -> None:
    h = Harness(qtbot, [])
    h.edit_result = None
    qtbot.mouseDClick(h.view, LEFT, NO_MODS, h.view.point_at(4, time(15, 35)))
    [draft] = h.edited
    assert (draft.on_date, draft.start, draft.end) == (date(2025, 3, 14), time(15), time(16))
    assert h.repo.blocks() == []  # cancelled: nothing created


def test_overlapping_blocks_are_laid_out_side_by_side(qtbot: QtBot) -> None:
    day = date(2025, 3, 11)
    h = Harness(
        qtbot,
        [
            one_off(time(9), time(11), day, "A"),
            one_off(time(10), time(12), day, "B"),
            one_off(time(11), time(12, 30), day, "C"),
            one_off(time(14), time(15), day, "D"),
        ],
    )
    rects = {s.occurrence.block.title: h.view.segment_rect(s) for s in h.view.segments()}
    a, b, c, d = rects["A"], rects["B"], rects["C"], rects["D"]
    assert a.width() == b.width() == c.width()
    assert b.left() > a.right()  # B beside A
    assert c.left() == a.left() and c.top() >= a.bottom()  # C reuses A's column below it
    assert d.width() > 1.8 * a.width()  # alone, full width
    assert a.top() < b.top() < c.top() < d.top()


def test_a_block_over_midnight_is_drawn_on_both_days(qtbot: QtBot) -> None:
    h = Harness(qtbot, [one_off(time(22), time(2), date(2025, 3, 12))])
    spans = [(s.day, s.top, s.bottom, s.first, s.last) for s in h.view.segments()]
    assert spans == [(2, 22 * 60, 24 * 60, True, False), (3, 0, 2 * 60, False, True)]


def test_page_keys_and_t_navigate_weeks(qtbot: QtBot) -> None:
    h = Harness(qtbot, [])
    weeks: list[date] = []
    h.view.week_changed.connect(weeks.append)
    qtbot.keyClick(h.view, Qt.Key.Key_PageDown)
    qtbot.keyClick(h.view, Qt.Key.Key_PageDown)
    qtbot.keyClick(h.view, Qt.Key.Key_PageUp)
    qtbot.keyClick(h.view, Qt.Key.Key_T)
    assert weeks == [date(2025, 3, 17), date(2025, 3, 24), date(2025, 3, 17), date(2025, 3, 10)]


def wheel(view: WeekView, delta: int, modifiers: Qt.KeyboardModifier) -> None:
    pos = QPointF(300, 300)
    event = QWheelEvent(
        pos,
        view.mapToGlobal(pos),
        QPoint(),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, event)


def test_ctrl_wheel_zooms_within_bounds_and_plain_wheel_scrolls(qtbot: QtBot) -> None:
    h = Harness(qtbot, [])
    ctrl = Qt.KeyboardModifier.ControlModifier
    before = h.view.scroll_offset()
    wheel(h.view, -120, NO_MODS)
    assert h.view.scroll_offset() > before and h.view.hour_height() == 40
    wheel(h.view, 120, ctrl)
    assert h.view.hour_height() > 40
    for _ in range(30):
        wheel(h.view, 120, ctrl)
    assert h.view.hour_height() == 120
    for _ in range(30):
        wheel(h.view, -120, ctrl)
    assert h.view.hour_height() == 20


def test_now_line_is_red_in_todays_column_and_rearmed_each_minute(qtbot: QtBot) -> None:
    h = Harness(qtbot, [])
    image = h.view.grab().toImage()
    y = round(HEADER_HEIGHT + (10 * 60 + 40.25) / 60 * 40 - h.view.scroll_offset())
    x_today = h.view.point_at(2, time(10)).x()
    red = QColor(image.pixel(x_today, y))
    assert red.red() > 200 and red.green() < 80
    not_today = QColor(image.pixel(h.view.point_at(4, time(10)).x(), y))
    assert not_today.red() < 250 or not_today.green() > 200  # no line outside today
    timer = h.view._now_timer
    assert timer.isSingleShot() and timer.isActive()
    assert 44_000 <= timer.remainingTime() <= 45_100  # wakes at 10:41:00, not before


def test_override_band_is_drawn_with_its_label(qtbot: QtBot) -> None:
    override = Override(
        Mode.FOCUS, datetime(2025, 3, 12, 10, tzinfo=TZ), datetime(2025, 3, 12, 11, 30, tzinfo=TZ)
    )
    h = Harness(qtbot, [], override)
    plain = Harness(qtbot, [])
    point = h.view.point_at(2, time(11))
    a = QColor(h.view.grab().toImage().pixel(point.x() + 30, point.y()))
    b = QColor(plain.view.grab().toImage().pixel(point.x() + 30, point.y()))
    assert a != b and a.blue() > a.red()  # tinted blue over today's column


def test_week_page_navigation_and_date_picker(qtbot: QtBot) -> None:
    repo = InMemoryBlockRepository(TZ)
    page = WeekPage(CalendarController(repo), lambda: NOW)
    qtbot.addWidget(page)
    page.show()
    qtbot.mouseClick(page.next_button, LEFT)
    assert page.view.week_start() == date(2025, 3, 17)
    assert "17 Mar – 23 Mar 2025" in page.week_label.text()
    page.date_edit.setDate(page.date_edit.date().addDays(30))
    assert page.view.week_start() == date(2025, 4, 14)
    qtbot.mouseClick(page.today_button, LEFT)
    assert page.view.week_start() == date(2025, 3, 10)
    page.kind_combo.setCurrentIndex(page.kind_combo.findData(BlockKind.OFF))
    assert page.view.new_block_kind is BlockKind.OFF


# --------------------------------------------------------------------------- overlaps


def office_hours(day: date = date(2025, 3, 11)) -> Block:
    return Block(BlockKind.AVAILABLE, time(14), time(15), "Office hours", on_date=day)


def test_where_focus_overlaps_available_the_available_part_says_focus_applies(
    qtbot: QtBot,
) -> None:
    day = date(2025, 3, 11)
    h = Harness(qtbot, [office_hours(day), one_off(time(14, 30), time(16), day, "Report")])
    segments = {s.occurrence.block.title: s for s in h.view.segments()}
    available, focus = segments["Office hours"], segments["Report"]
    assert [(top, bottom, b.title) for top, bottom, b in available.overruled] == [
        (870.0, 900.0, "Report")
    ]
    assert focus.overruled == []
    note = "Tue 11 Mar 14:30–15:00: “Report” (focus) applies, not “Office hours” (available)"
    assert available.notes == focus.notes == [note]
    # Drawn: the overruled half is washed out, the half before it keeps its fill.
    image = h.view.grab().toImage()
    x = round(h.view.segment_rect(available).left()) + 6
    before = QColor(image.pixel(x, h.view.point_at(1, time(14, 20)).y()))
    after = QColor(image.pixel(x, h.view.point_at(1, time(14, 40)).y()))
    assert after.lightness() > before.lightness() + 15 or after.saturation() < before.saturation()


def test_a_blocks_tooltip_gives_its_full_text_and_which_block_applies_where_they_overlap(
    qtbot: QtBot,
) -> None:
    day = date(2025, 3, 11)
    h = Harness(qtbot, [office_hours(day), one_off(time(14, 30), time(16), day, "Report")])
    [available] = [s for s in h.view.segments() if s.occurrence.block.title == "Office hours"]
    x = h.view.segment_rect(available).center().x()
    tip = h.view.tooltip_at(QPointF(x, h.view.point_at(1, time(14, 10)).y()))
    assert tip.splitlines()[0] == "Office hours — available, 14:00–15:00 (once)"
    assert "“Report” (focus) applies, not “Office hours” (available)" in tip
    assert "more protective kind applies" in tip
    assert h.view.tooltip_at(QPointF(h.view.point_at(4, time(3)))) == ""


def test_override_tooltip_says_the_full_label_the_chip_may_cut(qtbot: QtBot) -> None:
    override = Override(
        Mode.PAUSED,
        datetime(2025, 3, 12, 10, tzinfo=TZ),
        datetime(2025, 3, 12, 11, 30, tzinfo=TZ),
        "Waiting for the build of the whole release",
    )
    h = Harness(qtbot, [], override)
    tip = h.view.tooltip_at(QPointF(h.view.point_at(2, time(11))))
    assert tip == "Paused now · until 11:30 · Waiting for the build of the whole release"


def test_drawing_a_block_over_one_of_another_kind_asks_and_cancel_draws_nothing(
    qtbot: QtBot,
) -> None:
    h = Harness(qtbot, [office_hours()])
    h.keep_overlap = False
    h.drag(h.view.point_at(1, time(16)), h.view.point_at(1, time(14, 30)))
    assert [b.title for b in h.repo.blocks()] == ["Office hours"]
    [question] = h.overlap_questions
    assert "“Focus” (focus) would overlap another block" in question
    assert "“Focus” (focus) applies, not “Office hours” (available)" in question


def test_keeping_both_draws_the_block_and_the_overlap_is_shown(qtbot: QtBot) -> None:
    h = Harness(qtbot, [office_hours()])
    h.drag(h.view.point_at(1, time(16)), h.view.point_at(1, time(14, 30)))
    assert len(h.repo.blocks()) == 2
    assert len(h.overlap_questions) == 1
    [available] = [s for s in h.view.segments() if s.occurrence.block.title == "Office hours"]
    assert available.overruled


def test_moving_a_block_onto_another_kind_asks_but_moving_it_within_itself_does_not(
    qtbot: QtBot,
) -> None:
    h = Harness(qtbot, [office_hours(), one_off(time(9), time(10), date(2025, 3, 11), "Mail")])
    h.drag(h.view.point_at(1, time(9, 30)), h.view.point_at(1, time(9, 45)))
    assert h.overlap_questions == []  # overlapping only its own old place
    h.keep_overlap = False
    h.drag(h.view.point_at(1, time(9, 45)), h.view.point_at(1, time(14, 15)))
    assert len(h.overlap_questions) == 1
    mail = next(b for b in h.repo.blocks() if b.title == "Mail")
    assert mail.start == time(9, 15)  # the first move happened, the second was cancelled


def test_blocks_of_one_kind_overlapping_are_not_asked_about(qtbot: QtBot) -> None:
    h = Harness(qtbot, [one_off(time(14), time(15), date(2025, 3, 11), "A")])
    h.drag(h.view.point_at(1, time(16)), h.view.point_at(1, time(14, 30)))
    assert h.overlap_questions == []
    assert len(h.repo.blocks()) == 2


def test_the_grid_follows_a_dark_palette_live_and_back(qtbot: QtBot) -> None:
    from PySide6.QtGui import QPalette

    h = Harness(qtbot, [])
    empty = h.view.point_at(4, time(8))  # Friday 08:00: plain grid
    light = QColor(h.view.grab().toImage().pixel(empty.x() + 10, empty.y() + 5))
    assert light.lightness() > 200
    dark = QPalette(h.view.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#1f1f22"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#2b2b2e"))
    h.view.setPalette(dark)
    now_dark = QColor(h.view.grab().toImage().pixel(empty.x() + 10, empty.y() + 5))
    assert now_dark.lightness() < 60
    h.view.setPalette(QPalette())
    back = QColor(h.view.grab().toImage().pixel(empty.x() + 10, empty.y() + 5))
    assert back == light


# --------------------------------------------------------------------------- nothing clipped


def is_now_red(color: QColor) -> bool:
    return color.red() > 200 and color.green() < 80 and color.blue() < 80


def test_the_now_line_goes_around_the_title_of_the_block_it_crosses(qtbot: QtBot) -> None:
    # Now is 10:40: through the title of a block that starts at 10:30.
    h = Harness(qtbot, [one_off(time(10, 30), time(12), title="Write the quarterly report")])
    [seg] = h.view.segments()
    line = h.view.now_line()
    assert line is not None and seg.text_rect is not None
    assert seg.text_rect.top() <= line.y1() <= seg.text_rect.bottom()  # it would cross
    image = h.view.grab().toImage()
    y = round(line.y1() + HEADER_HEIGHT - h.view.scroll_offset())
    text = seg.text_rect.translated(0, HEADER_HEIGHT - h.view.scroll_offset())
    inside = [QColor(image.pixel(x, y)) for x in range(round(text.left()), round(text.right()))]
    assert not any(is_now_red(c) for c in inside)
    after = round(text.right()) + 6
    assert after < line.x2()
    assert is_now_red(QColor(image.pixel(after, y)))  # the line is still there beside it


def test_narrow_blocks_keep_their_text_inside_never_cut_a_time_and_say_it_all_on_hover(
    qtbot: QtBot,
) -> None:
    day = date(2025, 3, 11)
    blocks = [
        one_off(time(14), time(15), day, "Quarterly report for the board"),
        Block(BlockKind.AVAILABLE, time(14), time(15, 30), "Office hours", on_date=day),
    ]
    h = Harness(qtbot, blocks)
    h.view.resize(700, 700)
    segments = h.view.segments()
    assert all(s.columns == 2 for s in segments)
    for seg in segments:
        assert seg.rect is not None
        if seg.text_rect is not None:
            assert seg.rect.contains(seg.text_rect)
        subtitle = seg.subtitle.text() if seg.subtitle is not None else ""
        occ = seg.occurrence
        start, end = occ.start.astimezone(TZ), occ.end.astimezone(TZ)
        assert subtitle in ("", f"{start:%H:%M}–{end:%H:%M}", f"{start:%H:%M}")
    report = next(s for s in segments if s.occurrence.block.kind is BlockKind.FOCUS)
    assert report.title is not None and report.title.text() != "Quarterly report for the board"
    center = QPointF(h.view.segment_rect(report).center())
    tip = h.view.tooltip_at(center).splitlines()[0]
    assert tip == "Quarterly report for the board — focus, 14:00–15:00 (once)"


def test_the_override_chip_shortens_its_label_and_is_left_out_where_it_cannot_fit(
    qtbot: QtBot,
) -> None:
    reason = "Waiting for the build of the whole release"
    start, until = datetime(2025, 3, 12, 10, tzinfo=TZ), datetime(2025, 3, 12, 11, 30, tzinfo=TZ)
    h = Harness(qtbot, [], Override(Mode.PAUSED, start, until, reason))
    h.view.resize(1400, 700)
    chip = h.view.override_chip()
    assert chip is not None and chip[1] == "Paused now · until 11:30"  # the reason is too long
    h.view.resize(700, 700)
    chip = h.view.override_chip()
    assert chip is not None and chip[1] in ("Paused until 11:30", "until 11:30")
    [band] = [r for r, _ in h.view._override_rects(NOW)]
    assert band.contains(chip[0])
    # Ten minutes are too short for a chip: the band says it on hover only.
    short = Override(Mode.FOCUS, start, datetime(2025, 3, 12, 10, 10, tzinfo=TZ))
    h2 = Harness(qtbot, [], short)
    assert h2.view.override_chip(datetime(2025, 3, 12, 10, 5, tzinfo=TZ)) is None
