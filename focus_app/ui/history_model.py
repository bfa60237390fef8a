"""Everything the app saw, as a Qt table model that reads the store a page at a time.

The history can hold a million rows; the model never loads them all. It asks the store
for one page (``Store.history_page``, keyset-paginated, newest first) when the filter
changes and for the next page when the view scrolls near the end (``canFetchMore`` /
``fetchMore``), so opening the view and every scroll step cost one indexed query.

Notification text comes from other programs and people: ``DisplayRole`` is plain text
(item views draw it verbatim) and tooltips are escaped (``plain_tooltip``), so markup in
a title is shown, never interpreted.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QByteArray, QModelIndex, QObject, Qt, Signal

from focus_app.store import HISTORY_PAGE, HistoryFilter, HistoryRow, Store
from focus_app.ui.inbox_model import AnyIndex, format_received, one_line, plain_tooltip


class HistoryRole(enum.IntEnum):
    """Named data roles of :class:`HistoryModel` (the same for every column)."""

    NotificationIdRole = Qt.ItemDataRole.UserRole + 1
    ReceivedRole = Qt.ItemDataRole.UserRole + 2
    """The aware ``datetime`` it arrived."""
    ProgramRole = Qt.ItemDataRole.UserRole + 3
    """The program key (caught) or source (sent): what the program filter takes."""
    SenderRole = Qt.ItemDataRole.UserRole + 4
    TitleRole = Qt.ItemDataRole.UserRole + 5
    BodyRole = Qt.ItemDataRole.UserRole + 6
    DecisionRole = Qt.ItemDataRole.UserRole + 7
    """The gate's outcome (``delivered`` / ``held`` / ``muted``), ``None`` while queued."""
    StatusRole = Qt.ItemDataRole.UserRole + 8
    """Where it is now (``held``, ``released``, ``dismissed``, ...)."""
    ReasonRole = Qt.ItemDataRole.UserRole + 9
    OriginRole = Qt.ItemDataRole.UserRole + 10
    """``send`` (command line, IPC) or ``caught`` (another program)."""
    HistoryRowRole = Qt.ItemDataRole.UserRole + 11
    """The whole :class:`~focus_app.store.HistoryRow`."""


class Column(enum.IntEnum):
    """The table's columns, in order."""

    TIME = 0
    PROGRAM = 1
    SENDER = 2
    TITLE = 3
    DECISION = 4
    REASON = 5


HEADERS = {
    Column.TIME: "Time",
    Column.PROGRAM: "Program",
    Column.SENDER: "Sender",
    Column.TITLE: "Title",
    Column.DECISION: "Decision",
    Column.REASON: "Reason",
}


class HistoryModel(QAbstractTableModel):
    """The history rows matching a :class:`HistoryFilter`, fetched a page at a time.

    Args:
        store: The database to read (the engine's; reads only).
        now: Gives the current instant (the Time column says "09:41" for today).
        tz: The time zone times are shown in.

    Signals:
        loaded: The filter was applied (the first page is in); the page updates its
            empty state and count.
    """

    loaded = Signal()

    def __init__(
        self,
        store: Store,
        now: Any,
        tz: Any,
        parent: QObject | None = None,
        *,
        page_size: int = HISTORY_PAGE,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._now = now
        self._tz = tz
        self._page_size = page_size
        self._rows: list[HistoryRow] = []
        self._filter = HistoryFilter()
        self._more = False

    @property
    def filter(self) -> HistoryFilter:
        return self._filter

    def set_filter(self, where: HistoryFilter) -> None:
        """Show what ``where`` matches, from the newest (one page read now)."""
        self._filter = where
        self.reload()

    def reload(self) -> None:
        """Read the first page again (new rows, changed statuses); the scroll is lost."""
        self.beginResetModel()
        self._rows = self._store.history_page(self._filter, limit=self._page_size)
        self._more = len(self._rows) == self._page_size
        self.endResetModel()
        self.loaded.emit()

    def row_at(self, row: int) -> HistoryRow:
        return self._rows[row]

    # ----------------------------------------------------------------- Qt model

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent: AnyIndex) -> None:
        """Append the next page (one indexed query, ``page_size`` rows at most)."""
        if parent.isValid() or not self._more or not self._rows:
            return
        page = self._store.history_page(
            self._filter, after=self._rows[-1].cursor, limit=self._page_size
        )
        self._more = len(page) == self._page_size
        if not page:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(Column)
        ):
            return HEADERS[Column(section)]
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        for role in HistoryRole:
            names[int(role)] = QByteArray(role.name.removesuffix("Role").encode())
        return names

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(Column):
            return None
        row = self._rows[index.row()]
        n = row.notification
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return one_line(self._text(row, column))
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(self._tooltip(row, column))
        if role == HistoryRole.NotificationIdRole:
            return n.id
        if role == HistoryRole.ReceivedRole:
            return n.received_at
        if role == HistoryRole.ProgramRole:
            return n.program or n.source
        if role == HistoryRole.SenderRole:
            return n.sender
        if role == HistoryRole.TitleRole:
            return n.title
        if role == HistoryRole.BodyRole:
            return n.body
        if role == HistoryRole.DecisionRole:
            return row.outcome.value if row.outcome is not None else None
        if role == HistoryRole.StatusRole:
            return row.status.value
        if role == HistoryRole.ReasonRole:
            return row.reason
        if role == HistoryRole.OriginRole:
            return n.origin
        if role == HistoryRole.HistoryRowRole:
            return row
        return None

    def _text(self, row: HistoryRow, column: Column) -> str:
        n = row.notification
        if column is Column.TIME:
            now: datetime = self._now()
            return format_received(n.received_at, now, self._tz)
        if column is Column.PROGRAM:
            return row.program_label
        if column is Column.SENDER:
            return n.sender
        if column is Column.TITLE:
            return n.title
        if column is Column.DECISION:
            return row.decision_label
        return row.reason

    def _tooltip(self, row: HistoryRow, column: Column) -> str:
        n = row.notification
        if column is Column.TIME:
            return f"{n.received_at.astimezone(self._tz):%A %d %B %Y, %H:%M:%S}"
        if column is Column.TITLE:
            return f"{n.title}\n\n{n.body}" if n.body else n.title
        if column is Column.PROGRAM:
            how = "caught from" if n.origin == "caught" else "sent as"
            return f"{how} {row.program_label}" if row.program_label else how
        if column is Column.DECISION:
            lines = [row.decision_label]
            if row.status_at is not None:
                lines.append(f"{row.status.value} at {row.status_at.astimezone(self._tz):%H:%M}")
            if row.feedback is not None:
                lines.append("feedback: " + row.feedback.value.replace("_", " "))
            return "\n".join(lines)
        return self._text(row, column)


__all__ = ["HEADERS", "Column", "HistoryModel", "HistoryRole"]
