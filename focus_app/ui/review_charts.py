"""The weekly review's charts, drawn with QPainter, and the table model behind each one.

Why QPainter and not a chart library: the four charts are bars and a grid of cells,
about 300 lines of painting in all, in the same style as the week view. QtCharts (in
PySide6-Addons) would add ~40 MiB of Qt modules and QML plumbing to a bundle that must
stay under 150 MiB, pyqtgraph pulls in NumPy (~35 MiB); neither earns that for four
simple charts, and both paint slower than a direct paint of ~200 shapes.

Every chart takes its colours from the widget's palette (Base, Text, Highlight, Mid),
so it follows light and dark themes; shows the numbers of the thing under the pointer
as a tooltip (:meth:`Chart.tooltip_at`); and gives the same numbers as a table
(:meth:`Chart.table`) for the page's accessible table view and the CSV export.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from focus_app.core.review import READ_BUCKETS, WeekReview, WhoRow
from focus_app.ui.tooltips import show_tooltip_at

Cell = str | int | float
_Index = QModelIndex | QPersistentModelIndex

WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TOP_ROWS = 8
"""How many senders or programs the breakthrough chart shows (the table has them all)."""


def duration_text(seconds: float) -> str:
    """``5400`` → "1 h 30", ``2700`` → "45 min", ``0`` → "0 min"."""
    minutes = round(seconds / 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def wait_text(seconds: float | None) -> str:
    """A held-to-read wait in words ("—" when there is none)."""
    if seconds is None:
        return "—"
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    return duration_text(seconds)


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` blended towards ``b`` by ``t`` (0 = a, 1 = b)."""
    t = max(0.0, min(1.0, t))
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


