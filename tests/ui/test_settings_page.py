"""The settings page against a real engine: the form from the declarations, and the rules."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTime
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTimeEdit,
)
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.core.model import Mode, Rule, RuleAction, RuleMatch, Urgency
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import OPTIONS, Settings
from focus_app.store import Store
from focus_app.ui.settings_page import EMPTY_MATCH_REASON, RuleEditorDialog, SettingsPage

START = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))

# The offscreen platform cannot raise windows or grab the keyboard (the time zone completer).
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "settings.toml"


@pytest.fixture
def engine(qapp: QApplication, tmp_path: Path, settings_file: Path) -> Iterator[Engine]:
    store, _ = Store.open(tmp_path / "focus.sqlite3")
    engine = Engine(
        store,
        Settings(timezone="Europe/Berlin"),
        MemoryNotifier(),
        FakeClock(START),
        settings_path=settings_file,
    )
    engine.start()
    yield engine
    engine.shutdown()
    store.close()


@pytest.fixture
def page(qtbot: QtBot, engine: Engine) -> SettingsPage:
    page = SettingsPage(engine)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    return page


def edit(page: SettingsPage, attr: str) -> QLineEdit:
    """The text box of a typed setting (a time zone's is the editable list's own), its
    tab in front."""
    page.show_field(attr)
    widget = page.fields[attr].widget
    if isinstance(widget, QComboBox):
        line = widget.lineEdit()
        assert line is not None
        return line
    assert isinstance(widget, QLineEdit)
    return widget


def spin(page: SettingsPage, attr: str) -> QSpinBox:
    widget = page.fields[attr].widget
    assert isinstance(widget, QSpinBox)
    return widget


def saved(settings_file: Path) -> dict[str, dict[str, object]]:
    return tomllib.loads(settings_file.read_text("utf-8"))


def test_every_declared_setting_has_a_field_with_its_doc(page: SettingsPage) -> None:
    assert set(page.fields) == {o.attr for o in OPTIONS}
    for option in OPTIONS:
        field = page.fields[option.attr]
        assert field.help.text() == option.doc
        assert option.doc in field.widget.toolTip()
    assert isinstance(page.fields["digest"].widget, QCheckBox)
    assert isinstance(page.fields["breakthrough_people"].widget, QPlainTextEdit)
    combo = page.fields["default_mode"].widget
    assert isinstance(combo, QComboBox)
    # The choices come from the option's parser: paused is not a default mode.
    assert [combo.itemData(i) for i in range(combo.count())] == ["focus", "available", "off"]


def test_form_starts_clean_with_apply_disabled(page: SettingsPage, engine: Engine) -> None:
    assert spin(page, "breakthrough_budget").value() == engine.settings.breakthrough_budget
    assert not page.apply_button.isEnabled()
    assert not page.revert_button.isEnabled()


def test_changing_the_budget_and_applying_changes_the_engine_and_the_file(
    page: SettingsPage, engine: Engine, settings_file: Path, qtbot: QtBot
) -> None:
    field = spin(page, "breakthrough_budget")
    field.setFocus()
    for _ in range(field.value() + 1):  # down to the lowest step: "Unlimited", stored as -1
        qtbot.keyClick(field, Qt.Key.Key_Down)
    assert field.text() == "Unlimited"
    assert page.apply_button.isEnabled()
    with qtbot.waitSignal(engine.settings_changed):
        qtbot.mouseClick(page.apply_button, Qt.MouseButton.LeftButton)
    assert engine.settings.breakthrough_budget == -1
    assert engine.settings.timezone == "Europe/Berlin"  # the rest is kept
    assert saved(settings_file)["gate"]["breakthrough_budget"] == -1
    assert not page.apply_button.isEnabled()
    assert "Saved" in page.form_status.text()


def test_lists_booleans_and_choices_are_applied(
    page: SettingsPage, engine: Engine, settings_file: Path
) -> None:
    people = page.fields["priority_people"].widget
    assert isinstance(people, QPlainTextEdit)
    people.setPlainText("Partner\n\n  *@family.example \n")
    page.fields["digest"].widget.setChecked(False)  # type: ignore[attr-defined]
    mode = page.fields["default_mode"].widget
    assert isinstance(mode, QComboBox)
    mode.setCurrentIndex(mode.findData("off"))
    assert page.apply()
    assert engine.settings.priority_people == ("Partner", "*@family.example")
    assert engine.settings.digest is False
    assert engine.settings.default_mode is Mode.OFF
    assert saved(settings_file)["breakthrough"]["priority_people"] == [
        "Partner",
        "*@family.example",
    ]


@pytest.mark.parametrize(
    ("attr", "text", "reason"),
    [
        ("status_template", "{nope}", "unknown field '{nope}' in the status text"),
        ("timezone", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_invalid_input_shows_the_reason_and_blocks_apply(
    page: SettingsPage, engine: Engine, qtbot: QtBot, attr: str, text: str, reason: str
) -> None:
    before = engine.settings
    field = edit(page, attr)
    field.clear()
    qtbot.keyClicks(field, text)
    error = page.fields[attr].error
    assert error.isVisible()
    assert reason in error.text()
    assert not page.apply_button.isEnabled()
    assert "Fix the marked field" in page.form_status.text()
    assert not page.apply()
    assert engine.settings == before
    field.setText(str(getattr(before, attr)))
    assert not error.isVisible()
    assert not page.apply_button.isEnabled()  # back to what is saved: nothing to apply


def test_revert_restores_the_saved_values(page: SettingsPage, engine: Engine) -> None:
    edit(page, "status_template").setText("{")
    spin(page, "heads_up_minutes").setValue(42)
    assert page.revert_button.isEnabled()
    page.revert_button.click()
    assert edit(page, "status_template").text() == engine.settings.status_template
    assert spin(page, "heads_up_minutes").value() == engine.settings.heads_up_minutes
    assert not page.fields["status_template"].error.isVisible()
    assert not page.revert_button.isEnabled()


def test_settings_changed_elsewhere_refresh_the_form(page: SettingsPage, engine: Engine) -> None:
    from dataclasses import replace

    engine.update_settings(replace(engine.settings, pacing_per_minute=9))
    assert spin(page, "pacing_per_minute").value() == 9


def test_every_field_starts_at_one_x_position_across_the_groups(page: SettingsPage) -> None:
    page.resize(1400, 900)
    lefts = set()
    for attr, field in page.fields.items():
        page.show_field(attr)
        QApplication.processEvents()
        lefts.add(field.container.mapTo(page, field.container.rect().topLeft()).x())
    assert len(lefts) == 1, f"fields start at x = {sorted(lefts)}"


def test_rules_and_short_rules_are_one_place_the_first_tab(page: SettingsPage) -> None:
    assert page.tabs.currentIndex() == 0 and page.tab_keys[0] == "rules"
    rules_tab = page.tabs.widget(0)
    assert rules_tab.isAncestorOf(page.rules_view)
    for attr in ("breakthrough_people", "priority_apps", "critical_passes_focus"):
        assert rules_tab.isAncestorOf(page.fields[attr].container), attr
    short = page.findChild(QGroupBox, "section.breakthrough")
    assert short is not None and short.title() == "Short rules: by name"


def test_apply_with_a_bad_field_in_another_tab_shows_that_tab(
    page: SettingsPage, qtbot: QtBot
) -> None:
    field = edit(page, "timezone")
    field.clear()
    qtbot.keyClicks(field, "Mars/Olympus")
    page.show_tab("rules")
    assert not page.apply()
    assert page.tab_keys[page.tabs.currentIndex()] == "general"


def test_labels_are_words_from_the_declarations_not_key_names(page: SettingsPage) -> None:
    texts = {label.text() for label in page.form_labels}
    assert "Warn before focus ends:" in texts
    assert "Day starts at:" in texts
    assert "Heads up minutes:" not in texts and "Day starts hour:" not in texts
    for option in OPTIONS:
        assert option.label, f"{option.attr} has no label in settings.py"
        assert "_" not in option.label
        assert option.label[0].isupper() and not option.label[1:].istitle()


@pytest.mark.parametrize(
    ("attr", "low", "high", "suffix"),
    [
        ("heads_up_minutes", 0, 120, " min"),
        ("pacing_per_minute", 0, 60, " per minute"),
        ("day_starts_hour", 0, 23, ":00"),
        ("breakthrough_budget", -1, 100, ""),
        ("history_weeks", 1, 520, " weeks"),
        ("weekly_breakthroughs", 0, 1000, ""),
    ],
)
def test_numbers_are_spin_boxes_with_the_parsers_range_and_a_unit(
    page: SettingsPage, attr: str, low: int, high: int, suffix: str
) -> None:
    box = spin(page, attr)
    assert (box.minimum(), box.maximum(), box.suffix()) == (low, high, suffix)
    box.setValue(high + 50)  # the widget cannot hold what the parser would refuse
    assert box.value() == high


def test_snap_minutes_is_a_list_of_the_allowed_values(page: SettingsPage, engine: Engine) -> None:
    combo = page.fields["snap_minutes"].widget
    assert isinstance(combo, QComboBox) and not combo.isEditable()
    assert [combo.itemData(i) for i in range(combo.count())] == [5, 10, 15, 30, 60]
    assert combo.itemText(0) == "5 min"
    combo.setCurrentIndex(combo.findData(30))
    assert page.apply()
    assert engine.settings.snap_minutes == 30


def test_time_zone_is_a_searchable_list_with_follow_the_system_first(
    page: SettingsPage, engine: Engine, qtbot: QtBot
) -> None:
    combo = page.fields["timezone"].widget
    assert isinstance(combo, QComboBox) and combo.isEditable()
    assert combo.itemText(0) == "Follow the system" and combo.itemData(0) == ""
    assert combo.findText("Europe/Berlin") > 0
    assert combo.currentText() == "Europe/Berlin"
    completer = combo.completer()
    assert completer is not None
    completer.setCompletionPrefix("tokyo")  # any part of the name, any case
    assert completer.currentCompletion() == "Asia/Tokyo"
    combo.setCurrentIndex(0)
    assert page.apply()
    assert engine.settings.timezone == ""
    assert combo.currentText() == "Follow the system"


def test_the_review_day_is_a_list_of_the_seven_days_and_the_time_a_time_field(
    page: SettingsPage, engine: Engine, settings_file: Path
) -> None:
    day = page.fields["review_day"].widget
    assert isinstance(day, QComboBox) and not day.isEditable()
    assert [day.itemText(i) for i in range(day.count())] == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
    ]
    assert day.currentText() == "Friday"
    hour = page.fields["review_time"].widget
    assert isinstance(hour, QTimeEdit)
    assert hour.displayFormat() == "HH:mm" and hour.time() == QTime(16, 0)
    day.setCurrentIndex(day.findData("mon"))
    hour.setTime(QTime(9, 30))
    assert page.apply()
    assert (engine.settings.review_day, engine.settings.review_time) == ("mon", "09:30")
    assert saved(settings_file)["review"]["review_time"] == "09:30"


def test_the_kinds_repeats_count_for_are_one_check_box_each(
    page: SettingsPage, engine: Engine, settings_file: Path
) -> None:
    field = page.fields["repeat_escalation_kinds"]
    boxes = field.widget.findChildren(QCheckBox)
    assert [(b.text(), b.isChecked()) for b in boxes] == [
        ("Chat", True), ("Mail", False), ("Other", False)
    ]
    boxes[1].setChecked(True)
    assert page.apply_button.isEnabled()
    assert page.apply()
    assert engine.settings.repeat_escalation_kinds == ("chat", "mail")
    boxes[0].setChecked(False)
    boxes[1].setChecked(False)
    assert page.apply()
    assert engine.settings.repeat_escalation_kinds == ()
    assert saved(settings_file)["gate"]["repeat_escalation_kinds"] == []
    page.revert_button.click()  # nothing pending: stays as saved
    assert not any(b.isChecked() for b in boxes)


# ---------------------------------------------------------------------- rules


def fill(dialog: RuleEditorDialog, **texts: str) -> None:
    for name, text in texts.items():
        getattr(dialog, f"{name}_edit").setText(text)


def test_rule_editor_refuses_a_rule_that_matches_everything(qtbot: QtBot) -> None:
    dialog = RuleEditorDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.accept()  # OK on an empty rule: refused, and now the reason shows
    assert dialog.result() == 0 and dialog.isVisible()
    assert not dialog.ok_button.isEnabled()
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text() == EMPTY_MATCH_REASON
    fill(dialog, name="only a name", keywords=" , ,")
    assert not dialog.ok_button.isEnabled()
    dialog.accept()  # Enter cannot sneak past the check
    assert dialog.result() == 0 and dialog.isVisible()
    fill(dialog, keywords="deploy, outage ,")
    assert dialog.ok_button.isEnabled()
    assert not dialog.error_label.isVisible()
    assert dialog.rule().match == RuleMatch(keywords=("deploy", "outage"))
    assert "keywords 'deploy' or 'outage'" in dialog.preview.text()


def test_rule_editor_shows_no_error_before_anything_is_typed(qtbot: QtBot) -> None:
    dialog = RuleEditorDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.error_label.isVisible()
    assert dialog.ok_button.isEnabled()  # pressing it explains; nothing red before
    qtbot.keyClicks(dialog.name_edit, "Family")  # an edit that leaves the rule empty
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text() == EMPTY_MATCH_REASON
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.sender_edit, "*@family.example")
    assert not dialog.error_label.isVisible() and dialog.ok_button.isEnabled()


def test_rule_editor_explains_each_action_and_round_trips_a_rule(qtbot: QtBot) -> None:
    rule = Rule(
        match=RuleMatch(
            sender="*@example.com", source="Mail", urgency=Urgency.CRITICAL, time_sensitive=False
        ),
        action=RuleAction.PRIORITY,
        name="Work",
        enabled=False,
        id=7,
    )
    dialog = RuleEditorDialog(rule)
    qtbot.addWidget(dialog)
    assert dialog.rule() == rule
    assert "off-time included" in dialog.action_help.text()
    dialog.action_combo.setCurrentIndex(dialog.action_combo.findData(RuleAction.MUTE.value))
    assert "never shown" in dialog.action_help.text()


def test_add_rule_through_the_editor_goes_on_top(
    page: SettingsPage, engine: Engine, qtbot: QtBot
) -> None:
    engine.add_rule(Rule(match=RuleMatch(source="Slack"), action=RuleAction.HOLD))
    page.rules_view.clearSelection()
    with qtbot.waitSignal(page.editor_opened) as opened:
        page.add_button.click()
    dialog = opened.args[0]
    fill(dialog, sender="Alice", name="Alice")
    dialog.ok_button.click()
    assert [r.name for r in engine.rules()] == ["Alice", ""]
    assert engine.rules()[0].action is RuleAction.ALLOW
    assert page.selected_rule() == engine.rules()[0]
    assert "Added at the top" in page.rules_status.text()


def test_edit_remove_and_move_with_the_buttons(
    page: SettingsPage, engine: Engine, qtbot: QtBot
) -> None:
    for name in ("a", "b", "c"):
        engine.add_rule(Rule(match=RuleMatch(sender=name), action=RuleAction.ALLOW, name=name))
    page.select_rule(engine.rules()[0].id)
    page.down_button.click()
    assert [r.name for r in engine.rules()] == ["b", "a", "c"]
    assert page.selected_rule() is not None and page.selected_rule().name == "a"  # type: ignore[union-attr]
    page.rules_view.setFocus()
    qtbot.keyClick(page.rules_view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert [r.name for r in engine.rules()] == ["a", "b", "c"]
    assert not page.up_button.isEnabled()

    with qtbot.waitSignal(page.editor_opened) as opened:
        page.edit_button.click()
    dialog = opened.args[0]
    dialog.action_combo.setCurrentIndex(dialog.action_combo.findData(RuleAction.MUTE.value))
    dialog.ok_button.click()
    assert engine.rules()[0].action is RuleAction.MUTE
    assert [r.name for r in engine.rules()] == ["a", "b", "c"]

    page.remove_button.click()
    assert [r.name for r in engine.rules()] == ["b", "c"]
    assert "Removed" in page.rules_status.text()


def test_drag_reorder_through_the_views_model_changes_engine_order(
    page: SettingsPage, engine: Engine
) -> None:
    for name in ("a", "b", "c"):
        engine.add_rule(Rule(match=RuleMatch(sender=name), action=RuleAction.ALLOW, name=name))
    model = page.rules_model
    mime = model.mimeData([model.index(2)])
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert [r.name for r in engine.rules()] == ["c", "a", "b"]
    # The new order decides: an earlier hold for everyone beats the later allows.
    engine.add_rule(Rule(match=RuleMatch(source="*"), action=RuleAction.HOLD, name="all"))
    assert model.index(3).data().startswith("4. all")


def test_budget_applied_in_the_form_is_what_the_gate_then_uses(
    page: SettingsPage, engine: Engine
) -> None:
    """End to end: a budget of 0 set in the form stops an allowed sender in focus."""
    from focus_app.core.model import Block, BlockKind, Notification, Outcome, Recurrence

    engine.add_block(
        Block(
            BlockKind.FOCUS,
            START.time().replace(hour=9),
            START.time().replace(hour=11),
            recurrence=Recurrence(frozenset(range(7))),
        )
    )
    engine.add_rule(Rule(match=RuleMatch(sender="Alice"), action=RuleAction.ALLOW))
    spin(page, "breakthrough_budget").setValue(0)
    assert page.apply()
    result = engine.ingest(
        Notification(title="hi", sender="Alice", received_at=START + timedelta(minutes=1))
    )
    assert result.decision.outcome is Outcome.HELD


def test_two_priorities_are_refused_in_plain_words_not_as_a_python_list(
    page: SettingsPage, engine: Engine
) -> None:
    field = page.fields["priorities"]
    assert isinstance(field.widget, QPlainTextEdit)
    field.widget.setPlainText("Ship v2\nMentoring")
    assert field.error.text() == (
        "“Ship v2”, “Mentoring” must name 3 to 5 priorities, not 2 (or none while not set up)."
    )
    assert not page.apply_button.isEnabled()
    field.widget.setPlainText("Ship v2\nMentoring\nHealth")
    assert not field.error.isVisible()
    assert page.apply() and engine.settings.priorities == ("Ship v2", "Mentoring", "Health")


def test_no_weekly_breakthrough_limit_is_the_spin_box_s_unlimited_step(page: SettingsPage) -> None:
    box = spin(page, "weekly_breakthroughs")
    box.setValue(0)
    assert box.text() == "Unlimited"
