"""The "Reply templates" section of the settings page: one template per outcome and tone.

Triage offers a reply for every outcome in three tones (warm, short, formal); this is
where the person makes them their own. Pick the outcome and tone, edit the text, see the
fields it may use and a preview with example values, and save it; "Reset to default"
brings the built-in text back. Templates are checked with
:func:`focus_app.core.replies.template_problem` while they are typed, so a misspelt
field is found here and never in a reply. Saved templates live in the store and are
used by the triage dialog and ``focus-app request reply`` alike.

Edits to a template not yet saved are kept while another one is looked at (a draft per
outcome and tone), so switching to compare does not lose them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from focus_app.core.replies import (
    DEFAULT_TEMPLATES,
    FIELD_HELP,
    FIELDS,
    SAMPLE_FIELDS,
    Tone,
    render,
    template_problem,
)
from focus_app.core.requests import TriageOutcome
from focus_app.engine import Engine
from focus_app.ui.triage_dialog import TONE_TEXT  # the tones as the triage dialog words them
from focus_app.ui.widgets import plain_label as _label

OUTCOME_WORDS = {
    TriageOutcome.ACCEPT: "Accept",
    TriageOutcome.DEFER: "Defer",
    TriageOutcome.DECLINE: "Decline",
    TriageOutcome.REFER: "Refer",
}

Key = tuple[TriageOutcome, Tone]


class TemplatesSection(QGroupBox):
    """Edit, preview, save and reset the reply templates.

    Args:
        engine: Where templates are read from and saved to.
        parent: The Qt parent.
    """

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__("Reply templates", parent)
        self.setObjectName("section.reply_templates")
        self._engine = engine
        self._drafts: dict[Key, str] = {}
        self._loading = False

        self.outcome_combo = QComboBox()
        for outcome in TriageOutcome:
            self.outcome_combo.addItem(OUTCOME_WORDS[outcome], outcome.value)
        self.tone_combo = QComboBox()
        for tone in Tone:
            self.tone_combo.addItem(TONE_TEXT[tone], tone.value)
        self.editor = QPlainTextEdit()
        self.editor.setTabChangesFocus(True)
        self.editor.setAccessibleName("Reply template")
        self.editor.setMinimumHeight(70)
        self.editor.setMaximumHeight(120)
        self.fields_label = _label(
            "Fields: "
            + "; ".join(f"{{{name}}} {FIELD_HELP[name]}" for name in FIELDS)
            + ". Write {{ or }} for a brace.",
            "color: palette(placeholder-text);",
        )
        self.preview = _label()
        self.preview.setObjectName("reply_templates.preview")
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem = _label(style="color: #c0392b;")
        self.problem.setObjectName("reply_templates.problem")
        self.status = _label()
        self.save_button = QPushButton("Save &template")
        self.save_button.setToolTip("Use this text for replies of this outcome and tone")
        self.reset_button = QPushButton("Reset to defau&lt")
        self.reset_button.setToolTip("Bring back the built-in text for this outcome and tone")

        form = QFormLayout()
        outcome_label = QLabel("Out&come:")
        outcome_label.setBuddy(self.outcome_combo)
        tone_label = QLabel("T&one:")
        tone_label.setBuddy(self.tone_combo)
        pick = QHBoxLayout()
        pick.addWidget(self.outcome_combo)
        pick.addWidget(tone_label)
        pick.addWidget(self.tone_combo)
        pick.addStretch(1)
        form.addRow(outcome_label, pick)
        text_label = QLabel("Te&xt:")
        text_label.setBuddy(self.editor)
        form.addRow(text_label, self.editor)
        form.addRow("", self.fields_label)
        form.addRow("Preview:", self.preview)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)

        self.outcome_combo.currentIndexChanged.connect(self.load)
        self.tone_combo.currentIndexChanged.connect(self.load)
        self.editor.textChanged.connect(self._edited)
        self.save_button.clicked.connect(self.save)
        self.reset_button.clicked.connect(self.reset)
        self.load()

    # ----------------------------------------------------------------- state

    def key(self) -> Key:
        """The outcome and tone being edited."""
        return (
            TriageOutcome(self.outcome_combo.currentData()),
            Tone(self.tone_combo.currentData()),
        )

    def select(self, outcome: TriageOutcome, tone: Tone) -> None:
        """Show the template of ``outcome`` in ``tone`` (its draft, if one is kept)."""
        self.outcome_combo.setCurrentIndex(self.outcome_combo.findData(outcome.value))
        self.tone_combo.setCurrentIndex(self.tone_combo.findData(tone.value))

    def saved_text(self, key: Key | None = None) -> str:
        """The text replies use now for ``key`` (the person's own, else the default)."""
        outcome, tone = key or self.key()
        own = self._engine.reply_templates().get(outcome, {}).get(tone)
        return own if own else DEFAULT_TEMPLATES[outcome][tone]

    def text(self) -> str:
        return self.editor.toPlainText()

    def load(self, *_: object) -> None:
        """Show the current outcome and tone: its unsaved draft, or what is saved."""
        key = self.key()
        self._loading = True
        self.editor.setPlainText(self._drafts.get(key, self.saved_text(key)))
        self._loading = False
        self._update()

    def _edited(self) -> None:
        if self._loading:
            return
        key = self.key()
        if self.text() == self.saved_text(key):
            self._drafts.pop(key, None)
        else:
            self._drafts[key] = self.text()
        self._update()

    def _update(self) -> None:
        key = self.key()
        text = self.text()
        problem = template_problem(text)
        self.problem.setText(problem[:1].upper() + problem[1:] + "." if problem else "")
        self.preview.setText(render(text, SAMPLE_FIELDS) if problem is None else "")
        changed = key in self._drafts
        self.save_button.setEnabled(changed and problem is None)
        self.reset_button.setEnabled(text != DEFAULT_TEMPLATES[key[0]][key[1]])
        own = key[1] in self._engine.reply_templates().get(key[0], {})
        others = len(self._drafts) - (1 if changed else 0)
        parts = ["Not saved yet" if changed else ("Your own text" if own else "The default")]
        if others:
            parts.append(f"{others} other template{'s' if others > 1 else ''} not saved")
        self.status.setText("; ".join(parts) + ".")

    # ----------------------------------------------------------------- actions

    def save(self) -> bool:
        """Save the template shown; ``False`` (with the reason shown) if it is not usable."""
        outcome, tone = self.key()
        try:
            self._engine.set_reply_template(outcome, tone, self.text())
        except ValueError as error:
            self.problem.setText(str(error))
            return False
        self._drafts.pop((outcome, tone), None)
        self._update()
        self.status.setText(f"Saved: {OUTCOME_WORDS[outcome]}, {TONE_TEXT[tone].lower()}.")
        return True

    def reset(self) -> None:
        """Back to the built-in text for the outcome and tone shown (saved at once)."""
        outcome, tone = self.key()
        self._engine.reset_reply_template(outcome, tone)
        self._drafts.pop((outcome, tone), None)
        self.load()
        self.status.setText(
            f"Back to the default: {OUTCOME_WORDS[outcome]}, {TONE_TEXT[tone].lower()}."
        )
