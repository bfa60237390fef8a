"""The settings page's Calendars section: followed calendars and CalDAV links.

Every action goes through the same command layer as ``focus-app calendar
add|list|remove|sync`` (:class:`~focus_app.commands.Commands`), so the window and the
command line check, store and report alike (a CalDAV password goes to the desktop's
Secret Service through ``calendar.add``, never to the settings file). Long work (a sync,
storing a password) comes back as ``Pending`` and runs on
:class:`~focus_app.calendars.background.BackgroundWork`: the window never waits on the
network.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from focus_app.calendars.background import BackgroundWork
from focus_app.commands import Pending
from focus_app.ui.import_dialog import ImportDialog
from focus_app.ui.widgets import plain_label as _label

if TYPE_CHECKING:
    from focus_app.commands import Commands

ERROR_STYLE = "color: #c0392b;"
HELP_STYLE = "color: palette(placeholder-text);"

KIND_FILE, KIND_URL, KIND_CALDAV = "file", "url", "caldav"
KIND_CALDAV_FOLLOW = "caldav-follow"
ADD_KINDS = {
    KIND_FILE: "An .ics file on this computer",
    KIND_URL: "A calendar's web address (https:// or webcal://)",
    KIND_CALDAV_FOLLOW: "Follow (CalDAV, read only): a calendar that needs a log-in",
    KIND_CALDAV: "A CalDAV calendar (share blocks between machines, publish availability)",
}
BUSY_LABELS = {
    "off": "Off (nothing gets through)",
    "available": "Available (notifications come through)",
    "focus": "Focus",
}
"""What a followed calendar's busy time (its meetings) becomes: the person chooses."""
CALDAV_MODES = {
    "sync": "Keep my blocks in step between my machines",
    "publish": "Publish my availability windows for colleagues",
}
EMPTY_TEXT = (
    "No calendars yet. Add an .ics file or a calendar's web address to turn its meetings "
    "into blocks, or a CalDAV calendar to share your blocks between your machines and "
    "show colleagues when to reach you."
)
VISIBLE_ROWS = 5
PROGRESS_INTERVAL_MS = 500
"""How often the section reads how far a running sync got."""
COLUMNS = ("Calendar", "Busy time / use", "Last refresh", "Result", "Next refresh")


def when_text(iso: str | None, never: str = "never") -> str:
    """A summary's instant (ISO 8601) as a person reads it: "Thu 26 Nov 10:15"."""
    if not iso:
        return never
    return datetime.fromisoformat(iso).strftime("%a %d %b %H:%M")


def name_text(summary: dict[str, Any]) -> str:
    """A listed calendar's name: its own, or "user at host" for a CalDAV link."""
    if "caldav" in summary:
        host = urlsplit(str(summary.get("source", ""))).hostname or summary.get("source")
        return f"{summary.get('user')} at {host}"
    return str(summary.get("name") or summary.get("source"))


def use_text(summary: dict[str, Any]) -> str:
    """What a calendar is for, from its ``calendar.list`` summary."""
    mode = summary.get("caldav")
    if mode is None and summary.get("user"):
        label = BUSY_LABELS.get(str(summary.get("busy_kind")), str(summary.get("busy_kind")))
        return f"CalDAV: counts as {label.split(' (', 1)[0].lower()}"
    if mode == "publish":
        return "CalDAV: publishes availability" + (
            ", focus as busy" if summary.get("focus_as_busy") else ""
        )
    if mode == "sync":
        return "CalDAV: syncs your blocks"
    label = BUSY_LABELS.get(str(summary.get("busy_kind")), str(summary.get("busy_kind")))
    return f"Counts as {label.split(' (', 1)[0].lower()}"


def result_text(summary: dict[str, Any]) -> str:
    """How the last refresh went: the error line, or what changed."""
    if summary.get("error"):
        return str(summary["error"])
    if not summary.get("checked_at"):
        return "not refreshed since the app started"
    changed = int(summary.get("changed") or 0)
    return "up to date" if changed == 0 else f"OK, {changed} changed"


