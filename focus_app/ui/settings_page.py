"""The settings page: the ordered rules, a form built from the declared settings, programs.

The form has no list of its own: every row comes from :data:`focus_app.settings.OPTIONS`
(section, key, doc, allowed values, parser), and every value is checked by the option's
own parser, so a setting added in ``settings.py`` appears here with its help text and
its validation and nothing is declared twice. What the form does add is presentation:
which widget suits a value's type, and friendlier section titles.

Rules apply as soon as they are edited (like the inbox's "always let through"); the form
applies on Apply, which is refused while any field is invalid.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from PySide6.QtCore import QModelIndex, Qt, QTime, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from focus_app.core.model import Rule, RuleAction, RuleMatch, Urgency
from focus_app.core.rules import describe_rule
from focus_app.engine import Engine
from focus_app.settings import (
    OPTIONS,
    SECTIONS,
    ClockTime,
    OneOfNumbers,
    Option,
    Settings,
    SomeOfWords,
    Weekday,
    WholeNumber,
)
from focus_app.ui.programs_model import (
    CHOICE_LABELS,
    EMPTY_TEXT,
    SENDER_LABELS,
    ChoiceDelegate,
    Column,
    ProgramsModel,
)
from focus_app.ui.rules_model import RuleRole, RulesModel
from focus_app.ui.templates_section import TemplatesSection
from focus_app.ui.widgets import plain_label as _label

if TYPE_CHECKING:
    from focus_app.commands import Commands
    from focus_app.ui.calendars_section import CalendarsSection

SECTION_TITLES = {
    "schedule": "Schedule",
    "gate": "What gets through focus",
    "breakthrough": "Short rules: by name",
    "notifications": "Notifications",
    "calendar": "Calendar",
}
"""Friendlier titles for the settings file's sections (a section not listed is title-cased)."""

TAB_OF_SECTION = {"gate": "rules", "breakthrough": "rules", "boundaries": "boundaries"}
"""Which tab a settings section's group sits in (any other: "general")."""

