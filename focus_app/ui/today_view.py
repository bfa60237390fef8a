"""What the Today page shows besides the mode: today's timeline, what is held, the next window.

:class:`TodayTimeline` draws today as one horizontal strip: the blocks in the colours and
patterns of the week view, the manual override on a row of its own, the hours gone by
washed out and a red now-marker. It is read at a glance, so every text that does not fit
is left out or elided and said in full on hover.

The two summaries are plain functions of engine state (:func:`held_summary`,
:func:`next_window_text`), so the page stays a thin view and tests need no pixels.

Building the strip is cheap (no layout until it is painted); the week view's colours are
imported on first paint.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QHideEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QShowEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from focus_app.core.model import BlockKind, Mode, Occurrence, Override
from focus_app.core.state import next_release_at, resolve_state
from focus_app.engine import Engine
from focus_app.store import HeldItem
from focus_app.ui.tooltips import show_tooltip_at

TOP_SENDERS = 3
"""How many senders the held summary names before "and N more"."""
_MODE_COLORS = {
    Mode.FOCUS: "#1f5fbf",
    Mode.AVAILABLE: "#3f8a30",
    Mode.OFF: "#6b6b6b",
    Mode.PAUSED: "#c77700",
}
"""The override's colours, as the week view draws them."""


def held_summary(items: Sequence[HeldItem]) -> str:
    """``4 held: Alice 2, Bob 1, CI 1`` (the top senders), or that nothing is held."""
    if not items:
        return "Nothing held."
    counts = Counter(item.notification.who for item in items)
    top = counts.most_common(TOP_SENDERS)
    names = ", ".join(f"{who} {count}" for who, count in top)
    rest = len(counts) - len(top)
    more = f" and {rest} more" if rest else ""
    return f"{len(items)} held: {names}{more}"


def _clock(at: datetime, now: datetime) -> str:
    """``14:00`` today, ``Tue 14:00`` on another day."""
    return f"{at:%H:%M}" if at.date() == now.date() else f"{at:%a %H:%M}"


