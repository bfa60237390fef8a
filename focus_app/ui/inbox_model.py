"""The held notifications as a Qt table model (which sorts itself), the proxy that
filters it, and the tree model that groups the proxy's rows by sender or source.

The inbox is a thin view over ``Engine.held()``: this model mirrors that list and
follows the engine's ``held_changed`` and ``decided`` signals with row inserts and
removals (not a reset), so the user's selection survives a new arrival or a release.

Notification text comes from other programs and people, so it is never interpreted:
``DisplayRole`` is plain text (item views draw it verbatim) and tooltips, which Qt would
render as rich text if they *look* like HTML, are escaped with ``convertFromPlainText``.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
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
    """A per-column key that sorts correctly (microseconds since the epoch for Time,
    folded text else)."""


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


_WHO = "\x00"
"""Stands for the row's own sender (or app) in a reason clause, so "no rule lets Bob
through" and "no rule lets Alice through" count as one shared clause."""


def reason_clauses(item: HeldItem) -> list[str]:
    """The parts of ``item``'s reason (split at "; "), its own sender put as :data:`_WHO`."""
    n = item.notification
    who = n.sender or n.source
    clauses = []
    for clause in short_reason(item.reason).split("; "):
        if who and clause.startswith(f"{who} "):
            clause = _WHO + clause[len(who) :]
        elif who and clause == f"no rule lets {who} through":
            clause = f"no rule lets {_WHO} through"
        clauses.append(clause)
    return clauses


def shared_clauses(items: Iterable[HeldItem]) -> tuple[str, ...]:
    """The reason clauses every one of ``items`` has (none for fewer than two items).

    The inbox shows them once above the list, and in each row only what is left: most
    of the time every held item waits for the same focus block, and a column repeating
    it on every row hides the part that differs.
    """
    lists = [reason_clauses(item) for item in items]
    if len(lists) < 2:
        return ()
    rest = [set(clauses) for clauses in lists[1:]]
    return tuple(c for c in dict.fromkeys(lists[0]) if all(c in s for s in rest))


def shared_reason_text(shared: Sequence[str]) -> str:
    """The shared clauses in words ("" when none): the line above the inbox's list."""
    if not shared:
        return ""
    return "All held: " + "; ".join(c.replace(_WHO, "the sender") for c in shared)