ERROR_STYLE = "color: #c0392b;"
HELP_STYLE = "color: palette(placeholder-text);"
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""The review day's list, in the order of :class:`focus_app.settings.Weekday`'s choices."""
FOLLOW_SYSTEM = "Follow the system"
"""The first entry of the time zone list; stored as "" (the system's zone)."""

ACTION_HELP = {
    RuleAction.ALLOW: "Gets through focus blocks (not off-time); counts against the budget.",
    RuleAction.PRIORITY: "Gets through everything, off-time included.",
    RuleAction.HOLD: "Held for the next digest, even while you are available.",
    RuleAction.MUTE: "Stored and counted for the review, never shown.",
}

EMPTY_MATCH_REASON = (
    "Set at least one of sender, app, urgency, keywords or time-sensitive: "
    "a rule without any would decide every notification."
)


def humanize(key: str) -> str:
    """A form label from a settings key: ``heads_up_minutes`` → "Heads up minutes".

    Only a fallback: every declared option has its own label (:attr:`Option.label`).
    """
    return key.replace("_", " ").capitalize()


def option_label(option: Option[Any]) -> str:
    """What the form calls ``option``: its declared label, else its key made readable."""
    return option.label or humanize(option.key)


def unit_suffix(unit: str) -> str:
    """A spin box suffix for ``unit``: " min", or ":00" glued to an hour."""
    if not unit:
        return ""
    return unit if unit.startswith(":") else f" {unit}"


# ------------------------------------------------------------------------------ fields


class OptionField:
    """One setting in the form: its widget, its help line and its error line.

    The widget is chosen from the type of the declared default; the value the widget
    holds is turned into the raw TOML-like value the option's parser expects, so the
    form refuses exactly what the settings file would refuse, with the same reason.

    Args:
        option: The declared option.
        on_change: Called whenever the user changes the value.
    """

    def __init__(self, option: Option[Any], on_change: Callable[[], None]) -> None:
        self.option = option
        default = option.default
        self.widget: QWidget
        self.choice_boxes: dict[str, QCheckBox] = {}
        if isinstance(option.parse, SomeOfWords):
            # Any of a few words: a check box each, not a list to type.
            self.widget = QWidget()
            row = QHBoxLayout(self.widget)
            row.setContentsMargins(0, 0, 0, 0)
            for word in option.parse.choices:
                box = QCheckBox(word.capitalize())
                box.toggled.connect(on_change)
                row.addWidget(box)
                self.choice_boxes[word] = box
            row.addStretch(1)
        elif isinstance(option.parse, Weekday):
            combo = QComboBox()
            for name, value in zip(DAY_NAMES, option.parse.choices, strict=True):
                combo.addItem(name, value)
            combo.currentIndexChanged.connect(on_change)
            self.widget = combo
        elif isinstance(option.parse, ClockTime):
            clock = QTimeEdit()
            clock.setDisplayFormat("HH:mm")
            clock.setMaximumWidth(120)
            clock.timeChanged.connect(on_change)
            self.widget = clock
        elif isinstance(default, bool):
            box = QCheckBox()
            box.toggled.connect(on_change)
            self.widget = box
        elif isinstance(default, enum.Enum):
            combo = QComboBox()
            # The choices are the enum values the option's own parser accepts.
            for member in type(default):
                if _parses(option, member.value):
                    combo.addItem(str(member.value).capitalize(), member.value)
            combo.currentIndexChanged.connect(on_change)
            self.widget = combo
        elif isinstance(default, tuple):
            lines = QPlainTextEdit()
            lines.setPlaceholderText("One per line")
            lines.setTabChangesFocus(True)
            lines.setFixedHeight(lines.fontMetrics().lineSpacing() * 4 + 12)
            lines.textChanged.connect(on_change)
            self.widget = lines
        elif isinstance(option.parse, OneOfNumbers):
            combo = QComboBox()
            suffix = unit_suffix(option.unit)
            for number in option.parse.choices:
                combo.addItem(f"{number}{suffix}", number)
            combo.currentIndexChanged.connect(on_change)
            self.widget = combo
        elif isinstance(option.parse, WholeNumber):
            self.widget = self._spin_box(option, option.parse, on_change)
        elif option.key == "timezone":
            self.widget = self._time_zone_combo(on_change)
        else:  # other numbers and texts: typed, so a wrong entry can be explained
            edit = QLineEdit()
            edit.setPlaceholderText(option.allowed)
            if isinstance(default, int):
                edit.setMaximumWidth(120)
            edit.textChanged.connect(on_change)
            self.widget = edit
        self.widget.setObjectName(f"{option.section}.{option.key}")
        self.widget.setToolTip(f"{option.doc}\nAllowed: {option.allowed}.")
        self.help = _label(option.doc, HELP_STYLE)
        self.error = _label("", ERROR_STYLE)
        self.error.setObjectName(f"{option.section}.{option.key}.error")
        self.error.hide()
        self.container = QWidget()
        column = QVBoxLayout(self.container)
        column.setContentsMargins(0, 0, 0, 4)
        column.setSpacing(2)
        column.addWidget(self.widget)
        column.addWidget(self.error)
        column.addWidget(self.help)

    @staticmethod
    def _spin_box(
        option: Option[Any], bounds: WholeNumber, on_change: Callable[[], None]
    ) -> QSpinBox:
        """A spin box that cannot leave the parser's range; "unlimited" is its lowest step."""
        spin = QSpinBox()
        low = bounds.low
        if bounds.unlimited is not None and bounds.unlimited < low:
            low = bounds.unlimited
            spin.setSpecialValueText("Unlimited")
        spin.setRange(low, bounds.high)
        spin.setSuffix(unit_suffix(option.unit))
        spin.setAccelerated(True)
        spin.setMaximumWidth(220)
        spin.valueChanged.connect(on_change)
        return spin

    @staticmethod
    def _time_zone_combo(on_change: Callable[[], None]) -> QComboBox:
        """A searchable list of every IANA zone, "Follow the system" (stored as "") first."""
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItem(FOLLOW_SYSTEM, "")
        for zone in sorted(available_timezones()):
            combo.addItem(zone, zone)
        completer = QCompleter(combo.model(), combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        combo.setCompleter(completer)
        combo.setMaxVisibleItems(15)
        combo.editTextChanged.connect(on_change)
        return combo

    def set_value(self, value: Any) -> None:
        """Show ``value`` (a typed settings value) in the widget."""
        w = self.widget
        if self.choice_boxes:
            for word, box in self.choice_boxes.items():
                box.setChecked(word in value)
        elif isinstance(w, QTimeEdit):
            w.setTime(QTime.fromString(str(value), "HH:mm"))
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QSpinBox):
            w.setValue(int(value))
        elif isinstance(w, QComboBox) and w.isEditable():
            index = w.findData(str(value))
            if index >= 0:
                w.setCurrentIndex(index)
            else:  # a zone this system's database lacks: shown, and the parser says why
                w.setEditText(str(value))
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findData(getattr(value, "value", value))))
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText("\n".join(value))
        elif isinstance(w, QLineEdit):
            w.setText(str(value))
        self.error.hide()

    def raw(self) -> object:
        """The widget's content as the raw value the settings file would hold."""
        w = self.widget
        if self.choice_boxes:
            return [word for word, box in self.choice_boxes.items() if box.isChecked()]
        if isinstance(w, QTimeEdit):
            return w.time().toString("HH:mm")
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QSpinBox):
            return w.value()
        if isinstance(w, QComboBox) and w.isEditable():
            text = w.currentText().strip()
            return "" if text == FOLLOW_SYSTEM else text
        if isinstance(w, QComboBox):
            data: object = w.currentData()
            return data
        if isinstance(w, QPlainTextEdit):
            return [line for line in w.toPlainText().splitlines()]
        assert isinstance(w, QLineEdit)
        text = w.text().strip()
        if isinstance(self.option.default, int):
            try:
                return int(text)
            except ValueError:
                return text  # the parser says "is not a whole number"
        return text

    def validate(self) -> tuple[bool, Any]:
        """Parse the widget's content; on failure show why next to the field.

        Returns:
            ``(True, value)`` or ``(False, None)``.
        """
        raw = self.raw()
        try:
            value = self.option.parse(raw)
        except ValueError as error:
            if isinstance(raw, list):  # a list of lines: in words, never a Python list
                shown = ", ".join(f"“{line}”" for line in raw if line.strip()) or "Empty"
            else:
                shown = f"“{raw}”" if isinstance(raw, str) else str(raw)
            self.error.setText(f"{shown} {error}.")
            self.error.show()
            return False, None
        self.error.hide()
        return True, value


