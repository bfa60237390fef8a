"""One word for one thing: the mode's origin, the Pause group, the heads-up's sender."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.core.model import Block, BlockKind, Mode, Notification, Recurrence
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.status_text import format_status
from focus_app.store import Store
from focus_app.ui.main_window import TodayPage
from focus_app.ui.quick_actions import GROUP_TITLES, MODE_HELP, QuickActions
from tests.ui.ui_engine import clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]  # fixtures used by name


def test_a_mode_set_by_hand_is_manual_on_the_command_line_as_in_the_window(
    engine: Engine,
) -> None:
    engine.start_override(Mode.FOCUS, timedelta(minutes=50))
    line = format_status(engine.status(), now=engine.clock.now())
    assert "(manual)" in line
    assert "override" not in line


def test_the_pause_group_is_named_like_its_neighbours_everywhere(
    engine: Engine, qtbot: QtBot
) -> None:
    assert GROUP_TITLES[Mode.PAUSED] == "&Pause now"
    actions = QuickActions(engine)
    page = TodayPage(actions)
    qtbot.addWidget(page)
    titles = {mode: label.text() for mode, label in page.group_labels.items()}
    assert titles == {
        Mode.FOCUS: "Focus now",
        Mode.AVAILABLE: "Available now",
        Mode.PAUSED: "Pause now",
    }


def test_pause_and_available_each_say_how_they_differ_in_a_tooltip(
    engine: Engine, qtbot: QtBot
) -> None:
    page = TodayPage(QuickActions(engine))
    qtbot.addWidget(page)
    pause = page.group_labels[Mode.PAUSED].toolTip()
    available = page.group_labels[Mode.AVAILABLE].toolTip()
    assert pause == MODE_HELP[Mode.PAUSED] and available == MODE_HELP[Mode.AVAILABLE]
    assert "Hold rules" in pause and "Hold rules" in available
    assert "off" in pause and "still apply" in available


def test_the_heads_up_does_not_name_the_app_twice(
    qapp: object, tmp_path: Path, clock: FakeClock, notifier: MemoryNotifier
) -> None:
    store, _ = Store.open(tmp_path / "focus.sqlite3")
    engine = Engine(store, Settings(timezone="Europe/Berlin", heads_up_minutes=5), notifier, clock)
    engine.start()
    try:
        engine.add_block(
            Block(
                BlockKind.FOCUS,
                time(9, 0),
                time(11, 30),
                title="Deep work",
                recurrence=Recurrence(frozenset(range(7))),
            )
        )
        clock.advance(timedelta(hours=1, minutes=25))
        engine.reconcile()
    finally:
        engine.shutdown()
        store.close()
    [sent] = notifier.sent
    assert sent.title == "Focus ends in 5 min"
    assert sent.body == "'Deep work' ends at 11:30."


def test_a_sender_that_is_also_the_source_is_named_once(
    engine: Engine, notifier: MemoryNotifier
) -> None:
    now = engine.clock.now()
    engine.ingest(
        Notification(title="build", body="green", sender="CI", source="ci", received_at=now)
    )
    engine.ingest(
        Notification(title="hi", body="lunch?", sender="Bob", source="Signal", received_at=now)
    )
    assert [s.body for s in notifier.sent] == ["CI: green", "Bob · Signal: lunch?"]
