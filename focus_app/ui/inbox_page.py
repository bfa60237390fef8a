"""The inbox page: what was held, and what to do with it.

Everything here acts through the engine (release, dismiss, rules, feedback); the page
keeps no state of its own beyond the selection, the filter text and the grouping. Grouped
by sender or source, a tree shows one row per group over its items; acting on a group row
acts on all of its (shown) items. Notification text is
shown as plain text everywhere: a body like ``<img src=x>`` is something a person wrote,
not markup for us to render.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, QModelIndex, QObject, Qt
from PySide6.QtGui import (
    QAction,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProxyStyle,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyleOption,
    QStyleOptionHeader,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from focus_app.core.model import Rule, RuleAction, RuleMatch
from focus_app.core.rules import CompiledRules
from focus_app.engine import Engine
from focus_app.store import HeldItem, Verdict
from focus_app.ui.inbox_model import (
    Column,
    GroupBy,
    GroupedHeldModel,
    GroupRole,
    HeldModel,
    HeldProxyModel,
    HeldRole,
    format_received,
    from_text,
    short_reason,
)
from focus_app.ui.widgets import plain_label as _plain_label

EMPTY_TEXT = (
    "Nothing held. Notifications held during focus appear here until your next availability window."
)


def escape_pattern(name: str) -> str:
    """``name`` as a rule pattern that matches exactly that name.

    Rule senders and sources are shell wildcards, so a literal ``dependabot[bot]`` or
    ``what?`` must have its ``*``, ``?`` and ``[`` put in brackets.
    """
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


class SortArrowStyle(QProxyStyle):
    """The application's style, with the header's sort arrow pointing the way rows run.

    Qt draws an *up* arrow for a descending sort (``QHeaderView`` maps descending to
    ``SortUp``, a Windows habit), so "newest first" showed an arrow pointing up. Here
    the arrow points down when the rows run down from the largest (newest) value.
    """

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(
            option, QStyleOptionHeader
        ):
            flipped = QStyleOptionHeader(option)
            up = QStyleOptionHeader.SortIndicator.SortUp
            down = QStyleOptionHeader.SortIndicator.SortDown
            if option.sortIndicator == up:
                flipped.sortIndicator = down
            elif option.sortIndicator == down:
                flipped.sortIndicator = up
            option = flipped
        super().drawPrimitive(element, option, painter, widget)


_ARROW_STYLE: list[SortArrowStyle] = []


def sort_arrow_style() -> SortArrowStyle:
    """One :class:`SortArrowStyle` for every inbox header, owned by the application."""
    if not _ARROW_STYLE:
        style = SortArrowStyle()
        style.setParent(QApplication.instance())  # outlives every header that uses it
        _ARROW_STYLE.append(style)
    return _ARROW_STYLE[0]


class InboxPage(QWidget):
    """Held notifications: filter, sort, release, dismiss, let through, give feedback.

    Args:
        engine: The engine the page shows and acts on.
        parent: The Qt parent.

    Keyboard: Ctrl+F focuses the filter, Enter releases the selection, Delete dismisses
    it; in the filter box, Down or Enter moves to the table.

    "Group by" switches between the flat ``table`` and the ``tree`` over
    :class:`GroupedHeldModel`, which sits on the same filtered proxy.
    """

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self.model = HeldModel(engine, self)
        self.proxy = HeldProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.grouped = GroupedHeldModel(self.proxy, GroupBy.SENDER, self)
        self._collapsed: set[str] = set()  # groups the user folded, kept across resets
        self._tree_selection: tuple[set[str], set[int]] = (set(), set())

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by sender, app, title or text  (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.filter_edit.returnPressed.connect(self._focus_table)
        self.count_label = _plain_label()
        self.count_label.setWordWrap(False)
        self.group_combo = QComboBox()
        for text, group_by in (
            ("None", GroupBy.NONE),
            ("Sender", GroupBy.SENDER),
            ("Source", GroupBy.SOURCE),
        ):
            self.group_combo.addItem(text, group_by.value)
        self.group_combo.setToolTip("Show the held notifications grouped by sender or by app")
        self.group_combo.currentIndexChanged.connect(self._group_by_changed)
        group_label = QLabel("&Group by:")
        group_label.setBuddy(self.group_combo)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.TIME, Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(Column.TIME, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.FROM, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.REASON, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(Column.FROM, 200)
        header.resizeSection(Column.TITLE, 300)
        header.setStretchLastSection(True)  # Title, when Reason has nothing to say
        header.setStyle(sort_arrow_style())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.tree = QTreeView()
        self.tree.setModel(self.grouped)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSortingEnabled(True)
        self.tree.header().setSortIndicator(Column.TIME, Qt.SortOrder.DescendingOrder)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(False)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setUniformRowHeights(True)
        tree_header = self.tree.header()
        tree_header.setHighlightSections(False)
        tree_header.setStretchLastSection(True)
        tree_header.resizeSection(Column.TIME, 110)
        tree_header.resizeSection(Column.FROM, 200)
        tree_header.resizeSection(Column.TITLE, 300)
        tree_header.setStyle(sort_arrow_style())
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)
        self.tree.collapsed.connect(self._group_collapsed)
        self.tree.expanded.connect(self._group_expanded)
        self.grouped.modelAboutToBeReset.connect(self._remember_tree_selection)
        self.grouped.modelReset.connect(self._restore_tree)

        # The part of the reason every row shares, said once instead of on every row.
        self.reason_label = _plain_label()
        self.reason_label.setObjectName("sharedReason")
        self.reason_label.hide()

        self.empty_label = _plain_label(EMPTY_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setEnabled(False)  # drawn in the palette's quiet colour
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.empty_label)

        # Details of the current item: plain text only.
        self.detail_title = _plain_label()
        font = self.detail_title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.detail_title.setFont(font)
        self.detail_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_meta = _plain_label()
        self.detail_meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_body = QPlainTextEdit()
        self.detail_body.setReadOnly(True)
        self.detail_body.setPlaceholderText(_NOTHING_SELECTED)
        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 6, 0, 0)
        details_layout.addWidget(self.detail_title)
        details_layout.addWidget(self.detail_meta)
        details_layout.addWidget(self.detail_body, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.stack)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        self.release_button = QPushButton("&Release selected")
        self.release_button.setToolTip("Show the selected notifications now (Enter)")
        self.release_all_button = QPushButton("Release &all")
        self.release_all_button.setToolTip("Show every held notification now, as one digest")
        self.dismiss_button = QPushButton("&Dismiss")
        self.dismiss_button.setToolTip(
            "Drop the selected notifications without showing them (Delete); "
            "they stay in the history for the weekly review"
        )
        self.allow_button = QPushButton("Always let this sender &through")
        self.allow_button.setToolTip(
            "Add a rule at the top of your rules: this sender (or app, when there is no "
            "sender) gets through focus blocks from now on"
        )
        self.should_button = QPushButton("&Should have reached me")
        self.should_button.setToolTip("Note for the weekly review: holding this was wrong")
        self.wait_button = QPushButton("&Could wait")
        self.wait_button.setToolTip("Note for the weekly review: holding this was right")
        self.request_button = QPushButton("This is a re&quest…")
        self.request_button.setToolTip(
            "Someone asks for your time: record it as a request to triage (it keeps a link "
            "to this notification)"
        )
        self.request_button.clicked.connect(self.make_request)
        self.request_dialog: QWidget | None = None
        self.release_button.clicked.connect(self.release_selected)
        self.release_all_button.clicked.connect(self.release_all)
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        self.allow_button.clicked.connect(self.always_let_through)
        self.should_button.clicked.connect(lambda: self.give_feedback(Verdict.SHOULD_HAVE_REACHED))
        self.wait_button.clicked.connect(lambda: self.give_feedback(Verdict.COULD_WAIT))

        self.status_label = _plain_label()
        self.status_label.setObjectName("inboxStatus")
        # Offered after "always let through": that sender's items still waiting.
        self.release_waiting_button = QPushButton()
        self.release_waiting_button.setObjectName("releaseWaiting")
        self.release_waiting_button.hide()
        self.release_waiting_button.clicked.connect(self.release_waiting)
        self._waiting_ids: list[int] = []

        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(group_label)
        top.addWidget(self.group_combo)
        top.addWidget(self.count_label)
        actions = QHBoxLayout()
        for button in (self.release_button, self.release_all_button, self.dismiss_button):
            actions.addWidget(button)
        actions.addSpacing(16)
        actions.addWidget(self.allow_button)
        actions.addWidget(self.request_button)
        actions.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.reason_label)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)
        # Feedback sits under the actions, at the right: in one row with them the page
        # would need more than the window's width and make the window grow.
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_label, 1)
        status_row.addWidget(self.release_waiting_button)
        status_row.addSpacing(16)
        status_row.addWidget(QLabel("Was holding it right?"))
        status_row.addWidget(self.should_button)
        status_row.addWidget(self.wait_button)
        layout.addLayout(status_row)

        # Ctrl+F anywhere on the page; Enter / Delete only where the selection is.
        QShortcut(
            QKeySequence.StandardKey.Find,
            self,
            self.focus_filter,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        for keys, slot in (
            ((Qt.Key.Key_Return, Qt.Key.Key_Enter), self.release_selected),
            ((Qt.Key.Key_Delete,), self.dismiss_selected),
        ):
            for view in (self.table, self.tree):
                action = QAction(view)
                action.setShortcuts([QKeySequence(k) for k in keys])
                action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
                action.triggered.connect(slot)
                view.addAction(action)
        self.filter_edit.installEventFilter(self)

        self.model.rowsInserted.connect(self._rows_changed)
        self.model.rowsRemoved.connect(self._rows_changed)
        self.model.modelReset.connect(self._rows_changed)
        self.proxy.rowsInserted.connect(self._rows_changed)
        self.proxy.rowsRemoved.connect(self._rows_changed)
        self.proxy.modelReset.connect(self._rows_changed)
        self.proxy.layoutChanged.connect(self._rows_changed)
        self.model.dataChanged.connect(self._show_shared_reason)
        self._said_ids: set[int] | None = None  # what the inbox held when the message was said
        self.grouped.set_live(self.group_by() is not GroupBy.NONE)
        self._restore_tree()
        self._rows_changed()

    # ----------------------------------------------------------------- grouping

    def group_by(self) -> GroupBy:
        """How the page groups its rows (the "Group by" combo)."""
        return GroupBy(self.group_combo.currentData())

    def set_group_by(self, group_by: GroupBy) -> None:
        """Show the rows flat (:attr:`GroupBy.NONE`) or grouped by sender or source."""
        self.group_combo.setCurrentIndex(self.group_combo.findData(group_by.value))

    def view(self) -> QAbstractItemView:
        """The view in use: ``tree`` when grouped, else ``table``."""
        return self.table if self.group_by() is GroupBy.NONE else self.tree

    # ----------------------------------------------------------------- selection

    def selected_items(self) -> list[HeldItem]:
        """The selected held items, in the order they are shown.

        A selected group row stands for all of its items; an item selected both on its
        own and through its group counts once.
        """
        if self.group_by() is GroupBy.NONE:
            rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
            return [self.proxy.index(row, 0).data(HeldRole.HeldItemRole) for row in rows]
        indexes = sorted(
            self.tree.selectionModel().selectedRows(),
            key=lambda i: (i.parent().row(), i.row()) if i.parent().isValid() else (i.row(), -1),
        )
        items: list[HeldItem] = []
        seen: set[int | None] = set()
        for index in indexes:
            for item in self.grouped.items_at(index):
                if item.notification.id not in seen:
                    seen.add(item.notification.id)
                    items.append(item)
        return items

    def selected_ids(self) -> list[int]:
        """Ids of the selected held notifications."""
        return [item.notification.id for item in self.selected_items() if item.notification.id]

    def current_item(self) -> HeldItem | None:
        """The item the details pane shows: the current row if selected, else the first."""
        if self.group_by() is not GroupBy.NONE:
            current = self.tree.currentIndex().siblingAtColumn(0)
            if current.isValid() and self.tree.selectionModel().isSelected(current):
                return next(iter(self.grouped.items_at(current)), None)
            return next(iter(self.selected_items()), None)
        current = self.table.currentIndex()
        if current.isValid() and self.table.selectionModel().isRowSelected(current.row()):
            item: HeldItem = current.data(HeldRole.HeldItemRole)
            return item
        selected = self.selected_items()
        return selected[0] if selected else None

    # ----------------------------------------------------------------- actions

    def focus_filter(self) -> None:
        """Ctrl+F: put the cursor in the filter box with its text selected."""
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def release_selected(self) -> None:
        """Show the selected notifications now (one digest if several)."""
        ids = self.selected_ids()
        if not ids:
            self._say("Select notifications to release first.")
            return
        released = self._engine.release(ids)
        if released:
            self._say(f"Released {_count(released, 'notification')}.")
        else:
            self._say("Could not show them on the desktop; they stay held and will be retried.")

    def release_all(self) -> None:
        """Show every held notification now, as one digest."""
        if not self.model.rowCount():
            self._say("Nothing to release.")
            return
        released = self._engine.release()
        if released:
            self._say(f"Released {_count(released, 'notification')}.")
        else:
            self._say("Could not show them on the desktop; they stay held and will be retried.")

    def dismiss_selected(self) -> None:
        """Drop the selected notifications without showing them (kept in history)."""
        ids = self.selected_ids()
        if not ids:
            self._say("Select notifications to dismiss first.")
            return
        self._engine.dismiss(ids)
        self._say(f"Dismissed {_count(len(ids), 'notification')} (kept in the history).")

    def always_let_through(self) -> None:
        """Add an ``allow`` rule at the top for each selected sender (or app).

        Exact names are escaped so a sender like ``dependabot[bot]`` matches only itself.
        A sender that an identical rule already lets through gets no second rule.
        """
        items = self.selected_items()
        if not items:
            self._say("Select a notification from the sender to let through first.")
            return
        existing = {(r.match, r.action) for r in self._engine.rules()}
        added: list[str] = []
        new_rules: list[Rule] = []
        already: list[str] = []
        seen: set[RuleMatch] = set()
        for item in items:
            n = item.notification
            if n.sender:
                match, who = RuleMatch(sender=escape_pattern(n.sender)), n.sender
            elif n.source:
                match, who = RuleMatch(source=escape_pattern(n.source)), n.source
            else:
                continue
            if match in seen:
                continue
            seen.add(match)
            if (match, RuleAction.ALLOW) in existing:
                already.append(who)
                continue
            rule = Rule(match=match, action=RuleAction.ALLOW, name=f"Always let {who} through")
            self._engine.add_rule(rule, 0)
            new_rules.append(rule)
            added.append(who)
        if added:
            names = ", ".join(added)
            self._say(
                f"Added a rule at the top of your rules: {names} now get"
                f"{'s' if len(added) == 1 else ''} through focus blocks (not off-time). "
                "Edit or remove it in Settings › Rules."
            )
            self._offer_release_waiting(new_rules, names)
        elif already:
            self._say(f"{', '.join(already)}: already let through by a rule.")
        else:
            self._say("These notifications name neither a sender nor an app; no rule added.")

    def _offer_release_waiting(self, rules: list[Rule], names: str) -> None:
        """Offer to show now what the new rules would have let through.

        The rule decides what arrives from now on; what already waits was held under the
        old answer ("no rule lets Bob through"), and the person who just said "this
        sender matters" most likely wants those too, but may not want them this minute.
        """
        matcher = CompiledRules(rules)
        self._waiting_ids = [
            item.notification.id
            for item in self._engine.held()
            if item.notification.id is not None
            and matcher.first_match(item.notification) is not None
        ]
        if not self._waiting_ids:
            return
        self.release_waiting_button.setText(
            f"Release {_count(len(self._waiting_ids), 'waiting notification')} from "
            f"{names} &now"
        )
        self.release_waiting_button.setToolTip(
            "They were held before the rule existed; show them now instead of at the "
            "next availability window"
        )
        self.release_waiting_button.show()

    def release_waiting(self) -> None:
        """Show the items the last "always let through" rule would have let through."""
        ids, self._waiting_ids = self._waiting_ids, []
        self.release_waiting_button.hide()
        if not ids:
            return
        released = self._engine.release(ids)
        if released:
            self._say(f"Released {_count(released, 'notification')}.")
        else:
            self._say("Could not show them on the desktop; they stay held and will be retried.")

    def make_request(self) -> None:
        """Open "Add a request" prefilled from the current item, linked to it."""
        item = self.current_item()
        if item is None:
            return
        from focus_app.ui.triage_dialog import AddRequestDialog  # rarely used: not at start

        n = item.notification
        dialog = AddRequestDialog(
            self._engine, who=n.who, what=n.title, notification_id=n.id, parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)

        def added() -> None:
            if dialog.added is not None:
                self._say(f"Added the request '{dialog.added.what}': triage it on Requests")

        def finished(_result: int) -> None:
            self.request_dialog = None

        dialog.accepted.connect(added)
        dialog.finished.connect(finished)
        self.request_dialog = dialog
        dialog.open()

    def give_feedback(self, verdict: Verdict) -> None:
        """Store "should have reached me" / "could wait" for the selection, for the review."""
        ids = self.selected_ids()
        if not ids:
            self._say("Select notifications to give feedback on first.")
            return
        for nid in ids:
            self._engine.add_feedback(nid, verdict.value)
        reached = verdict is Verdict.SHOULD_HAVE_REACHED
        what = "should have reached you" if reached else "could wait"
        self._say(f"Noted for the weekly review: {_count(len(ids), 'notification')} {what}.")

    # ----------------------------------------------------------------- internals

    def showEvent(self, event: QShowEvent) -> None:
        self.model.set_live(True)  # catches up before the page is painted
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.model.set_live(False)  # hidden (window in the tray, another page): read nothing

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down in the filter box moves to the table, like in a mail client."""
        if (
            watched is self.filter_edit
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            self._focus_table()
            return True
        return super().eventFilter(watched, event)

    def _focus_table(self) -> None:
        if self.proxy.rowCount() == 0:
            return
        if self.group_by() is not GroupBy.NONE:
            self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
            if not self.tree.selectionModel().hasSelection():
                self.tree.setCurrentIndex(self.grouped.index(0, 0))
            return
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        self._rows_changed()

    def _held_ids(self) -> set[int]:
        return {_id for item in self.model.items() if (_id := item.notification.id) is not None}

    def _show_shared_reason(self, *_: object) -> None:
        shared = self.model.shared_reason()
        self.reason_label.setText(shared)
        self.reason_label.setToolTip(shared)
        self.reason_label.setVisible(bool(shared) and self.model.rowCount() > 0)
        hide = bool(shared) and not self.model.has_distinct_reasons()
        self.table.setColumnHidden(Column.REASON, hide)
        self.tree.setColumnHidden(Column.REASON, hide)

    def _forget_stale_message(self) -> None:
        """A message about an earlier action goes once the inbox changed from elsewhere.

        "Released 1 notification." must not stay on screen after the tray, the command
        line or a digest released six more: it would read as the state of the inbox.
        """
        if self._said_ids is None:
            return
        ids = self._held_ids()
        if ids == self._said_ids:
            return
        self._said_ids = None
        self.status_label.clear()
        self._waiting_ids = [i for i in self._waiting_ids if i in ids]
        if not self._waiting_ids:
            self.release_waiting_button.hide()

    def _rows_changed(self, *_: object) -> None:
        self._forget_stale_message()
        self._show_shared_reason()
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        if total == 0:
            self.empty_label.setText(EMPTY_TEXT)
            self.stack.setCurrentWidget(self.empty_label)
            self.count_label.setText("0 held")
        elif shown == 0:
            self.empty_label.setText(
                f"No held notification matches “{self.filter_edit.text().strip()}”."
            )
            self.stack.setCurrentWidget(self.empty_label)
            self.count_label.setText(f"0 of {total} held shown")
        else:
            self.stack.setCurrentWidget(self.view())
            self.count_label.setText(
                f"{total} held" if shown == total else f"{shown} of {total} held shown"
            )
        self.release_all_button.setEnabled(total > 0)
        self._selection_changed()

    def _selection_changed(
        self, _selected: QItemSelection | None = None, _deselected: QItemSelection | None = None
    ) -> None:
        has = self.view().selectionModel().hasSelection()
        for button in (
            self.release_button,
            self.dismiss_button,
            self.allow_button,
            self.should_button,
            self.wait_button,
        ):
            button.setEnabled(has)
        self.request_button.setEnabled(self.current_item() is not None)
        items = self.selected_items()
        whos = {(bool(i.notification.sender), i.notification.who) for i in items}
        if len(whos) > 1:
            text = "Always let these senders &through"
        elif whos and not next(iter(whos))[0]:
            text = "Always let this app &through"
        else:
            text = "Always let this sender &through"
        self.allow_button.setText(text)
        self._show_details(self.current_item())

    def _group_by_changed(self, _index: int = 0) -> None:
        group_by = self.group_by()
        source = self.table.horizontalHeader() if group_by is GroupBy.NONE else self.tree.header()
        # Both views sort the one proxy; the one coming into sight shows its order.
        source.setSortIndicator(self.proxy.sortColumn(), self.proxy.sortOrder())
        self.table.clearSelection()
        self.tree.clearSelection()
        # The groups are kept only while the tree shows them (a flood rebuilt them per
        # batch for nobody).
        self.grouped.set_live(group_by is not GroupBy.NONE)
        if group_by is not GroupBy.NONE:
            self.grouped.set_group_by(group_by)
        self._rows_changed()

    def _group_collapsed(self, index: QModelIndex) -> None:
        self._collapsed.add(index.data(GroupRole.GroupKeyRole))

    def _group_expanded(self, index: QModelIndex) -> None:
        self._collapsed.discard(index.data(GroupRole.GroupKeyRole))

    def _remember_tree_selection(self) -> None:
        keys: set[str] = set()
        ids: set[int] = set()
        for index in self.tree.selectionModel().selectedRows():
            if self.grouped.is_group(index):
                keys.add(index.data(GroupRole.GroupKeyRole))
            else:
                ids.add(index.data(HeldRole.NotificationIdRole))
        self._tree_selection = (keys, ids)

    def _restore_tree(self) -> None:
        """After the grouped model reset: span the group rows, re-expand, reselect."""
        root = QModelIndex()
        for row in range(self.grouped.rowCount()):
            self.tree.setFirstColumnSpanned(row, root, True)
            index = self.grouped.index(row, 0)
            self.tree.setExpanded(index, index.data(GroupRole.GroupKeyRole) not in self._collapsed)
        keys, ids = self._tree_selection
        self._tree_selection = (set(), set())
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        selection = self.tree.selectionModel()
        for key in keys:
            row = self.grouped.group_row(key)
            if row >= 0:
                selection.select(self.grouped.index(row, 0), flags)
        for nid in ids:
            index = self.grouped.child_index(nid)
            if index.isValid():
                selection.select(index, flags)

    def _show_details(self, item: HeldItem | None) -> None:
        # Empty labels would still take two lines: a grey band above the empty preview.
        self.detail_title.setVisible(item is not None)
        self.detail_meta.setVisible(item is not None)
        if item is None:
            self.detail_title.clear()
            self.detail_meta.clear()
            self.detail_body.clear()
            self.detail_body.setPlaceholderText(_NOTHING_SELECTED)
            return
        n = item.notification
        tz = self._engine.tz
        now = self._engine.clock.now()
        lines = [
            f"From {from_text(item)}, {n.received_at.astimezone(tz):%a %d %b %H:%M}"
            f" ({n.urgency.value} urgency{', time-sensitive' if n.time_sensitive else ''})",
            f"Held because: {short_reason(item.reason)}",
        ]
        if item.release_at is not None:
            lines.append(f"Due out: {format_received(item.release_at, now, tz)}")
        else:
            lines.append("Due out: at your next availability window")
        if item.delivery_error:
            lines.append(f"Last delivery failed: {item.delivery_error}")
        self.detail_title.setText(n.title or "(no title)")
        self.detail_meta.setText("\n".join(lines))
        self.detail_body.setPlainText(n.body)
        self.detail_body.setPlaceholderText("This notification has no text beyond its title.")

    def _say(self, text: str) -> None:
        self.status_label.setText(text)
        self._said_ids = self._held_ids()
        if self._waiting_ids:  # the offer belongs to the message before this one
            self._waiting_ids = []
            self.release_waiting_button.hide()


_NOTHING_SELECTED = "Select a notification to read it here."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
