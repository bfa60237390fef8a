"""The week page over a real engine: edits reach the engine and its gate at once."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.core.model import Mode, Notification, Outcome
from focus_app.engine import Engine
from focus_app.ui.pages import build_calendar_page
from focus_app.ui.week_page import WeekPage
from tests.ui.ui_engine import clock, engine, notifier  # noqa: F401  (fixtures)

LEFT = Qt.MouseButton.LeftButton
NO_MODS = Qt.KeyboardModifier.NoModifier


def test_drawing_a_focus_block_over_now_holds_the_next_notification(
    qtbot: QtBot, engine: Engine, clock: FakeClock  # noqa: F811
) -> None:
    page = build_calendar_page(engine)
    assert isinstance(page, WeekPage)
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    qtbot.waitExposed(page)
    view = page.view
    assert engine.state().mode is Mode.AVAILABLE

    today = clock.now().weekday()  # the view shows the week of now (Thursday)
    start, end = view.point_at(today, time(9, 30)), view.point_at(today, time(11, 0))
    qtbot.mousePress(view, LEFT, NO_MODS, start)
    for i in range(1, 5):
        qtbot.mouseMove(view, start + (end - start) * (i / 4))
    qtbot.mouseRelease(view, LEFT, NO_MODS, end)

    [block] = engine.blocks()
    assert (block.start, block.end) == (time(9, 30), time(11, 0))
    assert engine.state().mode is Mode.FOCUS
    held = engine.ingest(Notification(title="hi", sender="Bob", received_at=clock.now()))
    assert held.decision.outcome is Outcome.HELD

    page.view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert engine.blocks() == []
    assert engine.state().mode is Mode.AVAILABLE


def test_blocks_added_elsewhere_appear_in_the_open_week(
    qtbot: QtBot, engine: Engine  # noqa: F811
) -> None:
    from focus_app.core.model import Block, BlockKind, Recurrence

    page = build_calendar_page(engine)
    assert isinstance(page, WeekPage)
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    assert page.view.segments() == []
    engine.add_block(Block(kind=BlockKind.OFF, start=time(18), end=time(22),
                           recurrence=Recurrence(weekdays=frozenset(range(7)))))
    assert len(page.view.segments()) == 7
