"""The Programs list: a real table model over the engine's programs, edited in place."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QComboBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.core.model import Notification, Outcome
from focus_app.core.program_prefs import ProgramChoice
from focus_app.engine import Engine
from focus_app.ui.programs_model import (
    EMPTY_TEXT,
    Column,
    ProgramRole,
    ProgramsModel,
    format_last_seen,
    program_icon,
)
from focus_app.ui.settings_page import SettingsPage
from tests.ui.ui_engine import BERLIN, START, clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]  # fixtures used by name

# The offscreen platform cannot raise windows or grab the keyboard (combo box popups).
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def seen(engine: Engine, key: str, name: str, at: datetime, count: int = 1) -> None:
    """``key`` sent ``count`` notifications at ``at`` (noted and ingested, like the watcher)."""
    for i in range(count):
        engine.note_program_seen(key, name, "", at)
        engine.ingest(
            Notification(
                title=f"{name} {i}", source=name, program=key, origin="caught", received_at=at
            )
        )


def cell(model: ProgramsModel, row: int, column: Column, role: int = 0) -> object:
    return model.index(row, column).data(role or Qt.ItemDataRole.DisplayRole)


def test_model_passes_the_model_tester_through_new_programs_and_choices(
    engine: Engine, clock: FakeClock, qtmodeltester: ModelTester
) -> None:
    model = ProgramsModel(engine)
    qtmodeltester.check(model, force_py=True)
    seen(engine, "slack", "Slack", clock.now())
    seen(engine, "mail", "Thunderbird", clock.now())
    engine.set_program_choice("slack", ProgramChoice.HOLD)
    qtmodeltester.check(model, force_py=True)
    assert [cell(model, r, Column.NAME) for r in range(model.rowCount())] == [
        "Slack",
        "Thunderbird",
    ]


def test_rows_show_name_count_last_seen_choice_and_sender_with_named_roles(
    engine: Engine, clock: FakeClock
) -> None:
    seen(engine, "slack", "Slack", clock.now() - timedelta(hours=1), count=3)
    engine.set_program_sender_rule("slack", "summary")
    model = ProgramsModel(engine)

    assert [cell(model, 0, c) for c in Column] == [
        "Slack",
        "3",
        "today 09:00",
        "Follow the schedule",
        "Title is the sender",
    ]
    assert model.index(0, Column.CHOICE).data(Qt.ItemDataRole.EditRole) == "follow"
    assert model.index(0, Column.SENDER).data(Qt.ItemDataRole.EditRole) == "summary"
    assert cell(model, 0, Column.WEEK, ProgramRole.CountWeekRole) == 3
    assert cell(model, 0, Column.NAME, ProgramRole.KeyRole) == "slack"
    assert cell(model, 0, Column.NAME, ProgramRole.ChoiceRole) == "follow"
    assert b"ProgramObject" in model.roleNames().values()
    icon = cell(model, 0, Column.NAME, Qt.ItemDataRole.DecorationRole)
    assert not icon.isNull()  # type: ignore[attr-defined]
    assert (
        cell(model, 0, Column.NAME, Qt.ItemDataRole.ToolTipRole)
        == "Slack (slack), first seen 26 Nov 2026 09:00"
    )


def test_only_the_choice_and_sender_columns_are_editable(engine: Engine, clock: FakeClock) -> None:
    seen(engine, "slack", "Slack", clock.now())
    model = ProgramsModel(engine)
    editable = [c for c in Column if model.index(0, c).flags() & Qt.ItemFlag.ItemIsEditable]
    assert editable == [Column.CHOICE, Column.SENDER]


def test_choosing_always_hold_in_the_model_holds_the_programs_next_notification(
    engine: Engine, clock: FakeClock, qtbot: QtBot
) -> None:
    seen(engine, "slack", "Slack", clock.now())
    model = ProgramsModel(engine)

    with qtbot.waitSignal(model.applied) as applied:
        assert model.setData(model.index(0, Column.CHOICE), "hold")

    assert applied.args == ["Slack: always hold, from now on."]
    assert cell(model, 0, Column.CHOICE) == "Always hold"
    result = engine.ingest(
        Notification(title="x", source="Slack", program="slack", received_at=clock.now())
    )
    assert result.decision.outcome is Outcome.HELD


def test_setting_the_sender_rule_in_the_model_reaches_the_engine(
    engine: Engine, clock: FakeClock
) -> None:
    seen(engine, "slack", "Slack", clock.now())
    model = ProgramsModel(engine)
    assert model.setData(model.index(0, Column.SENDER), "body-prefix")
    program = engine.program("slack")
    assert program is not None and program.sender_rule == "body-prefix"
    assert cell(model, 0, Column.SENDER) == "Body starts with the sender"


def test_unknown_values_and_other_columns_are_refused_and_change_nothing(
    engine: Engine, clock: FakeClock
) -> None:
    seen(engine, "slack", "Slack", clock.now())
    model = ProgramsModel(engine)
    assert not model.setData(model.index(0, Column.CHOICE), "always")
    assert not model.setData(model.index(0, Column.SENDER), "title")
    assert not model.setData(model.index(0, Column.NAME), "Renamed")
    assert not model.setData(model.index(0, Column.CHOICE), "hold", Qt.ItemDataRole.DisplayRole)
    program = engine.program("slack")
    assert program is not None
    assert (program.display_name, program.choice, program.sender_rule) == (
        "Slack",
        ProgramChoice.FOLLOW,
        "",
    )


def test_new_notifications_update_the_count_and_last_seen_once_per_batch(
    engine: Engine, clock: FakeClock, qtbot: QtBot
) -> None:
    seen(engine, "slack", "Slack", clock.now())
    model = ProgramsModel(engine)
    changes: list[object] = []
    model.dataChanged.connect(lambda *args: changes.append(args))
    clock.advance(timedelta(minutes=5))
    engine.note_program_seen("slack", "Slack", "", clock.now())
    changes.clear()
    caught = Notification(title="x", source="Slack", program="slack", received_at=clock.now())
    engine.ingest_many([caught, caught, caught])

    qtbot.waitUntil(lambda: cell(model, 0, Column.WEEK) == "4")
    assert len(changes) == 1
    assert cell(model, 0, Column.LAST_SEEN) == "today 10:05"


@pytest.mark.parametrize(
    ("seen_at", "shown"),
    [
        (START.replace(hour=0, minute=1), "today 00:01"),
        (START - timedelta(days=1), "Wed 10:00"),
        (START - timedelta(days=6), "Fri 10:00"),
        (START - timedelta(days=7), "19 Nov"),
        (datetime(2026, 11, 3, 9, 0, tzinfo=BERLIN), "3 Nov"),
        (datetime(2025, 11, 3, 9, 0, tzinfo=BERLIN), "3 Nov 2025"),
    ],
)
def test_last_seen_is_short_and_in_the_engines_zone(seen_at: datetime, shown: str) -> None:
    assert format_last_seen(seen_at, START, BERLIN) == shown


def test_program_icon_loads_a_file_and_falls_back_for_unknown_names(
    qapp: object, tmp_path: Path
) -> None:
    image = QImage(16, 16, QImage.Format.Format_ARGB32)
    image.fill(QColor("red"))
    path = tmp_path / "icon.png"
    assert image.save(str(path))

    from_file = program_icon(str(path))
    fallback = program_icon("no-such-icon-name-anywhere")

    colour = from_file.pixmap(16, 16).toImage().pixelColor(8, 8)
    assert colour == QColor("red")
    assert not fallback.isNull()
    assert program_icon(f"file://{path}").pixmap(16, 16).toImage().pixelColor(8, 8) == colour


# ------------------------------------------------------------------------------ the page


@pytest.fixture
def page(qtbot: QtBot, engine: Engine) -> SettingsPage:
    page = SettingsPage(engine)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    return page


def test_empty_programs_list_explains_when_programs_appear(
    page: SettingsPage, engine: Engine, clock: FakeClock
) -> None:
    page.show_tab("programs")
    assert page.programs_empty.isVisible()
    assert page.programs_empty.text() == EMPTY_TEXT
    assert not page.programs_view.isVisible()

    seen(engine, "slack", "Slack", clock.now())

    assert not page.programs_empty.isVisible()
    assert page.programs_view.isVisible()


def test_a_click_opens_the_choice_and_picking_one_applies_at_once(
    page: SettingsPage, engine: Engine, clock: FakeClock
) -> None:
    seen(engine, "steam", "Steam", clock.now())
    index = page.programs_model.index(0, Column.CHOICE)

    page.open_program_choice(index)
    combo = page.programs_view.indexWidget(index)
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Follow the schedule",
        "Always let through",
        "Always hold",
        "Mute",
    ]
    combo.setCurrentIndex(combo.findData("mute"))
    combo.activated.emit(combo.currentIndex())

    program = engine.program("steam")
    assert program is not None and program.choice is ProgramChoice.MUTE
    assert page.programs_status.text() == "Steam: mute, from now on."
    assert page.programs_view.indexWidget(index) is None  # the editor closed


def test_keyboard_f2_opens_the_sender_combo_and_arrows_pick_a_rule(
    page: SettingsPage, engine: Engine, clock: FakeClock, qtbot: QtBot
) -> None:
    seen(engine, "slack", "Slack", clock.now())
    view = page.programs_view
    index = page.programs_model.index(0, Column.SENDER)
    view.setFocus()
    view.setCurrentIndex(index)

    qtbot.keyClick(view, Qt.Key.Key_F2)
    combo = view.indexWidget(index)
    assert isinstance(combo, QComboBox)
    qtbot.keyClick(combo, Qt.Key.Key_Down)

    program = engine.program("slack")
    assert program is not None and program.sender_rule == "summary"


def test_clicking_a_column_that_is_not_a_choice_opens_nothing(
    page: SettingsPage, engine: Engine, clock: FakeClock
) -> None:
    seen(engine, "slack", "Slack", clock.now())
    index = page.programs_model.index(0, Column.NAME)
    page.open_program_choice(index)
    assert page.programs_view.indexWidget(index) is None
    assert page.programs_view.indexWidget(QModelIndex()) is None