def distinct_reason(item: HeldItem, shared: Sequence[str]) -> str:
    """What is left of ``item``'s reason once the ``shared`` clauses are said above."""
    n = item.notification
    who = n.sender or n.source
    return "; ".join(c.replace(_WHO, who) for c in reason_clauses(item) if c not in shared)


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
    """The engine's held notifications, one row each: oldest first until :meth:`sort`
    orders them (the inbox sorts newest first).

    Args:
        engine: Where the items come from; the model follows its signals.
        parent: The Qt parent.
    """

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._items: list[HeldItem] = engine.held()
        self._max_id = max((_id(item) for item in self._items), default=0)
        self._shared: tuple[str, ...] = shared_clauses(self._items)
        self._distinct: bool | None = None  # has_distinct_reasons, None = not known
        # ``decided`` comes once per notification, ``held_changed`` once per batch: each
        # refresh reads every held item, so a batch's decisions share one refresh, in the
        # next turn of the event loop unless the batch's ``held_changed`` comes first.
        self._refresh_soon = QTimer(self)
        self._refresh_soon.setSingleShot(True)
        self._refresh_soon.setInterval(0)
        self._refresh_soon.timeout.connect(self.refresh)
        self._live = True
        self._stale = False
        self._sort_keys: dict[tuple[int, int], int | str] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None  # None: as the engine lists them
        engine.held_changed.connect(self.refresh)
        engine.decided.connect(self._decided)

    # ----------------------------------------------------------------- access

    def item(self, row: int) -> HeldItem:
        """The held item on ``row``."""
        return self._items[row]

    def items(self) -> list[HeldItem]:
        """Every held item shown, in row order."""
        return list(self._items)

    def shared_reason(self) -> str:
        """The part of the reason every held item shares, in words ("" when none).

        The Reason column leaves it out: it shows only what differs per row.
        """
        return shared_reason_text(self._shared)

    def has_distinct_reasons(self) -> bool:
        """Whether any row has a reason beyond the shared part (else the column is empty).

        Kept up to date as rows come and go (asked after every change; parsing 10,000
        reasons each time slowed a flood on screen).
        """
        if self._distinct is None:
            self._distinct = any(distinct_reason(item, self._shared) for item in self._items)
        return self._distinct

    def set_live(self, live: bool) -> None:
        """Follow the engine (``True``) or only note that it changed (``False``).

        The page sets this from its visibility: a hidden inbox reads nothing while a
        flood arrives, and catches up in one refresh when it is shown again.
        """
        self._live = live
        if live and self._stale:
            # Anything may have changed while hidden (a reason rewritten by a block edit
            # keeps its length): compare every row, not only what is new.
            self._stale = False
            self._refresh_rows()
            self._after_full_refresh()

    def _decided(self, *_: object) -> None:
        if not self._live:
            self._stale = True
        elif not self._refresh_soon.isActive():
            self._refresh_soon.start()

    def refresh(self, *_: object) -> None:
        """Bring the rows in line with ``engine.held()`` with the smallest change.

        Rows that went away are removed and new ones inserted in place, so views keep
        their selection and scroll position; if the order changed unexpectedly the
        model resets instead. When the shared part of the reasons changes, the whole
        Reason column says so (``dataChanged``).
        """
        self._refresh_soon.stop()
        if not self._live:
            self._stale = True
            return
        self._stale = False
        if self._appended_only():
            return
        self._refresh_rows()
        self._after_full_refresh()

    def _after_full_refresh(self) -> None:
        self._max_id = max((_id(item) for item in self._items), default=0)
        self._distinct = None
        shared = shared_clauses(self._items)
        if shared != self._shared:
            self._shared = shared
            if self._items:
                self.dataChanged.emit(
                    self.index(0, Column.REASON), self.index(len(self._items) - 1, Column.REASON)
                )

    def _appended_only(self) -> bool:
        """Add what was held since the last refresh, if that is all that changed.

        During a flood every batch of decisions would otherwise read every held item
        again (~200 ms at 10,000 held, and growing): the window would stop answering.
        Only items stored after the newest row are read; when the rows plus those make
        the engine's held count, and they sort after the last row, nothing else can have
        changed and they are appended; the rows already shown are checked against the
        store by a fingerprint (count, ids, reason lengths) in one indexed query. Anything
        else (a release, a failed delivery put back, a changed reason, fewer than two
        rows) is left to the full refresh, which compares every row.

        Returns:
            Whether the rows are now up to date (``False``: do the full refresh).
        """
        count = self._engine.held_count()
        if len(self._items) < 2 or count <= len(self._items):
            return False
        mine = (
            len(self._items),
            sum(_id(item) for item in self._items),
            sum(len(item.reason) for item in self._items),
        )
        if self._engine.held_fingerprint(self._max_id) != mine:
            return False  # something of what is shown changed too
        added = self._engine.held(after_id=self._max_id)
        if len(self._items) + len(added) != count:
            return False
        if self._sort is None:
            last = self._items[-1]
            key = (last.notification.received_at, _id(last))
            if any((a.notification.received_at, _id(a)) < key for a in added):
                return False
        # Adding items can only shrink what every item shares (the old rows shared it).
        shared = shared_clauses([self._items[0], *added])
        shared = tuple(c for c in self._shared if c in shared)
        if shared != self._shared:
            self._distinct = None
        elif self._distinct is not None and not self._distinct:
            self._distinct = any(distinct_reason(a, shared) for a in added)
        if self._sort is None:
            start = len(self._items)
            self.beginInsertRows(QModelIndex(), start, start + len(added) - 1)
            self._items.extend(added)
            self.endInsertRows()
        else:
            self._insert_sorted(added)
        self._max_id = max(self._max_id, *(_id(a) for a in added))
        if shared != self._shared:
            self._shared = shared
            self.dataChanged.emit(
                self.index(0, Column.REASON), self.index(len(self._items) - 1, Column.REASON)
            )
        return True

    def _refresh_rows(self) -> None:
        self._sort_keys.clear()
        new = self._sorted(self._engine.held())
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
        still_here = set(remaining)  # built once: inside the comprehension it is O(n²)
        if remaining != [i for i in new_ids if i in still_here]:
            self.beginResetModel()
            self._items = new
            self.endResetModel()
            return
        # The remaining rows are now a subsequence of ``new``: insert what is missing, each
        # run of new rows at once (a batch is one insertion, so views and the grouped
        # model rebuild once per batch, not once per row).
        index = 0
        while index < len(new):
            item = new[index]
            if index < len(self._items) and _id(self._items[index]) == _id(item):
                if self._items[index] != item:  # e.g. a failed delivery changed its reason
                    self._items[index] = item
                    self.dataChanged.emit(self.index(index, 0), self.index(index, len(Column) - 1))
                index += 1
                continue
            end = index + 1
            while end < len(new) and _id(new[end]) not in still_here:
                end += 1
            self.beginInsertRows(QModelIndex(), index, end - 1)
            self._items[index:index] = new[index:end]
            self.endInsertRows()
            index = end

    # ----------------------------------------------------------------- sorting

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column`` (a negative column: as the engine lists them).

        Sorting here, with Python's sort over keys made once per item, and not in the
        proxy: the proxy compares through ``data()`` two calls at a time, ~180,000 calls
        (over a second) when the inbox is shown after a flood of 10,000. Rows that
        arrive later are inserted where the order puts them.
        """
        wanted = None if column < 0 else (int(column), Qt.SortOrder(order))
        if wanted == self._sort and wanted is not None:
            return
        self._sort = wanted
        self.layoutAboutToBeChanged.emit()
        old_rows = {_id(item): row for row, item in enumerate(self._items)}
        # Keys end with the id, so the order the rows are in now does not matter.
        self._items = self._sorted(self._items) if wanted else self._engine_order(self._items)
        new_rows = {_id(item): row for row, item in enumerate(self._items)}
        # Selections and current rows follow their items to the new rows.
        by_old_row = {row: item_id for item_id, row in old_rows.items()}
        moved_from = self.persistentIndexList()
        moved_to = [
            self.index(new_rows[by_old_row[index.row()]], index.column())
            if index.row() in by_old_row
            else QModelIndex()
            for index in moved_from
        ]
        self.changePersistentIndexList(moved_from, moved_to)
        self.layoutChanged.emit()

    def sort_column(self) -> int:
        """The column the rows are sorted by, ``-1`` for the engine's order."""
        return -1 if self._sort is None else self._sort[0]

    def sort_order(self) -> Qt.SortOrder:
        """Ascending or descending (ascending when not sorted)."""
        return Qt.SortOrder.AscendingOrder if self._sort is None else self._sort[1]

    @staticmethod
    def _engine_order(items: list[HeldItem]) -> list[HeldItem]:
        return sorted(items, key=lambda item: (item.notification.received_at, _id(item)))

    def _row_key(self, item: HeldItem) -> tuple[int | str, int]:
        assert self._sort is not None
        return (self._sort_key(item, self._sort[0]), _id(item))

    def _sorted(self, items: list[HeldItem]) -> list[HeldItem]:
        """``items`` (in the engine's order) in the model's order."""
        if self._sort is None:
            return items
        descending = self._sort[1] == Qt.SortOrder.DescendingOrder
        return sorted(items, key=self._row_key, reverse=descending)

    def _insert_sorted(self, added: list[HeldItem]) -> None:
        """Insert ``added`` where the sort puts them, each run of neighbours at once."""
        assert self._sort is not None
        descending = self._sort[1] == Qt.SortOrder.DescendingOrder
        # The usual case (newest first, new arrivals): all of them go on top, at once.
        edge = self._items[0 if descending else -1] if self._items else None
        if edge is not None:
            newest = min(self._row_key(item) for item in added)
            if newest > self._row_key(edge):
                run = self._sorted(added)
                row = 0 if descending else len(self._items)
                self.beginInsertRows(QModelIndex(), row, row + len(run) - 1)
                self._items[row:row] = run
                self.endInsertRows()
                return
        keys = [self._row_key(item) for item in self._items]
        if descending:
            keys.reverse()  # ascending, for bisect; rows are counted from the end
        runs: dict[int, list[HeldItem]] = {}
        for item in added:
            at = bisect.bisect_left(keys, self._row_key(item))
            runs.setdefault(len(keys) - at if descending else at, []).append(item)
        for row in sorted(runs, reverse=True):  # bottom up: rows above keep their numbers
            run = self._sorted(runs[row])
            self.beginInsertRows(QModelIndex(), row, row + len(run) - 1)
            self._items[row:row] = run
            self.endInsertRows()

    # ----------------------------------------------------------------- Qt model API

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        # Qt's own checks call rowCount and columnCount (two more calls into Python) for
        # every index the proxy asks for while it sorts thousands of new rows.
        if 0 <= row < len(self._items) and 0 <= column < _COLUMNS and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

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
        return _header(section, orientation, role)

    def roleNames(self) -> dict[int, QByteArray]:
        return _with_role_names(super().roleNames(), HeldRole)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()  # -1 for an invalid index
        if not 0 <= row < len(self._items):
            return None
        # The proxy asks for these two n·log n and n times when thousands of rows arrive
        # at once (the inbox shown after a flood): answered first, from plain ints.
        if role == _SORT_KEY:
            return self._sort_key(self._items[row], index.column())
        if role == _SEARCH_TEXT:
            n = self._items[row].notification
            return "\n".join((n.sender, n.source, n.title, n.body))
        item = self._items[row]
        n = item.notification
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.TIME:
                return format_received(n.received_at, self._engine.clock.now(), self._engine.tz)
            if column is Column.FROM:
                return from_text(item)
            if column is Column.TITLE:
                return one_line(n.title) or "(no title)"
            return one_line(distinct_reason(item, self._shared))
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
        return None

    def _sort_key(self, item: HeldItem, column: int) -> int | str:
        """What ``SortKeyRole`` answers, made once per item and column.

        Time sorts by the microsecond it arrived; the text columns by their folded text,
        ties by time of arrival. Kept until the rows change other than by appending
        (``_refresh_rows`` forgets them all: a reason may have been rewritten).
        """
        nid = _id(item)
        key = self._sort_keys.get((nid, column))
        if key is None:
            stamp = round(item.notification.received_at.timestamp() * 1_000_000)
            if column == Column.TIME:
                key = stamp
            else:
                n = item.notification
                text = (
                    from_text(item)
                    if column == Column.FROM
                    else (n.title if column == Column.TITLE else item.reason)
                )
                key = f"{text.casefold()}\x00{stamp:020d}"
            self._sort_keys[(nid, column)] = key
        return key


