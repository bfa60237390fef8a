"""Table models of the Requests page: the requests, and the referral directory.

Both are plain ``QAbstractTableModel`` s over lists the engine hands out, so a view with
10,000 past requests paints only the rows on screen (no widget per row). Each has named
roles for what tests and the page read back (the request itself, its id, its status).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from focus_app.boundaries import DirectoryEntry, day_text, when_text
from focus_app.core.requests import Request, RequestStatus

_Index = QModelIndex | QPersistentModelIndex


class RequestColumn(enum.IntEnum):
    WHO = 0
    WHAT = 1
    ESTIMATE = 2
    DUE = 3
    STATUS = 4
    BOOKED = 5


REQUEST_HEADERS = {
    RequestColumn.WHO: "Who",
    RequestColumn.WHAT: "What",
    RequestColumn.ESTIMATE: "Estimate",
    RequestColumn.DUE: "Due",
    RequestColumn.STATUS: "Status",
    RequestColumn.BOOKED: "Booked",
}


class RequestRole(enum.IntEnum):
    """Named roles of :class:`RequestsModel` (``Qt.UserRole + n``)."""

    REQUEST = Qt.ItemDataRole.UserRole + 1
    """The :class:`~focus_app.core.requests.Request` of the row."""
    ID = Qt.ItemDataRole.UserRole + 2
    STATUS = Qt.ItemDataRole.UserRole + 3
    """The status value (``open``, ``accepted``, ...)."""


def estimate_text(delta: timedelta) -> str:
    """``30 min``, ``1 h``, ``1 h 30 min``."""
    minutes = round(delta.total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{minutes} min"


def status_text(request: Request, now: datetime, tz: tzinfo) -> str:
    """The status in words: "Open", "Deferred to Mon 7 Dec", "Referred to Ana"."""
    status = request.status
    if status is RequestStatus.DEFERRED and request.defer_until is not None:
        if request.is_back(now.astimezone(tz).date()):
            return f"Due again (deferred to {day_text(request.defer_until)})"
        return f"Deferred to {day_text(request.defer_until)}"
    if status is RequestStatus.REFERRED and request.referral:
        return f"Referred to {request.referral}"
    return status.value.capitalize()


def booked_text(request: Request, now: datetime, tz: tzinfo) -> str:
    """``today 14:00–14:30`` / ``Tue 14:00–14:30`` for an accepted request, else empty."""
    if request.booked_start is None or request.booked_end is None:
        return ""
    end = request.booked_end.astimezone(tz)
    start = when_text(request.booked_start, now, tz)
    today = request.booked_start.astimezone(tz).date() == now.astimezone(tz).date()
    return f"{'today ' if today else ''}{start}–{end:%H:%M}"


class RequestsModel(QAbstractTableModel):
    """Requests, one row each, in the order given (the engine's: newest first).

    Args:
        now: The instant the relative texts ("today 11:30", "Tue") are computed for.
        tz: The schedule's zone.
    """

    def __init__(self, now: datetime, tz: tzinfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Request] = []
        self._now = now
        self._tz = tz

    def set_requests(self, requests: Sequence[Request], now: datetime) -> None:
        """Show ``requests`` (a reset: the page reloads after every triage)."""
        self.beginResetModel()
        self._rows = list(requests)
        self._now = now
        self.endResetModel()

    def request_at(self, row: int) -> Request:
        return self._rows[row]

    def row_of(self, request_id: int) -> int:
        """The row of the request with this id, or -1."""
        return next((i for i, r in enumerate(self._rows) if r.id == request_id), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(RequestColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        horizontal = orientation is Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(RequestColumn):
            return REQUEST_HEADERS[RequestColumn(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        request = self._rows[index.row()]
        if role == RequestRole.REQUEST:
            return request
        if role == RequestRole.ID:
            return request.id
        if role == RequestRole.STATUS:
            return request.status.value
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(request, RequestColumn(index.column()))
        return None

    def _text(self, request: Request, column: RequestColumn) -> str:
        if column is RequestColumn.WHO:
            return request.who
        if column is RequestColumn.WHAT:
            return request.what
        if column is RequestColumn.ESTIMATE:
            return estimate_text(request.estimate)
        if column is RequestColumn.DUE:
            return day_text(request.due) if request.due is not None else ""
        if column is RequestColumn.STATUS:
            return status_text(request, self._now, self._tz)
        return booked_text(request, self._now, self._tz)


class ContactColumn(enum.IntEnum):
    NAME = 0
    CONTACT = 1
    TOPICS = 2
    NOTES = 3
    RECENT = 4
    AVAILABLE = 5


CONTACT_HEADERS = {
    ContactColumn.NAME: "Name",
    ContactColumn.CONTACT: "Contact",
    ContactColumn.TOPICS: "Topics",
    ContactColumn.NOTES: "Notes",
    ContactColumn.RECENT: "Referred (30 days)",
    ContactColumn.AVAILABLE: "Availability",
}


class ContactRole(enum.IntEnum):
    """Named roles of :class:`DirectoryModel`."""

    ENTRY = Qt.ItemDataRole.UserRole + 1
    """The :class:`~focus_app.boundaries.DirectoryEntry` of the row."""
    NAME = Qt.ItemDataRole.UserRole + 2
    RECENT = Qt.ItemDataRole.UserRole + 3
    """How often they were referred in the last 30 days (an int)."""


class DirectoryModel(QAbstractTableModel):
    """The referral directory, one person per row, with recent referrals and warnings."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DirectoryEntry] = []

    def set_entries(self, entries: Sequence[DirectoryEntry]) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self.endResetModel()

    def entry_at(self, row: int) -> DirectoryEntry:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ContactColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        horizontal = orientation is Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(ContactColumn):
            return CONTACT_HEADERS[ContactColumn(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = ContactColumn(index.column())
        if role == ContactRole.ENTRY:
            return entry
        if role == ContactRole.NAME:
            return entry.contact.name
        if role == ContactRole.RECENT:
            return entry.recent
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is ContactColumn.RECENT and entry.warning:
                return entry.warning
            return self._text(entry, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column is ContactColumn.RECENT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(entry: DirectoryEntry, column: ContactColumn) -> str:
        c = entry.contact
        if column is ContactColumn.NAME:
            return c.name
        if column is ContactColumn.CONTACT:
            return c.contact
        if column is ContactColumn.TOPICS:
            return ", ".join(c.topics)
        if column is ContactColumn.NOTES:
            return c.notes.replace("\n", " ")
        if column is ContactColumn.AVAILABLE:
            return entry.availability
        return f"{entry.recent} ⚠" if entry.warning else str(entry.recent)
