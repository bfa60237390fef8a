"""The quick actions (focus now, available now, pause, back to schedule, ...) as QActions.

The tray menu and the Today page of the main window offer the same actions; keeping one
set of ``QAction`` objects means their text, checked and enabled state are computed in one
place and both views change the moment the engine signals, without either polling.

The actions belong to the UI shell, not to the main window: the tray menu works before
(and without) the window being built. Some texts carry the user's words (a block titled
"R&D", an override's reason); :func:`menu_text` and :func:`literal_tooltip` keep Qt from
reading them as mnemonics or rich text.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QWidget

from focus_app.core.model import Mode, Override
from focus_app.core.parsing import next_wall_time
from focus_app.desktop import autostart
from focus_app.engine import Engine
from focus_app.status_text import Status, format_status, until_text

if TYPE_CHECKING:
    from focus_app.ui.override_dialog import OverrideDialog

log = logging.getLogger(__name__)

PRESETS: dict[Mode, tuple[tuple[str, int], ...]] = {
    Mode.FOCUS: (("&25 min", 25), ("&50 min", 50), ("&90 min", 90)),
    Mode.AVAILABLE: (("&30 min", 30), ("&1 hour", 60), ("&2 hours", 120)),
    Mode.PAUSED: (("&30 min", 30), ("&1 hour", 60)),
}
"""Menu text and minutes of the one-click overrides, per mode (mnemonics for keyboards)."""

GROUP_TITLES = {
    Mode.FOCUS: "&Focus now",
    Mode.AVAILABLE: "&Available now",
    Mode.PAUSED: "&Pause now",
}
"""Submenu / button-row titles; the running override's end is appended to its group.

