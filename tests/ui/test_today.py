"""The Today page's day at a glance: timeline strip, held senders, next window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.core.model import Block, BlockKind, Mode, Notification, Recurrence
from focus_app.engine import Engine
from focus_app.ui.main_window import MainWindow
from focus_app.ui.shell import Shell
from focus_app.ui.today_view import TodayTimeline, held_summary, next_window_text
from tests.ui.ui_engine import START, clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]  # fixtures (Thursday 2026-11-26, 10:00 Berlin)

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)

TODAY = START.date()


def day_blocks(engine: Engine) -> None:
    """Deep work every day, office hours today only, a report tomorrow (not today)."""
    every_day = Recurrence(weekdays=frozenset(range(7)))
    engine.add_block(Block(BlockKind.FOCUS, time(9), time(11, 30), "Deep work", every_day))
    engine.add_block(
        Block(BlockKind.AVAILABLE, time(14), time(15), "Office hours", on_date=TODAY)
    )
    tomorrow = TODAY + timedelta(days=1)
    engine.add_block(Block(BlockKind.FOCUS, time(13), time(14), "Report", on_date=tomorrow))


@pytest.fixture
def shell(engine: Engine, tmp_path: Path) -> Shell:
    return Shell(engine, state_file=tmp_path / "window.json")


@pytest.fixture
def window(shell: Shell, qtbot: QtBot) -> Iterator[MainWindow]:
    win = shell.ensure_window()
    qtbot.addWidget(win)
    win.resize(1180, 760)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.quit_on_close = False


def strip(engine: Engine, qtbot: QtBot, width: int = 900) -> TodayTimeline:
    timeline = TodayTimeline(engine)
    qtbot.addWidget(timeline)
    timeline.resize(width, timeline.minimumHeight())
    timeline.show()
    return timeline


def test_the_timeline_shows_todays_blocks_in_order_and_now_inside_the_current_one(
    engine: Engine, qtbot: QtBot
) -> None:
    day_blocks(engine)
    timeline = strip(engine, qtbot)
    items = timeline.items()
    assert [(i.text, i.kind) for i in items] == [
        ("Deep work", BlockKind.FOCUS),
        ("Office hours", BlockKind.AVAILABLE),
    ]
    deep, office = (i.rect for i in items)
    assert deep is not None and office is not None
    assert deep.right() < office.left()
    assert deep.left() < timeline.now_x() < deep.right()  # 10:00 inside 09:00–11:30
    first, last = timeline.hours()
    assert first <= 7 and last >= 22  # the working day, at least
    assert timeline.tooltip_at(deep.center()) == "Deep work — focus, 09:00–11:30"
    assert timeline.tooltip_at(QPointF(timeline.width() - 5, 2)) == ""


def test_the_override_gets_a_row_of_its_own_and_says_it_all_on_hover(
    engine: Engine, qtbot: QtBot
) -> None:
    day_blocks(engine)
    engine.start_override(Mode.PAUSED, timedelta(minutes=20), "Call with the bank")
    timeline = strip(engine, qtbot)
    [override] = [i for i in timeline.items() if i.mode is not None]
    assert override.mode is Mode.PAUSED
    assert override.text == "Paused now · until 10:20 · Call with the bank"
    deep = next(i for i in timeline.items() if i.text == "Deep work")
    assert override.rect is not None and deep.rect is not None
    assert override.rect.top() >= deep.rect.bottom()  # below the blocks, not over them
    tip = timeline.tooltip_at(override.rect.center())
    assert tip.startswith("Paused now · until 10:20 · Call with the bank")


def test_overlapping_blocks_share_the_row_one_above_the_other(
    engine: Engine, qtbot: QtBot
) -> None:
    engine.add_block(Block(BlockKind.AVAILABLE, time(14), time(15), "Office", on_date=TODAY))
    engine.add_block(Block(BlockKind.FOCUS, time(14, 30), time(16), "Report", on_date=TODAY))
    office, report = strip(engine, qtbot).items()
    assert (office.lane, report.lane, office.lanes, report.lanes) == (0, 1, 2, 2)
    assert office.rect is not None and report.rect is not None
    assert office.rect.bottom() <= report.rect.top() + 1


def test_the_timeline_follows_a_new_block_and_the_clock(
    engine: Engine, clock: FakeClock, qtbot: QtBot
) -> None:
    timeline = strip(engine, qtbot)
    assert timeline.items() == []
    before = timeline.now_x()
    engine.add_block(Block(BlockKind.OFF, time(18), time(23), "Evening", on_date=TODAY))
    assert [i.text for i in timeline.items()] == ["Evening"]
    clock.advance(timedelta(hours=2))
    assert timeline.now_x() > before


def test_held_summary_names_the_top_senders(engine: Engine, clock: FakeClock) -> None:
    assert held_summary([]) == "Nothing held."
    engine.start_override(Mode.FOCUS, timedelta(hours=1))
    for sender in ("Alice", "Bob", "Alice", "CI", "Dora", "Alice"):
        engine.ingest(Notification("ping", clock.now(), sender=sender))
    assert held_summary(engine.held()) == "6 held: Alice 3, Bob 1, CI 1 and 1 more"


def test_a_window_within_the_day_reads_as_a_range(engine: Engine) -> None:
    day_blocks(engine)
    engine.add_block(Block(BlockKind.FOCUS, time(12), time(18), "Long focus",
                           recurrence=Recurrence(weekdays=frozenset({3}))))
    assert next_window_text(engine).startswith("Available 11:30–12:00, in 1 h 30. ")


def test_next_window_says_when_held_notifications_go_out(engine: Engine) -> None:
    day_blocks(engine)
    # From 11:30 notifications flow until tomorrow's deep work (office hours lie inside).
    assert next_window_text(engine) == (
        "Available from 11:30, in 1 h 30, open until Fri 09:00. "
        "What is held arrives then, as one digest."
    )
    at_two = START.replace(hour=14, minute=10)
    assert next_window_text(engine, at_two) == (
        "Open now until Fri 09:00 (Office hours): notifications reach you as they come."
    )


def test_the_today_page_shows_the_day_the_held_and_the_next_window(
    engine: Engine, clock: FakeClock, window: MainWindow, qtbot: QtBot
) -> None:
    day_blocks(engine)
    today = window.today
    window.show_page("today")
    assert today.day_label.text() == "Today, Thursday 26 November"
    assert [i.text for i in today.timeline.items()] == ["Deep work", "Office hours"]
    assert today.held_summary.text() == "Nothing held."
    engine.ingest(Notification("Lunch?", clock.now(), sender="Alice"))
    qtbot.waitUntil(lambda: today.held_summary.text() == "1 held: Alice 1")
    assert today.window_summary.text().startswith("Available from 11:30, in 1 h 30")
    # The page still fills its height with the day, not with empty space.
    assert today.timeline.height() >= 90
    assert today.timeline.isVisible()