_COLUMNS = len(Column)
_SORT_KEY = int(HeldRole.SortKeyRole)
_SEARCH_TEXT = int(HeldRole.SearchTextRole)


def _header(section: int, orientation: Qt.Orientation, role: int) -> Any:
    """The column titles both inbox models show."""
    if (
        orientation is Qt.Orientation.Horizontal
        and role == Qt.ItemDataRole.DisplayRole
        and 0 <= section < len(Column)
    ):
        return _HEADERS[Column(section)]
    return None


def _with_role_names(
    names: dict[int, QByteArray], roles: Iterable[enum.IntEnum]
) -> dict[int, QByteArray]:
    """Qt's role names plus ours: ``SenderRole`` is named ``Sender``."""
    for role in roles:
        names[int(role)] = QByteArray(role.name.removesuffix("Role").encode())
    return names


def _id(item: HeldItem) -> int:
    assert item.notification.id is not None
    return item.notification.id


class HeldProxyModel(QSortFilterProxyModel):
    """Filters the held items with the inbox's filter box; sorting it sorts its source.

    The filter is a case-insensitive substring of sender, source, title or body
    (``SearchTextRole``). A :class:`HeldModel` source sorts itself (``sort`` is passed
    on); any other source is sorted here by ``SortKeyRole``.
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

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Have the held model sort (fast, see :meth:`HeldModel.sort`); this proxy only
        filters and keeps its source's order."""
        source = self.sourceModel()
        if isinstance(source, HeldModel):
            source.sort(column, order)
        else:
            super().sort(column, order)

    def sortColumn(self) -> int:
        source = self.sourceModel()
        return source.sort_column() if isinstance(source, HeldModel) else super().sortColumn()

    def sortOrder(self) -> Qt.SortOrder:
        source = self.sourceModel()
        return source.sort_order() if isinstance(source, HeldModel) else super().sortOrder()


