"""Accepted requests drawn in the week view, as commitments over the schedule's blocks.

Triage books an accepted request into an availability window (issue 11, item 2); the
week shows it there, so the person sees the promised half hour where it will be spent.
A commitment is a narrow, solid bar on the right of its day column, over the window it
sits in (the window stays visible beside it), with its title when there is room; the
tooltip always has the whole of it: what, for whom, when.

The overlay is separate from :class:`focus_app.ui.week_view.WeekView`'s block drawing:
commitments come from the engine (requests), not from the calendar's controller, change
when requests are triaged, and are never edited by dragging. The view asks the overlay
to paint after its cached layer and to add tooltip lines; nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPen

if TYPE_CHECKING:
    from focus_app.ui.week_view import WeekView


@dataclass(frozen=True)
class Commitment:
    """One accepted request as the week shows it.

    Attributes:
        title: What was asked ("Review the deck").
        who: Who asked.
        start: Where it is booked (aware).
        end: See ``start``.
    """

    title: str
    who: str
    start: datetime
    end: datetime


CommitmentSource = Callable[[datetime, datetime], Sequence[Commitment]]
"""Returns the commitments overlapping ``[start, end)`` (aware instants)."""

FILL = QColor(126, 87, 194)
"""Violet: apart from the blocks' blue, green and grey, in light and dark schemes."""
WIDTH_SHARE = 0.45
"""The share of the day column a commitment bar takes, on the right."""


class CommitmentOverlay:
    """Draws a :class:`WeekView`'s commitments and says what they are under the mouse.

    Args:
        view: The week view it draws on (its geometry: days, hours, scroll).

    Attributes:
        source: Where commitments come from; set by the page that knows the engine.
            The default has none (the view without an engine, in tests of blocks).
    """

    def __init__(self, view: WeekView) -> None:
        self._view = view
        self.source: CommitmentSource = lambda _start, _end: ()
        self._week: date | None = None
        self._items: list[Commitment] = []
        self._fill = QBrush(FILL)
        self._border = QPen(FILL.darker(140), 1)
        self._text = QPen(QColor("#ffffff"))

    def refresh(self) -> None:
        """Read the commitments again (requests were triaged) and repaint."""
        self._week = None
        self._view.update()

    def items(self) -> list[Commitment]:
        """The shown week's commitments (read once per week shown or refresh)."""
        monday = self._view.week_start()
        if self._week != monday:
            tz = self._view.controller.tz()
            start = datetime.combine(monday, time(0), tz)
            end = datetime.combine(monday + timedelta(days=7), time(0), tz)
            self._items = sorted(self.source(start, end), key=lambda c: c.start)
            self._week = monday
        return self._items

    def rects(self) -> list[tuple[QRectF, Commitment]]:
        """Each commitment's rectangles in content coordinates (cut at midnight)."""
        tz = self._view.controller.tz()
        found: list[tuple[QRectF, Commitment]] = []
        for item in self.items():
            start = item.start.astimezone(tz).replace(tzinfo=None)
            end = item.end.astimezone(tz).replace(tzinfo=None)
            for rect, _first in self._view._span_rects(start, end):
                width = rect.width() * WIDTH_SHARE
                found.append((QRectF(rect.right() - width, rect.top(), width, rect.height()), item))
        return found

    def paint(self, p: QPainter) -> None:
        """Paint the commitments (``p`` is in content coordinates: y = 0 at midnight)."""
        pieces = self.rects()
        if not pieces:
            return
        p.save()
        font = self._view.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        fm = QFontMetricsF(font)
        for rect, item in pieces:
            p.setPen(self._border)
            p.setBrush(self._fill)
            p.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
            if rect.height() >= fm.height() + 2 and rect.width() > 16:
                text = fm.elidedText(item.title, Qt.TextElideMode.ElideRight, rect.width() - 6)
                p.setPen(self._text)
                p.drawText(
                    rect.adjusted(3, 1, -3, -1),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                    text,
                )
        p.restore()

    def tooltip_lines(self, content: QPointF) -> list[str]:
        """The whole text of the commitments under ``content`` (content coordinates)."""
        tz = self._view.controller.tz()
        lines = []
        for rect, item in self.rects():
            if rect.contains(content):
                start, end = item.start.astimezone(tz), item.end.astimezone(tz)
                lines.append(
                    f"Commitment: {item.title} — for {item.who}, "
                    f"{start:%a %H:%M}–{end:%H:%M}"
                )
        return list(dict.fromkeys(lines))