"Pause now", like its two neighbours: the choices inside already say "until…"."""

MODE_HELP = {
    Mode.FOCUS: "Focus: notifications are held for the next available window; only "
    "what your rules let through shows (within the budget).",
    Mode.AVAILABLE: "Available: notifications show, but your rules still apply: "
    "Hold rules keep holding and a burst of pop-ups is paced.",
    Mode.PAUSED: "Pause: your boundaries are off: everything shows at once, Hold rules "
    "and pacing included (muted apps stay quiet), until the pause ends.",
}
"""One tooltip per group; together they say how Pause differs from Available."""

PAGE_TODAY = "today"
PAGE_INBOX = "inbox"
PAGE_CALENDAR = "calendar"
PAGE_HISTORY = "history"
PAGE_REVIEW = "review"
PAGE_REQUESTS = "requests"
PAGE_SETTINGS = "settings"


def menu_text(text: str) -> str:
    """``text`` for a ``QAction`` or ``QMenu`` title, shown literally.

    Qt reads a single ``&`` as a mnemonic marker: a block titled "R&D" would show as "RD"
    with an underlined D. Doubling it shows the ampersand.
    """
    return text.replace("&", "&&")


def literal_tooltip(text: str) -> str:
    """``text`` for ``setToolTip``, shown literally.

    Tooltips go through ``Qt::mightBeRichText``, so a title like "<b>Deep</b>" would turn
    bold. Text Qt would take for rich text is escaped and wrapped in a paragraph that Qt
    always renders as rich text (without wrapping, like a plain tooltip); anything else
    stays as it is (a desktop's StatusNotifier host may show the string without Qt).
    """
    # A cheaper, stricter test than Qt::mightBeRichText (whose first call initialises the
    # whole ``Qt`` namespace, ~25 ms of start-up): anything tag-like is escaped.
    if "<" not in text or ">" not in text:
        return text
    return f"<p style='white-space:pre'>{html.escape(text, quote=False)}</p>"


@dataclass(frozen=True)
class _Choice:
    """What a quick action starts: a mode for a fixed time, to the end of the day, or asks."""

    mode: Mode
    minutes: int = 0
    end_of_day: bool = False
    ask: bool = False


class QuickActions(QObject):
    """Every action of the tray menu, kept in step with the engine.

    Args:
        engine: The running engine.
        parent: The owning object (the UI shell).

    Attributes:
        window: The main window once it exists (set by its owner); the custom-time dialog
            is its child while it is visible.

    Signals:
        refreshed(object): The actions were updated; carries the engine's status dict,
            for views that show more than the actions (tray icon, Today card).
        page_requested(str): The user asked for a page of the main window
            (``inbox``, ``calendar``, ``review``, ``requests``, ``settings``).
        problem(str): An action failed in a way the user should hear about.
    """

    refreshed = Signal(object)
    page_requested = Signal(str)
    problem = Signal(str)

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.window: QWidget | None = None
        self._picked: tuple[Override, QAction] | None = None
        self.dialog: OverrideDialog | None = None
        self.status: Status = {}

        # The status line in words; clicking it opens the Today page (and it stays legible,
        # which a disabled item is not).
        self.status_action = self._action("")
        self.status_action.triggered.connect(lambda: self.page_requested.emit(PAGE_TODAY))
        self.preset_actions: dict[Mode, list[QAction]] = {}
        self.custom_actions: dict[Mode, QAction] = {}
        self._choices: dict[QAction, _Choice] = {}
        # One override at a time: radio marks across all groups, none checked when none runs.
        self._choice_group = QActionGroup(self)
        self._choice_group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        for mode, presets in PRESETS.items():
            self.preset_actions[mode] = [
                self._choice_action(text, _Choice(mode, minutes)) for text, minutes in presets
            ]
        self.end_of_day_action = self._choice_action(
            "Until &end of day", _Choice(Mode.PAUSED, end_of_day=True)
        )
        self.custom_actions[Mode.FOCUS] = self._choice_action(
            "&Custom…", _Choice(Mode.FOCUS, ask=True)
        )
        self.custom_actions[Mode.AVAILABLE] = self._choice_action(
            "&Until…", _Choice(Mode.AVAILABLE, ask=True)
        )
        self.custom_actions[Mode.PAUSED] = self._choice_action(
            "&Until…", _Choice(Mode.PAUSED, ask=True)
        )
        self.resume_action = self._action("&Back to schedule")
        self.resume_action.triggered.connect(self._resume)
        self.held_action = self._action("&Held (0)…")
        self.held_action.triggered.connect(lambda: self.page_requested.emit(PAGE_INBOX))
        self.release_action = self._action("&Release held now")
        self.release_action.triggered.connect(self._release)
        self.calendar_action = self._action("&Calendar…")
        self.calendar_action.triggered.connect(lambda: self.page_requested.emit(PAGE_CALENDAR))
        self.review_action = self._action("Weekly re&view…")
        self.review_action.triggered.connect(lambda: self.page_requested.emit(PAGE_REVIEW))
        self.settings_action = self._action("&Settings…")
        self.settings_action.triggered.connect(lambda: self.page_requested.emit(PAGE_SETTINGS))
        self.autostart_action = self._action("Start at &login")
        self.autostart_action.setCheckable(True)
        self.autostart_action.triggered.connect(self._set_autostart)
        self.quit_action = self._action("&Quit")
        self.quit_action.triggered.connect(QApplication.quit)

        for signal in (
            engine.state_changed,
            engine.held_changed,
            engine.blocks_changed,
            engine.settings_changed,
        ):
            signal.connect(self.refresh)
        self.refresh()

    # ----------------------------------------------------------------- queries

    def choice_actions(self, mode: Mode) -> list[QAction]:
        """The actions of one group in menu order: presets, end of day (pause), custom."""
        extra = [self.end_of_day_action] if mode is Mode.PAUSED else []
        return [*self.preset_actions[mode], *extra, self.custom_actions[mode]]

    def group_title(self, mode: Mode) -> str:
        """``&Focus now``, or ``&Focus now (until 11:30)`` while such an override runs."""
        title = GROUP_TITLES[mode]
        if self.status.get("source") == "override" and self.status.get("mode") == mode.value:
            return f"{title} ({until_text(self.status, self.engine.clock.now())})"
        return title

    # ----------------------------------------------------------------- refresh

    def refresh(self) -> None:
        """Recompute every action's text, checked and enabled state from the engine."""
        self.status = self.engine.status()
        now = self.engine.clock.now()
        state = self.engine.state()
        override = state.override
        held = self.engine.held_count()

        line = format_status(self.status, now=now, with_source=False)
        self.status_action.setText(menu_text(line))
        # The menu shows tooltips; a QAction's default one is its text with the "&&" undone.
        self.status_action.setToolTip(literal_tooltip(line))
        checked = self._checked_action(override)
        for action in self._choices:
            action.setChecked(action is checked)
        self.resume_action.setEnabled(override is not None)
        self.held_action.setText(f"&Held ({held})…")
        self.held_action.setEnabled(held > 0)
        self.release_action.setEnabled(held > 0)
        self.autostart_action.setChecked(autostart.is_enabled())
        self.refreshed.emit(self.status)

    def _checked_action(self, override: Override | None) -> QAction | None:
        """The action that started the running override (or the one that would have)."""
        if override is None:
            return None
        if self._picked is not None and self._picked[0] == override:
            return self._picked[1]
        # Started elsewhere (command line, Today page of another view): match its length.
        length = override.until - override.starts
        for action in self.preset_actions.get(override.mode, []):
            if abs(timedelta(minutes=self._choices[action].minutes) - length) < timedelta(
                seconds=1
            ):
                return action
        return self.custom_actions.get(override.mode)

    # ----------------------------------------------------------------- handlers

    def _action(self, text: str, *, enabled: bool = True) -> QAction:
        action = QAction(text, self)
        action.setEnabled(enabled)
        return action

    def _choice_action(self, text: str, choice: _Choice) -> QAction:
        action = self._action(text)
        action.setCheckable(True)
        self._choice_group.addAction(action)
        self._choices[action] = choice
        action.triggered.connect(lambda _checked=False, a=action: self._on_choice(a))
        return action

    def _on_choice(self, action: QAction) -> None:
        choice = self._choices[action]
        if choice.ask:
            self._ask(choice.mode, action)
            return
        now = self.engine.clock.now()
        if choice.end_of_day:
            until = next_wall_time(time(0, 0), now, self.engine.tz)
        else:
            until = now + timedelta(minutes=choice.minutes)
        self._start(choice.mode, until, "", action)

    def _start(self, mode: Mode, until: datetime, reason: str, action: QAction) -> None:
        override = self.engine.override_until(mode, until, reason)
        self._picked = (override, action)
        # Triggering toggled the check mark; put it where the engine's state says.
        self.refresh()

    def _ask(self, mode: Mode, action: QAction) -> None:
        """Open the custom dialog without blocking (the tray keeps working meanwhile)."""
        self.refresh()  # undo the check mark the trigger toggled; set again on OK
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        from focus_app.ui.override_dialog import OverrideDialog  # rarely used: not at start

        window = self.window
        parent = window if window is not None and window.isVisible() else None
        dialog = OverrideDialog(
            mode,
            self.engine.clock.now,
            self.engine.tz,
            prefer_until=mode is not Mode.FOCUS,
            parent=parent,
        )
        from PySide6.QtCore import Qt  # not at import: see literal_tooltip

        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            try:
                until = dialog.until()
            except ValueError as exc:  # the OK button is disabled then; belt and braces
                self.problem.emit(str(exc))
                return
            self._start(mode, until, dialog.reason(), action)

        def finished(_result: int) -> None:
            self.dialog = None

        dialog.accepted.connect(accepted)
        dialog.finished.connect(finished)
        self.dialog = dialog
        dialog.open()
        dialog.raise_()
        dialog.activateWindow()

    def _resume(self) -> None:
        self.engine.resume_schedule()
        self.refresh()

    def _release(self) -> None:
        self.engine.release()
        self.refresh()

    def _set_autostart(self, on: bool) -> None:
        """Write or remove the XDG autostart entry; a failure is said, not swallowed."""
        try:
            if on:
                autostart.enable()
            else:
                autostart.disable()
        except (OSError, ValueError) as exc:
            log.warning("start at login: %s", exc)
            self.problem.emit(f"Could not change start at login: {exc}")
        self.autostart_action.setChecked(autostart.is_enabled())