class AddCalendarDialog(QDialog):
    """What to add: an .ics file, a web address, a CalDAV calendar to follow (read only),
    or a CalDAV calendar to sync with or publish to.

    Signals:
        submitted(dict): OK was pressed; the request for ``calendar.add``. The dialog
            stays open until :meth:`done_ok` (or shows :meth:`show_error`).
    """

    submitted = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a calendar")
        self.kind_combo = QComboBox()
        for key, text in ADD_KINDS.items():
            self.kind_combo.addItem(text, key)
        self.source_edit = QLineEdit()
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.clicked.connect(self._browse)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("the file name or the host")
        self.busy_combo = QComboBox()
        for key, text in BUSY_LABELS.items():
            self.busy_combo.addItem(text, key)
        self.user_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setToolTip(
            "Kept in the desktop's Secret Service (for this session only where there is "
            "none); never in the settings file"
        )
        self.mode_combo = QComboBox()
        for key, text in CALDAV_MODES.items():
            self.mode_combo.addItem(text, key)
        self.focus_busy_check = QCheckBox("Also show focus blocks as \"Busy\"")
        self.error_label = _label(style=ERROR_STYLE)
        self.error_label.hide()

        source_row = QHBoxLayout()
        source_row.addWidget(self.source_edit, 1)
        source_row.addWidget(self.browse_button)
        self.form = QFormLayout()
        self.form.addRow("&Add:", self.kind_combo)
        where = QLabel("&Where:")
        where.setBuddy(self.source_edit)  # a row of a layout gets no buddy by itself
        self.form.addRow(where, source_row)
        self.form.addRow("&Name:", self.name_edit)
        self.form.addRow("Busy time &counts as:", self.busy_combo)
        self.form.addRow("&User name:", self.user_edit)
        self.form.addRow("&Password:", self.password_edit)
        self.form.addRow("&Use:", self.mode_combo)
        self.form.addRow("", self.focus_busy_check)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.mode_combo.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def set_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))

    def request(self) -> dict[str, Any]:
        """The ``calendar.add`` request the fields make (checked by the command)."""
        source = self.source_edit.text().strip()
        if self.kind() == KIND_CALDAV_FOLLOW:
            request: dict[str, Any] = {
                "cmd": "calendar.add",
                "caldav": True,
                "mode": "follow",
                "source": source,
                "user": self.user_edit.text().strip(),
                "busy": self.busy_combo.currentData(),
            }
            if self.name_edit.text().strip():
                request["name"] = self.name_edit.text().strip()
            if self.password_edit.text():
                request["password"] = self.password_edit.text()
            return request
        if self.kind() == KIND_CALDAV:
            request = {
                "cmd": "calendar.add",
                "caldav": True,
                "source": source,
                "user": self.user_edit.text().strip(),
                "mode": self.mode_combo.currentData(),
                "focus_as_busy": self.focus_busy_check.isChecked(),
            }
            if self.password_edit.text():
                request["password"] = self.password_edit.text()
            return request
        request = {"cmd": "calendar.add", "source": source, "busy": self.busy_combo.currentData()}
        if self.name_edit.text().strip():
            request["name"] = self.name_edit.text().strip()
        return request

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        """While the command runs (a CalDAV password is being stored), nothing is edited."""
        self.ok_button.setEnabled(not busy)
        for widget in (self.kind_combo, self.source_edit, self.user_edit, self.password_edit):
            widget.setEnabled(not busy)

    def _submit(self) -> None:
        self.error_label.hide()
        self.set_busy(True)
        self.submitted.emit(self.request())

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Follow an .ics file", str(Path.home()), "iCalendar (*.ics);;All files (*)"
        )
        if path:
            self.source_edit.setText(path)

    def _kind_changed(self, *_: object) -> None:
        kind = self.kind()
        caldav = kind == KIND_CALDAV
        logs_in = kind in (KIND_CALDAV, KIND_CALDAV_FOLLOW)
        self.browse_button.setVisible(kind == KIND_FILE)
        self.source_edit.setPlaceholderText(
            {
                KIND_FILE: "/home/you/work.ics",
                KIND_URL: "https://calendar.example.com/you/basic.ics",
                KIND_CALDAV_FOLLOW: "https://dav.example.com/calendars/you/work/",
                KIND_CALDAV: "https://dav.example.com/calendars/you/focus/",
            }[kind]
        )
        self.name_edit.setPlaceholderText(
            "the calendar, the user name and the host" if kind == KIND_CALDAV_FOLLOW
            else "the file name or the host"
        )
        for widget, shown in (
            (self.name_edit, not caldav),
            (self.busy_combo, not caldav),
            (self.user_edit, logs_in),
            (self.password_edit, logs_in),
            (self.mode_combo, caldav),
            (self.focus_busy_check, caldav and self.mode_combo.currentData() == "publish"),
        ):
            self.form.setRowVisible(widget, shown)