class GroupBy(enum.StrEnum):
    """How the inbox groups its rows."""

    NONE = "none"
    SENDER = "sender"
    SOURCE = "source"


class GroupRole(enum.IntEnum):
    """Named data roles of :class:`GroupedHeldModel`'s group rows.

    Child rows answer every :class:`HeldRole` (forwarded from the source model) and
    ``IsGroupRole`` (``False``).
    """

    IsGroupRole = Qt.ItemDataRole.UserRole + 21
    """``True`` on a group row, ``False`` on a held item."""
    GroupKeyRole = Qt.ItemDataRole.UserRole + 22
    """The sender (or source) the group is for, as the items spell it."""
    GroupCountRole = Qt.ItemDataRole.UserRole + 23
    """How many held items the group has (after filtering)."""
    GroupItemsRole = Qt.ItemDataRole.UserRole + 24
    """The group's :class:`~focus_app.store.HeldItem` list, in row order."""
    LatestRole = Qt.ItemDataRole.UserRole + 25
    """When the group's most recent item arrived (aware ``datetime``)."""


def group_key(item: HeldItem, group_by: GroupBy) -> str:
    """The group ``item`` belongs to.

    By sender, an item without a sender goes with its app, as in the digest ("2 from CI")
    and in "always let this sender through".
    """
    n = item.notification
    if group_by is GroupBy.SOURCE:
        return n.source or "(no app)"
    return n.who


