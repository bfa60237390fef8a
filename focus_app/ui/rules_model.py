"""The ordered rules as a Qt list model that can be reordered by drag and drop.

Order is meaning here (first match wins, like mail filters), so reordering goes straight
to ``Engine.move_rule`` and the model follows ``rules_changed``. Two paths lead there:
``moveRows`` (what ``QListView`` uses for an internal move) and ``dropMimeData`` (a drop
carrying rule ids, from this view or another); both move by rule id, so a drop never
depends on row numbers that changed in between.
"""

from __future__ import annotations

import enum
import json
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from focus_app.core.model import Rule
from focus_app.core.rules import describe_rule
from focus_app.engine import Engine

AnyIndex = QModelIndex | QPersistentModelIndex

RULE_IDS_MIME = "application/x-focus-app-rule-ids"
"""Mime type of a drag of rules: a JSON list of rule ids."""


class RuleRole(enum.IntEnum):
    """Named data roles of :class:`RulesModel`."""

    RuleIdRole = Qt.ItemDataRole.UserRole + 1
    """The rule's id (int)."""
    RuleObjectRole = Qt.ItemDataRole.UserRole + 2
    """The whole :class:`~focus_app.core.model.Rule`."""
    ActionRole = Qt.ItemDataRole.UserRole + 3
    """The action's value: allow, priority, hold or mute."""
    NameRole = Qt.ItemDataRole.UserRole + 4
    EnabledRole = Qt.ItemDataRole.UserRole + 5


class RulesModel(QAbstractListModel):
    """The engine's rules in evaluation order; drag to reorder, check to enable.

    Args:
        engine: Where rules come from and go to.
        parent: The Qt parent.
    """

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._rules: list[Rule] = engine.rules()
        self._moving = False
        engine.rules_changed.connect(self.refresh)

    def rule(self, row: int) -> Rule:
        """The rule on ``row``."""
        return self._rules[row]

    def row_of(self, rule_id: int) -> int:
        """The row of the rule with ``rule_id``, or -1."""
        return next((row for row, r in enumerate(self._rules) if r.id == rule_id), -1)

    def refresh(self) -> None:
        """Follow the engine: same order → ``dataChanged``; otherwise a reset."""
        if self._moving:
            return
        new = self._engine.rules()
        if [r.id for r in new] == [r.id for r in self._rules]:
            changed = [
                row for row, (a, b) in enumerate(zip(self._rules, new, strict=True)) if a != b
            ]
            self._rules = new
            if changed:
                self.dataChanged.emit(self.index(min(changed)), self.index(max(changed)))
            return
        self.beginResetModel()
        self._rules = new
        self.endResetModel()

    def move_rule(self, rule_id: int, position: int) -> bool:
        """Move a rule to ``position`` (0 = first) with a proper row move.

        Returns:
            Whether anything moved.
        """
        source = self.row_of(rule_id)
        count = len(self._rules)
        position = max(0, min(position, count - 1))
        if source < 0 or position == source:
            return False
        # beginMoveRows wants the destination *before* removal: one past when moving down.
        destination = position + 1 if position > source else position
        if not self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), destination):
            return False
        self._moving = True
        try:
            self._engine.move_rule(rule_id, position)
        finally:
            self._moving = False
            self._rules.insert(position, self._rules.pop(source))
            self.endMoveRows()
        self.refresh()  # in case the store disagrees with the local move
        return True

    # ----------------------------------------------------------------- Qt model API

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rules)

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        for role in RuleRole:
            names[int(role)] = QByteArray(role.name.removesuffix("Role").encode())
        return names

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rules):
            return None
        rule = self._rules[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{index.row() + 1}. {describe_rule(rule)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                "Rules are checked from the top; the first that matches decides. "
                "Drag to reorder, untick to disable, double-click to edit."
            )
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if rule.enabled else Qt.CheckState.Unchecked
        if role == RuleRole.RuleIdRole:
            return rule.id
        if role == RuleRole.RuleObjectRole:
            return rule
        if role == RuleRole.ActionRole:
            return rule.action.value
        if role == RuleRole.NameRole:
            return rule.name
        if role == RuleRole.EnabledRole:
            return rule.enabled
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Ticking a rule's box enables or disables it (through the engine)."""
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        enabled = Qt.CheckState(value) == Qt.CheckState.Checked
        rule = self._rules[index.row()]
        if rule.enabled != enabled:
            self._engine.update_rule(replace(rule, enabled=enabled))
        return True

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            # Drops land between rows, never on a rule.
            return Qt.ItemFlag.ItemIsDropEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [RULE_IDS_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        """The dragged rules as a JSON list of ids (rows would go stale)."""
        ids = [self._rules[i.row()].id for i in sorted(indexes, key=lambda i: i.row())]
        mime = QMimeData()
        mime.setData(RULE_IDS_MIME, QByteArray(json.dumps(ids).encode()))
        return mime

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        return action == Qt.DropAction.MoveAction and data.hasFormat(RULE_IDS_MIME)

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        """Move the dropped rules so they sit, in order, before ``row``."""
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        try:
            ids = [int(i) for i in json.loads(bytes(data.data(RULE_IDS_MIME).data()))]
        except (ValueError, TypeError):
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._rules)
        moved = False
        for rule_id in ids:
            source = self.row_of(rule_id)
            if source < 0:
                continue
            # ``row`` counts the dropped rule itself when it sits above the gap.
            target = row - 1 if source < row else row
            moved = self.move_rule(rule_id, target) or moved
            row = target + 1
        return moved

    def moveRows(
        self,
        sourceParent: AnyIndex,
        sourceRow: int,
        count: int,
        destinationParent: AnyIndex,
        destinationChild: int,
    ) -> bool:
        """An internal move in a view (rows ``sourceRow..+count`` before ``destinationChild``)."""
        if sourceParent.isValid() or destinationParent.isValid() or count < 1:
            return False
        if not (sourceRow >= 0 and sourceRow + count <= len(self._rules)):
            return False
        ids = [r.id for r in self._rules[sourceRow : sourceRow + count] if r.id is not None]
        row = destinationChild
        moved = False
        for rule_id in ids:
            source = self.row_of(rule_id)
            target = row - 1 if source < row else row
            moved = self.move_rule(rule_id, target) or moved
            row = target + 1
        return moved
