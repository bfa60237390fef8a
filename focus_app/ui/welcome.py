"""The first-run guide: a typical week, who may break through, where the tray icon is.

Shown once, on the first start with an empty calendar, by ``shell.start_ui``. Three short
pages, every one skippable: an app that holds notifications is only trusted when the
person knows what it will do, and an empty calendar does nothing visible at all.

Whether it is due and whether it was done live in :mod:`focus_app.ui.welcome_state`, which
every start asks without importing this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import time
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from focus_app import DISPLAY_NAME
from focus_app.core.model import Block, BlockKind, Recurrence
from focus_app.engine import Engine
from focus_app.ui.welcome_state import remember_welcome_done, welcome_state_path

log = logging.getLogger(__name__)

_WEEKDAYS = frozenset(range(5))
_EVERY_DAY = frozenset(range(7))


@dataclass(frozen=True)
class WeekChoice:
    """One ready-made part of a typical week, offered as a check box."""

    key: str
    label: str
    block: Block


TYPICAL_WEEK = (
    WeekChoice(
        "mornings",
        "Focus mornings: Monday to Friday, 09:00–11:30 (notifications wait)",
        Block(BlockKind.FOCUS, time(9), time(11, 30), "Deep work", Recurrence(_WEEKDAYS)),
    ),
    WeekChoice(
        "office",
        "Office hours: Monday and Wednesday, 14:00–16:00 (everything reaches you)",
        Block(BlockKind.AVAILABLE, time(14), time(16), "Office hours",
              Recurrence(frozenset({0, 2}))),
    ),
    WeekChoice(
        "evenings",
        "Evenings off: every day, 19:00–07:00 (only priority gets through)",
        Block(BlockKind.OFF, time(19), time(7), "Evening", Recurrence(_EVERY_DAY)),
    ),
)


def _paragraph(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class WelcomeWizard(QWizard):
    """The first-run guide; applies what was chosen when finished, nothing when skipped.

    Args:
        engine: The running engine (blocks are added to it, settings changed on it).
        state_path: Where "done" is remembered (default :func:`welcome_state_path`).
        tray_available: Whether the app lives in a tray; the last page says where to look.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        state_path: Path | None = None,
        tray_available: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._state_path = state_path if state_path is not None else welcome_state_path()
        self.setWindowTitle(f"Welcome to {DISPLAY_NAME}")
        self.setObjectName("welcome")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.CancelButton, "&Skip")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Done")

        week = QWizardPage()
        week.setTitle("Pick a typical week")
        week.setSubTitle("")
        week_layout = QVBoxLayout(week)
        week_layout.addWidget(_paragraph(
            "Blocks on a weekly calendar decide when notifications reach you. Start "
            "from these and change them any time in Calendar (drag to move, "
            "double-click to edit). Outside every block, everything reaches you."
        ))
        self.week_boxes: dict[str, QCheckBox] = {}
        for choice in TYPICAL_WEEK:
            box = QCheckBox(choice.label)
            box.setChecked(True)
            box.setObjectName(f"welcome.{choice.key}")
            self.week_boxes[choice.key] = box
            week_layout.addWidget(box)
        week_layout.addStretch(1)

        people = QWizardPage()
        people.setTitle("Choose who may break through")
        people_layout = QVBoxLayout(people)
        people_layout.addWidget(_paragraph(
            "These people get through focus blocks (not evenings off). Everyone else "
            "waits and arrives as one summary when a focus block ends. Separate names "
            "with commas; * matches anything, e.g. *@family.example. They become short "
            "rules, which you can change later in Settings, under Who gets through."
        ))
        self.people_edit = QLineEdit(", ".join(engine.settings.breakthrough_people))
        self.people_edit.setPlaceholderText("e.g. Alice, Bob, *@family.example")
        self.people_edit.setObjectName("welcome.people")
        people_layout.addWidget(self.people_edit)
        self.critical_box = QCheckBox("Urgent (critical) notifications get through focus too")
        self.critical_box.setChecked(engine.settings.critical_passes_focus)
        self.critical_box.setObjectName("welcome.critical")
        people_layout.addWidget(self.critical_box)
        people_layout.addStretch(1)

        tray = QWizardPage()
        tray.setTitle("Check the tray")
        where = (
            "Look for the icon in your panel's tray: its colour shows the mode (focus, "
            "available, off, paused) and a number how many notifications wait. Click it "
            "for this window; right-click for focus now, pause and the inbox."
            if tray_available
            else "Your desktop has no tray (GNOME needs the AppIndicator extension), so "
            "this window is where the app lives: its Today page offers focus now, pause "
            "and the inbox."
        )
        tray_layout = QVBoxLayout(tray)
        tray_layout.addWidget(_paragraph(
            f"{where} The command line does the same: try 'focus-app status'."
        ))
        tray_layout.addStretch(1)

        for page in (week, people, tray):
            self.addPage(page)
        self.resize(560, 360)

    def chosen_blocks(self) -> list[Block]:
        """The blocks of the typical week whose boxes are ticked."""
        return [c.block for c in TYPICAL_WEEK if self.week_boxes[c.key].isChecked()]

    def chosen_people(self) -> tuple[str, ...]:
        """The names typed on the second page, in order, without duplicates."""
        names = (name.strip() for name in self.people_edit.text().split(","))
        return tuple(dict.fromkeys(name for name in names if name))

    def accept(self) -> None:
        """Done: add the chosen week, save who may break through, never show again."""
        blocks = self.chosen_blocks()
        if blocks and not self._engine.blocks():  # a second window may have added some
            self._engine.add_blocks(blocks)
        settings = self._engine.settings
        wanted = replace(
            settings,
            breakthrough_people=self.chosen_people(),
            critical_passes_focus=self.critical_box.isChecked(),
        )
        if wanted != settings:
            try:
                self._engine.update_settings(wanted)
            except OSError as exc:
                log.warning("cannot save the settings from the welcome guide: %s", exc)
        remember_welcome_done(self._state_path, "finished")
        super().accept()

    def reject(self) -> None:
        """Skipped (or closed): change nothing, and do not ask again."""
        remember_welcome_done(self._state_path, "skipped")
        super().reject()
