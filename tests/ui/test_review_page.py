"""The Review page: week picker, charts with tooltips and tables, suggestions, export."""

from __future__ import annotations

import csv
import dataclasses
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QHelpEvent, QImage, QPalette
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from benchmarks.review_data import FOCUS_BLOCKS, write_history
from focus_app.core.model import Mode, Notification, Override
from focus_app.engine import ACTION_OPEN_REVIEW, Engine
from focus_app.ui.review_charts import HeatMapChart
from focus_app.ui.review_page import EMPTY_TEXT, ReviewPage
from focus_app.ui.shell import Shell
from tests.ui.ui_engine import BERLIN, clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]  # fixtures (Thursday 2026-11-26, 10:00 Berlin)

THIS_MONDAY = date(2026, 11, 23)

# The offscreen platform cannot size or raise windows; what is tested is the page itself.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
)


def at(day: date, h: int, m: int = 0) -> datetime:
    return datetime.combine(day, time(h, m), tzinfo=BERLIN)


def realistic(engine: Engine, weeks: int = 4) -> None:
    """Blocks, a month of history up to this week, and Tuesday's focus cut short weekly."""
    for block in FOCUS_BLOCKS:
        engine.add_block(block)
    first = THIS_MONDAY - timedelta(weeks=weeks - 1)
    write_history(engine.store.connection, first, weeks, BERLIN)
    store = engine.store
    for k in range(weeks):
        tue = first + timedelta(weeks=k, days=1)
        store.set_override(Override(Mode.AVAILABLE, at(tue, 10), at(tue, 12), ""))
        store.clear_override(at(tue, 11, 30))


def show_active(page: ReviewPage, qtbot: QtBot) -> None:
    """Shortcuts only reach the active window."""
    page.show()
    qtbot.waitExposed(page)
    handle = page.windowHandle()
    assert handle is not None
    handle.requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)


@pytest.fixture
def page(engine: Engine, qtbot: QtBot) -> ReviewPage:
    page = ReviewPage(engine)
    qtbot.addWidget(page)
    page.resize(1100, 1000)
    return page


def test_an_empty_week_explains_itself_and_offers_the_calendar(
    page: ReviewPage, qtbot: QtBot
) -> None:
    page.show()
    assert page.review is not None and page.review.is_empty
    assert page.empty.isVisible() and page.empty.text() == EMPTY_TEXT
    assert not page.charts_box.isVisible()
    assert not page.png_button.isEnabled() and not page.csv_button.isEnabled()
    with qtbot.waitSignal(page.page_requested) as signal:
        page.calendar_button.click()
    assert signal.args == ["calendar"]


def test_a_real_week_draws_the_charts_with_numbers_in_the_summaries(
    engine: Engine, qtbot: QtBot
) -> None:
    realistic(engine)
    page = ReviewPage(engine)
    qtbot.addWidget(page)
    page.show()
    review = page.review
    assert review is not None and not review.is_empty
    assert page.charts_box.isVisible() and not page.empty_box.isVisible()
    assert page.week_label.text() == "Week 48: 23 Nov – 29 Nov 2026"
    assert review.planned == (5 * 2.5 + 2 * 2) * 3600
    assert review.days[1].lost == 1.5 * 3600, "Tuesday's 10:00-11:30 cut by available now"
    assert "planned" in page.focus_card.summary.text()
    assert page.heat_card.summary.text().startswith(f"{review.breakthroughs} notifications ")
    assert page.who_card.summary.text().startswith(f"{len(page.who_chart.rows())} senders ")
    page.who_combo.setCurrentIndex(1)
    assert page.who_card.model.headers[0] == "Program"
    assert page.who_card.summary.text().endswith("could wait")
    assert page.summary.text().startswith("Focus kept")