def _in(delta: timedelta) -> str:
    minutes = max(1, math.ceil(delta.total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"in {rest} min"
    return f"in {hours} h {rest:02d}" if rest else f"in {hours} h"


def next_window_text(engine: Engine, now: datetime | None = None) -> str:
    """When notifications flow next, and what releases the held ones then.

    "Open now until 15:00 (Office hours)" while they flow; otherwise the next window
    with its name and how long until then ("Lunch & mail 12:30–13:15, in 25 min"), or
    that none lies ahead.
    """
    tz = engine.tz
    now = (now or engine.clock.now()).astimezone(tz)
    schedule, override = engine.schedule(), engine.override()
    state = resolve_state(schedule, override, now)
    if state.mode in (Mode.AVAILABLE, Mode.PAUSED):
        what = "Paused" if state.mode is Mode.PAUSED else "Open now"
        until = f" until {_clock(state.until.astimezone(tz), now)}" if state.until else ""
        return f"{what}{until} ({state.label}): notifications reach you as they come."
    at = next_release_at(schedule, override, now)
    if at is None:
        return "No window ahead: held notifications wait until you release them."
    at = at.astimezone(tz)
    window = resolve_state(schedule, override, at)
    end = window.until.astimezone(tz) if window.until else None
    if end is not None and end.date() == at.date():
        when = f"{_clock(at, now)}–{_clock(end, at)}, {_in(at - now)}"
    else:
        # Open into another day (until the next focus block): "from 11:30", and the end
        # as a plain "until Fri 09:00" rather than a range across days.
        later = f", open until {_clock(end, at)}" if end is not None else ""
        when = f"from {_clock(at, now)}, {_in(at - now)}{later}"
    return f"{window.label} {when}. What is held arrives then, as one digest."


@dataclass(slots=True)
class TimelineItem:
    """One drawn piece of today: a block's occurrence or the override, in local time.

    Attributes:
        start: Local start, clipped to today.
        end: Local end, clipped to today.
        text: What the strip writes in it (may be elided or left out when drawn).
        tooltip: Its full text.
        kind: The block's kind, ``None`` for the override.
        mode: The override's mode, ``None`` for a block.
        lane: Row among overlapping blocks (0 = top).
        lanes: How many rows its cluster of overlapping blocks has.
        rect: Where it is drawn (widget coordinates), set on layout.
    """

    start: datetime
    end: datetime
    text: str
    tooltip: str
    kind: BlockKind | None = None
    mode: Mode | None = None
    lane: int = 0
    lanes: int = 1
    rect: QRectF | None = None


class TodayTimeline(QWidget):
    """Today as one horizontal strip: blocks, the override, the hours gone and now.

    Args:
        engine: Where today's blocks, the override and the clock come from; the strip
            follows its ``blocks_changed`` and ``state_changed`` signals.
        parent: The Qt parent.
    """

    BLOCK_ROW = 46.0
    OVERRIDE_ROW = 22.0
    SIDE = 24.0
    """Room left and right of the strip, so the first and last hour labels show whole."""

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._items: list[TimelineItem] | None = None
        self._laid_out_for: tuple[float, float, datetime] | None = None
        self._day_of_items: date | None = None
        self._span = (7, 22)
        self.setMouseTracking(True)
        self.setMinimumHeight(round(20 + self.BLOCK_ROW + 4 + self.OVERRIDE_ROW + 22))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._timer = QTimer(self)
        self._timer.setInterval(60_000)
        self._timer.timeout.connect(self.refresh)
        engine.blocks_changed.connect(self.refresh)
        engine.state_changed.connect(self.refresh)
        engine.settings_changed.connect(self.refresh)
        self.setAccessibleName("Today's timeline")

    # ------------------------------------------------------------------ data

    def refresh(self) -> None:
        """Read today's blocks and the override again on the next paint."""
        self._items = None
        self.update()

    def _now(self) -> datetime:
        return self._engine.clock.now().astimezone(self._engine.tz)

    def items(self) -> list[TimelineItem]:
        """What the strip draws today (laid out for the current size)."""
        now = self._now()
        if self._items is None or self._day_of_items != now.date():
            self._items = self._collect(now)
            self._day_of_items = now.date()
            self._laid_out_for = None
        key = (float(self.width()), float(self.height()), now.replace(second=0, microsecond=0))
        if self._laid_out_for != key:
            self._layout(self._items, now)
            self._laid_out_for = key
        return self._items

    def hours(self) -> tuple[int, int]:
        """The first and last hour the strip shows (it always includes now and the blocks)."""
        self.items()
        return self._span

    def _collect(self, now: datetime) -> list[TimelineItem]:
        tz = self._engine.tz
        midnight = datetime.combine(now.date(), time(0), tzinfo=tz)
        end_of_day = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=tz)
        found: list[TimelineItem] = []
        occurrences: list[Occurrence] = self._engine.schedule().occurrences(midnight, end_of_day)
        for occ in occurrences:
            start, end = occ.start.astimezone(tz), occ.end.astimezone(tz)
            block = occ.block
            when = f"{start:%H:%M}–{end:%H:%M}"
            found.append(
                TimelineItem(
                    max(start, midnight),
                    min(end, end_of_day),
                    block.display_title,
                    f"{block.display_title} — {block.kind.value}, {when}",
                    kind=block.kind,
                )
            )
        self._pack(found)
        override: Override | None = self._engine.override()
        if override is not None and override.until > midnight and override.starts < end_of_day:
            start, end = override.starts.astimezone(tz), override.until.astimezone(tz)
            name = override.mode.value.capitalize()
            text = f"{name} now · until {end:%H:%M}" if override.active_at(now) else (
                f"{name} {start:%H:%M}–{end:%H:%M}"
            )
            if override.reason:
                text += f" · {override.reason}"
            found.append(
                TimelineItem(
                    max(start, midnight),
                    min(end, end_of_day),
                    text,
                    f"{text} (manual: it beats the schedule until it ends)",
                    mode=override.mode,
                )
            )
        first = min([now.hour, self._engine.settings.day_starts_hour]
                    + [i.start.hour for i in found])
        last_end = [i.end for i in found] + [now + timedelta(hours=1)]
        last = max(22, *(_hour_ceil(t, midnight) for t in last_end))
        self._span = (max(0, first), min(24, last))
        return found

    @staticmethod
    def _pack(items: list[TimelineItem]) -> None:
        """Overlapping blocks share the row in lanes, one above the other."""
        items.sort(key=lambda i: (i.start, -i.end.timestamp()))
        cluster: list[TimelineItem] = []
        lane_ends: list[datetime] = []
        cluster_end: datetime | None = None
        for item in items:
            if cluster and cluster_end is not None and item.start >= cluster_end:
                for member in cluster:
                    member.lanes = len(lane_ends)
                cluster, lane_ends = [], []
            for lane, end in enumerate(lane_ends):
                if end <= item.start:
                    item.lane, lane_ends[lane] = lane, item.end
                    break
            else:
                item.lane = len(lane_ends)
                lane_ends.append(item.end)
            cluster.append(item)
            cluster_end = item.end if cluster_end is None or len(cluster) == 1 else max(
                cluster_end, item.end
            )
        for member in cluster:
            member.lanes = len(lane_ends)

    # ---------------------------------------------------------------- geometry

    def _plot(self) -> QRectF:
        width = max(10.0, self.width() - 2 * self.SIDE)
        return QRectF(self.SIDE, 20, width, self.BLOCK_ROW)

    def x_at(self, at: datetime) -> float:
        """The x of the local time ``at`` (clamped to the strip)."""
        plot = self._plot()
        first, last = self._span
        midnight = datetime.combine(at.date(), time(0), tzinfo=at.tzinfo)
        minutes = (at - midnight).total_seconds() / 60
        if at.date() != self._now().date():
            minutes = 0 if at < self._now() else 24 * 60
        share = (minutes - first * 60) / ((last - first) * 60)
        return plot.left() + plot.width() * min(1.0, max(0.0, share))

    def _layout(self, items: list[TimelineItem], now: datetime) -> None:
        plot = self._plot()
        for item in items:
            x0, x1 = self.x_at(item.start), self.x_at(item.end)
            if item.mode is not None:
                item.rect = QRectF(x0, plot.bottom() + 4, max(2.0, x1 - x0), self.OVERRIDE_ROW)
            else:
                h = plot.height() / item.lanes
                item.rect = QRectF(x0, plot.top() + item.lane * h, max(2.0, x1 - x0), h - 1)

    def sizeHint(self) -> QSize:
        return QSize(600, self.minimumHeight())

    def minimumSizeHint(self) -> QSize:
        return QSize(240, self.minimumHeight())

    def now_x(self) -> float:
        """Where the now-marker is drawn."""
        self.items()
        return self.x_at(self._now())

    # ------------------------------------------------------------------ paint

    def paintEvent(self, event: QPaintEvent) -> None:
        from focus_app.ui.week_view import kind_styles, pattern_brush  # its colours, once used

        items = self.items()
        now = self._now()
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        dark = base.lightness() < 128
        faint = _mix(base, text, 0.5)
        grid = _mix(base, text, 0.15)
        plot = self._plot()
        p = QPainter(self)
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Window))
        lane = QRectF(plot.left(), plot.top(), plot.width(), plot.height())
        p.fillRect(lane, base)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        bold = QFont(small)
        bold.setBold(True)
        fm = QFontMetricsF(small)
        bold_fm = QFontMetricsF(bold)

        # Hours: a tick each, a label where there is room.
        first, last = self._span
        step_w = plot.width() / max(1, last - first)
        every = next(n for n in (1, 2, 3, 4, 6) if step_w * n >= fm.horizontalAdvance("00:00") + 8)
        p.setFont(small)
        axis_y = plot.bottom() + 4 + self.OVERRIDE_ROW + 2
        for hour in range(first, last + 1):
            x = plot.left() + (hour - first) * step_w
            p.setPen(QPen(grid, 1))
            p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            if (hour - first) % every == 0 and hour < 24:
                p.setPen(faint)
                spot = QRectF(x - 20, axis_y, 40, fm.height())
                p.drawText(spot, Qt.AlignmentFlag.AlignCenter, f"{hour:02d}:00")

        styles = kind_styles()
        for item in items:
            rect = item.rect
            assert rect is not None
            if item.kind is not None:
                style = styles[item.kind]
                p.fillRect(rect, style.fill)
                pattern = pattern_brush(style)
                if pattern is not None:
                    p.fillRect(rect, pattern)
                p.setPen(QPen(style.border, 1))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(rect)
                self._paint_text(p, rect, item.text, bold, bold_fm, style.text,
                                 style.fill if pattern is not None else None)
            elif item.mode is not None:
                color = QColor(_MODE_COLORS[item.mode])
                band = QColor(color)
                band.setAlpha(70 if dark else 46)
                p.setBrush(band)
                p.setPen(QPen(color, 1.5, Qt.PenStyle.DashLine))
                p.drawRect(rect)
                p.fillRect(QRectF(rect.left(), rect.top(), 4, rect.height()), color)
                ink = QColor("#f2f2f4") if dark else color.darker(130)
                # A short override says what it is beside its bar, where the row is free.
                inside = fm.horizontalAdvance(item.text) + 12 <= rect.width()
                room = rect if inside else QRectF(
                    rect.right() + 2, rect.top(), plot.right() - rect.right() - 2, rect.height()
                )
                self._paint_text(p, room.adjusted(4, 0, 0, 0), item.text, small, fm, ink, None)

        # The hours gone by, washed out; then now.
        x_now = self.x_at(now)
        if x_now > plot.left():
            wash = QColor(pal.color(QPalette.ColorRole.Window))
            wash.setAlpha(120)
            p.fillRect(QRectF(plot.left(), plot.top() - 1, x_now - plot.left(),
                              plot.height() + self.OVERRIDE_ROW + 6), wash)
        red = QColor("#e0201b")
        p.setPen(QPen(red, 2))
        foot = plot.bottom() + 4 + self.OVERRIDE_ROW
        p.drawLine(QPointF(x_now, plot.top() - 4), QPointF(x_now, foot))
        label = f"{now:%H:%M}"
        w = bold_fm.horizontalAdvance(label) + 8
        left = min(max(0.0, x_now - w / 2), self.width() - w)
        chip = QRectF(left, 0, w, bold_fm.height() + 2)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(red)
        p.drawRoundedRect(chip, 3, 3)
        p.setFont(bold)
        p.setPen(QColor("#ffffff"))
        p.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)
        p.end()

    @staticmethod
    def _paint_text(
        p: QPainter,
        rect: QRectF,
        text: str,
        font: QFont,
        fm: QFontMetricsF,
        ink: QColor,
        plate: QColor | None,
    ) -> None:
        """``text`` elided into ``rect``, or nothing when not even a word fits."""
        room = rect.width() - 8
        shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, room)
        if room < 16 or shown in ("", "…"):
            return
        box = QRectF(rect.left() + 4, rect.top() + (rect.height() - fm.height()) / 2,
                     fm.horizontalAdvance(shown), fm.height())
        if plate is not None:
            p.fillRect(box.adjusted(-2, 0, 2, 0).intersected(rect), QBrush(plate))
        p.setFont(font)
        p.setPen(ink)
        p.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)

    # ------------------------------------------------------------------ hover

    def tooltip_at(self, pos: QPointF) -> str:
        """The full text of what is under ``pos`` ("" over empty time)."""
        hits = [i for i in self.items() if i.rect is not None and i.rect.contains(pos)]
        return "\n".join(item.tooltip for item in hits)

    def event(self, e: QEvent) -> bool:
        if show_tooltip_at(self, e, self.tooltip_at):
            return True
        return super().event(e)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()  # the now-marker moves once a minute, only while seen
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()


def _hour_ceil(at: datetime, midnight: datetime) -> int:
    if at.date() != midnight.date():
        return 24
    return at.hour + (1 if (at.minute or at.second) else 0)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


__all__ = ["TimelineItem", "TodayTimeline", "held_summary", "next_window_text"]
