"""The held notifications as a Qt table model, and the proxy that sorts and filters it.

The inbox is a thin view over ``Engine.held()``: this model mirrors that list and
follows the engine's ``held_changed`` and ``decided`` signals with row inserts and
removals (not a reset), so the user's selection survives a new arrival or a release.

Notification text comes from other programs and people, so it is never interpreted:
``DisplayRole`` is plain text (item views draw it verbatim) and tooltips, which Qt would
render as rich text if they *look* like HTML, are escaped with ``convertFromPlainText``.
"""

from __future__ import annotations

import enum
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import Qt as QtGui

from focus_app.engine import Engine
from focus_app.store import HeldItem

AnyIndex = QModelIndex | QPersistentModelIndex


class HeldRole(enum.IntEnum):
    """Named data roles of :class:`HeldModel` (the same for every column)."""

    NotificationIdRole = Qt.ItemDataRole.UserRole + 1
    """The notification's id (int), what ``Engine.release`` / ``dismiss`` take."""
    SenderRole = Qt.ItemDataRole.UserRole + 2
    SourceRole = Qt.ItemDataRole.UserRole + 3
    ReceivedRole = Qt.ItemDataRole.UserRole + 4
    """The aware ``datetime`` it arrived."""
    TitleRole = Qt.ItemDataRole.UserRole + 5
    BodyRole = Qt.ItemDataRole.UserRole + 6
    ReasonRole = Qt.ItemDataRole.UserRole + 7
    ReleaseAtRole = Qt.ItemDataRole.UserRole + 8
    """When it is due out (aware ``datetime``), or ``None`` for "at the next chance"."""
    WhoRole = Qt.ItemDataRole.UserRole + 9
    """The sender, else the source: whom "always let through" is about."""
    HeldItemRole = Qt.ItemDataRole.UserRole + 10
    """The whole :class:`~focus_app.store.HeldItem`."""
    SearchTextRole = Qt.ItemDataRole.UserRole + 11
    """Sender, source, title and body in one string, what the filter box searches."""
    SortKeyRole = Qt.ItemDataRole.UserRole + 12
    """A per-column key that sorts correctly (a timestamp for Time, folded text else)."""


class Column(enum.IntEnum):
    """The table's columns, in order."""

    TIME = 0
    FROM = 1
    TITLE = 2
    REASON = 3


_HEADERS = {
    Column.TIME: "Time",
    Column.FROM: "From",
    Column.TITLE: "Title",
    Column.REASON: "Reason",
}


def one_line(text: str) -> str:
    """Fold a multi-line text into one table cell's worth (newlines become spaces)."""
    return " ".join(text.split())


def from_text(item: HeldItem) -> str:
    """The "From" column: "Alice · Mail", or whichever of sender and source is known."""
    n = item.notification
    return " · ".join(part for part in (n.sender, n.source) if part) or "unknown"