def test_week_picker_moves_by_weeks_and_never_past_this_week(
    engine: Engine, page: ReviewPage, qtbot: QtBot
) -> None:
    assert page.monday == THIS_MONDAY
    assert not page.next_button.isEnabled() and not page.this_button.isEnabled()
    page.prev_button.click()
    assert page.monday == THIS_MONDAY - timedelta(weeks=1)
    assert page.next_button.isEnabled() and page.this_button.isEnabled()
    show_active(page, qtbot)
    qtbot.keyClick(page.prev_button, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert page.monday == THIS_MONDAY - timedelta(weeks=2)
    qtbot.keyClick(page.prev_button, Qt.Key.Key_Home, Qt.KeyboardModifier.AltModifier)
    assert page.monday == THIS_MONDAY


def test_every_chart_has_a_table_view_behind_a_toggle_and_ctrl_t(
    engine: Engine, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    realistic(engine, weeks=1)
    page = ReviewPage(engine)
    qtbot.addWidget(page)
    show_active(page, qtbot)
    for card in page.cards:
        qtmodeltester.check(card.model, force_py=True)
        assert card.stack.currentWidget() is card.chart
    qtbot.keyClick(page.tables_box, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert page.tables_box.isChecked()
    assert all(card.stack.currentWidget() is card.table for card in page.cards)
    focus = page.focus_card.model
    assert focus.headers[:3] == ["Day", "Planned (min)", "Kept (min)"]
    assert focus.rows[0][:2] == ("Mon 23 Nov", 150)
    assert focus.data(focus.index(0, 1)) == "150"
    heat = page.heat_card.model
    assert heat.rowCount() == 7 and heat.columnCount() == 25
    assert sum(sum(r[1:]) for r in heat.rows) == page.review.breakthroughs  # type: ignore[misc, union-attr]


def test_tooltips_give_the_numbers_under_the_pointer(engine: Engine, qtbot: QtBot) -> None:
    realistic(engine, weeks=1)
    page = ReviewPage(engine)
    qtbot.addWidget(page)
    page.resize(1100, 1000)
    page.show()
    qtbot.waitExposed(page)
    focus = page.focus_card.chart
    r = focus.rect()
    slot = (r.width() - 16 - 40) / 7
    tuesday = QPointF(8 + 40 + slot * 1.5, r.height() / 2)
    assert focus.tooltip_at(tuesday) == (
        "Tuesday 24 November: 3 h 00 of 4 h 30 planned focus kept; 1 h 30 cut short"
    ).replace("3 h 00", "3 h")
    heat = page.heat_card.chart
    hr = heat.rect()
    cw = (hr.width() - 16 - 36 - HeatMapChart.TOTAL_WIDTH) / 24
    ch = (hr.height() - 16 - heat.fontMetrics().height() - 2) / 7
    point = QPointF(8 + 36 + cw * 9.5, 8 + ch * 2.5)
    review = page.review
    assert review is not None
    count = review.heat[2][9]
    assert heat.tooltip_at(point).startswith(f"Wednesday 25 November, 09:00–10:00: {count} ")
    event = QHelpEvent(QEvent.Type.ToolTip, point.toPoint(), heat.mapToGlobal(point.toPoint()))
    QApplication.sendEvent(heat, event)
    assert QToolTip.text().startswith("Wednesday 25 November, 09:00")
    assert focus.tooltip_at(QPointF(-50, -50)) == ""


def test_charts_paint_with_the_palette_in_light_and_dark(engine: Engine, qtbot: QtBot) -> None:
    realistic(engine, weeks=1)
    page = ReviewPage(engine)
    qtbot.addWidget(page)
    page.show()
    for base in (QColor("#ffffff"), QColor("#1e1f22")):
        palette = QPalette(page.palette())
        palette.setColor(QPalette.ColorRole.Base, base)
        palette.setColor(QPalette.ColorRole.Text, QColor("#000000" if base.lightness() > 128
                                                         else "#eeeeee"))
        page.setPalette(palette)
        for card in page.cards:
            image = card.chart.grab().toImage()
            assert image.pixelColor(1, 1) == base, f"{type(card.chart).__name__} background"


def test_suggestions_apply_through_the_engine_and_dismissed_ones_stay_gone(
    engine: Engine, qtbot: QtBot
) -> None:
    realistic(engine)
    page = ReviewPage(engine)
    qtbot.addWidget(page)
    texts = [row.text.text() for row in page.suggestion_rows]
    assert any(t.startswith("Bob broke through") for t in texts), texts
    assert any(t.startswith("CI: ") and t.endswith("mute CI?") for t in texts), texts
    assert any("'Deep work' was cut short 4 of 4 weeks by 'available now'" in t
               for t in texts), texts
    bob = next(r for r in page.suggestion_rows if r.text.text().startswith("Bob"))
    bob.apply_button.click()
    assert engine.rules()[0].name == "Hold Bob"
    assert page.status.text().startswith("Done: ")
    ci = next(r for r in page.suggestion_rows if r.text.text().startswith("CI: "))
    ci.dismiss_button.click()
    assert not any(r.text.text().startswith("CI: ") for r in page.suggestion_rows)
    again = ReviewPage(engine)
    qtbot.addWidget(again)
    assert not any(r.text.text().startswith("CI: ") for r in again.suggestion_rows)
    block = next(r for r in again.suggestion_rows if "cut short" in r.text.text())
    assert block.apply_button.text() == "Open calendar"
    with qtbot.waitSignal(again.page_requested) as signal:
        block.apply_button.click()
    assert signal.args == ["calendar"]


def test_export_writes_the_page_as_png_and_every_number_as_one_tidy_csv(
    engine: Engine, qtbot: QtBot, tmp_path: Path
) -> None:
    realistic(engine, weeks=1)
    page = ReviewPage(engine)
    qtbot.addWidget(page)
    page.resize(1100, 1000)
    page.show()
    png = tmp_path / "week.png"
    page.export_png(png)
    image = QImage(str(png))
    assert image.width() >= 1000 and image.height() >= 600
    path = tmp_path / "week.csv"
    page.export_csv(path)
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert set(rows[0]) == {"week", "chart", "label", "measure", "value"}
    assert {r["chart"] for r in rows} == {
        "focus", "interruptions", "senders", "programs", "held_to_read", "requests", "budget"
    }
    heat = [r for r in rows if r["chart"] == "interruptions"]
    assert len(heat) == 168
    review = page.review
    assert review is not None
    assert sum(int(r["value"]) for r in heat) == review.breakthroughs
    with pytest.raises(OSError, match="could not write"):
        page.export_png(tmp_path / "missing" / "x.png")


def test_open_review_on_the_reminder_shows_the_review_page(
    engine: Engine, qtbot: QtBot
) -> None:
    shell = Shell(engine, state_file=None)
    try:
        engine.on_notification_action(ACTION_OPEN_REVIEW, 1)
        window = shell.window
        assert window is not None
        qtbot.addWidget(window)
        assert window.current_page() == "review"
    finally:
        if shell.window is not None:
            shell.window.quit_on_close = False


def test_a_week_from_another_year_keeps_its_own_iso_week_number(
    engine: Engine, page: ReviewPage
) -> None:
    page.show_week(date(2027, 1, 6))
    assert page.monday == date(2027, 1, 4)
    assert page.week_label.text().startswith("Week 1: 04 Jan")


def test_the_week_reads_by_day_totals_beside_the_hours_and_tables_show_all_seven_days(
    engine: Engine, qtbot: QtBot
) -> None:
    realistic(engine, weeks=1)
    page = ReviewPage(engine)
    qtbot.addWidget(page)
    page.resize(1010, 760)
    page.show()
    qtbot.waitExposed(page)
    review = page.review
    assert review is not None
    heat = page.heat_card.chart
    assert isinstance(heat, HeatMapChart)
    totals = heat.day_totals()
    assert totals == [sum(row) for row in review.heat] and sum(totals) == review.breakthroughs
    hr = heat.rect()
    ch = (hr.height() - 16 - heat.fontMetrics().height() - 2) / 7
    total_x = hr.width() - 8 - HeatMapChart.TOTAL_WIDTH / 2
    things = "breakthrough" if totals[1] == 1 else "breakthroughs"
    assert heat.tooltip_at(QPointF(total_x, 8 + ch * 1.5)) == (
        f"Tuesday 24 November: {totals[1]} {things} in all"
    )
    page.show_tables(True)
    for card in (page.focus_card, page.heat_card):
        qtbot.waitUntil(card.table.isVisible)
        assert card.table.verticalScrollBar().maximum() == 0  # Mon to Sun, no scrolling


def test_the_week_shows_requests_by_triage_outcome_and_the_budget_used_also_in_the_csv(
    engine: Engine, qtbot: QtBot, tmp_path: Path
) -> None:
    realistic(engine, weeks=1)
    page = ReviewPage(engine)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    assert page.requests_label.text().startswith(
        "Requests: 0 accepted, 0 deferred, 0 declined, 0 referred · budget: "
    )
    ids = [engine.ask(what, "Dana", timedelta(minutes=30)).id for what in "abc"]
    assert None not in ids
    engine.accept_request(ids[0] or 0)
    engine.decline_request(ids[1] or 0)
    engine.defer_request(ids[2] or 0, THIS_MONDAY + timedelta(weeks=1))
    # Triage elsewhere (the Requests page, the command line) updates the page on screen.
    budget = engine.week_budget().text()
    assert page.requests_label.text() == (
        f"Requests: 1 accepted, 1 deferred, 1 declined, 0 referred · budget: {budget}"
    )
    path = tmp_path / "week.csv"
    page.export_csv(path)
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["chart"] in ("requests", "budget")]
    counts = {r["label"]: r["value"] for r in rows if r["chart"] == "requests"}
    assert counts == {"accepted": "1", "deferred": "1", "declined": "1", "referred": "0"}
    allowed = [r for r in rows if r["label"] == "hours" and r["measure"] == "Allowed"]
    assert allowed[0]["value"] == f"{engine.settings.budget_hours:g}"
    [limit] = [r["value"] for r in rows
               if r["label"] == "breakthroughs" and r["measure"] == "Allowed"]
    assert limit == str(engine.settings.weekly_breakthroughs)
    engine.update_settings(dataclasses.replace(engine.settings, weekly_breakthroughs=0))
    page.export_csv(path)
    with path.open(encoding="utf-8") as f:
        unlimited = [r["value"] for r in csv.DictReader(f)
                     if r["label"] == "breakthroughs" and r["measure"] == "Allowed"]
    assert unlimited == [""]  # no weekly limit: empty, not "0 allowed"
    # The week before has none of them.
    page.show_week(THIS_MONDAY - timedelta(weeks=1))
    assert page.requests_label.text().startswith("Requests: 0 accepted, 0 deferred")


def test_a_batch_of_new_notifications_reloads_the_visible_week_once(
    engine: Engine, page: ReviewPage, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A flood of caught notifications arrives in batches of 64; reading the week again for
    # each one kept the window from answering.
    page.show()
    qtbot.waitExposed(page)
    reloads: list[int] = []
    real_reload = page.reload

    def counting() -> None:
        reloads.append(1)
        real_reload()

    monkeypatch.setattr(page, "reload", counting)
    now = engine.clock.now()
    engine.ingest_many([Notification(title=f"ping {i}", received_at=now) for i in range(64)])
    qtbot.waitUntil(lambda: len(reloads) >= 1, timeout=2000)
    qtbot.wait(300)
    assert len(reloads) == 1
