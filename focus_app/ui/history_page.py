"""The History page: everything the app saw and what it decided, searchable and filtered.

A thin view over :class:`~focus_app.ui.history_model.HistoryModel`: a range (today, this
week, the last 30 days, everything, or two dates), a search box (Ctrl+F), and filters by
program, sender and decision. "Open inbox" on a digest opens this page showing exactly
that digest's items (:meth:`HistoryPage.show_digest`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from focus_app.engine import Engine
from focus_app.store import HistoryFilter, week_start
from focus_app.ui.history_model import Column, HistoryModel

RANGES = (
    ("today", "Today"),
    ("week", "This week"),
    ("30d", "Last 30 days"),
    ("all", "Everything kept"),
    ("range", "Dates…"),
)
DECISIONS: tuple[tuple[str | None, str], ...] = (
    (None, "Any decision"),
    ("delivered", "Delivered"),
    ("breakthrough", "Broke through"),
    ("held", "Held"),
    ("waiting", "Held, still waiting"),
    ("released", "Held, then released"),
    ("dismissed", "Held, then dismissed"),
    ("muted", "Muted"),
)
SEARCH_DELAY_MS = 250
"""Typing pauses this long before the search runs (one query, not one per key)."""
REFRESH_DELAY_MS = 1000
"""New decisions are shown at most once a second (a burst costs one reload)."""

EMPTY_RANGE = (
    "Nothing in this range yet. Every notification the app sees (sent with "
    "'focus-app send' or caught from other programs) shows up here with what was "
    "decided and why. Try a longer range, or clear the search and filters."
)
EMPTY_FILTERED = "Nothing matches the search and filters in this range. Clear them to see all."
EMPTY_DIGEST = (
    "The items of this digest are no longer kept: history older than the weeks "
    "you keep (Settings, History) is folded into weekly totals."
)


class HistoryPage(QWidget):
    """The history table with its range, search and filters.

    Args:
        engine: The running engine (its store is read; nothing is written).
    """

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.model = HistoryModel(engine.store, engine.clock.now, engine.tz, parent=self)
        self._stale = False
        self._digest_id: int | None = None

        self.range_box = QComboBox()
        self.range_box.setAccessibleName("Range")
        for key, label in RANGES:
            self.range_box.addItem(label, key)
        self.range_box.setCurrentIndex(1)
        self.from_date = QDateEdit()
        self.until_date = QDateEdit()
        for edit, name in ((self.from_date, "From"), (self.until_date, "Until")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            edit.hide()
        today = self._today()
        first = today - timedelta(days=6)
        self.from_date.setDate(QDate(first.year, first.month, first.day))
        self.until_date.setDate(QDate(today.year, today.month, today.day))
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search title, text or sender (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search")
        self.program_box = QComboBox()
        self.program_box.setAccessibleName("Program")
        self.sender_box = QComboBox()
        self.sender_box.setAccessibleName("Sender")
        self.decision_box = QComboBox()
        self.decision_box.setAccessibleName("Decision")
        for decision, label in DECISIONS:
            self.decision_box.addItem(label, decision)

        filters = QHBoxLayout()
        for widget in (self.range_box, self.from_date, self.until_date):
            filters.addWidget(widget)
        filters.addWidget(self.search, 1)
        for widget in (self.program_box, self.sender_box, self.decision_box):
            filters.addWidget(widget)

        self.digest_label = QLabel()
        self.digest_label.setTextFormat(Qt.TextFormat.PlainText)
        self.show_all_button = QPushButton("Show &all")
        self.show_all_button.clicked.connect(self.show_all)
        digest_row = QHBoxLayout()
        digest_row.addWidget(self.digest_label, 1)
        digest_row.addWidget(self.show_all_button)
        self.digest_bar = QWidget()
        self.digest_bar.setLayout(digest_row)
        self.digest_bar.hide()

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 8
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in (
            (Column.TIME, 90),
            (Column.PROGRAM, 110),
            (Column.SENDER, 120),
            (Column.TITLE, 260),
            (Column.DECISION, 150),
        ):
            self.table.setColumnWidth(col, width)
        self.table.setAccessibleName("History")

        self.empty = QLabel()
        self.empty.setObjectName("historyEmpty")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setMargin(40)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.digest_bar)
        layout.addWidget(self.stack, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self._refresh)

        self.range_box.currentIndexChanged.connect(self._range_changed)
        self.from_date.dateChanged.connect(self._range_changed)
        self.until_date.dateChanged.connect(self._range_changed)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_filter)
        for box in (self.program_box, self.sender_box, self.decision_box):
            box.activated.connect(lambda _i: self.apply_filter())
        self.model.loaded.connect(self._update_empty)
        engine.decided.connect(self._something_changed)
        engine.held_changed.connect(self._something_changed)
        engine.history_compacted.connect(self._something_changed)

        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)

        self._fill_choices()
        self.apply_filter()

    # ----------------------------------------------------------------- public

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the search box, its text selected."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def show_digest(self, digest_id: int) -> None:
        """Show exactly the items of one digest (its "Open inbox" action)."""
        self._digest_id = digest_id
        record = self.engine.store.get_digest(digest_id)
        if record is None:
            text = "This digest is no longer kept."
        else:
            shown = record.shown_at.astimezone(self.engine.tz)
            what = "pacing summary" if record.kind == "summary" else "digest"
            text = f"The {record.count} item(s) of the {what} shown {shown:%a %d %b %H:%M}: " + (
                record.title
            )
        self.digest_label.setText(text)
        self.digest_bar.show()
        self.model.set_filter(HistoryFilter(digest_id=digest_id))

    def show_all(self) -> None:
        """Leave a digest's items and go back to the range and filters."""
        self._digest_id = None
        self.digest_bar.hide()
        self.apply_filter()

    def current_filter(self) -> HistoryFilter:
        """The filter the controls describe (the range in the calendar's time zone)."""
        since, until = self._range()
        text = self.search.text().strip()
        return HistoryFilter(
            since=since,
            until=until,
            text=text,
            program=self.program_box.currentData(),
            sender=self.sender_box.currentData(),
            decision=self.decision_box.currentData(),
        )

    def apply_filter(self) -> None:
        """Read the first page for the controls' filter (and leave a digest's view)."""
        self._search_timer.stop()
        if self._digest_id is not None:
            self._digest_id = None
            self.digest_bar.hide()
        self.model.set_filter(self.current_filter())

    # ----------------------------------------------------------------- internals

    def _today(self) -> date:
        return self.engine.clock.now().astimezone(self.engine.tz).date()

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.engine.tz)

    def _range(self) -> tuple[datetime | None, datetime | None]:
        key = self.range_box.currentData()
        today = self._today()
        if key == "today":
            return self._midnight(today), None
        if key == "week":
            return week_start(self.engine.clock.now(), self.engine.tz), None
        if key == "30d":
            return self._midnight(today - timedelta(days=29)), None
        if key == "range":
            first = self.from_date.date().toPython()
            last = self.until_date.date().toPython()
            assert isinstance(first, date) and isinstance(last, date)
            first, last = min(first, last), max(first, last)
            return self._midnight(first), self._midnight(last + timedelta(days=1))
        return None, None

    def _range_changed(self) -> None:
        dates = self.range_box.currentData() == "range"
        self.from_date.setVisible(dates)
        self.until_date.setVisible(dates)
        self._fill_choices()
        self.apply_filter()

    def _fill_choices(self) -> None:
        """The program and sender menus list what the range holds, most frequent first."""
        since, until = self._range()
        programs, senders = self.engine.store.history_choices(since, until)
        for box, any_label, items in (
            (self.program_box, "Any program", programs),
            (self.sender_box, "Any sender", [(s, s) for s in senders]),
        ):
            chosen = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(any_label, None)
            for key, label in items:
                box.addItem(label, key)
                box.setItemData(box.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
            if chosen is not None and box.findData(chosen) < 0:
                box.addItem(str(chosen), chosen)  # keep the user's choice visible
            box.setCurrentIndex(max(box.findData(chosen), 0))
            box.blockSignals(False)

    def _filtered(self) -> bool:
        f = self.model.filter
        return bool(f.text or f.program or f.sender or f.decision)

    def _update_empty(self) -> None:
        if self.model.rowCount() > 0:
            self.stack.setCurrentWidget(self.table)
            return
        if self._digest_id is not None:
            self.empty.setText(EMPTY_DIGEST)
        elif self._filtered():
            self.empty.setText(EMPTY_FILTERED)
        else:
            self.empty.setText(EMPTY_RANGE)
        self.stack.setCurrentWidget(self.empty)

    def _something_changed(self, *_: object) -> None:
        self._stale = True
        if self.isVisible():
            self._refresh_timer.start()

    def _refresh(self) -> None:
        """Show new rows and statuses, unless the user scrolled down to read."""
        if not self.isVisible():
            return
        if self.table.verticalScrollBar().value() > 0:
            return  # stays stale: reloaded when shown again or scrolled back up
        self._stale = False
        self._fill_choices()
        self.model.reload()

    def showEvent(self, event: QShowEvent) -> None:
        if self._stale:
            self._stale = False
            self._fill_choices()
            self.model.reload()
        super().showEvent(event)


__all__ = ["HistoryPage"]
