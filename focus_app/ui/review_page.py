"""The Review page: one week in pictures, with suggested rule changes.

A week picker (previous / this week / next: Alt+Left, Alt+Home, Alt+Right), four charts
(focus planned vs kept per day, the 7×24 breakthrough heat map, who broke through with
the feedback given, time from held to read), each with its numbers on hover and as a
table (Ctrl+T shows every chart as a table), the suggestions with Apply and Dismiss,
and export of the week as PNG (the page as drawn) and CSV (one tidy file: one row per
number, ``week,chart,label,measure,value``, which a spreadsheet pivots as it likes).

The numbers come from :mod:`focus_app.core.review`; loading a week is a few ``GROUP BY``
queries (:meth:`Store.review_activity`: counts in SQL, kept in memory while the file is
unchanged) and one pass over the groups, ~75 ms of CPU for a heavy week, painting
included (``benchmarks/bench_review.py``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from focus_app.core.review import (
    WeekReview,
    build_review,
    monday_of,
    week_range,
)
from focus_app.core.suggestions import ApplyKind, Suggestion, suggest
from focus_app.core.week_requests import TRIAGED, WeekRequests, week_requests
from focus_app.engine import Engine
from focus_app.store import StoreError, override_spans
from focus_app.ui.review_charts import (
    Chart,
    ChartTableModel,
    FocusChart,
    HeatMapChart,
    WaitChart,
    WhoChart,
    duration_text,
    wait_text,
)

EARLIER_WEEKS = 3
"""Weeks before the shown one whose focus the block suggestions look at."""

EMPTY_TEXT = (
    "Nothing to review for this week: no focus was planned or taken, and no notification "
    "came in. Once focus blocks are on the calendar and notifications arrive, this page "
    "shows focus kept against planned, when you were interrupted, who broke through and "
    "how long held messages waited, with suggested rule changes."
)


def load_week(engine: Engine, monday: date) -> tuple[WeekReview, list[Suggestion]]:
    """The review of the week of ``monday`` and the suggestions for it, from the store.

    A week older than the history's retention comes from its stored figures
    (:meth:`Store.review_week`), plus any of its items still kept as rows.
    """
    tz = engine.tz
    schedule = engine.schedule()
    end = week_range(monday, tz)[1]
    earliest = week_range(monday - timedelta(weeks=EARLIER_WEEKS), tz)[0]
    store = engine.store
    spans = override_spans(store.overrides_overlapping(earliest, end))
    review = store.review_week(monday, tz, schedule, spans)
    earlier = [
        build_review(monday - timedelta(weeks=k), tz, schedule, spans, ())
        for k in range(1, EARLIER_WEEKS + 1)
    ]
    suggestions = suggest(
        review,
        engine.settings.gate_settings(),
        earlier_weeks=earlier,
        dismissed=store.dismissed_suggestions(),
    )
    return review, suggestions


def load_requests(engine: Engine, monday: date) -> WeekRequests:
    """Requests triaged in the week of ``monday`` and that week's budget, from the store."""
    start, end = week_range(monday, engine.tz)
    return week_requests(engine.requests(TRIAGED), engine.week_budget(start), start, end)


RELOAD_AFTER_DECIDED_MS = 200
"""New notifications reach the visible week at most this late; during a flood of caught
notifications the week is read at most five times a second, not once per notification."""


