"""User text (block titles, reasons, start-up problems) shows literally, never as markup.

Qt guesses: a QLabel or tooltip whose text looks like HTML is rendered as rich text, and a
single "&" in a QAction or QMenu text is a mnemonic. A block titled "<b>Deep</b> & R&D"
must read exactly so on the Today page, in the tray tooltip and in the tray menu.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel

from focus_app.core.model import Block, BlockKind, Mode, Recurrence
from focus_app.engine import Engine
from focus_app.status_text import format_status
from focus_app.ui.main_window import MainWindow
from focus_app.ui.quick_actions import literal_tooltip, menu_text
from focus_app.ui.shell import Shell
from focus_app.ui.tray import TrayController
from tests.ui.ui_engine import clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]  # fixtures used by name

TITLE = "<b>Deep</b> & R&D"
NEXT_TITLE = "Q&A <i>hours</i>"
EVERY_DAY = Recurrence(frozenset(range(7)))


@pytest.fixture
def shell(engine: Engine, tmp_path: Path) -> Iterator[Shell]:
    """A focus block titled like markup runs now (10:00); "Q&A <i>hours</i>" comes next."""
    engine.add_block(Block(BlockKind.FOCUS, time(9), time(11), TITLE, EVERY_DAY))
    engine.add_block(Block(BlockKind.AVAILABLE, time(11), time(12), NEXT_TITLE, EVERY_DAY))
    shell = Shell(engine, state_file=tmp_path / "window.json")
    yield shell
    if shell.window is not None:
        shell.window.close()
        shell.window.deleteLater()


@pytest.fixture
def window(shell: Shell) -> MainWindow:
    return shell.ensure_window()


def rendered(rich_or_plain: str) -> str:
    """What Qt shows for a tooltip: rich text when it looks like it, else the string."""
    if not QtGui.Qt.mightBeRichText(rich_or_plain):
        return rich_or_plain
    document = QTextDocument()
    document.setHtml(rich_or_plain)
    return document.toPlainText()


def shown_plain(label: QLabel) -> str:
    assert label.textFormat() is Qt.TextFormat.PlainText, label.objectName()
    return label.text()


def test_today_page_shows_a_markup_like_block_title_literally(window: MainWindow) -> None:
    today = window.today
    assert shown_plain(today.mode_label) == f"Focus: {TITLE}"
    assert shown_plain(today.next_label) == f"Next: {NEXT_TITLE} 11:00"
    assert shown_plain(today.until_label) == "Until 11:00 (from your schedule)"


def test_an_override_reason_shows_literally(window: MainWindow, engine: Engine) -> None:
    engine.start_override(Mode.FOCUS, timedelta(minutes=30), reason="<i>report</i> & more")
    assert shown_plain(window.today.mode_label) == "Focus: <i>report</i> & more"


def test_startup_problems_show_literally_in_the_banner(window: MainWindow) -> None:
    window.show_startup_problems(["settings.toml: bad value '<b>x</b>'; default used"])
    assert "'<b>x</b>'" in shown_plain(window.banner)


def test_tray_tooltip_is_escaped_so_the_title_reads_literally(shell: Shell, engine: Engine) -> None:
    tray = TrayController(shell.quick_actions, shell.show_window, parent=shell)
    plain = format_status(engine.status(), now=engine.clock.now(), with_source=False)
    assert plain.startswith(f"Focus: {TITLE} until 11:00")
    tooltip = tray.tooltip()
    assert "<b>Deep</b>" not in tooltip and "&lt;b&gt;Deep&lt;/b&gt; &amp; R&amp;D" in tooltip
    # The first line is the status; a second one is the week's budget meter (issue 11).
    assert rendered(tooltip).splitlines()[0] == plain


def test_tray_status_item_escapes_the_ampersands_of_the_title(shell: Shell, engine: Engine) -> None:
    tray = TrayController(shell.quick_actions, shell.show_window, parent=shell)
    status_item = tray.menu.actions()[0]
    assert status_item is shell.quick_actions.status_action
    text = status_item.text()
    assert text.startswith("Focus: <b>Deep</b> && R&&D until 11:00")
    # What the menu draws: "&&" is one literal "&", and no single "&" is left for a mnemonic.
    assert "&" not in text.replace("&&", "")
    assert text.replace("&&", "&").startswith(f"Focus: {TITLE} until")
    # The menu shows tooltips too; the item's is escaped like the icon's.
    assert rendered(status_item.toolTip()) == text.replace("&&", "&")


def test_helpers_leave_ordinary_text_alone() -> None:
    assert literal_tooltip("Focus until 11:30 · 4 held") == "Focus until 11:30 · 4 held"
    assert menu_text("Deep work") == "Deep work"
    assert menu_text("R&D") == "R&&D"
