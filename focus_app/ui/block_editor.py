"""The dialog that edits everything about one block.

The week view handles the quick gestures (drag to create, move, resize); this dialog
is for what a drag cannot say: the title, the kind, the weekdays, the recurrence and
its exceptions. It never saves anything itself: :meth:`BlockEditorDialog.block`
returns the edited value and the caller pushes it through the undoable controller.

Bad input is refused in the form, with the reason next to the OK button, instead of
an error after the fact: the OK button stays disabled while :meth:`validation_error`
has something to say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, time

from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from focus_app.core.dates import EARLIEST, LATEST, date_problem
from focus_app.core.model import Block, BlockException, BlockKind, Recurrence
from focus_app.ui.calendar_model import OVERLAP_RULE

_DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EXC_ROLE = Qt.ItemDataRole.UserRole + 1
"""List item role holding the :class:`BlockException` an exceptions row stands for."""


def describe_exception(exc: BlockException) -> str:
    """One line for an exception, as shown in the dialog's list."""
    original = f"{exc.original_date:%a %d %b %Y}"
    if exc.moved_start is None or exc.moved_end is None:
        return f"{original}: skipped"
    return f"{original}: moved to {exc.moved_start:%a %d %b %H:%M}–{exc.moved_end:%H:%M}"


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _qtime(t: time) -> QTime:
    return QTime(t.hour, t.minute)


def _pytime(q: QTime) -> time:
    return time(q.hour(), q.minute())