class _Group:
    """One top-level row: a key and the source rows of its items, in source order."""

    __slots__ = ("items", "key", "latest", "rows")

    def __init__(self, key: str) -> None:
        self.key = key
        self.rows: list[int] = []
        self.items: list[HeldItem] = []
        self.latest: datetime | None = None

    def label(self) -> str:
        return f"{one_line(self.key)} ({len(self.rows)})"


class GroupedHeldModel(QAbstractItemModel):
    """A two-level tree over a :class:`HeldModel` (or a proxy of one): groups, then items.

    One top-level row per sender (or source), labelled "Alice (3)" and ordered by its
    most recent item; its children are the source's rows in the source's order, with the
    same columns and roles. Built on top of :class:`HeldProxyModel` the filter box still
    applies, and a group only counts what the filter lets through.

    Any structural change of the source resets this model (bracketed by the source's own
    "about to" signals, so views never see stale rows); grouping is cheap and the inbox
    is short.

    Args:
        source: The rows to group; its column 0 must answer ``HeldItemRole``.
        group_by: What to group by; :attr:`GroupBy.NONE` is treated as by sender.
        parent: The Qt parent.
    """

    def __init__(
        self,
        source: QAbstractItemModel,
        group_by: GroupBy = GroupBy.SENDER,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._group_by = group_by
        self._resetting = False
        for about, done in (
            (source.modelAboutToBeReset, source.modelReset),
            (source.layoutAboutToBeChanged, source.layoutChanged),
            (source.rowsAboutToBeInserted, source.rowsInserted),
            (source.rowsAboutToBeRemoved, source.rowsRemoved),
            (source.rowsAboutToBeMoved, source.rowsMoved),
        ):
            about.connect(self._begin_reset)
            done.connect(self._end_reset)
        source.dataChanged.connect(self._source_data_changed)
        self._live = True
        self._groups: list[_Group] = []
        self._where: dict[int, tuple[int, int]] = {}  # source row -> (group row, child row)
        self._groups, self._where = self._build()

    # ----------------------------------------------------------------- configuration

    def source_model(self) -> QAbstractItemModel:
        """The model whose rows are grouped."""
        return self._source

    def group_by(self) -> GroupBy:
        """What the rows are grouped by."""
        return self._group_by

    def set_group_by(self, group_by: GroupBy) -> None:
        """Regroup by sender or by source."""
        if group_by is self._group_by:
            return
        self._begin_reset()
        self._group_by = group_by
        self._end_reset()

    # ----------------------------------------------------------------- access

    def is_group(self, index: AnyIndex) -> bool:
        """Whether ``index`` is a group row (rather than a held item)."""
        return index.isValid() and index.internalId() == 0

    def items_at(self, index: AnyIndex) -> list[HeldItem]:
        """The held items ``index`` stands for: all of a group's, or the one item."""
        if not index.isValid():
            return []
        if self.is_group(index):
            return list(self._groups[index.row()].items)
        return [self._groups[index.internalId() - 1].items[index.row()]]

    def group_row(self, key: str) -> int:
        """The top-level row of the group ``key``, or -1."""
        return next((r for r, g in enumerate(self._groups) if g.key == key), -1)

    def child_index(self, notification_id: int) -> QModelIndex:
        """Where the held item with that id is, or an invalid index."""
        for row, group in enumerate(self._groups):
            for child, item in enumerate(group.items):
                if item.notification.id == notification_id:
                    return self.index(child, 0, self.index(row, 0))
        return QModelIndex()

    # ----------------------------------------------------------------- Qt model API

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.column() != 0 or parent.internalId() != 0:
            return 0
        return len(self._groups[parent.row()].rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(Column)

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        return _header(section, orientation, role)

    def roleNames(self) -> dict[int, QByteArray]:
        return _with_role_names(super().roleNames(), (*HeldRole, *GroupRole))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the items inside each group (groups stay ordered by their latest item)."""
        self._source.sort(column, order)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._group_data(self._groups[index.row()], index.column(), role)
        if role == GroupRole.IsGroupRole:
            return False
        group = self._groups[index.internalId() - 1]
        return self._source.index(group.rows[index.row()], index.column()).data(role)

    def _group_data(self, group: _Group, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return group.label() if column == Column.TIME else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(f"{len(group.rows)} held from {group.key}")
        if role == GroupRole.IsGroupRole:
            return True
        if role == GroupRole.GroupKeyRole:
            return group.key
        if role == GroupRole.GroupCountRole:
            return len(group.rows)
        if role == GroupRole.GroupItemsRole:
            return list(group.items)
        if role == GroupRole.LatestRole:
            return group.latest
        if role == HeldRole.WhoRole:
            return group.key
        return None

    # ----------------------------------------------------------------- internals

    def set_live(self, live: bool) -> None:
        """Follow the source (``True``), or stay empty while no view shows the groups.

        The inbox shows the tree only when grouping is chosen; rebuilding every group
        for each batch of a flood while the flat table is in use cost most of a batch.
        Switching back on rebuilds once.
        """
        if live == self._live:
            return
        self.beginResetModel()
        self._live = live
        self._groups, self._where = self._build() if live else ([], {})
        self.endResetModel()

    def _begin_reset(self, *_: object) -> None:
        if not self._live:
            return
        if not self._resetting:
            self._resetting = True
            self.beginResetModel()

    def _end_reset(self, *_: object) -> None:
        if not self._live:
            return
        self._groups, self._where = self._build()
        if self._resetting:
            self._resetting = False
            self.endResetModel()

    def _build(self) -> tuple[list[_Group], dict[int, tuple[int, int]]]:
        source = self._source
        by_key: dict[str, _Group] = {}
        for row in range(source.rowCount()):
            item: HeldItem = source.index(row, 0).data(HeldRole.HeldItemRole)
            key = group_key(item, self._group_by)
            group = by_key.setdefault(key, _Group(key))
            group.rows.append(row)
            group.items.append(item)
            received = item.notification.received_at
            if group.latest is None or received > group.latest:
                group.latest = received
        groups = sorted(
            by_key.values(),
            key=lambda g: (-g.latest.timestamp() if g.latest else 0.0, g.key.casefold()),
        )
        where = {
            row: (g_row, child)
            for g_row, group in enumerate(groups)
            for child, row in enumerate(group.rows)
        }
        return groups, where

    def _source_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        if not self._live:
            return
        rows = range(top_left.row(), bottom_right.row() + 1)
        for row in rows:
            item: HeldItem = self._source.index(row, 0).data(HeldRole.HeldItemRole)
            g_row, child = self._where[row]
            if group_key(item, self._group_by) != self._groups[g_row].key:
                self._begin_reset()
                self._end_reset()
                return
            self._groups[g_row].items[child] = item
        for row in rows:
            g_row, child = self._where[row]
            parent = self.index(g_row, 0)
            self.dataChanged.emit(
                self.index(child, 0, parent), self.index(child, len(Column) - 1, parent)
            )
