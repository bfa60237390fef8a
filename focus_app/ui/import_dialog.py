"""Import an iCalendar file once, from the window, with a preview before anything is stored.

Issue 12 asks for "a preview before anything is stored (window and ``focus-app import
--dry-run``)". The dialog only builds the requests; the Calendars section runs them
through the same command layer as ``focus-app import`` (``"dry_run": true`` for the
preview), on its background worker, so both say and store exactly the same. Import
stays disabled until the preview of the file and kind on screen has been shown: what
is stored is what the person read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = "color: #c0392b;"

KIND_CHOICES = {
    "": "Skip them (only events that say their kind)",
    "focus": "Focus blocks",
    "available": "Availability windows",
    "off": "Off-time",
}
"""What events that do not say their kind become (``focus-app import --kind``)."""


def preview_lines(result: dict[str, Any]) -> list[str]:
    """The ``import`` command's answer as a person reads it, one line per fact.

    The same facts, in the same order, as ``focus-app import --dry-run`` prints: what
    would change, how many blocks of each kind and their dates, each skipped event with
    its reason, each note.
    """
    added, updated = len(result["added"]), len(result["updated"])
    removed, unchanged = len(result["removed"]), result["unchanged"]
    verb = "Would add" if result["dry_run"] else "Imported"
    lines = [
        f"{verb} {added} new block(s), update {updated}, remove {removed}; "
        f"{unchanged} already up to date."
    ]
    kinds = ", ".join(f"{count} {kind}" for kind, count in result["kinds"].items())
    if kinds:
        first, last = result["first"], result["last"]
        lines.append(f"Blocks by kind: {kinds}; from {first or 'the start'} to {last or 'no end'}.")
    if result["skipped"]:
        lines.append(f"Skipped {len(result['skipped'])} event(s):")
    # The reasons name the command line's option; the window's choice is the combo box.
    lines += [
        f"  skipped: {line.replace('with --kind', 'under Events without a kind')}"
        for line in result["skipped"]
    ]
    lines += [f"  note: {line}" for line in result["problems"]]
    return lines


class ImportDialog(QDialog):
    """Choose a file and a kind for plain events, read the preview, then import.

    Signals:
        preview_requested(dict): Preview was pressed; the ``import`` request with
            ``"dry_run": true``. Answer with :meth:`show_preview` or :meth:`show_error`.
        import_requested(dict): Import was pressed (only after a preview of the same
            file and kind); the same request without ``dry_run``.
    """

    preview_requested = Signal(dict)
    import_requested = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a calendar file")
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("/home/you/calendar.ics")
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.clicked.connect(self._browse)
        self.kind_combo = QComboBox()
        for key, text in KIND_CHOICES.items():
            self.kind_combo.addItem(text, key)
        self.kind_combo.setToolTip(
            "Events say their kind by CATEGORIES (focus, available, off), X-FOCUS-APP-KIND "
            "or their type (Google focus time, out of office); free events are skipped"
        )
        self.preview_text = QPlainTextEdit()
        self.preview_text.setReadOnly(True)
        self.preview_text.setPlaceholderText(
            "Press Preview to see what the file gives, before anything is stored."
        )
        self.preview_text.setMinimumSize(520, 180)
        self.error_label = QLabel()
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()

        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        form = QFormLayout()
        file_label = QLabel("&File:")
        file_label.setBuddy(self.path_edit)
        form.addRow(file_label, path_row)
        form.addRow("Events without a &kind:", self.kind_combo)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.preview_button = self.buttons.addButton(
            "&Preview", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.preview_button.clicked.connect(self._preview)
        self.buttons.accepted.connect(self._import)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview_text, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._previewed: dict[str, Any] | None = None
        self.path_edit.textChanged.connect(self._changed)
        self.kind_combo.currentIndexChanged.connect(self._changed)
        self._changed()

    def request(self) -> dict[str, Any]:
        """The ``import`` request the fields make (without ``dry_run``)."""
        text = self.path_edit.text().strip()
        request: dict[str, Any] = {
            "cmd": "import",
            "path": str(Path(text).expanduser().absolute()) if text else "",
        }
        kind = str(self.kind_combo.currentData())
        if kind:
            request["kind"] = kind
        return request

    def set_busy(self, busy: bool) -> None:
        """While the preview or the import runs, nothing is edited or pressed twice."""
        for widget in (self.path_edit, self.browse_button, self.kind_combo,
                       self.preview_button):
            widget.setEnabled(not busy)
        ready = self._previewed == self.request()
        self.import_button.setEnabled(not busy and ready)
        if not busy:
            self.preview_button.setEnabled(bool(self.path_edit.text().strip()))
        # Enter previews first, then imports what was previewed.
        self.import_button.setDefault(ready)
        self.preview_button.setDefault(not ready)

    def show_preview(self, result: dict[str, Any]) -> None:
        """Show the dry run's answer; Import now stores exactly this file with this kind."""
        self.error_label.hide()
        self.preview_text.setPlainText("\n".join(preview_lines(result)))
        self._previewed = self.request()
        self.set_busy(False)

    def show_error(self, text: str) -> None:
        """The command refused (unreadable file, not a calendar): one line, nothing stored."""
        self.error_label.setText(text)
        self.error_label.show()
        self.set_busy(False)

    def _preview(self) -> None:
        self.error_label.hide()
        self.set_busy(True)
        self.preview_requested.emit({**self.request(), "dry_run": True})

    def _import(self) -> None:
        if self._previewed != self.request():
            return  # a changed file or kind must be previewed first
        self.set_busy(True)
        self.import_requested.emit(self.request())

    def _changed(self, *_: object) -> None:
        if self._previewed is not None and self._previewed != self.request():
            self._previewed = None
            self.preview_text.clear()
        self.set_busy(False)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import an .ics file", str(Path.home()), "iCalendar (*.ics);;All files (*)"
        )
        if path:
            self.path_edit.setText(path)
