"""The custom-painted 7-day × 24-hour grid of blocks, with direct mouse editing.

Drawing is split in three stages so a paint only paints:

1. **Layout** (on data change or week change): the controller expands the week into
   occurrences once; each is cut at midnight into day *segments* and the segments of
   each day are packed into side-by-side columns where they overlap. Stored in minutes,
   independent of the widget's size.
2. **Geometry** (on resize or zoom): every segment gets its rectangle and its elided
   text, as ``QStaticText`` so the text layout is not redone per paint.
3. **Paint**: fills, patterns and texts of the segments that intersect the exposed
   rectangle. Brushes, pens and fonts are made once per view.

While a block is dragged only the preview's old and new rectangles are repainted.

Kinds differ by colour *and* pattern so they stay apart for colour-blind people and
in greyscale prints: focus is solid saturated blue, available light green with
diagonal hatching, off grey with a dense dot grid.

Gestures: drag on empty space draws a new one-off block of :attr:`WeekView.new_block_kind`
(focus by default, untitled; the page's toolbar lets the user pick the kind before
drawing, and double-click or Enter opens the editor to name it); dragging a block moves
it, also to another day; dragging its top or bottom edge resizes it. For a recurring
block the view asks :attr:`WeekView.ask_scope` whether the change applies to this
occurrence or to all of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import (
    QEvent,
    QLineF,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QRegion,
    QResizeEvent,
    QShowEvent,
    QStaticText,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QScrollBar, QWidget

from focus_app.core.model import Block, BlockKind, Mode, Occurrence
from focus_app.ui.block_editor import BlockEditorDialog
from focus_app.ui.calendar_model import (
    OVERLAP_RULE,
    CalendarController,
    Scope,
    describe_overlap,
)
from focus_app.ui.commitments_overlay import CommitmentOverlay
from focus_app.ui.tooltips import show_tooltip_at

HEADER_HEIGHT = 40
"""Height of the day header row, in pixels."""
GUTTER_WIDTH = 52
"""Width of the hour label column, in pixels."""
MIN_HOUR_HEIGHT = 20
MAX_HOUR_HEIGHT = 120
EDGE_GRIP = 5
"""How close (pixels) to a block's top or bottom edge a press resizes instead of moves."""
_MINUTES_PER_DAY = 24 * 60
_PAD = 4


@dataclass(frozen=True)
class KindStyle:
    """How one kind (or override mode) is drawn: fill, pattern, border and text colour."""

    fill: QColor
    pattern: QColor | None
    border: QColor
    text: QColor
    pattern_kind: str = "solid"


_LIGHT_GRID = {
    "bg": "#ffffff", "weekend": "#f6f6f8", "today": "#fff6d6", "header": "#f0f0f3",
    "hour": "#d9d9de", "half": "#eeeef1", "day": "#c4c4cc", "label": "#55555f",
    "label_strong": "#222228", "today_text": "#b3261e", "hatch": "#5a3c3c46",
}
_DARK_GRID = {
    "bg": "#1f1f22", "weekend": "#26262a", "today": "#3a3522", "header": "#2b2b2e",
    "hour": "#3c3c43", "half": "#2c2c31", "day": "#4a4a52", "label": "#a9a9b2",
    "label_strong": "#f0f0f2", "today_text": "#ff8a80", "hatch": "#5ac8c8d2",
}
"""Grid colours per scheme (``#aarrggbb`` where translucent)."""


def kind_styles() -> dict[BlockKind, KindStyle]:
    """The colour and pattern of every block kind; the legend draws from the same table."""
    return {
        BlockKind.FOCUS: KindStyle(
            QColor("#1f5fbf"), None, QColor("#123c7c"), QColor("#ffffff"), "solid"
        ),
        BlockKind.AVAILABLE: KindStyle(
            QColor("#d3efc9"), QColor("#8cc77d"), QColor("#3f8a30"), QColor("#173d10"), "hatch"
        ),
        BlockKind.OFF: KindStyle(
            QColor("#dcdcdc"), QColor("#8f8f8f"), QColor("#6b6b6b"), QColor("#1e1e1e"), "dots"
        ),
    }


def pattern_brush(style: KindStyle) -> QBrush | None:
    """A tiled texture brush for the kind's pattern, or ``None`` for solid kinds.

    A small pixmap tile (rather than Qt's built-in hatch brushes) lets us choose the line
    spacing and width: Qt's patterns are one pixel at fixed density and look busy.
    """
    if style.pattern is None:
        return None
    if style.pattern_kind == "hatch":
        size = 10
        tile = QPixmap(size, size)
        tile.fill(Qt.GlobalColor.transparent)
        p = QPainter(tile)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(style.pattern, 1.4))
        # The line and its wrapped copies so the tiles join seamlessly.
        for offset in (-size, 0, size):
            p.drawLine(QLineF(offset, size, offset + size, 0))
        p.end()
    else:
        size = 5
        tile = QPixmap(size, size)
        tile.fill(Qt.GlobalColor.transparent)
        p = QPainter(tile)
        p.fillRect(QRectF(1, 1, 2, 2), style.pattern)
        p.end()
    return QBrush(tile)


