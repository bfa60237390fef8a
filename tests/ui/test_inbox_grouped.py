"""The inbox grouped by sender or source: the tree model and the page's actions on groups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.core.model import Notification, Outcome, RuleAction, RuleMatch
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.store import Verdict
from focus_app.ui.inbox_model import (
    Column,
    GroupBy,
    GroupedHeldModel,
    GroupRole,
    HeldModel,
    HeldProxyModel,
    HeldRole,
)
from focus_app.ui.inbox_page import InboxPage
from tests.ui.test_inbox import RICH, churn, deep_work, held, page, rows, send
from tests.ui.ui_engine import START, clock, engine, notifier

__all__ = ["clock", "deep_work", "engine", "held", "notifier", "page"]  # fixtures by name

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

SEL = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows


def groups(model: GroupedHeldModel) -> dict[str, list[str]]:
    """Group label -> child titles, in row order."""
    out: dict[str, list[str]] = {}
    for row in range(model.rowCount()):
        group = model.index(row, 0)
        out[group.data()] = [
            model.index(child, Column.TITLE, group).data() for child in range(model.rowCount(group))
        ]
    return out


def select_group(page: InboxPage, key: str) -> None:
    selection = page.tree.selectionModel()
    selection.clearSelection()
    index = page.grouped.index(page.grouped.group_row(key), 0)
    selection.select(index, SEL)
    selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)


def select_child(page: InboxPage, *titles: str) -> None:
    selection = page.tree.selectionModel()
    selection.clearSelection()
    model = page.grouped
    for row in range(model.rowCount()):
        group = model.index(row, 0)
        for child in range(model.rowCount(group)):
            index = model.index(child, 0, group)
            if index.siblingAtColumn(Column.TITLE).data() in titles:
                selection.select(index, SEL)
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)


def test_grouped_model_passes_the_model_tester_while_items_arrive_and_leave(
    engine: Engine, clock: FakeClock, held: dict[str, int], qtmodeltester: ModelTester
) -> None:
    model = HeldModel(engine)
    proxy = HeldProxyModel()
    proxy.setSourceModel(model)
    proxy.sort(Column.TIME, Qt.SortOrder.DescendingOrder)
    grouped = GroupedHeldModel(proxy, GroupBy.SENDER)
    qtmodeltester.check(grouped, force_py=True)
    churn(engine, clock, held)
    grouped.set_group_by(GroupBy.SOURCE)
    proxy.set_filter_text("one")
    proxy.sort(Column.TITLE)
    assert groups(grouped) == {"(no app) (2)": ["late one", "later one"]}


def test_grouped_by_sender_one_row_per_sender_with_counts_newest_group_first(
    held: dict[str, int], page: InboxPage
) -> None:
    page.set_group_by(GroupBy.SENDER)
    assert page.stack.currentWidget() is page.tree
    # Alice's latest came last; a notification without a sender goes with its app.
    assert groups(page.grouped) == {
        "Alice (2)": ["Re: Lunch?", "Lunch?"],
        "Bob (1)": ["Quarterly numbers"],
        "GitLab (1)": ["Build #512 failed"],
    }
    alice = page.grouped.index(0, 0)
    assert alice.data(GroupRole.IsGroupRole) is True
    assert alice.data(GroupRole.GroupKeyRole) == "Alice"
    assert alice.data(GroupRole.GroupCountRole) == 2
    assert alice.data(GroupRole.LatestRole) == START + timedelta(minutes=4)
    assert page.tree.isFirstColumnSpanned(0, QModelIndex())
    assert page.tree.isExpanded(alice)
    child = page.grouped.index(1, Column.FROM, alice)
    assert child.data() == "Alice · Signal"
    assert child.data(GroupRole.IsGroupRole) is False
    assert child.data(HeldRole.NotificationIdRole) == held["alice"]
    assert page.grouped.index(0, Column.TIME, alice).data() == "10:04"
    assert page.count_label.text() == "4 held"


def test_grouped_by_source(held: dict[str, int], page: InboxPage) -> None:
    page.set_group_by(GroupBy.SOURCE)
    assert groups(page.grouped) == {
        "Signal (2)": ["Re: Lunch?", "Lunch?"],
        "Mail (1)": ["Quarterly numbers"],
        "GitLab (1)": ["Build #512 failed"],
    }


def test_releasing_a_group_releases_all_its_items(
    engine: Engine,
    held: dict[str, int],
    page: InboxPage,
    notifier: MemoryNotifier,
    qtbot: QtBot,
) -> None:
    page.set_group_by(GroupBy.SENDER)
    select_group(page, "Alice")
    assert [i.notification.title for i in page.selected_items()] == ["Re: Lunch?", "Lunch?"]
    page.tree.setFocus()
    qtbot.keyClick(page.tree, Qt.Key.Key_Return)
    assert engine.held_count() == 2
    assert len(notifier.sent) == 1  # one digest for the two
    assert "2" in notifier.sent[0].title
    assert engine.store.notification_status(held["alice"]) != "held"
    assert engine.store.notification_status(held["alice2"]) != "held"
    assert list(groups(page.grouped)) == ["Bob (1)", "GitLab (1)"]
    assert page.status_label.text() == "Released 2 notifications."


def test_release_a_selected_child_row_and_the_selection_of_others_survives(
    engine: Engine, clock: FakeClock, held: dict[str, int], page: InboxPage
) -> None:
    page.set_group_by(GroupBy.SENDER)
    select_child(page, "Lunch?")
    page.release_button.click()
    assert engine.held_count() == 3
    assert groups(page.grouped)["Alice (1)"] == ["Re: Lunch?"]
    select_child(page, "Quarterly numbers")
    send(engine, clock, "new", "Dora")  # a reset underneath keeps what was selected
    assert [i.notification.title for i in page.selected_items()] == ["Quarterly numbers"]
    assert page.detail_title.text() == "Quarterly numbers"


def test_dismiss_and_feedback_on_a_group_cover_all_its_items(
    engine: Engine, held: dict[str, int], page: InboxPage, notifier: MemoryNotifier
) -> None:
    page.set_group_by(GroupBy.SENDER)
    select_group(page, "Alice")
    page.should_button.click()
    history = engine.store.history(START - timedelta(hours=1), START + timedelta(hours=1))
    feedback = {e.notification.id: e.feedback for e in history}
    assert feedback[held["alice"]] is Verdict.SHOULD_HAVE_REACHED
    assert feedback[held["alice2"]] is Verdict.SHOULD_HAVE_REACHED
    assert feedback[held["bob"]] is None
    select_group(page, "Alice")
    page.dismiss_button.click()
    assert notifier.sent == []
    assert engine.store.notification_status(held["alice"]) == "dismissed"
    assert engine.store.notification_status(held["alice2"]) == "dismissed"
    assert engine.held_count() == 2


def test_always_let_through_on_a_group_adds_one_rule(
    engine: Engine, clock: FakeClock, held: dict[str, int], page: InboxPage
) -> None:
    page.set_group_by(GroupBy.SENDER)
    select_group(page, "Alice")
    assert page.allow_button.text() == "Always let this sender &through"
    page.allow_button.click()
    assert [r.match for r in engine.rules()] == [RuleMatch(sender="Alice")]
    assert engine.rules()[0].action is RuleAction.ALLOW
    result = engine.ingest(Notification(title="again", sender="Alice", received_at=clock.now()))
    assert result.decision.outcome is Outcome.DELIVERED


def test_filter_narrows_the_groups_and_their_counts(
    held: dict[str, int], page: InboxPage, qtbot: QtBot
) -> None:
    page.set_group_by(GroupBy.SENDER)
    qtbot.keyClicks(page.filter_edit, "lunch")
    assert groups(page.grouped) == {"Alice (2)": ["Re: Lunch?", "Lunch?"]}
    page.filter_edit.setText("sushi")
    assert groups(page.grouped) == {"Alice (1)": ["Re: Lunch?"]}
    assert page.count_label.text() == "1 of 4 held shown"
    page.filter_edit.setText("nobody")
    assert page.grouped.rowCount() == 0
    assert page.stack.currentWidget() is page.empty_label


def test_switching_back_to_none_shows_the_flat_table_as_before(
    held: dict[str, int], page: InboxPage
) -> None:
    before = rows(page)
    page.set_group_by(GroupBy.SENDER)
    page.tree.sortByColumn(Column.TITLE, Qt.SortOrder.AscendingOrder)
    assert groups(page.grouped)["Alice (2)"] == ["Lunch?", "Re: Lunch?"]
    page.tree.sortByColumn(Column.TIME, Qt.SortOrder.DescendingOrder)
    page.group_combo.setCurrentIndex(page.group_combo.findText("None"))
    assert page.group_by() is GroupBy.NONE
    assert page.stack.currentWidget() is page.table
    assert rows(page) == before
    assert page.view() is page.table


def test_collapsed_groups_stay_collapsed_when_items_arrive(
    engine: Engine, clock: FakeClock, held: dict[str, int], page: InboxPage
) -> None:
    page.set_group_by(GroupBy.SENDER)
    page.tree.collapse(page.grouped.index(page.grouped.group_row("Bob"), 0))
    send(engine, clock, "more", "Alice")
    assert not page.tree.isExpanded(page.grouped.index(page.grouped.group_row("Bob"), 0))
    assert page.tree.isExpanded(page.grouped.index(page.grouped.group_row("Alice"), 0))


def test_group_labels_and_tooltips_are_plain_text(
    engine: Engine, clock: FakeClock, page: InboxPage
) -> None:
    send(engine, clock, "x", "<i>Eve</i>", source="Chat", body=RICH)
    page.set_group_by(GroupBy.SENDER)
    group = page.grouped.index(0, 0)
    assert group.data() == "<i>Eve</i> (1)"
    tooltip = group.data(Qt.ItemDataRole.ToolTipRole)
    document = QTextDocument()
    document.setHtml(tooltip)
    assert document.toPlainText() == "1 held from <i>Eve</i>"
    select_group(page, "<i>Eve</i>")
    assert page.detail_body.toPlainText() == RICH


def test_the_groups_are_kept_only_while_grouping_is_shown_and_rebuilt_when_chosen(
    held: dict[str, int], page: InboxPage, engine: Engine, clock: FakeClock
) -> None:
    # A flood rebuilt every group per batch while the flat table was in use.
    page.set_group_by(GroupBy.NONE)
    assert page.grouped.rowCount() == 0
    send(engine, clock, "While flat", "Carol")
    assert page.grouped.rowCount() == 0
    page.set_group_by(GroupBy.SENDER)
    assert groups(page.grouped)["Carol (1)"] == ["While flat"]
    assert page.count_label.text() == "5 held"
