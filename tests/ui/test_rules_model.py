"""RulesModel: a real model over the engine's ordered rules, reordered by drag and drop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.core.model import Rule, RuleAction, RuleMatch
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store
from focus_app.ui.rules_model import RULE_IDS_MIME, RuleRole, RulesModel

START = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def engine(qapp: object, tmp_path: Path) -> Iterator[Engine]:
    store, _ = Store.open(tmp_path / "focus.sqlite3")
    engine = Engine(store, Settings(timezone="Europe/Berlin"), MemoryNotifier(), FakeClock(START))
    engine.start()
    yield engine
    engine.shutdown()
    store.close()


def add_rules(engine: Engine, *senders: str) -> list[Rule]:
    return [
        engine.add_rule(Rule(match=RuleMatch(sender=s), action=RuleAction.ALLOW, name=s))
        for s in senders
    ]


def names(engine: Engine) -> list[str]:
    return [r.name for r in engine.rules()]


def drop(model: RulesModel, ids: list[int | None], row: int) -> bool:
    mime = QMimeData()
    mime.setData(RULE_IDS_MIME, QByteArray(json.dumps(ids).encode()))
    return model.dropMimeData(mime, Qt.DropAction.MoveAction, row, 0, QModelIndex())


def test_model_passes_the_model_tester_through_adds_moves_and_removals(
    engine: Engine, qtmodeltester: ModelTester
) -> None:
    add_rules(engine, "a", "b", "c")
    model = RulesModel(engine)
    qtmodeltester.check(model, force_py=True)
    rules = add_rules(engine, "d")
    model.move_rule(rules[0].id or 0, 0)
    engine.remove_rule(engine.rules()[1].id or 0)
    qtmodeltester.check(model, force_py=True)
    assert [model.index(r).data(RuleRole.NameRole) for r in range(model.rowCount())] == names(
        engine
    )


def test_rows_show_the_rule_in_words_with_named_roles(engine: Engine) -> None:
    (rule,) = add_rules(engine, "Alice")
    model = RulesModel(engine)
    index = model.index(0)
    assert index.data() == "1. Alice: sender is Alice → allow"
    assert index.data(RuleRole.RuleIdRole) == rule.id
    assert index.data(RuleRole.ActionRole) == "allow"
    assert index.data(RuleRole.RuleObjectRole) == rule
    assert b"RuleId" in model.roleNames().values()


def test_drop_below_moves_the_rule_down_in_the_engine(engine: Engine) -> None:
    a, _b, _c = add_rules(engine, "a", "b", "c")
    model = RulesModel(engine)
    assert drop(model, [a.id], 3)  # after the last row
    assert names(engine) == ["b", "c", "a"]
    assert [model.rule(r).name for r in range(3)] == ["b", "c", "a"]


def test_drop_above_moves_the_rule_up_and_several_keep_their_order(engine: Engine) -> None:
    _a, _b, c, d = add_rules(engine, "a", "b", "c", "d")
    model = RulesModel(engine)
    assert drop(model, [c.id, d.id], 0)
    assert names(engine) == ["c", "d", "a", "b"]


def test_drop_on_its_own_place_changes_nothing(engine: Engine, qtbot: QtBot) -> None:
    a, _b = add_rules(engine, "a", "b")
    model = RulesModel(engine)
    assert not drop(model, [a.id], 1)
    assert names(engine) == ["a", "b"]


def test_drop_refuses_foreign_data_and_copy_actions(engine: Engine) -> None:
    add_rules(engine, "a", "b")
    model = RulesModel(engine)
    mime = QMimeData()
    mime.setText("a")
    assert not model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    good = model.mimeData([model.index(1)])
    assert not model.dropMimeData(good, Qt.DropAction.CopyAction, 0, 0, QModelIndex())
    assert model.dropMimeData(good, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert names(engine) == ["b", "a"]


def test_move_rows_is_the_views_internal_move(engine: Engine, qtbot: QtBot) -> None:
    add_rules(engine, "a", "b", "c")
    model = RulesModel(engine)
    with qtbot.waitSignal(model.rowsMoved):
        assert model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 2)
    assert names(engine) == ["b", "a", "c"]


def test_unticking_disables_the_rule_in_the_engine(engine: Engine) -> None:
    add_rules(engine, "a")
    model = RulesModel(engine)
    assert model.setData(
        model.index(0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole
    )
    assert engine.rules()[0].enabled is False
    assert model.index(0).data().endswith("(disabled)")


def test_changes_made_elsewhere_reach_the_model(engine: Engine, qtbot: QtBot) -> None:
    model = RulesModel(engine)
    with qtbot.waitSignal(model.modelReset):
        add_rules(engine, "x")
    assert model.rowCount() == 1