def ask_scope_with_message_box(parent: QWidget, question: str) -> Scope | None:
    """Ask "only this occurrence or all?" in a modal box; ``None`` means cancel."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Recurring block")
    box.setText(question)
    this = box.addButton("Only this occurrence", QMessageBox.ButtonRole.AcceptRole)
    every = box.addButton("All occurrences", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(this)
    box.exec()
    clicked = box.clickedButton()
    if clicked is this:
        return Scope.THIS
    if clicked is every:
        return Scope.ALL
    return None


def ask_overlap_with_message_box(parent: QWidget, question: str) -> bool:
    """Ask "draw it over the other block?" in a modal box; ``True`` keeps the change."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Blocks overlap")
    box.setText(question)
    box.setInformativeText(OVERLAP_RULE)
    keep = box.addButton("Keep both", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(keep)
    box.exec()
    return box.clickedButton() is keep


def edit_occurrence_with_dialog(
    parent: QWidget,
    draft: Block,
    series: Block,
    overlap_notes: Callable[[Block], list[str]] | None = None,
) -> Block | None:
    """Open the editor on one occurrence (``draft``, a one-off) of ``series``; its result."""
    dialog = BlockEditorDialog(draft, parent, occurrence_of=series, overlap_notes=overlap_notes)
    if dialog.exec() == BlockEditorDialog.DialogCode.Accepted:
        return dialog.block()
    return None


def edit_with_dialog(
    parent: QWidget, block: Block, overlap_notes: Callable[[Block], list[str]] | None = None
) -> Block | None:
    """Open :class:`BlockEditorDialog` modally; the edited block, or ``None`` if cancelled.

    ``overlap_notes`` lets the editor say, as the user types, where the block would lie
    over one of another kind and which one applies there.
    """
    dialog = BlockEditorDialog(block, parent, overlap_notes=overlap_notes)
    if dialog.exec() == BlockEditorDialog.DialogCode.Accepted:
        return dialog.block()
    return None


@dataclass(eq=False, slots=True)
class Segment:
    """The part of one occurrence that falls on one day column, laid out.

    Attributes:
        occurrence: The occurrence this piece belongs to.
        day: Column, 0 = Monday of the shown week.
        top: Start, minutes after the column's midnight (wall clock).
        bottom: End, minutes after the column's midnight (at most 1440).
        column: Index among side-by-side overlapping segments of the day.
        columns: How many side-by-side columns the overlap cluster has.
        first: This piece holds the occurrence's start (its top edge resizes the start).
        last: This piece holds the occurrence's end (its bottom edge resizes the end).
        rect: Rectangle in content coordinates (y = 0 at midnight; no scroll, no header).
        overruled: Stretches (top, bottom in minutes, the block that applies there) where
            a block of another kind overlaps this one and wins: drawn washed out.
        notes: One line per overlap this segment takes part in (its tooltip says them).
        text_rect: Where its title and times are drawn (content coordinates, always
            inside ``rect``), or ``None`` when there is no room for text. Overlays (the
            override band, the now-line) leave this rectangle alone so the text stays
            readable.
    """

    occurrence: Occurrence
    day: int
    top: float
    bottom: float
    column: int = 0
    columns: int = 1
    first: bool = True
    last: bool = True
    rect: QRectF | None = None
    title: QStaticText | None = None
    subtitle: QStaticText | None = None
    overruled: list[tuple[float, float, Block]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    text_rect: QRectF | None = None


@dataclass(slots=True)
class _Drag:
    mode: str  # "create", "move", "top", "bottom"
    press: QPointF
    day: int
    segment: Segment | None = None
    active: bool = False
    start: datetime | None = None  # naive wall-clock preview
    end: datetime | None = None


def pack_columns(segments: list[Segment]) -> None:
    """Lay out one day's segments side by side where they overlap (in place).

    Classic calendar packing: sweep by start; a cluster is a run of transitively
    overlapping segments; each segment takes the leftmost column whose last segment has
    ended; every segment of a cluster gets the cluster's column count as its width.
    """
    segments.sort(key=lambda s: (s.top, -s.bottom))
    cluster: list[Segment] = []
    column_ends: list[float] = []
    cluster_end = -1.0

    def close() -> None:
        for s in cluster:
            s.columns = len(column_ends)

    for seg in segments:
        if cluster and seg.top >= cluster_end:
            close()
            cluster, column_ends = [], []
        for index, end in enumerate(column_ends):
            if end <= seg.top:
                seg.column = index
                column_ends[index] = seg.bottom
                break
        else:
            seg.column = len(column_ends)
            column_ends.append(seg.bottom)
        cluster.append(seg)
        cluster_end = max(cluster_end, seg.bottom) if len(cluster) > 1 else seg.bottom
    if cluster:
        close()


def _elided(fm: QFontMetricsF, text: str, width: float) -> str:
    """``text`` elided to ``width``; "" when not even a letter and the ellipsis fit."""
    elided = fm.elidedText(text, Qt.TextElideMode.ElideRight, width)
    return "" if elided in ("", "…") and text else elided


class WeekView(QWidget):
    """A week of blocks on a 7 × 24 h grid; edits go through a :class:`CalendarController`.

    Args:
        controller: Source of blocks and sink of edits.
        now_provider: Returns the current aware instant (the now-line, today's column,
            the week shown first). Inject a fixed clock in tests.
        parent: Owning widget.
        snap_minutes: Grid that created, moved and resized times snap to.
        day_starts_hour: Hour scrolled to the top when the view is first shown.
        hour_height: Initial pixels per hour (Ctrl+wheel zooms between 20 and 120).

    Injectable collaborators (plain attributes, so tests answer without modal boxes):
        ask_scope: ``(question) -> Scope | None``; asked before changing a recurring
            block; ``None`` cancels the gesture.
        edit_block: ``(block) -> Block | None``; opens the editor and returns the edited
            block, or ``None`` when cancelled.
        edit_occurrence: ``(draft, series) -> Block | None``; the editor on one occurrence
            of a recurring block (``draft`` is a one-off at its own, possibly moved,
            times); returns the edited one-off, or ``None`` when cancelled.

    Signals:
        week_changed(date): The shown week changed; the argument is its Monday.
        selection_changed(): A different occurrence is selected (or none).
    """

    week_changed = Signal(object)
    selection_changed = Signal()

    def __init__(
        self,
        controller: CalendarController,
        now_provider: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
        *,
        snap_minutes: int = 15,
        day_starts_hour: int = 7,
        hour_height: float = 44.0,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._now = now_provider or (lambda: datetime.now().astimezone())
        self.snap_minutes = snap_minutes
        self.day_starts_hour = day_starts_hour
        self.new_block_kind = BlockKind.FOCUS
        """Kind of blocks drawn by dragging on empty space."""
        self.ask_scope: Callable[[str], Scope | None] = lambda q: ask_scope_with_message_box(
            self, q
        )
        self.ask_overlap: Callable[[str], bool] = lambda q: ask_overlap_with_message_box(self, q)
        """Asked before a drag draws, moves or stretches a block over one of another kind."""
        self.edit_block: Callable[[Block], Block | None] = lambda b: edit_with_dialog(
            self, b, self.overlap_notes
        )
        self.edit_occurrence: Callable[[Block, Block], Block | None] = lambda draft, series: (
            edit_occurrence_with_dialog(self, draft, series, self.overlap_notes)
        )

        self._hour_height = float(hour_height)
        self._week_start = self._monday(self._local_now().date())
        self._segments: list[Segment] = []
        self._layout_dirty = True
        self._geometry_dirty = True
        self._selected: tuple[int, datetime] | None = None
        self._drag: _Drag | None = None
        self._scrolled_once = False
        self._layer: QPixmap | None = None
        self._layer_key: tuple[int, int, float, float] | None = None
        self._header: QPixmap | None = None
        self._header_key: tuple[date, int, int, float] | None = None

        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(480, 300)
        self._scrollbar = QScrollBar(Qt.Orientation.Vertical, self)
        self._scrollbar.valueChanged.connect(self._on_scrolled)

        self._now_timer = QTimer(self)
        self._now_timer.setSingleShot(True)
        # Precise: a coarse timer may fire up to 5 % early, before the minute turns.
        self._now_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._now_timer.timeout.connect(self._on_minute)

        self._make_paint_tools()
        controller.changed.connect(self._on_data_changed)
        self.commitments = CommitmentOverlay(self)
        """Accepted requests drawn over the blocks (its ``source`` is set by the page)."""

    # ------------------------------------------------------------ public API
    @property
    def controller(self) -> CalendarController:
        """The controller edits go through."""
        return self._controller

    def week_start(self) -> date:
        """Monday of the week shown."""
        return self._week_start

    def set_week(self, day: date) -> None:
        """Show the week containing ``day``."""
        monday = self._monday(day)
        if monday == self._week_start:
            return
        self._week_start = monday
        self._layout_dirty = True
        self._drag = None
        self.update()
        self.week_changed.emit(monday)

    def show_previous_week(self) -> None:
        """Go one week back."""
        self.set_week(self._week_start - timedelta(days=7))

    def show_next_week(self) -> None:
        """Go one week forward."""
        self.set_week(self._week_start + timedelta(days=7))

    def show_today(self) -> None:
        """Go to the week of today and scroll the current time into view."""
        self.set_week(self._local_now().date())
        now = self._local_now()
        self._ensure_visible(now.hour * 60 + now.minute, now.hour * 60 + now.minute + 60)

    def hour_height(self) -> float:
        """Pixels per hour."""
        return self._hour_height

    def set_hour_height(self, height: float, anchor_y: float | None = None) -> None:
        """Zoom to ``height`` pixels per hour (clamped), keeping the time at ``anchor_y``.

        Args:
            height: Requested pixels per hour, clamped to 20–120.
            anchor_y: Widget y whose time stays put (e.g. under the mouse); default is
                the top of the grid.
        """
        height = min(MAX_HOUR_HEIGHT, max(MIN_HOUR_HEIGHT, height))
        if math.isclose(height, self._hour_height):
            return
        anchor = HEADER_HEIGHT if anchor_y is None else anchor_y
        minutes = self._minutes_at_y(anchor)
        self._hour_height = height
        self._geometry_dirty = True
        self._update_scroll_range()
        self._scrollbar.setValue(round(minutes / 60 * height - (anchor - HEADER_HEIGHT)))
        self.update()

    def scroll_offset(self) -> int:
        """Pixels of the day scrolled above the grid's top edge."""
        return self._scrollbar.value()

    def segments(self) -> list[Segment]:
        """The laid-out segments of the week (laid out now if needed); for tests and tools."""
        self._ensure_layout()
        return self._segments

    def segment_rect(self, segment: Segment) -> QRect:
        """A segment's rectangle in widget coordinates (for tests and accessibility)."""
        self._ensure_layout()
        assert segment.rect is not None
        return segment.rect.translated(0, HEADER_HEIGHT - self.scroll_offset()).toRect()

    def selected_occurrence(self) -> Occurrence | None:
        """The occurrence selected with the mouse or the keyboard, if any."""
        seg = self._selected_segment()
        return seg.occurrence if seg else None

    def select_occurrence(self, occurrence: Occurrence | None) -> None:
        """Select an occurrence (or clear the selection) and scroll it into view."""
        key = None
        if occurrence is not None and occurrence.block.id is not None:
            key = (occurrence.block.id, occurrence.start)
        if key == self._selected:
            return
        self._selected = key
        seg = self._selected_segment()
        if seg is not None:
            self._ensure_visible(seg.top, seg.bottom)
        self.update()
        self.selection_changed.emit()

    def point_at(self, day: int, when: time | float) -> QPoint:
        """The widget point in the middle of ``day``'s column at wall time ``when``.

        ``when`` is a ``time`` or minutes after midnight. Tests use it to aim the mouse.
        """
        minutes = when.hour * 60 + when.minute if isinstance(when, time) else when
        x = self._day_x(day) + self._day_width() / 2
        y = HEADER_HEIGHT + minutes / 60 * self._hour_height - self.scroll_offset()
        return QPoint(round(x), round(y))

    def sizeHint(self) -> QSize:
        return QSize(1000, 700)

    # -------------------------------------------------------------- geometry
    def _grid_rect(self) -> QRectF:
        return QRectF(
            GUTTER_WIDTH,
            HEADER_HEIGHT,
            self.width() - GUTTER_WIDTH - self._scrollbar.width(),
            self.height() - HEADER_HEIGHT,
        )

    def _day_width(self) -> float:
        return max(1.0, (self.width() - GUTTER_WIDTH - self._scrollbar.width()) / 7)

    def _day_x(self, day: int) -> float:
        return GUTTER_WIDTH + day * self._day_width()

    def _content_height(self) -> float:
        return 24 * self._hour_height

    def _minutes_at_y(self, y: float) -> float:
        return (y - HEADER_HEIGHT + self.scroll_offset()) / self._hour_height * 60

    def _day_at_x(self, x: float) -> int:
        return min(6, max(0, int((x - GUTTER_WIDTH) // self._day_width())))

    def _snap(self, minutes: float) -> int:
        step = self.snap_minutes
        return min(_MINUTES_PER_DAY, max(0, round(minutes / step) * step))

    def _update_scroll_range(self) -> None:
        visible = max(0, self.height() - HEADER_HEIGHT)
        self._scrollbar.setPageStep(visible)
        self._scrollbar.setSingleStep(max(1, round(self._hour_height / 2)))
        self._scrollbar.setRange(0, max(0, math.ceil(self._content_height()) - visible))

    def _ensure_visible(self, top_min: float, bottom_min: float) -> None:
        top = top_min / 60 * self._hour_height
        bottom = bottom_min / 60 * self._hour_height
        visible = self.height() - HEADER_HEIGHT
        value = self.scroll_offset()
        if top < value:
            self._scrollbar.setValue(math.floor(top))
        elif bottom > value + visible:
            self._scrollbar.setValue(math.ceil(min(top, bottom - visible)))

    # ---------------------------------------------------------------- layout
    def _local_now(self) -> datetime:
        return self._now().astimezone(self._controller.tz())

    @staticmethod
    def _monday(day: date) -> date:
        return day - timedelta(days=day.weekday())

    def _on_data_changed(self) -> None:
        self._layout_dirty = True
        self.update()

    def _ensure_layout(self) -> None:
        if self._layout_dirty:
            self._layout_week()
            self._layout_dirty = False
            self._geometry_dirty = True
        if self._geometry_dirty:
            self._layout_geometry()
            self._geometry_dirty = False
            self._layer = None

    def _layout_week(self) -> None:
        """Expand the shown week and pack it into columns (data or week changed)."""
        tz = self._controller.tz()
        monday = datetime.combine(self._week_start, time(0))
        week_end = monday + timedelta(days=7)
        occurrences = self._controller.occurrences(
            monday.replace(tzinfo=tz), week_end.replace(tzinfo=tz)
        )
        per_day: list[list[Segment]] = [[] for _ in range(7)]
        for occ in occurrences:
            start = self._controller.local_start(occ)
            end = self._controller.local_end(occ)
            day_start = max(start, monday)
            first = True
            while day_start < min(end, week_end):
                midnight = datetime.combine(day_start.date(), time(0))
                next_midnight = midnight + timedelta(days=1)
                piece_end = min(end, next_midnight)
                day = (midnight.date() - self._week_start).days
                per_day[day].append(
                    Segment(
                        occ,
                        day,
                        (day_start - midnight).total_seconds() / 60,
                        (piece_end - midnight).total_seconds() / 60,
                        first=first and day_start == start,
                        last=piece_end == end,
                    )
                )
                first = False
                day_start = next_midnight
        self._segments = []
        for day_segments in per_day:
            pack_columns(day_segments)
            self._segments.extend(day_segments)
        self._mark_overlaps(monday.replace(tzinfo=tz), week_end.replace(tzinfo=tz))

    def _mark_overlaps(self, start: datetime, end: datetime) -> None:
        """Note on each segment where another kind overlaps it, and which block applies."""
        tz = self._controller.tz()
        for overlap in self._controller.overlaps(start, end):
            note = describe_overlap(overlap, tz)
            o_start = overlap.start.astimezone(tz).replace(tzinfo=None)
            o_end = overlap.end.astimezone(tz).replace(tzinfo=None)
            for seg in self._segments:
                occ = seg.occurrence
                if occ.block is not overlap.applies and occ.block not in overlap.overruled:
                    continue
                midnight = datetime.combine(self._week_start + timedelta(days=seg.day), time(0))
                top = max(seg.top, (o_start - midnight).total_seconds() / 60)
                bottom = min(seg.bottom, (o_end - midnight).total_seconds() / 60)
                if bottom <= top:
                    continue
                if note not in seg.notes:
                    seg.notes.append(note)
                if occ.block is not overlap.applies:
                    seg.overruled.append((top, bottom, overlap.applies))

    def _layout_geometry(self) -> None:
        """Rectangles and texts for every segment (size or zoom changed).

        Nothing is cut silently: a title too long is elided (the tooltip has it whole),
        a time range that does not fit is shortened to its start ("14:00") or left out,
        never cut in the middle ("14:00–1…"), and the text never leaves its block.
        """
        width = self._day_width()
        hh = self._hour_height
        title_fm = QFontMetricsF(self._title_font)
        small_fm = QFontMetricsF(self._small_font)
        line = title_fm.height()
        small_line = small_fm.height()
        for seg in self._segments:
            col_w = (width - 6) / seg.columns
            x = self._day_x(seg.day) + 1 + seg.column * col_w
            y = seg.top / 60 * hh
            h = max(4.0, (seg.bottom - seg.top) / 60 * hh - 1)
            seg.rect = QRectF(x + 1, y + 1, col_w - 2, h - 1)
            seg.title = seg.subtitle = None
            seg.text_rect = None
            text_w = col_w - 2 * _PAD - 2
            if text_w < 8 or h < line:
                continue
            occ = seg.occurrence
            start, end = self._controller.local_start(occ), self._controller.local_end(occ)
            times = [f"{start:%H:%M}–{end:%H:%M}", f"{start:%H:%M}"]
            fitting = [t for t in times if small_fm.horizontalAdvance(t) <= text_w]
            title = _elided(title_fm, occ.block.display_title, text_w)
            two_lines = h >= line + small_line + 4
            subtitle = ""
            if two_lines:
                subtitle = fitting[0] if fitting else ""
            else:
                # One line: the title, and the whole time range after it if both fit.
                joined = f"{occ.block.display_title}  {times[0]}"
                if title_fm.horizontalAdvance(joined) <= text_w:
                    title = joined
            if not title and not subtitle:
                continue
            seg.title = self._static(title) if title else self._static("")
            seg.subtitle = self._static(subtitle) if subtitle else None
            text_h = line + (small_line if subtitle else 0)
            text_w_used = max(
                title_fm.horizontalAdvance(title) if title else 0.0,
                small_fm.horizontalAdvance(subtitle) if subtitle else 0.0,
            )
            left = seg.rect.left() + _PAD - 1
            plate = QRectF(left, seg.rect.top() + 1, text_w_used + 4, text_h + 1)
            seg.text_rect = plate.intersected(seg.rect.adjusted(1, 1, -1, -1))

    @staticmethod
    def _static(text: str) -> QStaticText:
        static = QStaticText(text)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
        return static

    def _time_range(self, occ: Occurrence) -> str:
        start = self._controller.local_start(occ)
        end = self._controller.local_end(occ)
        return f"{start:%H:%M}–{end:%H:%M}"

    # ----------------------------------------------------------------- paint
    def _make_paint_tools(self) -> None:
        """Brushes, pens and fonts, made once: painting allocates as little as possible."""
        self._styles = kind_styles()
        self._fill = {k: QBrush(s.fill) for k, s in self._styles.items()}
        self._pattern = {k: pattern_brush(s) for k, s in self._styles.items()}
        self._border = {k: QPen(s.border, 1) for k, s in self._styles.items()}
        self._text_pen = {k: QPen(s.text) for k, s in self._styles.items()}
        # The grid follows the desktop's scheme; the blocks keep their colours (they are
        # the legend) and carry their own text colours.
        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        ink = QColor("#f2f2f4") if dark else QColor("#111111")
        self._selected_pen = QPen(ink, 2.5)
        self._preview_pen = QPen(ink, 1.5, Qt.PenStyle.DashLine)
        self._title_font = QFont(self.font())
        self._title_font.setBold(True)
        self._title_font.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.9))
        self._small_font = QFont(self.font())
        self._small_font.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        self._header_font = QFont(self.font())
        self._header_bold = QFont(self.font())
        self._header_bold.setBold(True)
        grid = _DARK_GRID if dark else _LIGHT_GRID
        self._bg = QColor(grid["bg"])
        wash = QColor(self._bg)
        wash.setAlpha(160)
        self._overruled_wash = QBrush(wash)
        self._overruled_hatch = QBrush(QColor(grid["hatch"]), Qt.BrushStyle.BDiagPattern)
        self._overruled_pen = QPen(QColor(grid["label_strong"]))
        self._weekend_bg = QColor(grid["weekend"])
        self._today_bg = QColor(grid["today"])
        self._header_bg = QColor(grid["header"])
        self._hour_pen = QPen(QColor(grid["hour"]), 1)
        self._half_pen = QPen(QColor(grid["half"]), 1)
        self._day_pen = QPen(QColor(grid["day"]), 1)
        self._label_pen = QPen(QColor(grid["label"]))
        self._today_pen = QPen(QColor(grid["today_text"]))
        self._now_pen = QPen(QColor("#e0201b"), 2)
        self._now_brush = QBrush(QColor("#e0201b"))
        mode_colors = {
            Mode.FOCUS: QColor("#1f5fbf"),
            Mode.AVAILABLE: QColor("#3f8a30"),
            Mode.OFF: QColor("#6b6b6b"),
            Mode.PAUSED: QColor("#c77700"),
        }
        self._override_pen = {m: QPen(c, 2, Qt.PenStyle.DashLine) for m, c in mode_colors.items()}
        self._override_fill = {}
        self._override_chip = {}
        for mode, color in mode_colors.items():
            band = QColor(color)
            band.setAlpha(56)
            self._override_fill[mode] = QBrush(band)
            self._override_chip[mode] = QBrush(color)

    def changeEvent(self, event: QEvent) -> None:
        """Follow the desktop's light/dark scheme live: new colours, cached pictures redrawn."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._make_paint_tools()
            self._geometry_dirty = True
            self._layer = None
            self._header = None
            self.update()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._ensure_layout()
        now = self._local_now()
        today = (now.date() - self._week_start).days
        layer = self._ensure_layer(today)
        p = QPainter(self)
        grid = self._grid_rect()
        scroll = self.scroll_offset()
        day_w = self._day_width()

        # The grid and its blocks: one blit of the cached layer, clipped to what is exposed.
        p.save()
        body = QRectF(0, HEADER_HEIGHT, grid.right(), grid.height())
        p.setClipRect(body.intersected(QRectF(event.rect())))
        p.translate(0, HEADER_HEIGHT - scroll)
        p.drawPixmap(QPointF(0, 0), layer)
        # Overlays, in content coordinates (y = 0 at midnight).
        self._paint_selection(p)
        self.commitments.paint(p)
        self._paint_override(p, now)
        self._paint_preview(p)
        line = self.now_line()
        if line is not None:
            x, y = line.x1(), line.y1()
            band = QRectF(x, y - 2, day_w, 4)
            # Around the text of the block it crosses, never through its title.
            p.setClipRegion(self._outside_texts(p.clipRegion(), [band]))
            p.setPen(self._now_pen)
            p.drawLine(line)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self._now_brush)
            p.drawEllipse(QPointF(x + 1, y), 4, 4)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.restore()

        if event.rect().top() < HEADER_HEIGHT:
            p.drawPixmap(QPointF(0, 0), self._ensure_header(today))
        p.end()

    def _ensure_header(self, today: int) -> QPixmap:
        """The day header row, rendered once per week, width or day (it has 8 texts)."""
        dpr = self.devicePixelRatioF()
        key = (self._week_start, today, self.width(), dpr)
        if self._header is not None and key == self._header_key:
            return self._header
        header = QPixmap(round(self.width() * dpr), round(HEADER_HEIGHT * dpr))
        header.setDevicePixelRatio(dpr)
        p = QPainter(header)
        self._paint_header(p, today, self._day_width())
        p.end()
        self._header, self._header_key = header, key
        return header

    def _ensure_layer(self, today: int) -> QPixmap:
        """The whole day grid with its blocks, rendered once per layout, size or day.

        Painting 300 blocks with patterns and text costs tens of milliseconds in Python;
        blitting the cached picture costs one. Scrolling, the now-line, the selection
        and drag previews are overlays and never invalidate it.
        """
        dpr = self.devicePixelRatioF()
        key = (today, self.width(), self._hour_height, dpr)
        if self._layer is not None and key == self._layer_key:
            return self._layer
        width = self.width()
        height = math.ceil(self._content_height()) + 1
        layer = QPixmap(round(width * dpr), round(height * dpr))
        layer.setDevicePixelRatio(dpr)
        layer.fill(self._bg)
        p = QPainter(layer)
        day_w = self._day_width()
        right = self._day_x(7)
        for day in (5, 6):
            p.fillRect(QRectF(self._day_x(day), 0, day_w, height), self._weekend_bg)
        if 0 <= today < 7:
            p.fillRect(QRectF(self._day_x(today), 0, day_w, height), self._today_bg)
        hh = self._hour_height
        if hh >= 40:
            p.setPen(self._half_pen)
            p.drawLines(
                [QLineF(GUTTER_WIDTH, (h + 0.5) * hh, right, (h + 0.5) * hh) for h in range(24)]
            )
        p.setPen(self._hour_pen)
        p.drawLines([QLineF(GUTTER_WIDTH - 4, h * hh, right, h * hh) for h in range(25)])
        # Hour labels live in the layer too: the gutter scrolls with the grid.
        p.setFont(self._small_font)
        p.setPen(self._label_pen)
        for hour in range(1, 24):
            p.drawText(
                QRectF(0, hour * hh - 8, GUTTER_WIDTH - 8, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{hour:02d}:00",
            )
        p.setPen(self._day_pen)
        p.drawLines([QLineF(self._day_x(d), 0, self._day_x(d), height) for d in range(8)])
        self._paint_segments(p)
        p.end()
        self._layer, self._layer_key = layer, key
        return layer

    def _paint_segments(self, p: QPainter) -> None:
        for seg in self._segments:
            rect = seg.rect
            assert rect is not None
            kind = seg.occurrence.block.kind
            p.fillRect(rect, self._fill[kind])
            pattern = self._pattern[kind]
            if pattern is not None:
                p.fillRect(rect, pattern)
            p.setPen(self._border[kind])
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
            self._paint_overruled(p, seg, rect)
            if seg.title is not None:
                self._paint_texts(p, seg, rect, kind)

    def _paint_overruled(self, p: QPainter, seg: Segment, rect: QRectF) -> None:
        """Wash out where another kind applies, and say which one if there is room."""
        if not seg.overruled:
            return
        hh = self._hour_height
        fm = QFontMetricsF(self._small_font)
        p.setFont(self._small_font)
        for top, bottom, applies in seg.overruled:
            y0 = max(rect.top(), top / 60 * hh + 1)
            y1 = min(rect.bottom(), bottom / 60 * hh)
            area = QRectF(rect.left(), y0, rect.width(), y1 - y0)
            p.fillRect(area, self._overruled_wash)
            p.fillRect(area, self._overruled_hatch)
            # Said only where it fits whole and clear of the block's own text; the
            # tooltip says it always.
            label = f"{applies.kind.value.capitalize()} applies"
            width = fm.horizontalAdvance(label)
            spot = QRectF(area.left() + _PAD, area.bottom() - fm.height() - 1, width, fm.height())
            fits = width <= rect.width() - 2 * _PAD and spot.top() >= area.top()
            if fits and (seg.text_rect is None or not spot.intersects(seg.text_rect)):
                p.setPen(self._overruled_pen)
                p.drawText(spot, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)

    def _paint_selection(self, p: QPainter) -> None:
        if self._selected is None:
            return
        block_id, start = self._selected
        p.setPen(self._selected_pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for seg in self._segments:
            occ = seg.occurrence
            if occ.block.id == block_id and occ.start == start and seg.rect is not None:
                p.drawRect(seg.rect.adjusted(1, 1, -1, -1))

    def _paint_texts(self, p: QPainter, seg: Segment, rect: QRectF, kind: BlockKind) -> None:
        assert seg.title is not None and seg.text_rect is not None
        x = rect.left() + _PAD + 1
        y = rect.top() + 2
        if self._pattern[kind] is not None:
            # A plate of the fill colour under the text keeps it readable on the pattern.
            p.fillRect(seg.text_rect, self._fill[kind])
        p.save()
        p.setClipRect(seg.text_rect)
        p.setPen(self._text_pen[kind])
        p.setFont(self._title_font)
        p.drawStaticText(QPointF(x, y), seg.title)
        if seg.subtitle is not None:
            p.setFont(self._small_font)
            line = QFontMetricsF(self._title_font).height()
            p.drawStaticText(QPointF(x, y + line), seg.subtitle)
        p.restore()

    def _override_rects(self, now: datetime) -> list[tuple[QRectF, bool]]:
        override = self._controller.override()
        if override is None:
            return []
        tz = self._controller.tz()
        start = override.starts.astimezone(tz).replace(tzinfo=None)
        end = override.until.astimezone(tz).replace(tzinfo=None)
        return self._span_rects(start, end, full_width=True)

    def _override_label(self, now: datetime) -> str:
        """What the override band says: mode, until when, and why ("" without one)."""
        labels = self._override_labels(now)
        return labels[0] if labels else ""

    def _override_labels(self, now: datetime) -> list[str]:
        """The override's label, longest first, then shorter forms for a narrow band.

        The chip takes the first that fits whole; a time is never cut ("until 09…").
        """
        override = self._controller.override()
        if override is None:
            return []
        tz = self._controller.tz()
        until = override.until.astimezone(tz)
        name = override.mode.value.capitalize()
        if override.active_at(now):
            short = f"{name} now · until {until:%H:%M}"
            labels = [short, f"{name} until {until:%H:%M}", f"until {until:%H:%M}"]
        else:
            short = f"{name} · {override.starts.astimezone(tz):%a %H:%M}–{until:%H:%M}"
            labels = [short, f"{name} {override.starts.astimezone(tz):%H:%M}–{until:%H:%M}"]
        if override.reason:
            labels.insert(0, f"{short} · {override.reason}")
        return labels

    def override_chip(self, now: datetime | None = None) -> tuple[QRectF, str] | None:
        """Where the override's chip goes (content coordinates) and what it says.

        ``None`` when there is no override in this week or no form of its label fits
        the band whole (the tooltip still says it). At the band's foot when there is
        room: its head is where the now-line runs for an active override.
        """
        now = now or self._local_now()
        pieces = self._override_rects(now)
        if not pieces:
            return None
        rect, _first = pieces[0]
        fm = QFontMetricsF(self._small_font)
        chip_h = fm.height() + 4
        if rect.height() < chip_h + 4:
            return None
        room = rect.width() - 12
        text = next(
            (t for t in self._override_labels(now) if fm.horizontalAdvance(t) + 10 <= room), ""
        )
        if not text:
            return None
        top = rect.bottom() - chip_h - 3 if rect.height() >= 2 * chip_h else rect.top() + 2
        return QRectF(rect.left() + 6, top, fm.horizontalAdvance(text) + 10, chip_h), text

    def _paint_override(self, p: QPainter, now: datetime) -> None:
        override = self._controller.override()
        if override is None:
            return
        pieces = self._override_rects(now)
        if not pieces:
            return
        p.save()
        # The band's tint and dashed frame stay off the blocks' texts.
        p.setClipRegion(self._outside_texts(p.clipRegion(), [r for r, _ in pieces]))
        p.setBrush(self._override_fill[override.mode])
        p.setPen(self._override_pen[override.mode])
        for rect, _first in pieces:
            p.drawRect(rect)
        for rect, _first in pieces:
            p.fillRect(
                QRectF(rect.left(), rect.top(), 4, rect.height()),
                self._override_chip[override.mode],
            )
        p.restore()
        chip = self.override_chip(now)
        if chip is None:
            return
        box, text = chip
        # A chip of the grid's colour with a coloured frame reads on any block beneath it.
        pen = self._override_pen[override.mode]
        p.setFont(self._small_font)
        p.setPen(QPen(pen.color(), 1.5))
        p.setBrush(self._bg)
        p.drawRoundedRect(box, 3, 3)
        p.setPen(pen.color())
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _outside_texts(self, clip: QRegion, areas: list[QRectF]) -> QRegion:
        """``clip`` (or everything) minus the block texts that lie in ``areas``."""
        region = clip if not clip.isEmpty() else QRegion(0, 0, self.width(), 1 << 20)
        for seg in self._segments:
            box = seg.text_rect
            if box is not None and any(box.intersects(a) for a in areas):
                region = region.subtracted(QRegion(box.adjusted(-1, -1, 1, 1).toAlignedRect()))
        return region

    def now_line(self) -> QLineF | None:
        """The now-line in content coordinates, or ``None`` when today is not shown."""
        now = self._local_now()
        today = (now.date() - self._week_start).days
        if not 0 <= today < 7:
            return None
        y = (now.hour * 60 + now.minute + now.second / 60) / 60 * self._hour_height
        x = self._day_x(today)
        return QLineF(x, y, x + self._day_width(), y)

    def _span_rects(
        self, start: datetime, end: datetime, full_width: bool = False
    ) -> list[tuple[QRectF, bool]]:
        """Content rectangles of a naive wall-clock span cut at midnights (in the week)."""
        pieces: list[tuple[QRectF, bool]] = []
        monday = datetime.combine(self._week_start, time(0))
        cursor = max(start, monday)
        stop = min(end, monday + timedelta(days=7))
        hh = self._hour_height
        w = self._day_width()
        while cursor < stop:
            midnight = datetime.combine(cursor.date(), time(0))
            piece_end = min(stop, midnight + timedelta(days=1))
            day = (midnight.date() - self._week_start).days
            top = (cursor - midnight).total_seconds() / 3600 * hh
            bottom = (piece_end - midnight).total_seconds() / 3600 * hh
            inset = 1 if full_width else 4
            pieces.append(
                (
                    QRectF(self._day_x(day) + inset, top, w - 2 * inset, bottom - top),
                    cursor == start,
                )
            )
            cursor = piece_end
        return pieces

    def _preview_rects(self) -> list[QRectF]:
        drag = self._drag
        if drag is None or not drag.active or drag.start is None or drag.end is None:
            return []
        return [rect for rect, _ in self._span_rects(drag.start, drag.end)]

    def _paint_preview(self, p: QPainter) -> None:
        rects = self._preview_rects()
        if not rects:
            return
        drag = self._drag
        assert drag is not None and drag.start is not None and drag.end is not None
        kind = drag.segment.occurrence.block.kind if drag.segment else self.new_block_kind
        p.setOpacity(0.8)
        for rect in rects:
            p.fillRect(rect, self._fill[kind])
            pattern = self._pattern[kind]
            if pattern is not None:
                p.fillRect(rect, pattern)
        p.setOpacity(1.0)
        p.setPen(self._preview_pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for rect in rects:
            p.drawRect(rect)
        first = rects[0]
        label = f"{drag.start:%H:%M}–{drag.end:%H:%M}"
        p.setFont(self._title_font)
        p.setPen(self._text_pen[kind])
        p.drawText(
            first.adjusted(_PAD + 1, 2, -2, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            label,
        )

    def _paint_header(self, p: QPainter, today: int, day_w: float) -> None:
        p.fillRect(QRectF(0, 0, self.width(), HEADER_HEIGHT), self._header_bg)
        p.setPen(self._day_pen)
        p.drawLine(QLineF(0, HEADER_HEIGHT - 0.5, self.width(), HEADER_HEIGHT - 0.5))
        for day in range(7):
            d = self._week_start + timedelta(days=day)
            rect = QRectF(self._day_x(day), 0, day_w, HEADER_HEIGHT)
            if day == today:
                p.fillRect(rect.adjusted(1, 0, 0, -1), self._today_bg)
                p.fillRect(
                    QRectF(rect.left() + 1, HEADER_HEIGHT - 4, day_w - 1, 3),
                    self._today_pen.color(),
                )
            p.setFont(self._header_bold if day == today else self._header_font)
            p.setPen(self._today_pen if day == today else self._label_pen)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{d:%a} {d.day} {d:%b}")
        p.setFont(self._small_font)
        p.setPen(self._label_pen)
        p.drawText(
            QRectF(0, 0, GUTTER_WIDTH, HEADER_HEIGHT),
            Qt.AlignmentFlag.AlignCenter,
            f"W{self._week_start.isocalendar().week}",
        )

    # ------------------------------------------------------------ now-line
    def _arm_now_timer(self) -> None:
        """Wake once at the start of the next minute: never a busy timer."""
        now = self._local_now()
        ms = (60 - now.second) * 1000 - now.microsecond // 1000
        self._now_timer.start(max(1000, ms + 20))

    def _on_minute(self) -> None:
        now = self._local_now()
        if self._monday(now.date()) != self._week_start and self._drag is None:
            self.update()  # midnight may move the today column out of this week
        else:
            self.update()
        self._arm_now_timer()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_scroll_range()
        if not self._scrolled_once:
            self._scrolled_once = True
            # A few pixels above the hour so its label is not cut by the header.
            self._scrollbar.setValue(round(self.day_starts_hour * self._hour_height) - 10)
        self._arm_now_timer()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._now_timer.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        w = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
        self._scrollbar.setGeometry(
            self.width() - w, HEADER_HEIGHT, w, self.height() - HEADER_HEIGHT
        )
        self._update_scroll_range()
        self._geometry_dirty = True

    def _on_scrolled(self, _value: int) -> None:
        self.update()

    # ------------------------------------------------------------------ tooltips
    def event(self, event: QEvent) -> bool:
        if show_tooltip_at(self, event, self.tooltip_at):
            return True
        return super().event(event)

    def tooltip_at(self, pos: QPointF) -> str:
        """The full text of what is under ``pos`` (widget coordinates), "" if nothing.

        Texts in blocks and in the override's chip are elided to fit; the tooltip always
        says everything: title, kind, times, and the overlaps the block takes part in.
        """
        lines: list[str] = []
        override = self._override_label(self._local_now())
        if override and pos.y() >= HEADER_HEIGHT:
            content = QPointF(pos.x(), pos.y() - HEADER_HEIGHT + self.scroll_offset())
            if any(r.contains(content) for r, _ in self._override_rects(self._local_now())):
                lines.append(override)
        if pos.y() >= HEADER_HEIGHT:
            content = QPointF(pos.x(), pos.y() - HEADER_HEIGHT + self.scroll_offset())
            lines.extend(self.commitments.tooltip_lines(content))
        seg = self._segment_at(pos)
        if seg is not None:
            occ = seg.occurrence
            block = occ.block
            when = "weekly" if block.recurrence is not None else "once"
            lines.append(
                f"{block.display_title} — {block.kind.value}, {self._time_range(occ)} ({when})"
            )
            if seg.notes:
                lines.extend(seg.notes)
                lines.append(OVERLAP_RULE)
        return "\n".join(lines)

    # ------------------------------------------------------------------ mouse
    def _segment_at(self, pos: QPointF) -> Segment | None:
        self._ensure_layout()
        if pos.y() < HEADER_HEIGHT or pos.x() < GUTTER_WIDTH:
            return None
        content = QPointF(pos.x(), pos.y() - HEADER_HEIGHT + self.scroll_offset())
        for seg in reversed(self._segments):
            assert seg.rect is not None
            if seg.rect.contains(content):
                return seg
        return None

    def _edge_at(self, seg: Segment, pos: QPointF) -> str | None:
        assert seg.rect is not None
        y = pos.y() - HEADER_HEIGHT + self.scroll_offset()
        grip = min(EDGE_GRIP, seg.rect.height() / 4)
        if seg.first and y - seg.rect.top() <= grip:
            return "top"
        if seg.last and seg.rect.bottom() - y <= grip:
            return "bottom"
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        pos = event.position()
        if pos.y() < HEADER_HEIGHT or pos.x() < GUTTER_WIDTH or pos.x() > self._grid_rect().right():
            return
        seg = self._segment_at(pos)
        day = self._day_at_x(pos.x())
        if seg is None:
            self._drag = _Drag("create", pos, day)
            self.select_occurrence(None)
        else:
            self.select_occurrence(seg.occurrence)
            self._drag = _Drag(self._edge_at(seg, pos) or "move", pos, day, seg)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        drag = self._drag
        if drag is None:
            seg = self._segment_at(pos)
            edge = self._edge_at(seg, pos) if seg else None
            self.setCursor(
                Qt.CursorShape.SizeVerCursor
                if edge
                else Qt.CursorShape.PointingHandCursor
                if seg
                else Qt.CursorShape.ArrowCursor
            )
            return
        if not drag.active:
            if (pos - drag.press).manhattanLength() < QApplication.startDragDistance():
                return
            drag.active = True
        before = self._preview_rects()
        self._update_preview(drag, pos)
        after = self._preview_rects()
        self._update_content_rects(before + after)
        event.accept()

    def _update_content_rects(self, rects: list[QRectF]) -> None:
        """Repaint only where the drag preview was and is (plus its label)."""
        region = QRegion()
        offset = HEADER_HEIGHT - self.scroll_offset()
        for rect in rects:
            region += rect.translated(0, offset).toAlignedRect().adjusted(-3, -3, 3, 3)
        self.update(region)

    def _update_preview(self, drag: _Drag, pos: QPointF) -> None:
        minutes = self._minutes_at_y(pos.y())
        day_date = self._week_start + timedelta(days=drag.day)
        midnight = datetime.combine(day_date, time(0))
        if drag.mode == "create":
            a = self._snap(self._minutes_at_y(drag.press.y()))
            b = self._snap(minutes)
            if a == b:
                b = a + self.snap_minutes if a + self.snap_minutes <= _MINUTES_PER_DAY else a
                a = b - self.snap_minutes
            lo, hi = min(a, b), max(a, b)
            drag.start = midnight + timedelta(minutes=lo)
            drag.end = midnight + timedelta(minutes=hi)
            return
        assert drag.segment is not None
        occ = drag.segment.occurrence
        start = self._controller.local_start(occ)
        end = self._controller.local_end(occ)
        step = timedelta(minutes=self.snap_minutes)
        if drag.mode == "move":
            days = self._day_at_x(pos.x()) - drag.day
            moved = start + timedelta(
                days=days, minutes=minutes - self._minutes_at_y(drag.press.y())
            )
            snapped = self._snap_datetime(moved)
            drag.start, drag.end = snapped, snapped + (end - start)
        elif drag.mode == "top":
            seg_midnight = datetime.combine(start.date(), time(0))
            new_start = seg_midnight + timedelta(minutes=self._snap(minutes))
            drag.start, drag.end = min(new_start, end - step), end
            drag.start = max(drag.start, end - timedelta(hours=24) + step)
        else:
            seg_midnight = datetime.combine(
                self._week_start + timedelta(days=drag.segment.day), time(0)
            )
            new_end = seg_midnight + timedelta(minutes=self._snap(minutes))
            drag.start, drag.end = start, max(new_end, start + step)
            drag.end = min(drag.end, start + timedelta(hours=24) - step)

    def _snap_datetime(self, when: datetime) -> datetime:
        midnight = datetime.combine(when.date(), time(0))
        minutes = (when - midnight).total_seconds() / 60
        return midnight + timedelta(minutes=round(minutes / self.snap_minutes) * self.snap_minutes)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag = self._drag
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        if drag.active:
            self._update_preview(drag, event.position())
        self._drag = None
        self.update()
        if not drag.active or drag.start is None or drag.end is None:
            return
        if drag.mode == "create":
            block = Block(
                kind=self.new_block_kind,
                start=drag.start.time(),
                end=drag.end.time(),
                on_date=drag.start.date(),
            )
            if not self._overlap_ok(block, drag.start, drag.end):
                return
            created = self._controller.create_block(block)
            self._select_block_on(created, drag.start)
            return
        assert drag.segment is not None
        occ = drag.segment.occurrence
        if (drag.start, drag.end) == (
            self._controller.local_start(occ),
            self._controller.local_end(occ),
        ):
            return
        verb = "move" if drag.mode == "move" else "resize"
        moved = Block(
            kind=occ.block.kind,
            start=drag.start.time(),
            end=drag.end.time(),
            title=occ.block.title,
            on_date=drag.start.date(),
            id=occ.block.id,
        )
        if not self._overlap_ok(moved, drag.start, drag.end):
            return
        scope = self._scope_for(
            occ.block,
            f"Do you want to {verb} only this occurrence of "
            f"“{occ.block.display_title}” or all of its occurrences?",
        )
        if scope is None:
            return
        self._controller.move_occurrence(occ, drag.start, drag.end, scope)
        if occ.block.id is not None:
            self._select_block_on(occ.block, drag.start)

    def overlap_notes(self, candidate: Block) -> list[str]:
        """Where ``candidate`` would overlap blocks of another kind (the editor shows it)."""
        return self._controller.overlap_notes(candidate, candidate.on_date or self._week_start)

    def _overlap_ok(self, candidate: Block, start: datetime, end: datetime) -> bool:
        """Ask before ``candidate`` (naive ``start``-``end``) is put over another kind.

        ``candidate`` carries the id of the block it replaces (a move or resize), so the
        block never counts as overlapping itself.
        """
        tz = self._controller.tz()
        found = self._controller.overlaps_of(
            candidate, start.replace(tzinfo=tz), end.replace(tzinfo=tz)
        )
        if not found:
            return True
        lines = "\n".join(describe_overlap(o, tz) for o in found[:3])
        return self.ask_overlap(
            f"“{candidate.display_title}” ({candidate.kind.value}) would overlap "
            f"another block:\n{lines}\n\nKeep both?"
        )

    def _scope_for(self, block: Block, question: str) -> Scope | None:
        if block.recurrence is None:
            return Scope.ALL
        return self.ask_scope(question)

    def _select_block_on(self, block: Block, start: datetime) -> None:
        """Select the occurrence of ``block`` starting at naive ``start`` after an edit."""
        self._ensure_layout()
        for seg in self._segments:
            occ = seg.occurrence
            if occ.block.id == block.id and self._controller.local_start(occ) == start:
                self.select_occurrence(occ)
                return

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if event.button() != Qt.MouseButton.LeftButton or pos.y() < HEADER_HEIGHT:
            return
        self._drag = None
        seg = self._segment_at(pos)
        if seg is not None:
            self.select_occurrence(seg.occurrence)
            self.open_editor()
            return
        if pos.x() < GUTTER_WIDTH or pos.x() > self._grid_rect().right():
            return
        # Empty space: offer an hour-long draft, created only if the editor says OK.
        start = min(self._snap(self._minutes_at_y(pos.y()) - 30), _MINUTES_PER_DAY - 60)
        day = self._week_start + timedelta(days=self._day_at_x(pos.x()))
        begin = datetime.combine(day, time(0)) + timedelta(minutes=start)
        draft = Block(
            kind=self.new_block_kind,
            start=begin.time(),
            end=(begin + timedelta(hours=1)).time(),
            on_date=day,
        )
        edited = self.edit_block(draft)
        if edited is not None:
            created = self._controller.create_block(edited)
            self._select_block_on(created, datetime.combine(created.on_date or day, created.start))

    def open_editor(self) -> None:
        """Edit the selected occurrence's block in the editor (undoable on OK).

        For a recurring block this asks first: only this occurrence (the editor opens at
        its own, possibly moved, times and saves an exception) or the whole series.
        """
        occ = self.selected_occurrence()
        if occ is None or occ.block.id is None:
            return
        block = self._controller.block(occ.block.id)
        if block is None:
            return
        if block.recurrence is not None:
            scope = self.ask_scope(
                f"Do you want to edit only this occurrence of “{block.display_title}” "
                "or all of its occurrences?"
            )
            if scope is None:
                return
            if scope is Scope.THIS:
                self._edit_one_occurrence(occ, block)
                return
        edited = self.edit_block(block)
        if edited is not None and edited != block:
            self._controller.update_block(edited)

    def _edit_one_occurrence(self, occ: Occurrence, series: Block) -> None:
        start = self._controller.local_start(occ)
        end = self._controller.local_end(occ)
        draft = Block(
            kind=series.kind,
            start=start.time(),
            end=end.time(),
            title=series.title,
            on_date=start.date(),
        )
        edited = self.edit_occurrence(draft, series)
        if edited is None or edited.on_date is None:
            return
        new_start = datetime.combine(edited.on_date, edited.start)
        new_end = datetime.combine(edited.on_date, edited.end)
        if new_end <= new_start:
            new_end += timedelta(days=1)
        if (new_start, new_end) != (start, end):
            self._controller.move_occurrence(occ, new_start, new_end, Scope.THIS)
            self._select_block_on(series, new_start)

    def delete_selected(self) -> None:
        """Delete the selected occurrence, asking "this or all" for a recurring block."""
        occ = self.selected_occurrence()
        if occ is None:
            return
        scope = self._scope_for(
            occ.block,
            f"Do you want to delete only this occurrence of “{occ.block.display_title}” "
            "or all of its occurrences?",
        )
        if scope is None:
            return
        self.select_occurrence(None)
        self._controller.delete_occurrence(occ, scope)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if steps:
                self.set_hour_height(self._hour_height * 1.15**steps, event.position().y())
        else:
            self._scrollbar.setValue(self.scroll_offset() - round(steps * self._hour_height))
        event.accept()

    # --------------------------------------------------------------- keyboard
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ctrl = Qt.KeyboardModifier.ControlModifier
        shift = Qt.KeyboardModifier.ShiftModifier
        stack = self._controller.undo_stack
        if (key == Qt.Key.Key_Z and mods == ctrl | shift) or (key == Qt.Key.Key_Y and mods == ctrl):
            stack.redo()
        elif (key == Qt.Key.Key_Z and mods == ctrl) or event.matches(QKeySequence.StandardKey.Undo):
            stack.undo()
        elif event.matches(QKeySequence.StandardKey.Redo):
            stack.redo()
        elif key == Qt.Key.Key_Escape and self._drag is not None:
            self._drag = None
            self.update()
        elif mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            super().keyPressEvent(event)
            return
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._move_selection(key)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_editor()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
        elif key == Qt.Key.Key_PageUp:
            self.show_previous_week()
        elif key == Qt.Key.Key_PageDown:
            self.show_next_week()
        elif key == Qt.Key.Key_T:
            self.show_today()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _move_selection(self, key: int) -> None:
        """Arrow keys: Up/Down to the previous/next block of the day, Left/Right across days.

        Across days the block nearest in time of day is chosen; empty days are skipped.
        """
        self._ensure_layout()
        starts = [s for s in self._segments if s.first or s.day == 0]
        if not starts:
            return
        current = self._selected_segment()
        if current is None:
            top = self.scroll_offset() / self._hour_height * 60
            ordered = sorted(starts, key=lambda s: (s.top < top, s.day, s.top))
            self.select_occurrence(ordered[0].occurrence)
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            day = sorted(
                (s for s in starts if s.day == current.day), key=lambda s: (s.top, s.column)
            )
            index = next(i for i, s in enumerate(day) if s is current)
            index += -1 if key == Qt.Key.Key_Up else 1
            if 0 <= index < len(day):
                self.select_occurrence(day[index].occurrence)
            return
        step = -1 if key == Qt.Key.Key_Left else 1
        day_index = current.day + step
        while 0 <= day_index < 7:
            candidates = [s for s in starts if s.day == day_index]
            if candidates:
                best = min(candidates, key=lambda s: (abs(s.top - current.top), s.column))
                self.select_occurrence(best.occurrence)
                return
            day_index += step

    def _selected_segment(self) -> Segment | None:
        if self._selected is None:
            return None
        self._ensure_layout()
        block_id, start = self._selected
        return next(
            (
                s
                for s in self._segments
                if s.occurrence.block.id == block_id and s.occurrence.start == start
            ),
            None,
        )