class PasswordDialog(QDialog):
    """Give a CalDAV calendar's password again (``focus-app calendar password``).

    Without a Secret Service the password lives in memory until the app quits; after a
    restart the sync says so, and this is where the window takes it again.

    Signals:
        submitted(str): OK was pressed with a password; the dialog stays open until
            :meth:`accept` (or shows :meth:`show_error`).
    """

    submitted = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("CalDAV password")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setToolTip(
            "Kept in the desktop's Secret Service (for this session only where there is "
            "none); never in the settings file"
        )
        self.error_label = _label(style=ERROR_STYLE)
        self.error_label.hide()
        form = QFormLayout()
        form.addRow(_label(f"The password for {name}."))
        form.addRow("&Password:", self.password_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.password_edit.textChanged.connect(self._changed)
        self._changed()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self.password_edit.setEnabled(True)
        self._changed()

    def _changed(self, *_: object) -> None:
        self.ok_button.setEnabled(bool(self.password_edit.text()))

    def _submit(self) -> None:
        if not self.password_edit.text():
            return
        self.error_label.hide()
        self.password_edit.setEnabled(False)
        self.ok_button.setEnabled(False)
        self.submitted.emit(self.password_edit.text())


class CalendarsSection(QGroupBox):
    """Followed calendars and CalDAV links, with Add, Remove and Sync now.

    Args:
        commands: The app's command layer (the one the socket serves): its calendars,
            their refresh state and the CalDAV passwords are shared with the command line.
        parent: The Qt parent.

    Signals:
        dialog_opened(object): The Add or Import dialog or the Remove question was opened
            (tests answer it).
        work_finished(dict): A sync or an add that ran in the background ended; its answer.
    """

    dialog_opened = Signal(object)
    work_finished = Signal(dict)

    def __init__(self, commands: Commands, parent: QWidget | None = None) -> None:
        super().__init__("Calendars", parent)
        self.setObjectName("section.calendars")
        self._commands = commands
        self._summaries: list[dict[str, Any]] = []
        self._on_done: Callable[[dict[str, Any]], None] | None = None
        self.dialog: AddCalendarDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self.password_dialog: PasswordDialog | None = None
        self.question: QMessageBox | None = None
        self.background = BackgroundWork(self)
        self.background.finished.connect(self._work_done)
        self._pending: Pending | None = None
        # While work runs (only then): how far a CalDAV push got, twice a second.
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(PROGRESS_INTERVAL_MS)
        self._progress_timer.timeout.connect(self._show_progress)
        app = QCoreApplication.instance()
        if app is not None:  # a sync still running must not hold the quitting app
            app.aboutToQuit.connect(self.close_work)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.empty_label = _label(EMPTY_TEXT, HELP_STYLE)
        self.add_button = QPushButton("A&dd calendar…")
        self.remove_button = QPushButton("Re&move")
        self.sync_button = QPushButton("&Sync now")
        self.sync_button.setToolTip("Refresh every followed calendar and sync CalDAV now")
        self.password_button = QPushButton("Pass&word…")
        self.password_button.setToolTip(
            "Give the selected CalDAV calendar's password again (like 'focus-app calendar "
            "password')"
        )
        self.password_button.clicked.connect(self.open_password)
        self.import_button = QPushButton("&Import a file…")
        self.import_button.setToolTip(
            "Add the blocks of an .ics file once, after a preview (like 'focus-app import')"
        )
        self.import_button.clicked.connect(self.open_import)
        self.add_button.clicked.connect(self.open_add)
        self.remove_button.clicked.connect(self.ask_remove)
        self.sync_button.clicked.connect(self.sync_now)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: a sync has no count of steps to show
        self.progress.setMaximumWidth(120)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status_label = _label()

        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.sync_button,
                       self.password_button, self.import_button):
            buttons.addWidget(button)
        buttons.addWidget(self.progress)
        buttons.addWidget(self.status_label, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(
            _label(
                "Followed calendars become blocks and are refreshed on their own; a "
                "CalDAV calendar keeps your blocks in step between your machines or "
                "publishes your availability. The same as 'focus-app calendar'.",
                HELP_STYLE,
            )
        )
        layout.addWidget(self.table)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)
        self.refresh()

    # ----------------------------------------------------------------- list

    @property
    def summaries(self) -> list[dict[str, Any]]:
        """The listed calendars, as ``calendar.list`` answers them."""
        return list(self._summaries)

    def refresh(self) -> None:
        """List the calendars again (after a change here, or made elsewhere)."""
        answer = self._commands.serve({"cmd": "calendar.list"})
        assert not isinstance(answer, Pending)
        if not answer.get("ok"):
            self._show_status(str(answer.get("error")), error=True)
            return
        selected = self.selected()
        self._summaries = list(answer["result"])
        self.table.setRowCount(len(self._summaries))
        for row, summary in enumerate(self._summaries):
            result = result_text(summary)
            cells = (
                name_text(summary),
                use_text(summary),
                when_text(summary.get("checked_at")),
                result,
                when_text(summary.get("next_refresh"), "—"),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(summary.get("source", "")) if column == 0 else text)
                if column == 3 and summary.get("error"):
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(row, column, item)
            if selected is not None and _ref(summary) == _ref(selected):
                self.table.selectRow(row)
        self.table.resizeRowsToContents()
        self._fit_table()
        empty = not self._summaries
        self.table.setVisible(not empty)
        self.empty_label.setVisible(empty)
        self._update_buttons()

    def _fit_table(self) -> None:
        """As tall as its rows (up to :data:`VISIBLE_ROWS`, then it scrolls): the section
        shares the page with the rules and the settings form and takes no more room than
        it needs."""
        rows = range(min(self.table.rowCount(), VISIBLE_ROWS))
        height = sum(self.table.rowHeight(r) for r in rows) or self.table.verticalHeader(
        ).defaultSectionSize()
        self.table.setFixedHeight(
            height + self.table.horizontalHeader().height() + 2 * self.table.frameWidth()
        )

    def selected(self) -> dict[str, Any] | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self._summaries[row] if row < len(self._summaries) else None

    def select(self, name: str) -> None:
        """Select the calendar listed as ``name`` (tests, and after an add)."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.text() == name:
                self.table.selectRow(row)

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()  # refreshed in the background meanwhile: show how it went
        super().showEvent(event)

    # ----------------------------------------------------------------- actions

    def open_add(self) -> None:
        """Open the Add dialog (not modal to the event loop: syncs go on meanwhile)."""
        dialog = AddCalendarDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(lambda request: self._add(dialog, request))
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        self.dialog_opened.emit(dialog)

    def _add(self, dialog: AddCalendarDialog, request: dict[str, Any]) -> None:
        def done(answer: dict[str, Any]) -> None:
            if not answer.get("ok"):
                dialog.show_error(str(answer.get("error")))
                return
            result = answer["result"]
            dialog.accept()
            self.refresh()
            self.select(name_text(result))
            note = f" Password: {result['password']}." if result.get("password") else ""
            self._show_status(f"Added {name_text(result)}.{note}")

        self._run(request, done)

    def open_password(self) -> None:
        """Ask for the selected CalDAV calendar's password and keep it (off the GUI thread)."""
        summary = self.selected()
        if summary is None or not _logs_in(summary):
            return
        dialog = PasswordDialog(name_text(summary), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(lambda password: self._password(dialog, summary, password))
        dialog.finished.connect(lambda _r: self._password_closed(dialog))
        self.password_dialog = dialog
        dialog.open()
        self.dialog_opened.emit(dialog)

    def _password(self, dialog: PasswordDialog, summary: dict[str, Any], password: str) -> None:
        def done(answer: dict[str, Any]) -> None:
            if self.password_dialog is not dialog:
                return
            if not answer.get("ok"):
                dialog.show_error(str(answer.get("error")))
                return
            dialog.accept()
            self.refresh()
            where = answer["result"].get("password")
            note = f" Password: {where}." if where else ""
            self._show_status(f"Password given for {name_text(summary)}.{note}")

        self._run(
            {"cmd": "calendar.password", "id": _ref(summary), "password": password}, done
        )

    def _password_closed(self, dialog: PasswordDialog) -> None:
        if self.password_dialog is dialog:
            self.password_dialog = None

    def open_import(self) -> None:
        """Open the Import dialog: preview a file's blocks, then store them (issue 12)."""
        dialog = ImportDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.preview_requested.connect(lambda request: self._import(dialog, request))
        dialog.import_requested.connect(lambda request: self._import(dialog, request))
        dialog.finished.connect(lambda _r: self._import_closed(dialog))
        self.import_dialog = dialog
        dialog.open()
        self.dialog_opened.emit(dialog)

    def _import(self, dialog: ImportDialog, request: dict[str, Any]) -> None:
        dry_run = request.get("dry_run") is True

        def done(answer: dict[str, Any]) -> None:
            if self.import_dialog is not dialog:
                return  # closed meanwhile (an import still ran to its end)
            if not answer.get("ok"):
                dialog.show_error(str(answer.get("error")))
                return
            if dry_run:
                dialog.show_preview(answer["result"])
                return
            result = answer["result"]
            dialog.accept()
            self._show_status(
                f"Imported {len(result['added'])} new block(s), updated "
                f"{len(result['updated'])}, removed {len(result['removed'])}."
            )

        self._run(request, done)

    def _import_closed(self, dialog: ImportDialog) -> None:
        if self.import_dialog is dialog:
            self.import_dialog = None

    def ask_remove(self) -> None:
        """Ask before removing the selected calendar (its blocks go with it)."""
        summary = self.selected()
        if summary is None:
            return
        name = name_text(summary)
        what = (
            "The CalDAV link is removed and its password forgotten; the events on the "
            "server and your blocks stay."
            if "caldav" in summary
            else f"Its {summary.get('blocks', 0)} block(s) are removed too"
            + (" and its password forgotten." if summary.get("user") else ".")
        )
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove calendar",
            f"Stop following {name}?\n{what}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Remove")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda result: self._remove_answered(box, summary, result))
        self.question = box
        box.open()
        self.dialog_opened.emit(box)

    def _remove_answered(self, box: QMessageBox, summary: dict[str, Any], result: int) -> None:
        if self.question is box:
            self.question = None
        if result != QMessageBox.StandardButton.Yes:
            return
        answer = self._commands.serve({"cmd": "calendar.remove", "id": _ref(summary)})
        assert not isinstance(answer, Pending)
        self.refresh()
        if not answer.get("ok"):
            self._show_status(str(answer.get("error")), error=True)
            return
        self._show_status(f"Removed {name_text(summary)}.")

    def sync_now(self) -> None:
        """Refresh every calendar now, in the background; the result shows when done."""

        def done(answer: dict[str, Any]) -> None:
            self.refresh()
            if not answer.get("ok"):
                self._show_status(str(answer.get("error")), error=True)
                return
            failed = [s for s in answer["result"] if s.get("error")]
            if failed:
                first = failed[0]
                self._show_status(f"{name_text(first)}: {first['error']}", error=True)
            else:
                changed = sum(int(s.get("changed") or 0) for s in answer["result"])
                self._show_status(f"Synced; {changed} change(s).")

        self._show_status("Syncing…")
        self._run({"cmd": "calendar.sync"}, done)

    # ----------------------------------------------------------------- running

    @property
    def busy(self) -> bool:
        """A sync or an add runs in the background."""
        return self._on_done is not None

    def _run(self, request: dict[str, Any], done: Callable[[dict[str, Any]], None]) -> None:
        answer = self._commands.serve(request)
        if not isinstance(answer, Pending):
            done(answer)
            self.work_finished.emit(answer)
            return
        self._on_done = done
        self._pending = answer
        self.progress.setRange(0, 0)  # busy until the work says how much there is
        self.progress.show()
        self._update_buttons()
        self.background.run(answer)
        self._progress_timer.start()

    def _show_progress(self) -> None:
        """``Syncing… 120 of 500 events written`` (a first push to a server takes time)."""
        if self._pending is None:
            return
        step = self._pending.progress
        if step.total:
            self.progress.setRange(0, step.total)
            self.progress.setValue(step.done)
            self._show_status(f"Syncing… {step.done:,} of {step.total:,} events written")

    def _work_done(self, answer: Any) -> None:
        done, self._on_done = self._on_done, None
        self._pending = None
        self._progress_timer.stop()
        self.progress.hide()
        self._update_buttons()
        if done is not None:
            done(answer)
        self.work_finished.emit(answer)

    def _dialog_closed(self, dialog: AddCalendarDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _show_status(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(ERROR_STYLE if error else "")

    def _update_buttons(self) -> None:
        self.add_button.setEnabled(not self.busy)
        self.import_button.setEnabled(not self.busy)
        self.sync_button.setEnabled(not self.busy and bool(self._summaries))
        selected = self.selected()
        self.remove_button.setEnabled(not self.busy and selected is not None)
        self.password_button.setVisible(any(_logs_in(s) for s in self._summaries))
        self.password_button.setEnabled(
            not self.busy and selected is not None and _logs_in(selected)
        )

    def close_work(self) -> None:
        """Abandon what runs (the window goes, the app quits)."""
        self._progress_timer.stop()
        self._pending = None
        self.background.close()
        self._on_done = None


def _logs_in(summary: dict[str, Any]) -> bool:
    """A CalDAV link, or a followed CalDAV calendar: it has a password to give."""
    return "caldav" in summary or bool(summary.get("user"))


def _ref(summary: dict[str, Any]) -> int | str:
    """How commands name a listed calendar: ``3``, or ``"c3"`` for a CalDAV link."""
    return str(summary["ref"]) if "caldav" in summary else int(summary["id"])
