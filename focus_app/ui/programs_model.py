"""The Programs list: every program that sent notifications, with the user's choice for it.

One row per program (icon and name, notifications this week, last seen, choice, sender).
The choice and sender columns are edited in place through :class:`ChoiceDelegate`, a
combo box that is drawn as one even when closed, so it is obvious the cell can be
changed. An edit goes straight to the engine and applies at once, like rule edits; the
model follows ``Engine.programs_changed`` (and ``decided``, for the counts).
"""

from __future__ import annotations

import enum
import functools
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QIcon, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QWidget,
)

from focus_app.core.program_prefs import Program, ProgramChoice
from focus_app.engine import Engine, Ingested
from focus_app.ui.icons import app_icon

AnyIndex = QModelIndex | QPersistentModelIndex

CHOICE_LABELS: dict[str, str] = {
    ProgramChoice.FOLLOW.value: "Follow the schedule",
    ProgramChoice.ALLOW.value: "Always let through",
    ProgramChoice.HOLD.value: "Always hold",
    ProgramChoice.MUTE.value: "Mute",
}
"""What each choice is called in the list, in the order the combo box offers them."""

CHOICE_HELP: dict[str, str] = {
    ProgramChoice.FOLLOW.value: "Your rules and the schedule decide, as for any notification.",
    ProgramChoice.ALLOW.value: "Shown at once, even in focus blocks and off-time.",
    ProgramChoice.HOLD.value: "Held for the next digest, even while you are available.",
    ProgramChoice.MUTE.value: "Stored and counted for the weekly review, never shown.",
}

SENDER_LABELS: dict[str, str] = {
    "": "Program default",
    "summary": "Title is the sender",
    "body-prefix": "Body starts with the sender",
    "none": "No sender",
}
"""How each sender rule is called; "" lets the app pick what suits the program."""

SENDER_HELP: dict[str, str] = {
    "": "Let the app choose: chat programs put the sender in the title.",
    "summary": "The notification's title names the person (most chat programs).",
    "body-prefix": "The text starts with “Name: …”.",
    "none": "Its notifications come from the program itself, not from a person.",
}

EMPTY_TEXT = (
    "No programs yet: programs appear here after they send their first notification "
    "while Focus & Boundaries runs."
)


class Column(enum.IntEnum):
    """The columns of :class:`ProgramsModel`."""

    NAME = 0
    WEEK = 1
    LAST_SEEN = 2
    CHOICE = 3
    SENDER = 4


_HEADERS = {
    Column.NAME: "Program",
    Column.WEEK: "This week",
    Column.LAST_SEEN: "Last seen",
    Column.CHOICE: "Notifications",
    Column.SENDER: "Sender",
}

_HEADER_TIPS = {
    Column.WEEK: "Notifications since Monday 00:00",
    Column.CHOICE: "What happens to the program's notifications; applies at once",
    Column.SENDER: "Where its notifications name the person who sent them",
}


class ProgramRole(enum.IntEnum):
    """Named data roles of :class:`ProgramsModel` (the same on every column)."""

    KeyRole = Qt.ItemDataRole.UserRole + 1
    """The program's key (str)."""
    ProgramObjectRole = Qt.ItemDataRole.UserRole + 2
    """The whole :class:`~focus_app.core.program_prefs.Program`."""
    NameRole = Qt.ItemDataRole.UserRole + 3
    ChoiceRole = Qt.ItemDataRole.UserRole + 4
    """The choice's value: follow, allow, hold or mute."""
    SenderRuleRole = Qt.ItemDataRole.UserRole + 5
    """The sender rule's value: "", summary, body-prefix or none."""
    CountWeekRole = Qt.ItemDataRole.UserRole + 6
    LastSeenRole = Qt.ItemDataRole.UserRole + 7
    """When it last sent something (aware datetime)."""
    IconNameRole = Qt.ItemDataRole.UserRole + 8
    """The icon as the program announced it: a theme name, a path or ""."""