def short_reason(reason: str) -> str:
    """The gate's reason without its leading "held: ", which every row in the inbox shares."""
    return reason.removeprefix("held: ")


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally, even if it looks like HTML.

    Qt guesses whether a tooltip is rich text (``Qt::mightBeRichText``); escaping into a
    rich-text paragraph is the only way to make the guess harmless.
    """
    return QtGui.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpacePre)


def format_received(received: datetime, now: datetime, tz: tzinfo) -> str:
    """Short time of arrival: "09:41" today, "Tue 09:41" this week, else the date."""
    local = received.astimezone(tz)
    today = now.astimezone(tz).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    if 0 < (today - local.date()).days < 7:
        return f"{local:%a %H:%M}"
    return f"{local:%d %b %H:%M}"


class HeldModel(QAbstractTableModel):
    """The engine's held notifications, oldest first, one row each.

    Args:
        engine: Where the items come from; the model follows its signals.
        parent: The Qt parent.
    """

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._items: list[HeldItem] = engine.held()
        engine.held_changed.connect(self.refresh)
        engine.decided.connect(self.refresh)

    # ----------------------------------------------------------------- access

    def item(self, row: int) -> HeldItem:
        """The held item on ``row``."""
        return self._items[row]

    def items(self) -> list[HeldItem]:
        """Every held item shown, in row order."""
        return list(self._items)

    def refresh(self, *_: object) -> None:
        """Bring the rows in line with ``engine.held()`` with the smallest change.

        Rows that went away are removed and new ones inserted in place, so views keep
        their selection and scroll position; if the order changed unexpectedly the
        model resets instead.
        """
        new = self._engine.held()
        new_ids = [_id(item) for item in new]
        keep = set(new_ids)
        # Remove vanished rows, bottom-up in contiguous runs.
        row = len(self._items) - 1
        while row >= 0:
            if _id(self._items[row]) in keep:
                row -= 1
                continue
            last = row
            while row - 1 >= 0 and _id(self._items[row - 1]) not in keep:
                row -= 1
            self.beginRemoveRows(QModelIndex(), row, last)
            del self._items[row : last + 1]
            self.endRemoveRows()
            row -= 1
        remaining = [_id(item) for item in self._items]
        if remaining != [i for i in new_ids if i in set(remaining)]:
            self.beginResetModel()
            self._items = new
            self.endResetModel()
            return
        # The remaining rows are now a subsequence of ``new``: insert what is missing.
        for index, item in enumerate(new):
            if index < len(self._items) and _id(self._items[index]) == _id(item):
                if self._items[index] != item:  # e.g. a failed delivery changed its reason
                    self._items[index] = item
                    self.dataChanged.emit(self.index(index, 0), self.index(index, len(Column) - 1))
                continue
            self.beginInsertRows(QModelIndex(), index, index)
            self._items.insert(index, item)
            self.endInsertRows()

    # ----------------------------------------------------------------- Qt model API

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

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
            return _HEADERS[Column(section)]
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        for role in HeldRole:
            names[int(role)] = QByteArray(role.name.removesuffix("Role").encode())
        return names

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        n = item.notification
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.TIME:
                return format_received(n.received_at, self._engine.clock.now(), self._engine.tz)
            if column is Column.FROM:
                return from_text(item)
            if column is Column.TITLE:
                return one_line(n.title) or "(no title)"
            return one_line(short_reason(item.reason))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is Column.TIME:
                return plain_tooltip(
                    f"{n.received_at.astimezone(self._engine.tz):%A %d %B %Y, %H:%M:%S}"
                )
            if column is Column.REASON:
                return plain_tooltip(item.reason)
            return plain_tooltip(n.body or n.title)
        if role == HeldRole.NotificationIdRole:
            return n.id
        if role == HeldRole.SenderRole:
            return n.sender
        if role == HeldRole.SourceRole:
            return n.source
        if role == HeldRole.ReceivedRole:
            return n.received_at
        if role == HeldRole.TitleRole:
            return n.title
        if role == HeldRole.BodyRole:
            return n.body
        if role == HeldRole.ReasonRole:
            return item.reason
        if role == HeldRole.ReleaseAtRole:
            return item.release_at
        if role == HeldRole.WhoRole:
            return n.sender or n.source
        if role == HeldRole.HeldItemRole:
            return item
        if role == HeldRole.SearchTextRole:
            return "\n".join((n.sender, n.source, n.title, n.body))
        if role == HeldRole.SortKeyRole:
            # Ties (same sender, same title) fall back to the time of arrival.
            stamp = f"{n.received_at.timestamp():020.6f}"
            if column is Column.TIME:
                return stamp
            text = {
                Column.FROM: from_text(item),
                Column.TITLE: n.title,
                Column.REASON: item.reason,
            }[column]
            return f"{text.casefold()}\x00{stamp}"
        return None


def _id(item: HeldItem) -> int:
    assert item.notification.id is not None
    return item.notification.id


class HeldProxyModel(QSortFilterProxyModel):
    """Sorts the held items by any column and filters them with the inbox's filter box.

    The filter is a case-insensitive substring of sender, source, title or body
    (``SearchTextRole``); sorting uses ``SortKeyRole`` so time sorts as time.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(HeldRole.SortKeyRole)
        self.setFilterRole(HeldRole.SearchTextRole)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(0)

    def set_filter_text(self, text: str) -> None:
        """Show only rows whose sender, source, title or body contain ``text``."""
        self.setFilterFixedString(text.strip())
