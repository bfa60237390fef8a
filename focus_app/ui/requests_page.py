"""The Requests page: asks for your time, their triage, and the referral directory.

Two tabs. *Requests* lists them in a table over :class:`RequestsModel` (showing those
that need triage, or all), with this week's budget on top; Enter or a double-click
opens the :class:`~focus_app.ui.triage_dialog.TriageDialog`. With nothing to triage the
table gives way to a paragraph that says what requests are and offers "Add a request".
*Directory* lists the people requests can be referred to, how often they were referred
in the last 30 days, and a form to add one.

The page reloads from the engine on ``requests_changed`` (the command line, the inbox
and the tray change requests too). Dialogs are opened window-modal and non-blocking.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QGuiApplication,
    QIcon,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from focus_app.boundaries import ask_text
from focus_app.core.referrals import Contact, contact_problem, parse_topics
from focus_app.core.requests import RequestStatus
from focus_app.engine import Engine
from focus_app.store import StoreError
from focus_app.ui.icons import page_icon
from focus_app.ui.requests_model import (
    ContactColumn,
    DirectoryModel,
    RequestColumn,
    RequestsModel,
)
from focus_app.ui.triage_dialog import AddRequestDialog, TriageDialog, UrlOpener
from focus_app.ui.widgets import plain_label as _plain_label

EMPTY_TEXT = (
    "Nothing waits for triage. A request is an ask for your time: who wants what, how "
    "long it takes, by when. Triage decides in a few questions whether to accept it into "
    "your next availability window, defer it, decline it kindly, or refer it to someone "
    "who can help better, and gives you the reply to send."
)
EMPTY_DIRECTORY_TEXT = (
    "No one in the directory yet. Add the people you can point others to, so that "
    "\"no, but I know someone\" is one click in triage."
)

FILTER_OPEN = "open"
FILTER_ALL = "all"


def requests_icon(color: QColor | None = None) -> QIcon:
    """The sidebar icon (``resources/icons/pages/requests.svg``), like every page's."""
    return page_icon("requests", color)