class ChartTableModel(QAbstractTableModel):
    """A chart's numbers as a read-only table (the accessible view of the chart).

    Roles: ``DisplayRole`` is the text shown; :data:`VALUE_ROLE` the raw number or text,
    for sorting and export; ``TextAlignmentRole`` puts numbers on the right.
    """

    VALUE_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._headers: list[str] = []
        self._rows: list[tuple[Cell, ...]] = []

    def set_table(self, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        self.beginResetModel()
        self._headers = list(headers)
        self._rows = [tuple(r) for r in rows]
        self.endResetModel()

    @property
    def headers(self) -> list[str]:
        return list(self._headers)

    @property
    def rows(self) -> list[tuple[Cell, ...]]:
        return list(self._rows)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{value:g}" if isinstance(value, float) else str(value)
        if role == self.VALUE_ROLE:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and not isinstance(value, str):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            return self._headers[section]
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None


class Chart(QWidget):
    """Base of the review charts: palette colours, tooltips, a table of the numbers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review: WeekReview | None = None
        self.setMouseTracking(True)
        self.setMinimumSize(QSize(320, 190))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_review(self, review: WeekReview) -> None:
        self.review = review
        self.update()

    # Subclasses ------------------------------------------------------------------------

    def table(self) -> tuple[list[str], list[tuple[Cell, ...]]]:
        """Headers and rows: the numbers the chart shows."""
        raise NotImplementedError

    def tooltip_at(self, pos: QPointF) -> str:
        """The numbers of the thing under ``pos``, "" over empty space."""
        raise NotImplementedError

    def paint_chart(self, p: QPainter, area: QRectF) -> None:
        raise NotImplementedError

    # Shared ----------------------------------------------------------------------------

    def colors(self) -> dict[str, QColor]:
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        accent = pal.color(QPalette.ColorRole.Highlight)
        return {
            "base": base,
            "text": text,
            "faint": mix(base, text, 0.55),
            "grid": mix(base, text, 0.12),
            "accent": accent,
            "accent_soft": mix(base, accent, 0.35),
            "wait": mix(base, text, 0.45),
            "none": mix(base, text, 0.22),
        }

    def event(self, e: QEvent) -> bool:
        if show_tooltip_at(self, e, self.tooltip_at):
            return True
        return super().event(e)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = self.colors()
        p.fillRect(self.rect(), c["base"])
        if self.review is not None:
            self.paint_chart(p, QRectF(self.rect()).adjusted(8, 8, -8, -8))
        p.end()

    def small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        return font


class FocusChart(Chart):
    """Focus planned vs kept per day: an outlined bar (planned), filled to what was kept,
    with extra focus from "focus now" stacked above in a lighter shade."""

    def _layout(self, area: QRectF) -> tuple[QRectF, float, float]:
        label_h = self.fontMetrics().height() + 4
        plot = area.adjusted(40, 4, 0, -label_h)
        review = self.review
        assert review is not None
        top = max([d.planned + d.extra for d in review.days] + [d.kept + d.extra
                   for d in review.days] + [3600.0])
        hours = max(1, int((top + 3599) // 3600))
        return plot, plot.width() / 7, hours * 3600.0

    def _bar(self, plot: QRectF, slot: float, i: int) -> QRectF:
        w = slot * 0.56
        return QRectF(plot.left() + slot * i + (slot - w) / 2, plot.top(), w, plot.height())

    def paint_chart(self, p: QPainter, area: QRectF) -> None:
        review = self.review
        assert review is not None
        c = self.colors()
        plot, slot, scale = self._layout(area)
        p.setFont(self.small_font())
        hours = int(scale // 3600)
        step = max(1, hours // 4)
        for h in range(0, hours + 1, step):
            y = plot.bottom() - plot.height() * h * 3600 / scale
            p.setPen(QPen(c["grid"], 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(c["faint"])
            p.drawText(QRectF(area.left(), y - 8, 34, 16),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{h} h")
        for i, day in enumerate(review.days):
            bar = self._bar(plot, slot, i)

            def height(seconds: float) -> float:
                return plot.height() * seconds / scale

            planned = QRectF(bar.left(), plot.bottom() - height(day.planned), bar.width(),
                             height(day.planned))
            kept = QRectF(bar.left(), plot.bottom() - height(day.kept), bar.width(),
                          height(day.kept))
            extra = QRectF(bar.left(), kept.top() - height(day.extra), bar.width(),
                           height(day.extra))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(c["accent"])
            p.drawRect(kept)
            p.setBrush(c["accent_soft"])
            p.drawRect(extra)
            if day.planned:
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(QPen(c["text"], 1.2, Qt.PenStyle.DashLine))
                p.drawRect(planned)
            p.setPen(c["text"])
            p.drawText(QRectF(plot.left() + slot * i, plot.bottom() + 2, slot, 16),
                       Qt.AlignmentFlag.AlignCenter,
                       f"{WEEKDAY_SHORT[i]} {day.day.day}")

    def tooltip_at(self, pos: QPointF) -> str:
        if self.review is None:
            return ""
        plot, slot, _ = self._layout(QRectF(self.rect()).adjusted(8, 8, -8, -8))
        if not plot.left() <= pos.x() < plot.right() or not 0 <= pos.y() <= plot.bottom() + 18:
            return ""
        i = int((pos.x() - plot.left()) // slot)
        if not 0 <= i < 7:
            return ""
        day = self.review.days[i]
        text = (f"{day.day:%A %d %B}: {duration_text(day.kept)} of "
                f"{duration_text(day.planned)} planned focus kept")
        if day.lost:
            text += f"; {duration_text(day.lost)} cut short"
        if day.extra:
            text += f"; {duration_text(day.extra)} extra (focus now)"
        return text

    def table(self) -> tuple[list[str], list[tuple[Cell, ...]]]:
        review = self.review
        rows: list[tuple[Cell, ...]] = []
        if review is not None:
            rows = [
                (f"{d.day:%a %d %b}", round(d.planned / 60), round(d.kept / 60),
                 round(d.lost / 60), round(d.extra / 60))
                for d in review.days
            ]
        return ["Day", "Planned (min)", "Kept (min)", "Cut short (min)", "Extra (min)"], rows


class HeatMapChart(Chart):
    """Breakthroughs by weekday (rows) and local hour (columns), darker = more.

    Each day's row ends with its total, so the week reads by day at a glance without
    counting cells; the busiest day's total is in bold.
    """

    TOTAL_WIDTH = 34.0
    """Room right of the grid for each day's total."""

    def _grid(self, area: QRectF) -> tuple[QRectF, float, float]:
        grid = area.adjusted(36, 0, -self.TOTAL_WIDTH, -(self.fontMetrics().height() + 2))
        return grid, grid.width() / 24, grid.height() / 7

    def day_totals(self) -> list[int]:
        """Breakthroughs per weekday, Monday first (what the totals column says)."""
        if self.review is None:
            return [0] * 7
        return [sum(row) for row in self.review.heat]

    def paint_chart(self, p: QPainter, area: QRectF) -> None:
        review = self.review
        assert review is not None
        c = self.colors()
        grid, cw, ch = self._grid(area)
        top = max(max(row) for row in review.heat) or 1
        totals = self.day_totals()
        busiest = max(totals)
        small = self.small_font()
        bold = QFont(small)
        bold.setBold(True)
        p.setFont(small)
        for d, row in enumerate(review.heat):
            p.setPen(c["text"])
            p.drawText(QRectF(area.left(), grid.top() + d * ch, 32, ch),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       WEEKDAY_SHORT[d])
            p.setPen(Qt.PenStyle.NoPen)
            for h, count in enumerate(row):
                cell = QRectF(grid.left() + h * cw + 1, grid.top() + d * ch + 1, cw - 2, ch - 2)
                p.setBrush(mix(c["grid"], c["accent"], 0.2 + 0.8 * count / top)
                           if count else c["grid"])
                p.drawRect(cell)
            total = totals[d]
            p.setFont(bold if total and total == busiest else small)
            p.setPen(c["text"] if total else c["faint"])
            p.drawText(QRectF(grid.right() + 2, grid.top() + d * ch, self.TOTAL_WIDTH - 2, ch),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(total))
            p.setFont(small)
        p.setPen(c["faint"])
        for h in range(0, 24, 3):
            p.drawText(QRectF(grid.left() + h * cw - cw, grid.bottom() + 1, cw * 3, 14),
                       Qt.AlignmentFlag.AlignCenter, f"{h:02d}")
        p.drawText(QRectF(grid.right() + 2, grid.bottom() + 1, self.TOTAL_WIDTH - 2, 14),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "total")

    def tooltip_at(self, pos: QPointF) -> str:
        review = self.review
        if review is None:
            return ""
        grid, cw, ch = self._grid(QRectF(self.rect()).adjusted(8, 8, -8, -8))
        d = int((pos.y() - grid.top()) // ch) if pos.y() >= grid.top() else -1
        totals_column = grid.right() <= pos.x() <= grid.right() + self.TOTAL_WIDTH
        if totals_column and 0 <= d < 7:
            total = self.day_totals()[d]
            day = review.monday + timedelta(days=d)
            what = "breakthrough" if total == 1 else "breakthroughs"
            return f"{day:%A %d %B}: {total} {what} in all"
        if not grid.contains(pos):
            return ""
        h = int((pos.x() - grid.left()) // cw)
        if not (0 <= h < 24 and 0 <= d < 7):
            return ""
        count = review.heat[d][h]
        day = review.monday + timedelta(days=d)
        what = "breakthrough" if count == 1 else "breakthroughs"
        return f"{day:%A %d %B}, {h:02d}:00–{(h + 1) % 24:02d}:00: {count} {what}"

    def table(self) -> tuple[list[str], list[tuple[Cell, ...]]]:
        review = self.review
        rows: list[tuple[Cell, ...]] = []
        if review is not None:
            rows = [(WEEKDAY_SHORT[d], *review.heat[d]) for d in range(7)]
        return ["Day", *(f"{h:02d}" for h in range(24))], rows


class WhoChart(Chart):
    """Who broke through: one bar per sender (or program), split by the feedback given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.by_program = False

    def set_by_program(self, by_program: bool) -> None:
        self.by_program = by_program
        self.update()

    def rows(self) -> tuple[WhoRow, ...]:
        if self.review is None:
            return ()
        rows = self.review.programs if self.by_program else self.review.senders
        return tuple(r for r in rows if r.breakthroughs)

    def _layout(self, area: QRectF) -> tuple[QRectF, float, float]:
        name_w = min(140.0, area.width() * 0.3)
        legend_h = self.fontMetrics().height() + 6
        plot = area.adjusted(name_w, 0, -28, -legend_h)
        shown = self.rows()[:TOP_ROWS]
        row_h = plot.height() / max(len(shown), 4)
        return plot, row_h, float(max([r.breakthroughs for r in shown] + [1]))

    def paint_chart(self, p: QPainter, area: QRectF) -> None:
        c = self.colors()
        plot, row_h, top = self._layout(area)
        p.setFont(self.small_font())
        shown = self.rows()[:TOP_ROWS]
        if not shown:
            p.setPen(c["faint"])
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "Nothing broke through this week.")
            return
        metrics = p.fontMetrics()
        for i, row in enumerate(shown):
            y = plot.top() + i * row_h
            bar_h = min(row_h * 0.66, 22.0)
            by = y + (row_h - bar_h) / 2
            p.setPen(c["text"])
            name = metrics.elidedText(row.name, Qt.TextElideMode.ElideRight,
                                      int(plot.left() - area.left() - 6))
            p.drawText(QRectF(area.left(), y, plot.left() - area.left() - 6, row_h),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            x = plot.left()
            unmarked = max(0, row.breakthroughs - row.could_wait - row.should_have_reached)
            for count, color in ((row.should_have_reached, c["accent"]),
                                 (row.could_wait, c["wait"]), (unmarked, c["none"])):
                w = plot.width() * count / top
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(color)
                p.drawRect(QRectF(x, by, w, bar_h))
                x += w
            p.setPen(c["text"])
            p.drawText(QRectF(x + 4, y, 40, row_h), Qt.AlignmentFlag.AlignVCenter,
                       str(row.breakthroughs))
        legend_y = area.bottom() - metrics.height()
        x = plot.left()
        for label, color in (("should have reached me", c["accent"]),
                             ("could wait", c["wait"]), ("no feedback", c["none"])):
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(color)
            p.drawRect(QRectF(x, legend_y + 3, 10, 10))
            p.setPen(c["text"])
            p.drawText(QPointF(x + 14, legend_y + metrics.ascent()), label)
            x += 24 + metrics.horizontalAdvance(label)

    def tooltip_at(self, pos: QPointF) -> str:
        plot, row_h, _ = self._layout(QRectF(self.rect()).adjusted(8, 8, -8, -8))
        shown = self.rows()[:TOP_ROWS]
        i = int((pos.y() - plot.top()) // row_h) if pos.y() >= plot.top() else -1
        if not 0 <= i < len(shown) or pos.x() < 8:
            return ""
        r = shown[i]
        return (f"{r.name}: {r.breakthroughs} broke through; "
                f"{r.should_have_reached} should have reached you, {r.could_wait} could "
                f"wait; {r.held} held, {r.muted} muted")

    def table(self) -> tuple[list[str], list[tuple[Cell, ...]]]:
        rows: list[tuple[Cell, ...]] = [
            (r.name, r.breakthroughs, r.should_have_reached, r.could_wait, r.held,
             r.dismissed, r.muted)
            for r in ((self.review.programs if self.by_program else self.review.senders)
                      if self.review is not None else ())
        ]
        first = "Program" if self.by_program else "Sender"
        return [first, "Broke through", "Should have reached me", "Could wait", "Held",
                "Dismissed", "Muted"], rows


class WaitChart(Chart):
    """Time from held to read: how many waited how long, with the median and p90."""

    def _slots(self, area: QRectF) -> tuple[QRectF, float]:
        plot = area.adjusted(0, 4, 0, -(self.fontMetrics().height() + 4))
        return plot, plot.width() / len(READ_BUCKETS)

    def paint_chart(self, p: QPainter, area: QRectF) -> None:
        review = self.review
        assert review is not None
        c = self.colors()
        plot, slot = self._slots(area)
        buckets = review.held_to_read.buckets
        top = max(buckets) or 1
        p.setFont(self.small_font())
        for i, ((label, _), count) in enumerate(zip(READ_BUCKETS, buckets, strict=True)):
            h = (plot.height() - 16) * count / top
            w = slot * 0.6
            bar = QRectF(plot.left() + slot * i + (slot - w) / 2, plot.bottom() - h, w, h)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(c["accent"])
            p.drawRect(bar)
            p.setPen(c["text"])
            if count:
                p.drawText(QRectF(bar.left() - 10, bar.top() - 16, w + 20, 14),
                           Qt.AlignmentFlag.AlignCenter, str(count))
            p.drawText(QRectF(plot.left() + slot * i, plot.bottom() + 2, slot, 16),
                       Qt.AlignmentFlag.AlignCenter, label)

    def tooltip_at(self, pos: QPointF) -> str:
        review = self.review
        if review is None:
            return ""
        plot, slot = self._slots(QRectF(self.rect()).adjusted(8, 8, -8, -8))
        i = int((pos.x() - plot.left()) // slot)
        if not 0 <= i < len(READ_BUCKETS) or pos.y() < plot.top():
            return ""
        count = review.held_to_read.buckets[i]
        plural = "s" if count != 1 else ""
        return f"{count} held notification{plural} read after {READ_BUCKETS[i][0]}"

    def table(self) -> tuple[list[str], list[tuple[Cell, ...]]]:
        review = self.review
        rows: list[tuple[Cell, ...]] = []
        if review is not None:
            rows = [(label, count) for (label, _), count
                    in zip(READ_BUCKETS, review.held_to_read.buckets, strict=True)]
        return ["Waited", "Held notifications"], rows