class BlockEditorDialog(QDialog):
    """Edit a block's title, kind, times, recurrence and exceptions.

    Args:
        block: The block to edit; its id is kept in :meth:`block`. For a new block pass
            a draft (e.g. a one-off with ``id=None``).
        parent: The owning window.

    The widgets are public attributes so tests (and keyboard users) reach them
    directly: ``title_edit``, ``kind_combo``, ``start_edit``, ``end_edit``,
    ``once_radio``, ``weekly_radio``, ``date_edit``, ``day_checks``, ``interval_spin``,
    ``from_check``/``from_edit``, ``until_check``/``until_edit``, ``exceptions_list``,
    ``remove_exception_button``, ``error_label`` and ``buttons``.
    """

    def __init__(
        self,
        block: Block,
        parent: QWidget | None = None,
        *,
        occurrence_of: Block | None = None,
        overlap_notes: Callable[[Block], list[str]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._overlap_notes = overlap_notes
        """Says where the block as edited would overlap blocks of another kind (the
        calendar's :meth:`CalendarController.overlap_notes`); ``None``: not shown."""
        self.setWindowTitle("New block" if block.id is None else "Edit block")
        self._original = block
        self.occurrence_of = occurrence_of
        """The series when only one of its occurrences (``block``, a one-off draft) is
        edited: then only its date and times can change (an exception holds no more)."""
        today = block.on_date or date.today()

        self.title_edit = QLineEdit(block.title)
        self.title_edit.setPlaceholderText(block.kind.value.capitalize())
        self.kind_combo = QComboBox()
        for kind in BlockKind:
            self.kind_combo.addItem(kind.value.capitalize(), kind)
        self.kind_combo.setCurrentIndex(list(BlockKind).index(block.kind))

        self.start_edit = QTimeEdit(_qtime(block.start))
        self.end_edit = QTimeEdit(_qtime(block.end))
        for edit in (self.start_edit, self.end_edit):
            edit.setDisplayFormat("HH:mm")
        # An end before the start is asked, not assumed: 11:00 to 10:00 is 23 hours.
        self.next_day_label = QCheckBox("ends the &next day")
        self.next_day_label.setChecked(block.end < block.start and block.end != time(0))
        self.next_day_label.setToolTip(
            "The end is before the start: tick this if the block runs overnight"
        )
        # Shown only when the end is before the start; keeps its room so nothing jumps.
        keep = self.next_day_label.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.next_day_label.setSizePolicy(keep)
        times = QHBoxLayout()
        times.addWidget(self.start_edit)
        times.addWidget(QLabel("to"))
        times.addWidget(self.end_edit)
        times.addWidget(self.next_day_label)
        times.addStretch(1)

        form = QFormLayout()
        form.addRow("&Title:", self.title_edit)
        form.addRow("&Kind:", self.kind_combo)
        # A row holding a layout gets no buddy from QFormLayout (it would show "&Time").
        time_label = QLabel("T&ime:")
        time_label.setBuddy(self.start_edit)
        form.addRow(time_label, times)

        # Repetition: once on a date, or weekly on chosen days.
        self.once_radio = QRadioButton("&Once on")
        self.weekly_radio = QRadioButton("&Weekly on")
        group = QButtonGroup(self)
        group.addButton(self.once_radio)
        group.addButton(self.weekly_radio)
        self.date_edit = QDateEdit(_qdate(today))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        once_row = QHBoxLayout()
        once_row.addWidget(self.once_radio)
        once_row.addWidget(self.date_edit)
        once_row.addStretch(1)

        rec = block.recurrence
        self.day_checks: list[QCheckBox] = []
        days_row = QHBoxLayout()
        days_row.addWidget(self.weekly_radio)
        for index, label in enumerate(_DAY_LABELS):
            check = QCheckBox(label)
            check.setChecked(rec is not None and index in rec.weekdays)
            self.day_checks.append(check)
            days_row.addWidget(check)
        days_row.addStretch(1)

        self.interval_spin = QSpinBox()
        self.interval_spin.setRange(1, 52)
        self.interval_spin.setValue(rec.interval_weeks if rec else 1)
        self.interval_spin.setPrefix("every ")
        self.interval_spin.setSuffix(" week(s)")
        self.from_check = QCheckBox("from")
        self.from_edit = QDateEdit(_qdate(rec.starts if rec and rec.starts else today))
        self.until_check = QCheckBox("until")
        self.until_edit = QDateEdit(_qdate(rec.until if rec and rec.until else today))
        for check, range_edit, value in (
            (self.from_check, self.from_edit, rec.starts if rec else None),
            (self.until_check, self.until_edit, rec.until if rec else None),
        ):
            check.setChecked(value is not None)
            range_edit.setCalendarPopup(True)
            range_edit.setDisplayFormat("d MMM yyyy")
            range_edit.setEnabled(value is not None)
        # The widgets cannot even offer a date the schedule would refuse (core/dates.py).
        for date_widget in (self.date_edit, self.from_edit, self.until_edit):
            date_widget.setDateRange(_qdate(EARLIEST), _qdate(LATEST))
        range_row = QHBoxLayout()
        range_row.addSpacing(24)
        for widget in (
            self.interval_spin,
            self.from_check,
            self.from_edit,
            self.until_check,
            self.until_edit,
        ):
            range_row.addWidget(widget)
        range_row.addStretch(1)

        repeat_box = QGroupBox("Repeat")
        repeat_layout = QVBoxLayout(repeat_box)
        repeat_layout.addLayout(once_row)
        repeat_layout.addLayout(days_row)
        repeat_layout.addLayout(range_row)

        # Exceptions of a recurring block: see them, remove them (undo a skip or move).
        self.exceptions_list = QListWidget()
        self.exceptions_list.setMaximumHeight(110)
        for exc in sorted(block.exceptions, key=lambda e: e.original_date):
            item = QListWidgetItem(describe_exception(exc))
            item.setData(_EXC_ROLE, exc)
            self.exceptions_list.addItem(item)
        self.remove_exception_button = QPushButton("&Remove exception")
        self.remove_exception_button.clicked.connect(self._remove_selected_exception)
        self.exceptions_list.currentRowChanged.connect(self._update_state)
        self.exceptions_box = QGroupBox("Exceptions (skipped or moved occurrences)")
        exc_layout = QVBoxLayout(self.exceptions_box)
        exc_layout.addWidget(self.exceptions_list)
        exc_layout.addWidget(self.remove_exception_button, alignment=Qt.AlignmentFlag.AlignRight)

        # Where the block lies over one of another kind, and which one applies there.
        self.overlap_label = QLabel()
        self.overlap_label.setObjectName("overlapLabel")
        self.overlap_label.setWordWrap(True)
        self.overlap_label.setTextFormat(Qt.TextFormat.PlainText)
        self.overlap_label.hide()

        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(repeat_box)
        layout.addWidget(self.exceptions_box)
        layout.addWidget(self.overlap_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        (self.weekly_radio if rec is not None else self.once_radio).setChecked(True)
        if occurrence_of is not None:
            self.setWindowTitle(
                f"Edit one occurrence of “{occurrence_of.display_title}”"
            )
            for locked in (self.title_edit, self.kind_combo, self.weekly_radio):
                locked.setEnabled(False)
            self.occurrence_note = QLabel(
                "Only this occurrence's date and times change; edit the whole series "
                "for its title, kind or days."
            )
            self.occurrence_note.setWordWrap(True)
            layout.insertWidget(0, self.occurrence_note)
        for signal in (
            self.kind_combo.currentIndexChanged,
            self.date_edit.dateChanged,
            self.interval_spin.valueChanged,
            self.start_edit.timeChanged,
            self.end_edit.timeChanged,
            self.next_day_label.toggled,
            self.once_radio.toggled,
            self.from_check.toggled,
            self.until_check.toggled,
            self.from_edit.dateChanged,
            self.until_edit.dateChanged,
            *(check.toggled for check in self.day_checks),
        ):
            signal.connect(self._update_state)
        self._update_state()

    # ------------------------------------------------------------------ state
    def validation_error(self) -> str | None:
        """Why the form cannot be saved as it stands, in one actionable line, or None."""
        if self.start_edit.time() == self.end_edit.time():
            return "End must differ from start (a block cannot be empty or last 24 hours)."
        if self._ends_before_start() and not self.next_day_label.isChecked():
            return (
                "The end is before the start: tick “ends the next day” if it runs "
                "overnight, or fix the times."
            )
        if self.weekly_radio.isChecked():
            if not any(check.isChecked() for check in self.day_checks):
                return "Choose at least one weekday for a weekly block."
            if (
                self.from_check.isChecked()
                and self.until_check.isChecked()
                and self.until_edit.date() < self.from_edit.date()
            ):
                return "'Until' must not be before 'from': pick a later end date."
        dates = [(self.date_edit, "The date")] if self.once_radio.isChecked() else [
            (edit, name)
            for check, edit, name in (
                (self.from_check, self.from_edit, "'From'"),
                (self.until_check, self.until_edit, "'Until'"),
            )
            if check.isChecked()
        ]
        for edit, name in dates:
            problem = date_problem(_pydate(edit.date()), name)
            if problem is not None:
                return problem[0].upper() + problem[1:] + "."
        return None

    def block(self) -> Block:
        """The block as the form describes it (call only when the form is valid).

        Raises:
            ValueError: The form is invalid (see :meth:`validation_error`).
        """
        error = self.validation_error()
        if error:
            raise ValueError(error)
        kind = BlockKind(self.kind_combo.currentData())
        start = _pytime(self.start_edit.time())
        end = _pytime(self.end_edit.time())
        exceptions = tuple(
            self.exceptions_list.item(i).data(_EXC_ROLE)
            for i in range(self.exceptions_list.count())
        )
        if self.once_radio.isChecked():
            return replace(
                self._original,
                title=self.title_edit.text().strip(),
                kind=kind,
                start=start,
                end=end,
                recurrence=None,
                on_date=_pydate(self.date_edit.date()),
                exceptions=(),
            )
        recurrence = Recurrence(
            weekdays=frozenset(i for i, c in enumerate(self.day_checks) if c.isChecked()),
            interval_weeks=self.interval_spin.value(),
            starts=_pydate(self.from_edit.date()) if self.from_check.isChecked() else None,
            until=_pydate(self.until_edit.date()) if self.until_check.isChecked() else None,
        )
        return replace(
            self._original,
            title=self.title_edit.text().strip(),
            kind=kind,
            start=start,
            end=end,
            recurrence=recurrence,
            on_date=None,
            exceptions=exceptions,
        )

    def _ends_before_start(self) -> bool:
        end = self.end_edit.time()
        return end < self.start_edit.time() and end != QTime(0, 0)

    def accept(self) -> None:
        """Close with OK only when the form is valid; otherwise keep the reason shown."""
        self._update_state()
        if self.validation_error() is None:
            super().accept()

    def _remove_selected_exception(self) -> None:
        row = self.exceptions_list.currentRow()
        if row >= 0:
            self.exceptions_list.takeItem(row)
        self._update_state()

    def _update_state(self) -> None:
        weekly = self.weekly_radio.isChecked()
        self.date_edit.setEnabled(not weekly)
        for widget in (*self.day_checks, self.interval_spin, self.from_check, self.until_check):
            widget.setEnabled(weekly)
        self.from_edit.setEnabled(weekly and self.from_check.isChecked())
        self.until_edit.setEnabled(weekly and self.until_check.isChecked())
        self.exceptions_box.setVisible(weekly and self.exceptions_list.count() > 0)
        self.remove_exception_button.setEnabled(self.exceptions_list.currentRow() >= 0)
        self.next_day_label.setVisible(self._ends_before_start())
        error = self.validation_error()
        self.error_label.setText(error or "")
        self.error_label.setVisible(error is not None)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(error is None)
        notes = self._overlap_notes(self.block()) if error is None and self._overlap_notes else []
        if notes:
            self.overlap_label.setText(
                "Overlaps another block:\n" + "\n".join(f"• {n}" for n in notes)
                + "\n" + OVERLAP_RULE
            )
        self.overlap_label.setVisible(bool(notes))