def format_last_seen(seen: datetime, now: datetime, tz: tzinfo) -> str:
    """Short "last seen": "today 14:02", "Mon 09:13" this past week, else "3 Nov".

    A date in another year than today's gets its year ("3 Nov 2025"), so an old program
    does not look recent.
    """
    local = seen.astimezone(tz)
    today = now.astimezone(tz).date()
    if local.date() == today:
        return f"today {local:%H:%M}"
    if 0 < (today - local.date()).days < 7:
        return f"{local:%a %H:%M}"
    if local.year == today.year:
        return f"{local.day} {local:%b}"
    return f"{local.day} {local:%b %Y}"


@functools.lru_cache(maxsize=256)
def program_icon(icon: str) -> QIcon:
    """The icon a program announced: a file path or ``file://`` URL, else a theme name.

    Falls back to the theme's generic program icon, then to the app's own icon, so
    every row has one (a row without an icon looks broken next to rows with one).
    """
    path = icon.removeprefix("file://")
    if path.startswith("/"):
        if Path(path).is_file():
            found = QIcon(path)
            if not found.isNull():
                return found
    elif icon and QIcon.hasThemeIcon(icon):
        return QIcon.fromTheme(icon)
    return QIcon.fromTheme("application-x-executable", app_icon())


class ProgramsModel(QAbstractTableModel):
    """The engine's programs by name; the choice and sender columns are editable.

    Args:
        engine: Where programs come from and where edits go.
        parent: The Qt parent.

    Signals:
        applied(str): An edit was applied; the text says what changed, for a status line.
    """

    applied = Signal(str)

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._programs: list[Program] = engine.programs()
        # A batch of caught notifications costs one refresh, once the batch is done.
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(0)
        self._counts_timer.timeout.connect(self.refresh)
        engine.programs_changed.connect(self.refresh)
        engine.decided.connect(self._decided)

    def program(self, row: int) -> Program:
        """The program on ``row``."""
        return self._programs[row]

    def row_of(self, key: str) -> int:
        """The row of the program with ``key``, or -1."""
        return next((row for row, p in enumerate(self._programs) if p.key == key), -1)

    def _decided(self, ingested: Ingested) -> None:
        """A program's notification was counted: its "this week" moves on."""
        if ingested.notification.program:
            self._counts_timer.start()

    def refresh(self) -> None:
        """Follow the engine: same programs in the same order → ``dataChanged``, else reset."""
        new = self._engine.programs()
        if [p.key for p in new] == [p.key for p in self._programs]:
            changed = [
                row for row, (a, b) in enumerate(zip(self._programs, new, strict=True)) if a != b
            ]
            self._programs = new
            if changed:
                last = self.columnCount() - 1
                self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), last))
            return
        self.beginResetModel()
        self._programs = new
        self.endResetModel()

    # ----------------------------------------------------------------- Qt model API

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._programs)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is not Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[Column(section)]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(Column(section))
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        for role in ProgramRole:
            names[int(role)] = QByteArray(role.name.removesuffix("Role").encode())
        return names

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._programs):
            return None
        p = self._programs[index.row()]
        column = Column(index.column())
        if role >= Qt.ItemDataRole.UserRole:
            return self._role_data(p, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(p, column)
        if role == Qt.ItemDataRole.EditRole:
            if column is Column.CHOICE:
                return p.choice.value
            if column is Column.SENDER:
                return p.sender_rule
            return self._display(p, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(p, column)
        if role == Qt.ItemDataRole.DecorationRole and column is Column.NAME:
            return program_icon(p.icon)
        if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.WEEK:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, p: Program, column: Column) -> str:
        if column is Column.NAME:
            return p.name
        if column is Column.WEEK:
            return str(p.count_week)
        if column is Column.LAST_SEEN:
            return format_last_seen(p.last_seen, self._engine.clock.now(), self._engine.tz)
        if column is Column.CHOICE:
            return CHOICE_LABELS[p.choice.value]
        return SENDER_LABELS.get(p.sender_rule, p.sender_rule)

    def _tooltip(self, p: Program, column: Column) -> str:
        if column is Column.NAME:
            first = p.first_seen.astimezone(self._engine.tz)
            return f"{p.name} ({p.key}), first seen {first:%d %b %Y %H:%M}"
        if column is Column.WEEK:
            return f"{p.count_week} notification(s) from {p.name} since Monday"
        if column is Column.LAST_SEEN:
            return f"Last notification: {p.last_seen.astimezone(self._engine.tz):%a %d %b %Y %H:%M}"
        if column is Column.CHOICE:
            label = CHOICE_LABELS[p.choice.value]
            return f"{p.name}: {label}. {CHOICE_HELP[p.choice.value]}"
        label = SENDER_LABELS.get(p.sender_rule, p.sender_rule)
        return f"{p.name}: {label}. {SENDER_HELP.get(p.sender_rule, '')}".rstrip()

    @staticmethod
    def _role_data(p: Program, role: int) -> Any:
        return {
            ProgramRole.KeyRole: p.key,
            ProgramRole.ProgramObjectRole: p,
            ProgramRole.NameRole: p.name,
            ProgramRole.ChoiceRole: p.choice.value,
            ProgramRole.SenderRuleRole: p.sender_rule,
            ProgramRole.CountWeekRole: p.count_week,
            ProgramRole.LastSeenRole: p.last_seen,
            ProgramRole.IconNameRole: p.icon,
        }.get(role)  # type: ignore[call-overload]

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
        if index.column() in (Column.CHOICE, Column.SENDER):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """A new choice or sender rule (its value) goes to the engine and applies at once."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if not 0 <= index.row() < len(self._programs):
            return False
        p = self._programs[index.row()]
        value = "" if value is None else str(value)
        if index.column() == Column.CHOICE and value in CHOICE_LABELS:
            if value != p.choice.value:
                self._engine.set_program_choice(p.key, value)
                self.applied.emit(f"{p.name}: {CHOICE_LABELS[value].lower()}, from now on.")
            return True
        if index.column() == Column.SENDER and value in SENDER_LABELS:
            if value != p.sender_rule:
                self._engine.set_program_sender_rule(p.key, value)
                label = SENDER_LABELS[value].lower()
                self.applied.emit(f"{p.name}: sender rule set to “{label}”.")
            return True
        return False


class ChoiceDelegate(QStyledItemDelegate):
    """Edits a column with a fixed list of choices through a combo box.

    The closed cell is painted as a combo box, so the list reads as a form with one
    choice per program; a click (or F2, or a typed letter) opens the real one, and
    picking an item commits it at once: there is no separate Apply for these. (The
    settings page opens the list on a single click.)

    Args:
        choices: ``{value: label}`` in the order to offer them.
        parent: The Qt parent (the view).
    """

    def __init__(self, choices: dict[str, str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._choices = choices

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        combo = QComboBox(parent)
        for value, label in self._choices.items():
            combo.addItem(label, value)
        combo.setToolTip(str(index.data(Qt.ItemDataRole.ToolTipRole) or ""))
        combo.activated.connect(lambda _row: self._commit(combo))
        return combo

    def _commit(self, combo: QComboBox) -> None:
        self.commitData.emit(combo)
        self.closeEditor.emit(combo, QStyledItemDelegate.EndEditHint.NoHint)

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> None:
        editor.setGeometry(option.rect)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        """Wide enough for the longest label in a combo box."""
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        metrics = option.fontMetrics
        combo = QStyleOptionComboBox()
        longest = max(metrics.horizontalAdvance(label) for label in self._choices.values())
        size = style.sizeFromContents(
            QStyle.ContentsType.CT_ComboBox, combo, QSize(longest, metrics.height()), widget
        )
        base = super().sizeHint(option, index)
        return QSize(size.width() + 8, max(base.height(), size.height()))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Draw the cell as a closed combo box showing the current choice."""
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        combo = QStyleOptionComboBox()
        combo.rect = option.rect.adjusted(2, 2, -2, -2)
        combo.state = option.state | QStyle.StateFlag.State_Enabled
        combo.state &= ~QStyle.StateFlag.State_Selected
        combo.palette = option.palette
        combo.fontMetrics = option.fontMetrics
        combo.currentText = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        combo.frame = True
        style.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, combo, painter, widget)
        style.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, combo, painter, widget)


__all__ = [
    "CHOICE_LABELS",
    "EMPTY_TEXT",
    "SENDER_LABELS",
    "ChoiceDelegate",
    "Column",
    "ProgramRole",
    "ProgramsModel",
    "format_last_seen",
    "program_icon",
]