def _table(model: RequestsModel | DirectoryModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setShowGrid(False)
    table.verticalHeader().hide()
    # Fixed row heights: the view never measures 10,000 rows.
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.horizontalHeader().setHighlightSections(False)
    return table


class RequestsPage(QWidget):
    """Requests and the referral directory, over the engine.

    Args:
        engine: The running engine.
        opener: Opens ``mailto:`` URLs from the triage dialog (tests pass a fake).
        follow: Starts following calendars (``Commands.following``): called before a
            contact's published calendar is stored, so it is read at once and refreshed
            with the person's own calendars, as ``focus-app referral add --calendar`` does.
        parent: The Qt parent.

    Attributes:
        dialog: The add or triage dialog while one is open (tests drive it).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        opener: UrlOpener | None = None,
        follow: Callable[[], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._opener = opener
        self._follow = follow
        self.dialog: AddRequestDialog | TriageDialog | None = None
        self.model = RequestsModel(engine.clock.now(), engine.tz, self)
        self.directory_model = DirectoryModel(self)

        # --- requests tab
        self.filter_combo = QComboBox()
        self.filter_combo.addItem("Needs triage", FILTER_OPEN)
        self.filter_combo.addItem("All requests", FILTER_ALL)
        self.filter_combo.setToolTip(
            "Needs triage: open requests, and deferred ones whose day has come"
        )
        self.filter_combo.currentIndexChanged.connect(self.reload)
        show_label = QLabel("&Show:")
        show_label.setBuddy(self.filter_combo)
        self.budget_label = _plain_label()
        self.budget_label.setObjectName("budget")
        self.budget_label.setWordWrap(False)
        self.add_button = QPushButton("&Add a request…")
        self.add_button.clicked.connect(lambda: self.open_add())
        self.triage_button = QPushButton("&Triage…")
        self.triage_button.setToolTip("Decide what to do with the selected request (Enter)")
        self.triage_button.clicked.connect(self.triage_selected)

        self.table = _table(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(RequestColumn.WHAT, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (RequestColumn.WHO, 150),
            (RequestColumn.ESTIMATE, 90),
            (RequestColumn.DUE, 100),
            (RequestColumn.STATUS, 170),
            (RequestColumn.BOOKED, 130),
        ):
            header.resizeSection(column, width)
        self.table.doubleClicked.connect(self._triage_index)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        enter = QAction(self.table)
        enter.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        enter.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        enter.triggered.connect(self.triage_selected)
        self.table.addAction(enter)

        self.empty_text = _plain_label(EMPTY_TEXT)
        self.empty_text.setObjectName("emptyRequests")
        self.empty_add_button = QPushButton("Add a request…")
        self.empty_add_button.clicked.connect(lambda: self.open_add())
        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.setContentsMargins(24, 24, 24, 24)
        empty_layout.addWidget(self.empty_text)
        row = QHBoxLayout()
        row.addWidget(self.empty_add_button)
        row.addStretch(1)
        empty_layout.addLayout(row)
        empty_layout.addStretch(1)
        self.empty = empty
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(empty)

        self.status_label = _plain_label()
        self.status_label.setObjectName("requestsStatus")

        requests_tab = QWidget()
        top = QHBoxLayout()
        top.addWidget(show_label)
        top.addWidget(self.filter_combo)
        top.addSpacing(16)
        top.addWidget(self.budget_label, 1)
        top.addWidget(self.triage_button)
        top.addWidget(self.add_button)
        requests_layout = QVBoxLayout(requests_tab)
        requests_layout.addLayout(top)
        requests_layout.addWidget(self.stack, 1)
        requests_layout.addWidget(self.status_label)

        # --- directory tab
        self.directory_table = _table(self.directory_model)
        dheader = self.directory_table.horizontalHeader()
        dheader.setSectionResizeMode(ContactColumn.NOTES, QHeaderView.ResizeMode.Stretch)
        for contact_column, width in (
            (ContactColumn.NAME, 150),
            (ContactColumn.CONTACT, 200),
            (ContactColumn.TOPICS, 180),
            (ContactColumn.RECENT, 130),
        ):
            dheader.resizeSection(contact_column, width)
        self.directory_table.selectionModel().selectionChanged.connect(
            self._directory_selection_changed
        )
        self.directory_empty = _plain_label(EMPTY_DIRECTORY_TEXT)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Ana")
        self.contact_edit = QLineEdit()
        self.contact_edit.setPlaceholderText("ana@example.org, @ana in chat, +49 …")
        self.topics_edit = QLineEdit()
        self.topics_edit.setPlaceholderText("design, slides")
        self.notes_edit = QLineEdit()
        self.notes_edit.setPlaceholderText("prefers chat; mornings")
        self.calendar_edit = QLineEdit()
        self.calendar_edit.setPlaceholderText(
            "optional: their published calendar, https://…/dana.ics or /path/to/file.ics"
        )
        self.calendar_edit.setToolTip(
            "A calendar the person publishes: the directory then shows when they are next "
            "available, and referring to them suggests that time instead of now"
        )
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Contact:", self.contact_edit)
        form.addRow("T&opics:", self.topics_edit)
        form.addRow("No&tes:", self.notes_edit)
        form.addRow("Ca&lendar:", self.calendar_edit)
        self.add_contact_button = QPushButton("Add to &directory")
        self.add_contact_button.clicked.connect(self.add_contact)
        self.save_contact_button = QPushButton("&Save changes")
        self.save_contact_button.setToolTip("Save the form over the selected person")
        self.save_contact_button.clicked.connect(self.save_selected_contact)
        self.save_contact_button.setEnabled(False)
        self.ask_contact_button = QPushButton("As&k for time")
        self.ask_contact_button.setToolTip(
            "Put a message asking the selected person for time on the clipboard, suggesting "
            "when their published calendar shows them free"
        )
        self.ask_contact_button.clicked.connect(self.ask_selected_contact)
        self.ask_contact_button.setEnabled(False)
        self.remove_contact_button = QPushButton("Re&move")
        self.remove_contact_button.setToolTip("Remove the selected person from the directory")
        self.remove_contact_button.clicked.connect(self.remove_selected_contact)
        self.remove_contact_button.setEnabled(False)
        self.name_edit.returnPressed.connect(self.add_contact)
        self.directory_status = _plain_label()
        self.directory_status.setObjectName("directoryStatus")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_contact_button)
        buttons.addWidget(self.save_contact_button)
        buttons.addWidget(self.ask_contact_button)
        buttons.addWidget(self.remove_contact_button)
        buttons.addStretch(1)
        directory_tab = QWidget()
        directory_layout = QVBoxLayout(directory_tab)
        directory_layout.addWidget(self.directory_empty)
        directory_layout.addWidget(self.directory_table, 1)
        directory_layout.addLayout(form)
        directory_layout.addLayout(buttons)
        directory_layout.addWidget(self.directory_status)

        self.tabs = QTabWidget()
        self.tabs.addTab(requests_tab, "&Requests")
        self.tabs.addTab(directory_tab, "D&irectory")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.tabs)

        engine.requests_changed.connect(self.reload)
        self.reload()

    # ----------------------------------------------------------------- loading

    def filter(self) -> str:
        return str(self.filter_combo.currentData())

    def set_filter(self, which: str) -> None:
        """Show the requests that need triage (``open``) or ``all``."""
        self.filter_combo.setCurrentIndex(self.filter_combo.findData(which))

    def reload(self, *_: object) -> None:
        """Read requests, the budget and the directory from the engine again."""
        engine = self._engine
        now = engine.clock.now()
        if self.filter() == FILTER_OPEN:
            today = now.astimezone(engine.tz).date()
            rows = [
                r
                for r in engine.requests((RequestStatus.OPEN, RequestStatus.DEFERRED))
                if r.is_back(today)
            ]
        else:
            rows = engine.requests()
        selected = self.selected_request_id()
        self.model.set_requests(rows, now)
        self.stack.setCurrentWidget(self.table if rows else self.empty)
        self.empty_text.setText(
            EMPTY_TEXT
            if self.filter() == FILTER_OPEN
            else EMPTY_TEXT.replace("Nothing waits for triage.", "No requests yet.")
        )
        budget = engine.week_budget(now)
        self.budget_label.setText(f"This week: {budget.text()}")
        self.budget_label.setToolTip(
            "Your weekly budget of commitments and breakthroughs (set in Settings)"
        )
        if selected is not None and (row := self.model.row_of(selected)) >= 0:
            self.table.selectRow(row)
        elif rows:
            self.table.selectRow(0)
        self._selection_changed()
        entries = engine.referrals()
        self.directory_model.set_entries(entries)
        self.directory_empty.setVisible(not entries)
        self._directory_selection_changed()

    # ----------------------------------------------------------------- requests

    def selected_request_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.model.request_at(rows[0].row()).id

    def _selection_changed(self, *_: object) -> None:
        self.triage_button.setEnabled(self.selected_request_id() is not None)

    def _triage_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_triage(self.model.request_at(index.row()).id)

    def triage_selected(self) -> None:
        self.open_triage(self.selected_request_id())

    def open_triage(self, request_id: int | None) -> TriageDialog | None:
        """Open the triage dialog for a request (non-blocking; ``self.dialog`` while open)."""
        if request_id is None:
            return None
        try:
            request = self._engine.request(request_id)
        except LookupError as exc:
            self.status_label.setText(str(exc))
            return None
        dialog = TriageDialog(self._engine, request, opener=self._opener, parent=self)
        dialog.accepted.connect(functools.partial(self._triaged, dialog))
        self._open(dialog)
        return dialog

    def _triaged(self, dialog: TriageDialog) -> None:
        decided = dialog.decided
        if decided is None:
            return
        text = f"'{decided.what}': {decided.status.value}"
        if dialog.warning:
            text += f". {dialog.warning[:1].upper()}{dialog.warning[1:]}"
        self.status_label.setText(text)

    def open_add(
        self, *, who: str = "", what: str = "", notification_id: int | None = None
    ) -> AddRequestDialog:
        """Open the "Add a request" dialog, optionally prefilled (non-blocking)."""
        dialog = AddRequestDialog(
            self._engine, who=who, what=what, notification_id=notification_id, parent=self
        )
        dialog.accepted.connect(functools.partial(self._added, dialog))
        self._open(dialog)
        return dialog

    def _added(self, dialog: AddRequestDialog) -> None:
        if dialog.added is not None:
            self.status_label.setText(f"Added '{dialog.added.what}' from {dialog.added.who}")
            if (row := self.model.row_of(dialog.added.id or -1)) >= 0:
                self.table.selectRow(row)
                self.table.setFocus()

    def _open(self, dialog: AddRequestDialog | TriageDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog = dialog

        def finished(_result: int, d: QWidget = dialog) -> None:
            if self.dialog is d:
                self.dialog = None

        dialog.finished.connect(finished)
        dialog.open()

    # ----------------------------------------------------------------- directory

    def _form_contact(self, current: Contact | None = None) -> Contact | None:
        """The person typed in the form (over ``current`` when editing), or ``None`` after
        saying in one line what is wrong."""
        name = self.name_edit.text().strip()
        contact_text = self.contact_edit.text().strip()
        topics = parse_topics(self.topics_edit.text())
        notes = self.notes_edit.text().strip()
        problem = contact_problem(name, contact_text, topics, notes)
        if problem is not None:
            self.directory_status.setText(problem[:1].upper() + problem[1:])
            return None
        calendar = self.calendar_edit.text().strip()
        if calendar:
            from focus_app.calendars.subscriptions import check_source

            try:
                calendar = check_source(calendar)
            except ValueError as exc:
                self.directory_status.setText(f"Calendar: {exc}")
                return None
        if current is None:
            return Contact(name, contact_text, topics, notes, calendar=calendar)
        return dataclasses.replace(
            current, name=name, contact=contact_text, topics=topics, notes=notes,
            calendar=calendar,
        )

    def _clear_form(self) -> None:
        for edit in (
            self.name_edit, self.contact_edit, self.topics_edit, self.notes_edit,
            self.calendar_edit,
        ):
            edit.clear()

    def add_contact(self) -> None:
        """Add the person typed in the form; a problem is said in one line."""
        contact = self._form_contact()
        if contact is None:
            return
        try:
            if contact.calendar and self._follow is not None:
                self._follow()
            self._engine.add_referral(contact)
        except (ValueError, StoreError) as exc:
            self.directory_status.setText(str(exc))
            return
        self.directory_table.clearSelection()
        self._clear_form()
        self.directory_status.setText(f"Added {contact.name} to the directory")
        self.name_edit.setFocus()

    def save_selected_contact(self) -> None:
        """Save the form over the selected person (their calendar included)."""
        current = self._selected_contact()
        if current is None:
            return
        contact = self._form_contact(current)
        if contact is None:
            return
        try:
            if contact.calendar and self._follow is not None:
                self._follow()
            self._engine.update_referral(contact)
        except (LookupError, ValueError, StoreError) as exc:
            self.directory_status.setText(str(exc).strip("'\""))
            return
        self.directory_status.setText(f"Saved {contact.name}")

    def _selected_contact(self) -> Contact | None:
        rows = self.directory_table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.directory_model.entry_at(rows[0].row()).contact

    def selected_contact_name(self) -> str | None:
        contact = self._selected_contact()
        return None if contact is None else contact.name

    def _directory_selection_changed(self, *_: object) -> None:
        contact = self._selected_contact()
        self.remove_contact_button.setEnabled(contact is not None)
        self.save_contact_button.setEnabled(contact is not None)
        self.ask_contact_button.setEnabled(contact is not None)
        if contact is None:
            return
        # The form shows the selected person, ready to edit; "Add" still adds a new one.
        self.name_edit.setText(contact.name)
        self.contact_edit.setText(contact.contact)
        self.topics_edit.setText(", ".join(contact.topics))
        self.notes_edit.setText(contact.notes)
        self.calendar_edit.setText(contact.calendar)

    def ask_selected_contact(self) -> str:
        """Put a message asking the selected person for time on the clipboard.

        It suggests their next published availability instead of "now" (issue 11,
        item 7). Returns the message ("" when nobody is selected).
        """
        rows = self.directory_table.selectionModel().selectedRows()
        if not rows:
            return ""
        entry = self.directory_model.entry_at(rows[0].row())
        engine = self._engine
        text = ask_text(
            entry.contact.name, "", entry.next_available, engine.clock.now(), engine.tz
        )
        QGuiApplication.clipboard().setText(text)
        self.directory_status.setText(f"On the clipboard: {text}")
        return text

    def remove_selected_contact(self) -> None:
        name = self.selected_contact_name()
        if name is not None and self._engine.remove_referral(name):
            self._clear_form()
            self.directory_status.setText(f"Removed {name} from the directory")


def build_requests_page(engine: Engine, opener: UrlOpener | None = None) -> RequestsPage:
    """The page for :class:`~focus_app.ui.pages.LazyPage`."""
    return RequestsPage(engine, opener=opener)


__all__ = [
    "EMPTY_TEXT",
    "FILTER_ALL",
    "FILTER_OPEN",
    "RequestsPage",
    "build_requests_page",
    "requests_icon",
]
