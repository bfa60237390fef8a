"""The "Custom…" dialog: how long (or until when) a manual focus, availability or pause runs.

Every override has an end (nobody has to remember to switch back), so the dialog asks for
exactly one of a duration ("45m", "1h30m") or an end time ("14:00", today if still ahead,
else tomorrow), checks it as the user types, says when it will end, and only then lets
them press OK.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta, tzinfo

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from focus_app.core.model import Mode
from focus_app.core.parsing import next_wall_time, parse_duration

MODE_VERBS = {
    Mode.FOCUS: "Focus",
    Mode.AVAILABLE: "Be available",
    Mode.PAUSED: "Pause boundaries",
    Mode.OFF: "Off",
}

MODE_TITLES = {
    Mode.FOCUS: "Custom focus",
    Mode.AVAILABLE: "Custom availability",
    Mode.PAUSED: "Custom pause",
    Mode.OFF: "Custom off-time",
}
"""Short window titles: the desktop appends the app's name, and a long title was cut
to "Focus …daries" in a dialog that narrow."""

MIN_WIDTH_CHARS = 44
"""The dialog's minimum width in average characters (it was 201 px, its size hint)."""

MIN_WIDTH_PX = 360
"""And never narrower than this, whatever the font's average character."""


class OverrideDialog(QDialog):
    """Ask for the end of a manual override: a duration or a wall-clock time.

    Args:
        mode: The mode the override will be in (only changes the wording).
        now: Where the current time comes from (the engine's clock, so tests agree).
        tz: The time zone wall-clock times are read in.
        prefer_until: Start with the end-time field selected (pause, "until…").
        parent: The parent widget, if any.
    """

    def __init__(
        self,
        mode: Mode,
        now: Callable[[], datetime],
        tz: tzinfo,
        *,
        prefer_until: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.mode = mode
        self._now = now
        self._tz = tz
        self.setWindowTitle(MODE_TITLES[mode])
        # Wide enough for the feedback line ("Ends at Mon 30 Nov 14:00.") and the title.
        self.setMinimumWidth(
            max(MIN_WIDTH_PX, MIN_WIDTH_CHARS * self.fontMetrics().averageCharWidth())
        )

        self.for_radio = QRadioButton("&For")
        self.duration_edit = QLineEdit("45m")
        self.duration_edit.setPlaceholderText("e.g. 45m, 1h30m, 2h")
        self.until_radio = QRadioButton("&Until")
        self.until_edit = QTimeEdit()
        self.until_edit.setDisplayFormat("HH:mm")
        start = now().astimezone(tz) + timedelta(hours=1)
        self.until_edit.setTime(QTime(start.hour, 0))
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("optional, e.g. Writing the report")
        self.reason_edit.setMaxLength(200)
        self.feedback = QLabel()
        self.feedback.setObjectName("feedback")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        duration_row = QHBoxLayout()
        duration_row.addWidget(self.for_radio)
        duration_row.addWidget(self.duration_edit, 1)
        until_row = QHBoxLayout()
        until_row.addWidget(self.until_radio)
        until_row.addWidget(self.until_edit, 1)
        form = QFormLayout()
        form.addRow("&Reason:", self.reason_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{MODE_VERBS[mode]} for how long?"))
        layout.addLayout(duration_row)
        layout.addLayout(until_row)
        layout.addLayout(form)
        layout.addWidget(self.feedback)
        layout.addWidget(self.buttons)

        (self.until_radio if prefer_until else self.for_radio).setChecked(True)
        for signal in (
            self.for_radio.toggled,
            self.duration_edit.textChanged,
            self.until_edit.timeChanged,
        ):
            signal.connect(self._validate)
        self.duration_edit.textEdited.connect(lambda _t: self.for_radio.setChecked(True))
        self.until_edit.editingFinished.connect(lambda: self.until_radio.setChecked(True))
        self._validate()

    def until(self) -> datetime:
        """The end the user chose, as an aware instant.

        Raises:
            ValueError: The input is not valid (the message says how to fix it).
        """
        now = self._now()
        if self.for_radio.isChecked():
            return now + parse_duration(self.duration_edit.text())
        edited = self.until_edit.time()
        return next_wall_time(time(edited.hour(), edited.minute()), now, self._tz)

    def reason(self) -> str:
        """The optional reason, stripped."""
        return self.reason_edit.text().strip()

    def _validate(self) -> None:
        """Say when the override would end, or what is wrong; OK only when valid."""
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.duration_edit.setEnabled(self.for_radio.isChecked())
        try:
            until = self.until()
        except ValueError as exc:
            self.feedback.setText(str(exc))
            ok_button.setEnabled(False)
            return
        local = until.astimezone(self._tz)
        today = self._now().astimezone(self._tz).date()
        if local.date() == today:
            when = f"{local:%H:%M}"
        elif local.date() == today + timedelta(days=1):
            when = f"tomorrow {local:%H:%M}"
        else:
            when = f"{local:%a %d %b %H:%M}"
        self.feedback.setText(f"Ends at {when}.")
        ok_button.setEnabled(True)
