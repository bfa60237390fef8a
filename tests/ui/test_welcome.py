"""The first-run guide: shown once on a first start, skippable, applies what was chosen."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import time
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QWizard
from pytestqt.qtbot import QtBot

from focus_app.core.model import Block, BlockKind, Recurrence
from focus_app.engine import Engine
from focus_app.ui.shell import Ui, start_ui
from focus_app.ui.welcome import WelcomeWizard, welcome_state_path
from tests.ui.ui_engine import clock, engine, notifier

if TYPE_CHECKING:
    from focus_app.app import Runtime

__all__ = ["clock", "engine", "notifier"]  # fixtures used by name

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
    "No such signal QPlatformNativeInterface::systemTrayWindowChanged",
)


@pytest.fixture
def uis() -> Iterator[list[Ui]]:
    started: list[Ui] = []
    yield started
    app = QApplication.instance()
    for ui in started:
        if app is not None:
            app.aboutToQuit.disconnect(ui.shutdown)
        if ui.tray is not None:
            ui.tray.hide()
        if ui.shell.welcome is not None:
            ui.shell.welcome.hide()
            ui.shell.welcome.deleteLater()
        if ui.window is not None:
            ui.window.quit_on_close = False
            ui.window.close()
            ui.window.deleteLater()


def start(uis: list[Ui], engine: Engine, tmp_path: Path, *, tray: bool = True) -> Ui:
    runtime = cast("Runtime", SimpleNamespace(engine=engine, startup_problems=[], commands=None))
    ui = start_ui(runtime, tray_available=tray, state_file=tmp_path / "window.json")
    uis.append(ui)
    return ui


def test_a_first_start_opens_the_guide_and_skipping_it_means_never_again(
    uis: list[Ui], engine: Engine, tmp_path: Path
) -> None:
    ui = start(uis, engine, tmp_path)
    guide = ui.shell.welcome
    assert guide is not None and guide.isVisible()
    assert guide.windowTitle() == "Welcome to Focus & Boundaries"
    assert guide.buttonText(QWizard.WizardButton.CancelButton) == "&Skip"

    guide.button(QWizard.WizardButton.CancelButton).click()
    assert not guide.isVisible()
    assert engine.blocks() == [], "skipping adds nothing"
    assert json.loads(welcome_state_path().read_text())["how"] == "skipped"
    assert start(uis, engine, tmp_path).shell.welcome is None, "never shown again"


def test_finishing_the_guide_adds_the_typical_week_and_who_may_break_through(
    uis: list[Ui], engine: Engine, tmp_path: Path, qtbot: QtBot
) -> None:
    guide = start(uis, engine, tmp_path).shell.welcome
    assert guide is not None
    guide.week_boxes["office"].setChecked(False)
    guide.next()
    guide.people_edit.clear()
    qtbot.keyClicks(guide.people_edit, "Alice, *@family.example, Alice")
    guide.next()
    assert "tray" in guide.currentPage().title().lower()
    guide.button(QWizard.WizardButton.FinishButton).click()

    kinds = sorted((b.kind.value, b.title) for b in engine.blocks())
    assert kinds == [("focus", "Deep work"), ("off", "Evening")]
    assert engine.settings.breakthrough_people == ("Alice", "*@family.example")
    assert json.loads(welcome_state_path().read_text())["how"] == "finished"
    assert start(uis, engine, tmp_path).shell.welcome is None
    # The evening block runs overnight: 07:00 next morning is still off.
    evening = next(b for b in engine.blocks() if b.kind is BlockKind.OFF)
    assert (evening.start, evening.end) == (time(19), time(7))


def test_a_calendar_with_blocks_gets_no_guide_even_the_first_time(
    uis: list[Ui], engine: Engine, tmp_path: Path
) -> None:
    engine.add_block(Block(BlockKind.FOCUS, time(9), time(10), "Mine", Recurrence(frozenset({0}))))
    assert start(uis, engine, tmp_path).shell.welcome is None
    assert not welcome_state_path().exists()


def test_without_a_tray_the_guide_says_the_window_is_where_the_app_lives(
    uis: list[Ui], engine: Engine, tmp_path: Path
) -> None:
    ui = start(uis, engine, tmp_path, tray=False)
    guide = ui.shell.welcome
    assert guide is not None and ui.window is not None and ui.window.isVisible()
    guide.next()
    guide.next()
    text = " ".join(label.text() for label in guide.currentPage().findChildren(QLabel))
    assert "no tray" in text and "this window" in text


def test_quitting_with_the_guide_open_brings_it_back_next_start(
    uis: list[Ui], engine: Engine, tmp_path: Path
) -> None:
    ui = start(uis, engine, tmp_path)
    ui.shutdown()
    assert not welcome_state_path().exists()
    assert isinstance(start(uis, engine, tmp_path).shell.welcome, WelcomeWizard)
