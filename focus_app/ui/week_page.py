"""The week window's page: navigation toolbar, the week grid and a legend.

Kept apart from :mod:`focus_app.ui.week_view` so the grid stays a single-purpose
widget that tests and benchmarks can drive alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, QRectF, QSize, Qt
from PySide6.QtGui import QKeySequence, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from focus_app.core.model import BlockKind
from focus_app.ui.calendar_model import CalendarController
from focus_app.ui.week_view import WeekView, kind_styles, pattern_brush


class LegendSwatch(QWidget):
    """A small sample of one kind's colour and pattern, as blocks are drawn."""

    def __init__(self, kind: BlockKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        style = kind_styles()[kind]
        self._style = style
        self._pattern = pattern_brush(style)
        self.setFixedSize(QSize(28, 16))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        rect = QRectF(0.5, 0.5, self.width() - 1, self.height() - 1)
        p.fillRect(rect, self._style.fill)
        if self._pattern is not None:
            p.fillRect(rect, self._pattern)
        p.setPen(QPen(self._style.border, 1))
        p.drawRect(rect)
        p.end()


class WeekPage(QWidget):
    """Toolbar (previous / today / next / date picker / kind to draw), grid and legend.

    Args:
        controller: Passed on to the :class:`WeekView`.
        now_provider: The clock for the view (inject a fixed one in tests).
        parent: Owning widget.

    Attributes:
        view: The week grid.
        date_edit: The date picker (a calendar pops up); picking a date shows its week.
        kind_combo: Kind of blocks drawn by dragging on empty space.
    """

    def __init__(
        self,
        controller: CalendarController,
        now_provider: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = WeekView(controller, now_provider, self)

        self.prev_button = self._tool("‹", "Previous week (PageUp)", self.view.show_previous_week)
        self.today_button = self._tool("Today", "This week (T)", self.view.show_today)
        self.next_button = self._tool("›", "Next week (PageDown)", self.view.show_next_week)
        self.undo_button = self._tool(
            "Undo", "Undo (Ctrl+Z)", controller.undo_stack.undo, QKeySequence.StandardKey.Undo
        )
        self.redo_button = self._tool(
            "Redo", "Redo (Ctrl+Shift+Z)", controller.undo_stack.redo, None
        )
        controller.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        controller.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)

        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("d MMM yyyy")
        self.date_edit.setToolTip("Go to the week of a date")
        self.date_edit.dateChanged.connect(self._on_date_picked)
        self.week_label = QLabel()
        # A font, not a style sheet: a styled label keeps its old colours on a scheme change.
        bold = self.week_label.font()
        bold.setBold(True)
        self.week_label.setFont(bold)

        self.kind_combo = QComboBox()
        self.kind_combo.setToolTip("Kind of block drawn by dragging on empty space")
        for kind in BlockKind:
            self.kind_combo.addItem(kind.value.capitalize(), kind)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_picked)

        toolbar = QHBoxLayout()
        for widget in (self.prev_button, self.today_button, self.next_button, self.date_edit):
            toolbar.addWidget(widget)
        toolbar.addSpacing(12)
        toolbar.addWidget(self.week_label)
        toolbar.addStretch(1)
        toolbar.addWidget(QLabel("Draw:"))
        toolbar.addWidget(self.kind_combo)
        toolbar.addSpacing(12)
        toolbar.addWidget(self.undo_button)
        toolbar.addWidget(self.redo_button)

        legend = QHBoxLayout()
        legend.addWidget(QLabel("Legend:"))
        for kind in BlockKind:
            legend.addWidget(LegendSwatch(kind))
            legend.addWidget(QLabel(kind.value.capitalize()))
            legend.addSpacing(10)
        legend.addStretch(1)
        hint = QLabel(
            "Drag to create · drag a block to move · drag its edge to resize · "
            "double-click or Enter to edit · Ctrl+wheel to zoom"
        )
        hint.setEnabled(False)
        # Wrapped, the hint gives way to a narrow window: unwrapped it set the page's
        # minimum width to ~1000 px and the window grew from 1100 to 1177 px the first
        # time Calendar opened.
        hint.setWordWrap(True)
        hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.hint = hint
        legend.addWidget(hint, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(toolbar)
        layout.addWidget(self.view, 1)
        layout.addLayout(legend)

        self.view.week_changed.connect(self._on_week_changed)
        self._on_week_changed(self.view.week_start())
        self.setFocusProxy(self.view)

    def _tool(
        self,
        text: str,
        tip: str,
        slot: Callable[[], object],
        shortcut: QKeySequence.StandardKey | None = None,
    ) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button

    def _on_week_changed(self, monday: date) -> None:
        sunday = monday + timedelta(days=6)
        self.week_label.setText(
            f"{monday:%d %b} – {sunday:%d %b %Y} · week {monday.isocalendar().week}"
        )
        picked = self.date_edit.date()
        current = date(picked.year(), picked.month(), picked.day())
        if current - timedelta(days=current.weekday()) != monday:
            self.date_edit.blockSignals(True)
            self.date_edit.setDate(QDate(monday.year, monday.month, monday.day))
            self.date_edit.blockSignals(False)

    def _on_date_picked(self, picked: QDate) -> None:
        self.view.set_week(date(picked.year(), picked.month(), picked.day()))

    def _on_kind_picked(self, _index: int) -> None:
        self.view.new_block_kind = BlockKind(self.kind_combo.currentData())