class ChartCard(QFrame):
    """A chart with its title, a one-line summary, and its table view behind a toggle."""

    def __init__(self, title: str, chart: Chart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.chart = chart
        self.title = QLabel(title)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.model = ChartTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        # Compact rows, like the charts: a week's seven days fit without scrolling.
        row_height = self.table.fontMetrics().height() + 6
        self.table.verticalHeader().setMinimumSectionSize(row_height)
        self.table.verticalHeader().setDefaultSectionSize(row_height)
        self.table.horizontalHeader().setMinimumSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.setAccessibleName(f"{title} (table)")
        self.chart.setAccessibleName(title)
        self.stack = QStackedWidget()
        self.stack.addWidget(chart)
        self.stack.addWidget(self.table)
        self.header = QHBoxLayout()
        self.header.addWidget(self.title)
        self.header.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(self.header)
        layout.addWidget(self.summary)
        layout.addWidget(self.stack, 1)

    def refresh_table(self) -> None:
        headers, rows = self.chart.table()
        self.model.set_table(headers, rows)

    def show_table(self, on: bool) -> None:
        self.stack.setCurrentIndex(1 if on else 0)


class SuggestionRow(QFrame):
    """One suggestion: its text, Apply and Dismiss."""

    def __init__(self, suggestion: Suggestion, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.suggestion = suggestion
        self.text = QLabel(suggestion.text)
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # names come from senders
        self.text.setWordWrap(True)
        label = "Open calendar" if suggestion.apply.kind is ApplyKind.SHOW_BLOCK else "Apply"
        self.apply_button = QPushButton(label)
        self.apply_button.setToolTip(suggestion.apply.description)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setToolTip("Don't suggest this again")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 2)
        row.addWidget(self.text, 1)
        row.addWidget(self.apply_button)
        row.addWidget(self.dismiss_button)


class ReviewPage(QWidget):
    """The weekly review of any week (this week first).

    Args:
        engine: The running engine (its store, schedule, settings; suggestions apply
            through it).

    Signals:
        page_requested(str): A suggestion asks for another page ("calendar" to move a
            block); the main window shows it.
    """

    page_requested = Signal(str)

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.monday = monday_of(engine.clock.now(), engine.tz)
        self.review: WeekReview | None = None
        self.suggestions: list[Suggestion] = []

        self.week_label = QLabel()
        font = self.week_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.week_label.setFont(font)
        self.prev_button = QPushButton("◀ &Previous")
        self.prev_button.setToolTip("The week before (Alt+Left)")
        self.this_button = QPushButton("&This week")
        self.this_button.setToolTip("Back to this week (Alt+Home)")
        self.next_button = QPushButton("&Next ▶")
        self.next_button.setToolTip("The week after (Alt+Right)")
        self.tables_box = QCheckBox("Show as ta&bles")
        self.tables_box.setToolTip("Every chart as a table of its numbers (Ctrl+T)")
        self.png_button = QPushButton("Export P&NG…")
        self.png_button.setToolTip("Save this page as a picture")
        self.csv_button = QPushButton("Export &CSV…")
        self.csv_button.setToolTip("Save every number of this week in one CSV file")
        self.prev_button.clicked.connect(lambda: self.show_week(self.monday - timedelta(weeks=1)))
        self.next_button.clicked.connect(lambda: self.show_week(self.monday + timedelta(weeks=1)))
        self.this_button.clicked.connect(self.show_this_week)
        self.tables_box.toggled.connect(self.show_tables)
        self.png_button.clicked.connect(self._ask_png)
        self.csv_button.clicked.connect(self._ask_csv)
        for keys, slot in (
            ("Alt+Left", self.prev_button.click),
            ("Alt+Right", self.next_button.click),
            ("Alt+Home", self.this_button.click),
            ("Ctrl+T", self.tables_box.toggle),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        top = QHBoxLayout()
        top.addWidget(self.week_label, 1)
        for w in (self.prev_button, self.this_button, self.next_button):
            top.addWidget(w)
        tools = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        tools.addWidget(self.summary, 1)
        tools.addWidget(self.tables_box)
        tools.addWidget(self.png_button)
        tools.addWidget(self.csv_button)

        self.focus_card = ChartCard("Focus kept vs planned", FocusChart())
        self.heat_card = ChartCard("Interruptions by hour", HeatMapChart())
        self.who_chart = WhoChart()
        self.who_card = ChartCard("Who broke through", self.who_chart)
        self.who_combo = QComboBox()
        self.who_combo.addItems(["By sender", "By program"])
        self.who_combo.setToolTip("Group breakthroughs by sender or by program")
        self.who_combo.currentIndexChanged.connect(self._group_who)
        self.who_card.header.addWidget(self.who_combo)
        self.wait_card = ChartCard("Time from held to read", WaitChart())
        self.cards = [self.focus_card, self.heat_card, self.who_card, self.wait_card]
        grid = QGridLayout()
        for i, card in enumerate(self.cards):
            grid.addWidget(card, i // 2, i % 2)
            card.setMinimumHeight(260)

        # Issue 10: the boundaries side of the week, one line a reader takes in at a
        # glance (plain text, so a screen reader reads it as it is; in the CSV too).
        self.week_requests: WeekRequests | None = None
        self.requests_label = QLabel()
        self.requests_label.setObjectName("review-requests")
        self.requests_label.setTextFormat(Qt.TextFormat.PlainText)
        self.requests_label.setWordWrap(True)
        self.requests_label.setToolTip(
            "Requests for your time decided this week (Requests page), and how much of "
            "the weekly budget of commitments and breakthroughs was used"
        )

        self.suggestions_box = QFrame()
        self.suggestions_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.suggestions_layout = QVBoxLayout(self.suggestions_box)
        heading = QLabel("Suggestions")
        heading.setFont(self.focus_card.title.font())
        self.suggestions_layout.addWidget(heading)
        self.no_suggestions = QLabel(
            "No changes to suggest: nothing this week points to a rule that should change."
        )
        self.no_suggestions.setWordWrap(True)
        self.suggestions_layout.addWidget(self.no_suggestions)
        self.suggestion_rows: list[SuggestionRow] = []
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("review-empty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setMargin(40)
        self.calendar_button = QPushButton("Open the &calendar")
        self.calendar_button.clicked.connect(lambda: self.page_requested.emit("calendar"))
        self.empty_box = QWidget()
        empty_layout = QVBoxLayout(self.empty_box)
        empty_layout.addWidget(self.empty)
        empty_layout.addWidget(self.calendar_button, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(1)

        self.charts_box = QWidget()
        charts_layout = QVBoxLayout(self.charts_box)
        charts_layout.setContentsMargins(0, 0, 0, 0)
        charts_layout.addLayout(grid)
        charts_layout.addWidget(self.requests_label)
        charts_layout.addWidget(self.suggestions_box)

        self.content = QWidget()
        self.content.setObjectName("review-content")
        self.content.setAutoFillBackground(True)
        column = QVBoxLayout(self.content)
        column.setContentsMargins(16, 12, 16, 12)
        column.addLayout(top)
        column.addLayout(tools)
        column.addWidget(self.status)
        column.addWidget(self.empty_box)
        column.addWidget(self.charts_box, 1)
        scroll = QScrollArea()
        scroll.setWidget(self.content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self._reload_soon = QTimer(self)
        self._reload_soon.setSingleShot(True)
        self._reload_soon.setInterval(RELOAD_AFTER_DECIDED_MS)
        self._reload_soon.timeout.connect(self._reload_if_current)
        engine.decided.connect(self._changed_elsewhere)
        engine.settings_changed.connect(self.reload)
        engine.blocks_changed.connect(self.reload)
        engine.requests_changed.connect(self._requests_changed)
        self.show_week(self.monday)

    # ----------------------------------------------------------------- weeks

    def show_this_week(self) -> None:
        self.show_week(monday_of(self.engine.clock.now(), self.engine.tz))

    def show_week(self, monday: date) -> None:
        """Load and draw the week starting ``monday``."""
        self.monday = monday_of(monday, self.engine.tz)
        self.reload()

    def reload(self) -> None:
        try:
            review, suggestions = load_week(self.engine, self.monday)
            requests = load_requests(self.engine, self.monday)
        except StoreError as error:
            self.status.setText(f"Could not read the history: {error}")
            return
        self.status.clear()
        self.set_review(review, suggestions)
        self.set_requests(requests)

    def set_requests(self, requests: WeekRequests) -> None:
        """Show the week's triaged requests and budget use (what :func:`load_requests` gives)."""
        self.week_requests = requests
        self.requests_label.setText(requests.text())

    def _requests_changed(self) -> None:
        if self.isVisible():
            try:
                self.set_requests(load_requests(self.engine, self.monday))
            except StoreError as error:
                self.status.setText(f"Could not read the requests: {error}")

    def _changed_elsewhere(self, _ingested: object) -> None:
        # ``decided`` comes once per notification: a batch (or a flood) is read once.
        if self.isVisible() and not self._reload_soon.isActive():
            self._reload_soon.start()

    def _reload_if_current(self) -> None:
        # Only the week on screen can change, and only while it is visible.
        if self.isVisible() and self.monday == monday_of(self.engine.clock.now(), self.engine.tz):
            self.reload()

    def set_review(self, review: WeekReview, suggestions: list[Suggestion]) -> None:
        """Draw ``review`` with ``suggestions`` (what :func:`load_week` returns)."""
        self.review = review
        self.suggestions = suggestions
        end = review.monday + timedelta(days=6)
        iso = review.monday.isocalendar()
        self.week_label.setText(
            f"Week {iso.week}: {review.monday:%d %b} – {end:%d %b %Y}"
        )
        this_monday = monday_of(self.engine.clock.now(), self.engine.tz)
        self.this_button.setEnabled(review.monday != this_monday)
        self.next_button.setEnabled(review.monday < this_monday)
        empty = review.is_empty
        self.empty_box.setVisible(empty)
        self.charts_box.setVisible(not empty)
        self.png_button.setEnabled(not empty)
        self.csv_button.setEnabled(not empty)
        self.summary.setText("" if empty else self._summary(review))
        for card in self.cards:
            card.chart.set_review(review)
            card.refresh_table()
        self.focus_card.summary.setText(
            f"{duration_text(review.kept)} kept of {duration_text(review.planned)} planned"
            + (f", {duration_text(review.extra)} extra from focus now" if review.extra else "")
        )
        things = "notification" if review.breakthroughs == 1 else "notifications"
        self.heat_card.summary.setText(
            f"{review.breakthroughs} {things} reached you during focus or off-time"
            " (darker = more)"
        )
        self._who_summary()
        h = review.held_to_read
        self.wait_card.summary.setText(
            f"Median {wait_text(h.median)}, 90% within {wait_text(h.p90)}"
            f" ({h.count} read, {h.still_held} still held)"
        )
        self._show_suggestions()

    @staticmethod
    def _summary(review: WeekReview) -> str:
        share = f" ({review.kept / review.planned:.0%})" if review.planned else ""
        old = " From the weekly totals (older than the history's retention)." if (
            review.compacted) else ""
        return (
            f"Focus kept {duration_text(review.kept)} of {duration_text(review.planned)}"
            f"{share} · {review.breakthroughs} broke through · {review.held} held · "
            f"{review.muted} muted.{old}"
        )

    def _group_who(self, index: int) -> None:
        self.who_chart.set_by_program(index == 1)
        self.who_card.refresh_table()
        self._who_summary()

    def _who_summary(self) -> None:
        rows = self.who_chart.rows()
        could_wait = sum(r.could_wait for r in rows)
        wanted = sum(r.should_have_reached for r in rows)
        kind = "program" if self.who_chart.by_program else "sender"
        self.who_card.summary.setText(
            f"{len(rows)} {kind}{'' if len(rows) == 1 else 's'} broke through; feedback: "
            f"{wanted} should have reached you, {could_wait} could wait"
        )

    def show_tables(self, on: bool) -> None:
        """Every chart as its table (the accessible view), or back to the pictures."""
        for card in self.cards:
            card.show_table(on)
        if self.tables_box.isChecked() != on:
            self.tables_box.setChecked(on)

    # ----------------------------------------------------------------- suggestions

    def _show_suggestions(self) -> None:
        for row in self.suggestion_rows:
            self.suggestions_layout.removeWidget(row)
            row.deleteLater()
        self.suggestion_rows = []
        for suggestion in self.suggestions:
            row = SuggestionRow(suggestion)
            row.apply_button.clicked.connect(lambda _c=False, s=suggestion: self.apply(s))
            row.dismiss_button.clicked.connect(lambda _c=False, s=suggestion: self.dismiss(s))
            self.suggestions_layout.addWidget(row)
            self.suggestion_rows.append(row)
        self.no_suggestions.setVisible(not self.suggestions)

    def apply(self, suggestion: Suggestion) -> None:
        """Carry out a suggestion; a block to move opens the calendar instead."""
        if suggestion.apply.kind is ApplyKind.SHOW_BLOCK:
            self.page_requested.emit("calendar")
            return
        try:
            self.engine.apply_suggestion(suggestion)
        except (ValueError, LookupError, StoreError, OSError) as error:
            self.status.setText(f"Could not apply the suggestion: {error}")
            return
        self.reload()
        self.status.setText(f"Done: {suggestion.apply.description}")

    def dismiss(self, suggestion: Suggestion) -> None:
        """Don't suggest this again (stored by the suggestion's key)."""
        try:
            self.engine.dismiss_suggestion(suggestion.key)
        except StoreError as error:
            self.status.setText(f"Could not dismiss the suggestion: {error}")
            return
        self.reload()

    # ----------------------------------------------------------------- export

    def export_png(self, path: Path) -> None:
        """Save the page as drawn (all of it, not only what the scroll area shows).

        Raises:
            OSError: The picture could not be written.
        """
        if not self.content.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}; choose a folder you may write to")

    def csv_rows(self) -> list[tuple[str, str, str, str, str]]:
        """Every number of the week, one per row: week, chart, label, measure, value."""
        week = self.monday.isoformat()
        rows: list[tuple[str, str, str, str, str]] = []
        charts = (
            ("focus", self.focus_card.chart),
            ("interruptions", self.heat_card.chart),
            ("senders", None),
            ("programs", None),
            ("held_to_read", self.wait_card.chart),
        )
        for name, chart in charts:
            if chart is None:
                by_program = name == "programs"
                saved = self.who_chart.by_program
                self.who_chart.by_program = by_program
                headers, table = self.who_chart.table()
                self.who_chart.by_program = saved
            else:
                headers, table = chart.table()
            for row in table:
                for measure, value in zip(headers[1:], row[1:], strict=True):
                    rows.append((week, name, str(row[0]), measure, str(value)))
        if self.week_requests is not None:
            for status, count in self.week_requests.counts():
                rows.append((week, "requests", status, "Requests", str(count)))
            budget = self.week_requests.budget
            hours = f"{budget.committed.total_seconds() / 3600:g}"
            rows += [
                (week, "budget", "hours", "Used", hours),
                (week, "budget", "hours", "Allowed", f"{budget.hours:g}"),
                (week, "budget", "breakthroughs", "Used", str(budget.breakthroughs)),
                # 0 means no weekly limit: left empty rather than a misleading "0 allowed".
                (week, "budget", "breakthroughs", "Allowed",
                 str(budget.breakthrough_limit) if budget.breakthrough_limit else ""),
            ]
        return rows

    def export_csv(self, path: Path) -> None:
        """Save every number of the week in one tidy CSV file.

        Raises:
            OSError: The file could not be written.
        """
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(("week", "chart", "label", "measure", "value"))
            writer.writerows(self.csv_rows())

    def _ask_png(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the week as a picture", f"review-{self.monday}.png", "PNG (*.png)"
        )
        if name:
            self._export(self.export_png, Path(name))

    def _ask_csv(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the week's numbers", f"review-{self.monday}.csv", "CSV (*.csv)"
        )
        if name:
            self._export(self.export_csv, Path(name))

    def _export(self, write: Callable[[Path], None], path: Path) -> None:
        try:
            write(path)
        except OSError as error:
            self.status.setText(f"Could not export: {error}")
            return
        self.status.setText(f"Saved {path}")


def build_review_page(engine: Engine) -> QWidget:
    """The Review page for the main window's sidebar (built when first shown)."""
    page = ReviewPage(engine)

    def open_page(key: str) -> None:
        window = page.window()
        show = getattr(window, "show_page", None)
        if callable(show):
            show(key)

    page.page_requested.connect(open_page)
    return page


__all__ = ["ReviewPage", "build_review_page", "load_week"]
