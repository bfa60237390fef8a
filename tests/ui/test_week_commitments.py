"""Accepted requests drawn in the week view as commitments, with their title on hover.

A real engine (fake clock: Thursday 2026-11-26 10:00 in Berlin, SQLite in tmp_path),
the calendar page the window builds, and the pixels the view paints.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from focus_app.core.model import Block, BlockKind, Recurrence
from focus_app.engine import Engine
from focus_app.ui.commitments_overlay import FILL
from focus_app.ui.pages import build_calendar_page
from focus_app.ui.week_page import WeekPage
from focus_app.ui.week_view import HEADER_HEIGHT, WeekView
from tests.ui.ui_engine import clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

THURSDAY = 3


@pytest.fixture
def view(engine: Engine, qtbot: QtBot) -> WeekView:
    days = Recurrence(weekdays=frozenset(range(5)))
    engine.add_block(Block(BlockKind.AVAILABLE, time(14), time(16), "Office hours",
                           recurrence=days))
    page = build_calendar_page(engine)
    assert isinstance(page, WeekPage)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitExposed(page)
    page.view.set_hour_height(40)
    page.view._scrollbar.setValue(13 * 40)  # 13:00 at the top
    return page.view


def accept(engine: Engine, what: str, minutes: int = 60) -> None:
    request = engine.ask(what, "Dana", timedelta(minutes=minutes))
    engine.accept_request(request.id or 0)


def widget_point(view: WeekView, day: int, hour: float) -> QPointF:
    """Where ``hour`` on ``day`` is, in widget coordinates, inside the commitment bar."""
    x = view._day_x(day) + view._day_width() * 0.8  # the bar is on the column's right
    y = HEADER_HEIGHT + hour * view.hour_height() - view.scroll_offset()
    return QPointF(x, y)


def color_at(view: WeekView, point: QPointF) -> QColor:
    image = view.grab().toImage()
    ratio = image.devicePixelRatio()
    return image.pixelColor(round(point.x() * ratio), round(point.y() * ratio))


def test_an_accepted_request_is_drawn_where_it_is_booked(
    view: WeekView, engine: Engine, qtbot: QtBot
) -> None:
    inside = widget_point(view, THURSDAY, 14.5)
    assert color_at(view, inside) != FILL  # nothing committed yet: the window shows
    accept(engine, "Review the deck")  # booked today 14:00-15:00
    qtbot.waitUntil(lambda: color_at(view, inside) == FILL)
    assert color_at(view, widget_point(view, THURSDAY, 15.5)) != FILL  # ends at 15:00
    assert color_at(view, widget_point(view, THURSDAY + 1, 14.5)) != FILL  # today only


def test_hovering_a_commitment_tells_its_title_who_and_when(
    view: WeekView, engine: Engine
) -> None:
    accept(engine, "Review the deck")
    text = view.tooltip_at(widget_point(view, THURSDAY, 14.25))
    assert "Commitment: Review the deck — for Dana, Thu 14:00–15:00" in text
    assert "Office hours" in text  # the window beneath is still named
    assert "Commitment" not in view.tooltip_at(widget_point(view, THURSDAY, 15.5))


def test_a_commitment_shows_only_in_its_own_week(view: WeekView, engine: Engine) -> None:
    accept(engine, "Review the deck")
    assert [c.title for c in view.commitments.items()] == ["Review the deck"]
    view.show_next_week()
    assert view.commitments.items() == []
    view.show_previous_week()
    assert len(view.commitments.rects()) == 1


def test_a_commitment_given_up_to_make_room_leaves_the_week(
    view: WeekView, engine: Engine, qtbot: QtBot
) -> None:
    accept(engine, "Review the deck")
    [first] = engine.requests()
    inside = widget_point(view, THURSDAY, 14.5)
    qtbot.waitUntil(lambda: color_at(view, inside) == FILL)
    engine.defer_request(first.id or 0, engine.clock.now().date() + timedelta(days=4))
    qtbot.waitUntil(lambda: color_at(view, inside) != FILL)
    assert view.commitments.items() == []
