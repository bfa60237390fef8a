"""The History page and its model: paging, filters, plain text, the digest action."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from focus_app.clock import FakeClock
from focus_app.core.model import Decision, Mode, Notification, Outcome
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import ACTION_OPEN_INBOX, Engine
from focus_app.store import HistoryFilter
from focus_app.ui.history_model import Column, HistoryModel, HistoryRole
from focus_app.ui.history_page import EMPTY_FILTERED, EMPTY_RANGE, HistoryPage
from focus_app.ui.main_window import MainWindow
from focus_app.ui.shell import Shell
from tests.ui.ui_engine import clock, engine, hold_some, notifier

__all__ = ["clock", "engine", "notifier"]


def record(engine: Engine, clock: FakeClock, count: int, **kw: object) -> None:
    items = [
        (
            Notification(title=f"n{i}", received_at=clock.now() - timedelta(minutes=i), **kw),  # type: ignore[arg-type]
            Decision(Outcome.DELIVERED, "delivered: available"),
            Mode.AVAILABLE,
        )
        for i in range(count)
    ]
    engine.store.record_many(items)


def test_model_passes_qtmodeltester_while_fetching_pages(
    engine: Engine, clock: FakeClock, qtmodeltester: object
) -> None:
    record(engine, clock, 23, sender="Bob", source="Mail")
    model = HistoryModel(engine.store, clock.now, engine.tz, page_size=10)
    model.set_filter(HistoryFilter())
    assert model.rowCount() == 10 and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 20
    qtmodeltester.check(model)  # type: ignore[attr-defined]  # fetches the rest itself
    assert model.rowCount() == 23 and not model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    titles = [model.index(r, Column.TITLE).data() for r in range(23)]
    assert titles == [f"n{i}" for i in range(23)]  # newest first
    names = {bytes(v.data()).decode() for v in model.roleNames().values()}
    assert {"NotificationId", "Program", "Decision", "Reason", "HistoryRow"} <= names
    index = model.index(0, Column.PROGRAM)
    assert index.data() == "Mail" and index.data(HistoryRole.ProgramRole) == "Mail"


def test_markup_in_a_title_is_shown_as_text_in_the_cell_and_its_tooltip(
    engine: Engine, clock: FakeClock
) -> None:
    record(engine, clock, 1, sender="<b>Eve</b>")
    engine.store.record(
        Notification(title="<a href='x'>click</a>", body="line1\nline2", received_at=clock.now()),
        Decision(Outcome.HELD, "held: focus"), Mode.FOCUS,
    )
    model = HistoryModel(engine.store, clock.now, engine.tz)
    model.set_filter(HistoryFilter())
    cell = model.index(0, Column.TITLE)
    assert cell.data() == "<a href='x'>click</a>"
    tooltip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;a" in tooltip and "click&lt;/a&gt;" in tooltip and "line2" in tooltip
    assert model.index(1, Column.SENDER).data() == "<b>Eve</b>"


@pytest.fixture
def page(engine: Engine, qtbot: object) -> Iterator[HistoryPage]:
    widget = HistoryPage(engine)
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.resize(1000, 500)
    yield widget


def test_empty_history_explains_where_rows_come_from(page: HistoryPage) -> None:
    page.show()
    assert page.stack.currentWidget() is page.empty
    assert page.empty.text() == EMPTY_RANGE


def test_search_and_filters_narrow_the_rows_and_an_empty_result_says_so(
    engine: Engine, clock: FakeClock, page: HistoryPage, qtbot: object
) -> None:
    record(engine, clock, 3, sender="Alice", source="Mail")
    hold_some(engine, clock, 2)  # Bob, held
    page.show()
    page._range_changed()
    assert page.model.rowCount() == 5
    page.sender_box.setCurrentIndex(page.sender_box.findData("Bob"))
    page.apply_filter()
    assert page.model.rowCount() == 2
    page.decision_box.setCurrentIndex(page.decision_box.findData("delivered"))
    page.apply_filter()
    assert page.model.rowCount() == 0 and page.empty.text() == EMPTY_FILTERED
    page.sender_box.setCurrentIndex(0)
    page.decision_box.setCurrentIndex(0)
    page.search.setText("n1")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=2000)  # type: ignore[attr-defined]
    assert page.stack.currentWidget() is page.table


def test_ctrl_f_puts_the_cursor_in_the_search_box(page: HistoryPage, qtbot: object) -> None:
    page.show()
    qtbot.waitExposed(page)  # type: ignore[attr-defined]
    handle = page.windowHandle()
    assert handle is not None
    handle.requestActivate()  # shortcuts reach the active window only
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)  # type: ignore[attr-defined]
    page.table.setFocus()
    QTest.keySequence(page.table, QKeySequence(QKeySequence.StandardKey.Find))
    assert page.search.hasFocus()


def test_today_and_range_limit_what_is_shown(
    engine: Engine, clock: FakeClock, page: HistoryPage
) -> None:
    record(engine, clock, 1)
    engine.store.record(
        Notification(title="last week", received_at=clock.now() - timedelta(days=8)),
        Decision(Outcome.DELIVERED, "delivered"), Mode.AVAILABLE,
    )
    page.range_box.setCurrentIndex(page.range_box.findData("today"))
    assert page.model.rowCount() == 1
    page.range_box.setCurrentIndex(page.range_box.findData("all"))
    assert page.model.rowCount() == 2
    page.range_box.setCurrentIndex(page.range_box.findData("range"))
    assert page.from_date.isVisibleTo(page)
    day = (clock.now() - timedelta(days=8)).date()
    from PySide6.QtCore import QDate

    page.from_date.setDate(QDate(day.year, day.month, day.day))
    page.until_date.setDate(QDate(day.year, day.month, day.day))
    assert [page.model.index(r, Column.TITLE).data() for r in range(page.model.rowCount())] == [
        "last week"
    ]


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_open_inbox_on_a_digest_opens_history_with_exactly_its_items(
    engine: Engine, clock: FakeClock, notifier: MemoryNotifier, qtbot: object, tmp_path: Path
) -> None:
    shell = Shell(engine, state_file=tmp_path / "window.json")
    hold_some(engine, clock, 3)
    engine.resume_schedule()  # available: the three go out as one digest
    digest = notifier.sent[-1]
    assert "3" in digest.title
    engine.ingest(Notification(title="after the digest", received_at=clock.now()))

    engine.on_notification_action(ACTION_OPEN_INBOX, digest.result.server_id)

    window = shell.window
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.quit_on_close = False
    assert window.current_page() == "history"
    from focus_app.ui.pages import LazyPage

    lazy = window.page("history")
    assert isinstance(lazy, LazyPage)
    page = lazy.content
    assert isinstance(page, HistoryPage)
    titles = sorted(page.model.index(r, Column.TITLE).data() for r in range(page.model.rowCount()))
    assert titles == ["ping 0", "ping 1", "ping 2"]
    assert page.digest_bar.isVisibleTo(page) and "3 item(s)" in page.digest_label.text()
    page.show_all()
    assert page.model.rowCount() == 4 and not page.digest_bar.isVisibleTo(page)