def _enum_or_none(kind: type[Urgency], value: object) -> Urgency | None:
    """Combo data comes back as the plain value (Qt drops the enum type)."""
    return None if value is None else kind(str(value))


def _parses(option: Option[Any], raw: object) -> bool:
    try:
        option.parse(raw)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------ rule editor


class RuleEditorDialog(QDialog):
    """Edit one rule: what it matches, what it does, and its name.

    While the rule would match everything, OK is refused with the reason shown in red,
    but only once the user has edited something or pressed OK: an empty new rule is
    where everyone starts, not a mistake.

    Args:
        rule: The rule to edit, or ``None`` for a new one.
        parent: The Qt parent.
    """

    def __init__(self, rule: Rule | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._original = rule
        self._touched = False
        self.setWindowTitle("Edit rule" if rule else "New rule")
        self.setMinimumWidth(480)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Optional, e.g. “Family”")
        self.sender_edit = QLineEdit()
        self.sender_edit.setPlaceholderText("e.g. alice@example.com or *@example.com")
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("e.g. Signal, Thunderbird or Git*")
        wildcard_help = _label(
            "Sender and app ignore case; * matches anything, ? one character, "
            "[abc] one of those characters. Empty means any.",
            HELP_STYLE,
        )
        self.urgency_combo = QComboBox()
        self.urgency_combo.addItem("Any", None)
        for urgency in Urgency:
            self.urgency_combo.addItem(urgency.value.capitalize(), urgency.value)
        self.keywords_edit = QLineEdit()
        self.keywords_edit.setPlaceholderText("Comma separated, e.g. deploy, outage")
        keywords_help = _label("Any one of them in the title or text matches.", HELP_STYLE)
        self.time_sensitive_combo = QComboBox()
        for text, value in (("Any", None), ("Yes", True), ("No", False)):
            self.time_sensitive_combo.addItem(text, value)
        self.action_combo = QComboBox()
        for action in RuleAction:
            self.action_combo.addItem(action.value.capitalize(), action.value)
        self.action_help = _label("", HELP_STYLE)
        self.enabled_box = QCheckBox("Enabled")
        self.enabled_box.setChecked(True)
        self.preview = _label()
        self.error_label = _label("", ERROR_STYLE)
        self.error_label.setObjectName("ruleError")

        form = QFormLayout()
        form.addRow("&Sender:", self.sender_edit)
        form.addRow("&App:", self.source_edit)
        form.addRow("", wildcard_help)
        form.addRow("&Urgency:", self.urgency_combo)
        form.addRow("&Keywords:", self.keywords_edit)
        form.addRow("", keywords_help)
        form.addRow("&Time-sensitive:", self.time_sensitive_combo)
        form.addRow("A&ction:", self.action_combo)
        form.addRow("", self.action_help)
        form.addRow("&Name:", self.name_edit)
        form.addRow("", self.enabled_box)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        if rule is not None:
            self._load(rule)
        for edit in (self.name_edit, self.sender_edit, self.source_edit, self.keywords_edit):
            edit.textChanged.connect(self._edited)
        for combo in (self.urgency_combo, self.time_sensitive_combo, self.action_combo):
            combo.currentIndexChanged.connect(self._edited)
        self.enabled_box.toggled.connect(self._edited)
        self._update()

    @property
    def ok_button(self) -> QPushButton:
        """The OK button (disabled while the rule is refused)."""
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def rule(self) -> Rule:
        """The rule as entered (keeping the edited rule's id)."""
        keywords = tuple(k.strip() for k in self.keywords_edit.text().split(",") if k.strip())
        match = RuleMatch(
            sender=self.sender_edit.text().strip() or None,
            source=self.source_edit.text().strip() or None,
            urgency=_enum_or_none(Urgency, self.urgency_combo.currentData()),
            keywords=keywords,
            time_sensitive=self.time_sensitive_combo.currentData(),
        )
        return Rule(
            match=match,
            action=RuleAction(self.action_combo.currentData()),
            name=self.name_edit.text().strip(),
            enabled=self.enabled_box.isChecked(),
            id=self._original.id if self._original else None,
        )

    def problem(self) -> str:
        """Why the rule as entered is refused, or "" if it is fine."""
        if self.rule().match.is_empty:
            return EMPTY_MATCH_REASON
        return ""

    def accept(self) -> None:
        """Close with OK only if the rule is acceptable (Enter cannot bypass the check)."""
        if self.problem():
            self._touched = True
            self._update()
            return
        super().accept()

    def _load(self, rule: Rule) -> None:
        m = rule.match
        self.name_edit.setText(rule.name)
        self.sender_edit.setText(m.sender or "")
        self.source_edit.setText(m.source or "")
        self.urgency_combo.setCurrentIndex(
            self.urgency_combo.findData(m.urgency.value if m.urgency else None)
        )
        self.keywords_edit.setText(", ".join(m.keywords))
        self.time_sensitive_combo.setCurrentIndex(
            self.time_sensitive_combo.findData(m.time_sensitive)
        )
        self.action_combo.setCurrentIndex(self.action_combo.findData(rule.action.value))
        self.enabled_box.setChecked(rule.enabled)

    def _edited(self, *_: object) -> None:
        self._touched = True
        self._update()

    def _update(self) -> None:
        action = RuleAction(self.action_combo.currentData())
        self.action_help.setText(ACTION_HELP[action])
        problem = self.problem()
        shown = problem if self._touched else ""
        self.error_label.setText(shown)
        self.error_label.setVisible(bool(shown))
        self.ok_button.setEnabled(not shown)
        self.preview.setText("" if problem else f"Rule: {describe_rule(self.rule())}")


# ------------------------------------------------------------------------------ the page


class SettingsPage(QWidget):
    """Rules on the left, the declared settings on the right, Apply and Revert below.

    Args:
        engine: Where rules and settings come from and go to.
        parent: The Qt parent.
        commands: The app's command layer; with it the page has a Calendars section
            (:class:`~focus_app.ui.calendars_section.CalendarsSection`).

    Signals:
        editor_opened(object): A :class:`RuleEditorDialog` was opened (tests fill it in).
    """

    editor_opened = Signal(object)

    def __init__(
        self, engine: Engine, parent: QWidget | None = None, *, commands: Commands | None = None
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._loading = False
        self.editor: RuleEditorDialog | None = None

        # Rules ----------------------------------------------------------------------
        self.rules_model = RulesModel(engine, self)
        self.rules_view = QListView()
        self.rules_view.setModel(self.rules_model)
        self.rules_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rules_view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.rules_view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.rules_view.setDropIndicatorShown(True)
        self.rules_view.setAlternatingRowColors(True)
        self.rules_view.setWordWrap(True)
        self.rules_view.doubleClicked.connect(self._edit_index)
        self.rules_view.selectionModel().selectionChanged.connect(self._rule_selection_changed)
        self.rules_model.modelReset.connect(self._rule_selection_changed)
        self.rules_model.rowsMoved.connect(self._rule_selection_changed)

        self.add_button = QPushButton("&Add…")
        self.edit_button = QPushButton("&Edit…")
        self.remove_button = QPushButton("&Remove")
        self.up_button = QPushButton("Move &up")
        self.down_button = QPushButton("Move do&wn")
        self.up_button.setToolTip("Move the rule up: earlier rules win (Alt+Up)")
        self.down_button.setToolTip("Move the rule down (Alt+Down)")
        self.add_button.clicked.connect(self.add_rule)
        self.edit_button.clicked.connect(self.edit_rule)
        self.remove_button.clicked.connect(self.remove_rule)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(+1))
        for keys, step in (("Alt+Up", -1), ("Alt+Down", +1)):
            QShortcut(
                QKeySequence(keys),
                self.rules_view,
                lambda s=step: self.move_selected(s),
                context=Qt.ShortcutContext.WidgetShortcut,
            )
        QShortcut(
            QKeySequence(Qt.Key.Key_Delete),
            self.rules_view,
            self.remove_rule,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        self.rules_status = _label()
        self.rules_empty = _label(
            "No rules yet. Until you add one, the short rules and the settings below "
            "decide; add a rule to let someone through, hold or mute an app.",
            HELP_STYLE,
        )

        rule_buttons = QVBoxLayout()
        for button in (
            self.add_button,
            self.edit_button,
            self.remove_button,
            self.up_button,
            self.down_button,
        ):
            rule_buttons.addWidget(button)
        rule_buttons.addStretch(1)
        rules_row = QHBoxLayout()
        rules_row.addWidget(self.rules_view, 1)
        rules_row.addLayout(rule_buttons)
        rules_box = QGroupBox("Rules")
        rules_layout = QVBoxLayout(rules_box)
        rules_layout.addWidget(
            _label(
                "Who and what gets through, held or muted. Checked from the top; the first "
                "rule that matches decides, like mail filters. Drag to reorder; changes "
                "apply at once. Short rules (below: let through or priority, by name) are "
                "checked after these; the inbox's \u201cAlways let this sender through\u201d "
                "adds a rule here.",
                HELP_STYLE,
            )
        )
        rules_layout.addLayout(rules_row, 1)
        rules_layout.addWidget(self.rules_empty)
        rules_layout.addWidget(self.rules_status)

        # Settings form, in tabs --------------------------------------------------------
        # One place per concept: everything that decides who gets through (rules, the
        # short rules by name, critical and repeats) is the first tab; the declared
        # settings of the other sections follow in theirs. Apply and Revert below the
        # tabs cover every tab's fields.
        self.fields: dict[str, OptionField] = {}
        self.form_labels: list[QLabel] = []
        self.tab_keys: list[str] = []
        """The tabs' keys in order: rules, general, boundaries, programs, calendars."""
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        columns: dict[str, QVBoxLayout] = {}

        def tab(key: str, title: str) -> QVBoxLayout:
            host = QWidget()
            host.setObjectName(f"tab.{key}")
            column = QVBoxLayout(host)
            scroll = QScrollArea()
            scroll.setWidget(host)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.tab_keys.append(key)
            self.tabs.addTab(scroll, title)
            columns[key] = column
            return column

        rules_column = tab("rules", "W&ho gets through")
        rules_column.addWidget(rules_box, 1)
        tab("general", "Schedule && &notifications")
        tab("boundaries", "&Boundaries")
        boxes: dict[str, QGroupBox] = {}
        for section in SECTIONS:
            box = QGroupBox(SECTION_TITLES.get(section, section.title()))
            box.setObjectName(f"section.{section}")
            form = QFormLayout(box)
            # The same policies in every group, whatever the style's defaults, so every
            # field starts at one x position (the label widths are evened out below).
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            form.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            for option in (o for o in OPTIONS if o.section == section):
                field = OptionField(option, self._form_changed)
                self.fields[option.attr] = field
                label = QLabel(option_label(option) + ":")
                label.setObjectName(f"{option.section}.{option.key}.label")
                label.setBuddy(field.widget)
                label.setToolTip(option.doc)
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.form_labels.append(label)
                form.addRow(label, field.container)
            boxes[section] = box
        # Short rules right under the rules, then what else lets things through focus.
        for section in sorted(boxes, key=lambda name: name != "breakthrough"):
            columns[TAB_OF_SECTION.get(section, "general")].addWidget(boxes[section])
        # Each QFormLayout sizes its own label column; one width for all of them lines
        # the groups' fields up (the issue counted four different x positions).
        label_width = max(label.sizeHint().width() for label in self.form_labels)
        for label in self.form_labels:
            label.setFixedWidth(label_width)
        self.templates_section = TemplatesSection(engine)
        columns["boundaries"].addWidget(self.templates_section)
        for key in ("general", "boundaries"):
            columns[key].addStretch(1)
        programs_column = tab("programs", "Pro&grams")
        programs_column.addWidget(self._build_programs_box(), 1)
        self.calendars: CalendarsSection | None = None
        if commands is not None:  # the app's command layer: shared with the command line
            from focus_app.ui.calendars_section import CalendarsSection

            self.calendars = CalendarsSection(commands)
            calendars_column = tab("calendars", "Calendars")
            calendars_column.addWidget(self.calendars)
            calendars_column.addStretch(1)

        self.form_status = _label()
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.setToolTip("Forget the changes above and show the saved settings")
        self.apply_button = QPushButton("A&pply")
        self.apply_button.setToolTip("Save the settings and use them at once")
        self.apply_button.setDefault(True)
        self.revert_button.clicked.connect(self.revert)
        self.apply_button.clicked.connect(self.apply)
        bottom = QHBoxLayout()
        bottom.addWidget(self.form_status, 1)
        bottom.addWidget(self.revert_button)
        bottom.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

        engine.settings_changed.connect(self.revert)
        self.revert()
        self._rule_selection_changed()

    def show_tab(self, key: str) -> None:
        """Bring the tab ``key`` (one of :attr:`tab_keys`) to the front."""
        self.tabs.setCurrentIndex(self.tab_keys.index(key))

    def show_field(self, attr: str) -> None:
        """Bring the tab holding the setting ``attr`` to the front and focus its field."""
        container = self.fields[attr].container
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is not None and page.isAncestorOf(container):
                self.tabs.setCurrentIndex(index)
                break
        self.fields[attr].widget.setFocus()

    # ----------------------------------------------------------------- programs

    def _build_programs_box(self) -> QGroupBox:
        """The Programs list: one row per program that sent notifications, choices in place."""
        self.programs_model = ProgramsModel(self._engine, self)
        view = QTableView()
        view.setModel(self.programs_model)
        view.setObjectName("programsView")
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Keys open the combo box in place (F2, or a letter); a click opens its list.
        view.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        view.clicked.connect(self.open_program_choice)
        view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
        view.setItemDelegateForColumn(Column.CHOICE, ChoiceDelegate(CHOICE_LABELS, view))
        view.setItemDelegateForColumn(Column.SENDER, ChoiceDelegate(SENDER_LABELS, view))
        view.verticalHeader().hide()
        view.setShowGrid(False)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = view.horizontalHeader()
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        for column in (Column.WEEK, Column.LAST_SEEN, Column.CHOICE, Column.SENDER):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        view.verticalHeader().setDefaultSectionSize(
            max(view.verticalHeader().defaultSectionSize(), QComboBox().sizeHint().height() + 6)
        )
        self.programs_view = view
        self.programs_empty = _label(EMPTY_TEXT, HELP_STYLE)
        self.programs_empty.setObjectName("programsEmpty")
        self.programs_status = _label()
        self.programs_model.applied.connect(self.programs_status.setText)
        for change in (self.programs_model.modelReset, self.programs_model.rowsInserted):
            change.connect(self._programs_count_changed)

        box = QGroupBox("Programs")
        rows = QVBoxLayout(box)
        rows.addWidget(
            _label(
                "Every program that has sent notifications. Choose what happens to each "
                "one's notifications; your rules above still come first. Changes apply at "
                "once.",
                HELP_STYLE,
            )
        )
        rows.addWidget(view, 1)
        rows.addWidget(self.programs_empty)
        rows.addWidget(self.programs_status)
        self._programs_count_changed()
        return box

    def open_program_choice(self, index: QModelIndex) -> None:
        """Open the choice or sender combo box of ``index`` with its list showing."""
        if not index.flags() & Qt.ItemFlag.ItemIsEditable:
            return
        self.programs_view.setCurrentIndex(index)
        self.programs_view.edit(index)
        editor = self.programs_view.indexWidget(index)
        if isinstance(editor, QComboBox):
            editor.showPopup()

    def _programs_count_changed(self, *_: object) -> None:
        empty = self.programs_model.rowCount() == 0
        self.programs_view.setVisible(not empty)
        self.programs_empty.setVisible(empty)

    # ----------------------------------------------------------------- settings form

    def form_values(self) -> tuple[dict[str, Any], list[str]]:
        """The valid values in the form by attribute, and the attributes that are invalid."""
        values: dict[str, Any] = {}
        invalid: list[str] = []
        for attr, field in self.fields.items():
            ok, value = field.validate()
            if ok:
                values[attr] = value
            else:
                invalid.append(attr)
        return values, invalid

    def pending(self) -> Settings | None:
        """The settings the form would apply, or ``None`` while any field is invalid."""
        values, invalid = self.form_values()
        if invalid:
            return None
        return dataclasses.replace(self._engine.settings, **values)

    def apply(self) -> bool:
        """Save and use the form's settings; refused while anything is invalid.

        Returns:
            Whether the settings were applied.
        """
        settings = self.pending()
        if settings is None:
            self._form_changed()
            _values, invalid = self.form_values()
            if invalid:  # the marked field may sit in another tab: show it
                self.show_field(invalid[0])
            return False
        try:
            self._engine.update_settings(settings)
        except OSError as error:
            self.form_status.setText(
                f"Could not save the settings ({error}); check that the folder is writable."
            )
            return False
        self.form_status.setText("Saved. The new settings apply now.")
        return True

    def revert(self) -> None:
        """Show the engine's current settings, dropping unapplied changes."""
        self._loading = True
        try:
            for attr, field in self.fields.items():
                field.set_value(getattr(self._engine.settings, attr))
        finally:
            self._loading = False
        self._form_changed()

    def _form_changed(self) -> None:
        if self._loading:
            return
        values, invalid = self.form_values()
        current = self._engine.settings
        dirty = bool(invalid) or any(getattr(current, a) != v for a, v in values.items())
        self.apply_button.setEnabled(dirty and not invalid)
        self.revert_button.setEnabled(dirty)
        if invalid:
            names = ", ".join(option_label(self.fields[a].option) for a in invalid)
            self.form_status.setText(f"Fix the marked field to apply: {names}.")
            self.form_status.setStyleSheet(ERROR_STYLE)
        else:
            self.form_status.setStyleSheet("")
            self.form_status.setText("Unsaved changes." if dirty else "")

    # ----------------------------------------------------------------- rules

    def selected_rule(self) -> Rule | None:
        """The selected rule, if any."""
        rows = self.rules_view.selectionModel().selectedRows()
        if not rows:
            return None
        rule: Rule = rows[0].data(RuleRole.RuleObjectRole)
        return rule

    def select_rule(self, rule_id: int | None) -> None:
        """Select the rule with ``rule_id`` (e.g. after adding or moving it)."""
        row = self.rules_model.row_of(rule_id) if rule_id is not None else -1
        if row >= 0:
            self.rules_view.setCurrentIndex(self.rules_model.index(row))

    def add_rule(self) -> None:
        """Open the editor for a new rule; it goes above the selected rule, else on top."""
        self._open_editor(None)

    def edit_rule(self) -> None:
        """Open the editor for the selected rule."""
        rule = self.selected_rule()
        if rule is not None:
            self._open_editor(rule)

    def remove_rule(self) -> None:
        """Remove the selected rule."""
        rule = self.selected_rule()
        if rule is None or rule.id is None:
            return
        row = self.rules_model.row_of(rule.id)
        self._engine.remove_rule(rule.id)
        self.rules_status.setText(f"Removed: {describe_rule(rule)}")
        if self.rules_model.rowCount():
            self.rules_view.setCurrentIndex(
                self.rules_model.index(min(row, self.rules_model.rowCount() - 1))
            )

    def move_selected(self, step: int) -> None:
        """Move the selected rule up (-1) or down (+1): the keyboard way to reorder."""
        rule = self.selected_rule()
        if rule is None or rule.id is None:
            return
        row = self.rules_model.row_of(rule.id)
        if self.rules_model.move_rule(rule.id, row + step):
            self.select_rule(rule.id)

    def _edit_index(self, index: QModelIndex) -> None:
        rule: Rule | None = index.data(RuleRole.RuleObjectRole)
        if rule is not None:
            self._open_editor(rule)

    def _open_editor(self, rule: Rule | None) -> None:
        dialog = RuleEditorDialog(rule, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        position = None
        if rule is None:
            selected = self.selected_rule()
            position = self.rules_model.row_of(selected.id) if selected and selected.id else 0
        dialog.accepted.connect(lambda: self._editor_accepted(dialog, position))
        dialog.finished.connect(lambda _result: self._editor_closed(dialog))
        self.editor = dialog
        dialog.open()
        self.editor_opened.emit(dialog)

    def _editor_accepted(self, dialog: RuleEditorDialog, position: int | None) -> None:
        rule = dialog.rule()
        if rule.id is None:
            stored = self._engine.add_rule(rule, position)
            where = "at the top" if position == 0 else f"at position {(position or 0) + 1}"
            self.rules_status.setText(f"Added {where}: {describe_rule(stored)}")
            self.select_rule(stored.id)
        else:
            self._engine.update_rule(rule)
            self.rules_status.setText(f"Changed: {describe_rule(rule)}")
            self.select_rule(rule.id)

    def _editor_closed(self, dialog: RuleEditorDialog) -> None:
        if self.editor is dialog:
            self.editor = None

    def _rule_selection_changed(self, *_: object) -> None:
        rule = self.selected_rule()
        row = self.rules_model.row_of(rule.id) if rule and rule.id is not None else -1
        count = self.rules_model.rowCount()
        self.edit_button.setEnabled(rule is not None)
        self.remove_button.setEnabled(rule is not None)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)
        self.rules_empty.setVisible(count == 0)


__all__ = [
    "FOLLOW_SYSTEM",
    "OptionField",
    "RuleEditorDialog",
    "SettingsPage",
    "humanize",
    "option_label",
]
