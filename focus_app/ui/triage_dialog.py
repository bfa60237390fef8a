"""Adding a request, and triaging one: the short decision path, the outcome, the reply.

:class:`AddRequestDialog` records who asks what (from the Requests page, or prefilled
from a held notification in the inbox, keeping the link). :class:`TriageDialog` walks
the four questions of :func:`focus_app.core.requests.next_step`, one Yes/No at a time,
and then offers the suggested outcome as the default button; any outcome can also be
picked at once by someone who knows already. "Does it fit this week's budget?" is never
asked: the dialog works it out from where accepting would book the request, and shows
the meter's numbers. Each outcome shows what it will do (the window it books, the
commitment that makes room, the date it comes back, who it goes to) and the reply to
send, in three tones, editable, to copy or to open in the mail client.

Everything is reachable from the keyboard: every control has a mnemonic, Yes/No are
Alt+Y/Alt+N, and the default button follows the step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from urllib.parse import quote

from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from focus_app import boundaries
from focus_app.boundaries import BoundaryError, OverBudgetError
from focus_app.core.booking import Span
from focus_app.core.replies import Tone
from focus_app.core.requests import (
    Answers,
    Question,
    Request,
    RequestOrigin,
    Suggestion,
    TriageOutcome,
    next_step,
    parse_due,
    parse_estimate,
    request_problem,
)
from focus_app.engine import Engine
from focus_app.ui.requests_model import booked_text, estimate_text
from focus_app.ui.widgets import plain_label as _plain_label

UrlOpener = Callable[[QUrl], bool]
"""Opens a URL with the desktop's opener (``QDesktopServices.openUrl``; tests pass a fake)."""


def _error_label() -> QLabel:
    label = _plain_label()
    label.setObjectName("problem")
    label.setStyleSheet("QLabel#problem { color: #b3261e; }")
    return label


# ------------------------------------------------------------------ adding a request


class AddRequestDialog(QDialog):
    """Who asks what, how long it takes, by when: checked as it is typed.

    Args:
        engine: Where the request goes (and whose clock says what "fri" means).
        who: Prefill (e.g. the sender of a held notification).
        what: Prefill (e.g. its title).
        notification_id: The held notification it is made from; kept with the request.
        parent: The Qt parent.

    Attributes:
        added: The stored request once OK was pressed, else ``None``.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        who: str = "",
        what: str = "",
        notification_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self.notification_id = notification_id
        self.added: Request | None = None
        self.setWindowTitle("Add a request")
        self.who_edit = QLineEdit(who)
        self.who_edit.setPlaceholderText("Dana, or dana@example.org")
        self.what_edit = QLineEdit(what)
        self.what_edit.setPlaceholderText("Review the deck")
        self.estimate_edit = QLineEdit("30m")
        self.estimate_edit.setPlaceholderText("30m, 1h30m")
        self.due_edit = QLineEdit()
        self.due_edit.setPlaceholderText("optional: today, tomorrow, fri or 2026-12-04")
        form = QFormLayout()
        form.addRow("&Who asks:", self.who_edit)
        form.addRow("&What:", self.what_edit)
        form.addRow("&Estimate:", self.estimate_edit)
        form.addRow("&Due:", self.due_edit)
        self.problem = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Add")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if notification_id is not None:
            layout.addWidget(_plain_label("From a held notification; the request keeps the link."))
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        # Room for the longest hint and a mail subject: the bare size hint was 212 px,
        # which cut both ("optional: today, t…", ": quarterly numbers").
        metrics = self.due_edit.fontMetrics()
        room = max(
            metrics.horizontalAdvance(self.due_edit.placeholderText()) + 24,
            40 * metrics.averageCharWidth(),
        )
        for edit in (self.who_edit, self.what_edit, self.estimate_edit, self.due_edit):
            edit.setMinimumWidth(room)
            edit.textChanged.connect(self._check)
        self._check()
        (self.what_edit if who and not what else self.who_edit).setFocus()

    def values(self) -> tuple[str, str, timedelta, date | None]:
        """``(what, who, estimate, due)`` as typed.

        Raises:
            ValueError: One line saying which field is wrong.
        """
        what, who = self.what_edit.text().strip(), self.who_edit.text().strip()
        estimate = parse_estimate(self.estimate_edit.text())
        problem = request_problem(what, who, estimate)
        if problem is not None:
            raise ValueError(problem)
        due_text = self.due_edit.text().strip()
        today = self._engine.clock.now().astimezone(self._engine.tz).date()
        due = parse_due(due_text, today) if due_text else None
        return what, who, estimate, due

    def _check(self) -> None:
        try:
            self.values()
        except ValueError as exc:
            message = str(exc)
            self.problem.setText(message[:1].upper() + message[1:])
            ok = False
        else:
            self.problem.setText("")
            ok = True
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def accept(self) -> None:
        try:
            what, who, estimate, due = self.values()
            origin = (
                RequestOrigin.NOTIFICATION
                if self.notification_id is not None
                else RequestOrigin.WINDOW
            )
            self.added = self._engine.ask(
                what, who, estimate, due=due, origin=origin, notification_id=self.notification_id
            )
        except ValueError as exc:
            self.problem.setText(str(exc))
            return
        super().accept()


# ------------------------------------------------------------------ triage

OUTCOME_TEXT = {
    TriageOutcome.ACCEPT: "&Accept",
    TriageOutcome.DEFER: "De&fer",
    TriageOutcome.DECLINE: "De&cline",
    TriageOutcome.REFER: "&Refer",
}

CONFIRM_TEXT = {
    TriageOutcome.ACCEPT: "Accept and &book",
    TriageOutcome.DEFER: "&Defer it",
    TriageOutcome.DECLINE: "&Decline it",
    TriageOutcome.REFER: "&Hand it over",
}

TONE_TEXT = {Tone.WARM: "Warm", Tone.SHORT: "Short", Tone.FORMAL: "Formal"}


class TriageDialog(QDialog):
    """The decision path for one request, the outcome, and the reply to send.

    Args:
        engine: The engine (decides, books, renders replies).
        request: The request to triage.
        opener: Opens the ``mailto:`` URL (default: the desktop's opener).
        parent: The Qt parent.

    Attributes:
        answers: The answers given so far.
        outcome: The outcome picked (suggested or direct), ``None`` before.
        decided: The request as decided, once "confirm" succeeded.
        warning: The gentle overload warning of a referral, if there was one.
    """

    def __init__(
        self,
        engine: Engine,
        request: Request,
        *,
        opener: UrlOpener | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        assert request.id is not None
        self._engine = engine
        self.request = request
        self._open_url: UrlOpener = opener or QDesktopServices.openUrl
        self.outcome: TriageOutcome | None = None
        self.decided: Request | None = None
        self.warning: str | None = None
        self.setWindowTitle(f"Triage: {request.what[:60]}")

        now = engine.clock.now()
        # Where accepting would book it, and whether that week has room in the budget.
        self.slot: Span | None = None
        self.over_budget: OverBudgetError | None = None
        self.no_room = ""
        try:
            self.slot, _ = boundaries.plan_accept(
                engine.store, engine.settings, engine.schedule(), request, now
            )
        except OverBudgetError as exc:
            self.over_budget = exc
            try:
                self.slot, _ = boundaries.plan_accept(
                    engine.store, engine.settings, engine.schedule(), request, now, force=True
                )
            except BoundaryError:
                self.slot = None
        except BoundaryError as exc:
            self.no_room = str(exc)
        budget = self.over_budget.budget if self.over_budget else engine.week_budget(
            self.slot.start if self.slot else None
        )
        self.answers = Answers(fits_budget=self.slot is not None and self.over_budget is None)

        # --- the request and the meter
        due = f", due {boundaries.day_text(request.due)}" if request.due else ""
        summary = _plain_label(
            f"{request.who} asks: {request.what}\n{estimate_text(request.estimate)}{due}"
        )
        summary.setObjectName("summary")
        font = summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        summary.setFont(font)
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setValue(min(100, round(budget.fraction * 100)))
        self.meter.setFormat(budget.text())
        self.meter.setToolTip(
            "This week's budget (Monday to Sunday): hours of commitments and breakthroughs"
        )
        self.meter.setAccessibleName(f"Budget: {budget.text()}")
        self.meter_label = _plain_label(self._fit_text(request, budget.room))

        # --- the questions
        self.question_label = _plain_label()
        self.question_label.setObjectName("question")
        qfont = self.question_label.font()
        qfont.setBold(True)
        self.question_label.setFont(qfont)
        self.yes_button = QPushButton("&Yes")
        self.no_button = QPushButton("&No")
        self.restart_button = QPushButton("Start o&ver")
        self.yes_button.clicked.connect(lambda: self.answer(True))
        self.no_button.clicked.connect(lambda: self.answer(False))
        self.restart_button.clicked.connect(self.restart)
        self.trail = _plain_label()
        self.trail.setObjectName("trail")
        path_box = QGroupBox("Decide")
        path_layout = QVBoxLayout(path_box)
        path_layout.addWidget(self.trail)
        path_layout.addWidget(self.question_label)
        row = QHBoxLayout()
        row.addWidget(self.yes_button)
        row.addWidget(self.no_button)
        row.addStretch(1)
        row.addWidget(self.restart_button)
        path_layout.addLayout(row)

        # --- the outcomes, always pickable
        self.outcome_buttons: dict[TriageOutcome, QRadioButton] = {}
        self._outcome_group = QButtonGroup(self)
        outcomes_row = QHBoxLayout()
        outcomes_row.addWidget(QLabel("Outcome:"))
        for outcome in TriageOutcome:
            radio = QRadioButton(OUTCOME_TEXT[outcome])
            self.outcome_buttons[outcome] = radio
            self._outcome_group.addButton(radio)
            radio.toggled.connect(
                lambda on, o=outcome: self.choose(o) if on and self.outcome is not o else None
            )
            outcomes_row.addWidget(radio)
        outcomes_row.addStretch(1)
        path_layout.addLayout(outcomes_row)

        # --- what each outcome will do
        self.details = QStackedWidget()
        self.details.addWidget(self._accept_panel(now))
        self.details.addWidget(self._defer_panel())
        self.details.addWidget(self._decline_panel())
        self.details.addWidget(self._refer_panel())
        self.details.setVisible(False)

        # --- the reply
        self.tone_combo = QComboBox()
        for tone in Tone:
            self.tone_combo.addItem(TONE_TEXT[tone], tone.value)
        self.tone_combo.currentIndexChanged.connect(self.refresh_reply)
        tone_label = QLabel("&Tone:")
        tone_label.setBuddy(self.tone_combo)
        self.reply_edit = QPlainTextEdit()
        self.reply_edit.setTabChangesFocus(True)
        self.reply_edit.setAccessibleName("Reply")
        self.reply_edit.setPlaceholderText("The reply appears here once an outcome is picked.")
        self.reply_edit.setMinimumHeight(80)
        self.reply_edit.setMaximumHeight(140)
        self.copy_button = QPushButton("Co&py")
        self.copy_button.setToolTip("Put the reply on the clipboard")
        self.copy_button.clicked.connect(self.copy_reply)
        self.mail_button = QPushButton("Open in &mail")
        self.mail_button.setToolTip("Start a mail with this reply in your mail program")
        self.mail_button.clicked.connect(self.open_in_mail)
        reply_box = QGroupBox("Reply")
        reply_layout = QVBoxLayout(reply_box)
        tone_row = QHBoxLayout()
        tone_row.addWidget(tone_label)
        tone_row.addWidget(self.tone_combo)
        tone_row.addStretch(1)
        tone_row.addWidget(self.copy_button)
        tone_row.addWidget(self.mail_button)
        reply_layout.addLayout(tone_row)
        reply_layout.addWidget(self.reply_edit)
        self.reply_box = reply_box

        self.problem = _error_label()
        self.note = _plain_label()
        self.note.setObjectName("note")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = QPushButton(CONFIRM_TEXT[TriageOutcome.ACCEPT])
        self.buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm_button.clicked.connect(self.confirm)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.meter)
        layout.addWidget(self.meter_label)
        layout.addWidget(path_box)
        layout.addWidget(self.details)
        layout.addWidget(reply_box)
        layout.addWidget(self.problem)
        layout.addWidget(self.note)
        # The dialog opens taller than its contents: the room goes here, above the
        # buttons, not into the Reply group as empty bands around its rows.
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(620, 640)
        self._show_step()

    # ----------------------------------------------------------------- panels

    def _fit_text(self, request: Request, room: timedelta) -> str:
        if self.no_room:
            return self.no_room[:1].upper() + self.no_room[1:]
        left = estimate_text(room) if room > timedelta() else "nothing"
        fits = "fits" if self.over_budget is None else "does not fit"
        return (
            f"{estimate_text(request.estimate)} {fits} this week's budget ({left} left)."
        )

    def _accept_panel(self, now: datetime) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        tz = self._engine.tz
        if self.slot is not None:
            booked = dataclasses.replace(
                self.request, booked_start=self.slot.start, booked_end=self.slot.end
            )
            where = booked_text(booked, now, tz)
            text = f"Books it for {where}: the next availability window with room."
        else:
            text = self.no_room or "No availability window has room: defer it instead."
        self.accept_label = _plain_label(text)
        layout.addWidget(self.accept_label)
        self.room_combo = QComboBox()
        self.room_combo.setAccessibleName("What makes room")
        self.defer_instead_button = QPushButton("Defer &instead")
        self.defer_instead_button.clicked.connect(lambda: self.choose(TriageOutcome.DEFER))
        self.room_row = QWidget()
        room_layout = QFormLayout(self.room_row)
        room_layout.setContentsMargins(0, 0, 0, 0)
        if self.over_budget is not None:
            self.room_combo.addItem("Nothing: accept past the budget", None)
            for r in self.over_budget.commitments:
                self.room_combo.addItem(
                    f"Move to next week: {r.what} ({r.who}, {booked_text(r, now, tz)})",
                    r.id,
                )
            if self.over_budget.commitments:
                self.room_combo.setCurrentIndex(1)
            room_label = QLabel("Over budget; make room &with:")
            room_label.setBuddy(self.room_combo)
            inner = QHBoxLayout()
            inner.addWidget(self.room_combo, 1)
            inner.addWidget(self.defer_instead_button)
            room_layout.addRow(room_label, inner)
        else:
            self.room_row.setVisible(False)
        layout.addWidget(self.room_row)
        return panel

    def _defer_panel(self) -> QWidget:
        panel = QWidget()
        form = QFormLayout(panel)
        form.setContentsMargins(0, 0, 0, 0)
        today = self._engine.clock.now().astimezone(self._engine.tz).date()
        monday = today + timedelta(days=7 - today.weekday())
        self.defer_edit = QDateEdit(QDate(monday.year, monday.month, monday.day))
        self.defer_edit.setCalendarPopup(True)
        self.defer_edit.setDisplayFormat("yyyy-MM-dd")  # as on the command line
        tomorrow = today + timedelta(days=1)
        self.defer_edit.setMinimumDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
        self.defer_edit.dateChanged.connect(self.refresh_reply)
        label = QLabel("Comes &back on:")
        label.setBuddy(self.defer_edit)
        form.addRow(label, self.defer_edit)
        return panel

    def _decline_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_plain_label("Says no kindly; nothing is booked."))
        return panel

    def _refer_panel(self) -> QWidget:
        panel = QWidget()
        form = QFormLayout(panel)
        form.setContentsMargins(0, 0, 0, 0)
        self.refer_combo = QComboBox()
        self._entries = {e.contact.name: e for e in self._engine.referrals()}
        for name, entry in self._entries.items():
            topics = f" ({', '.join(entry.contact.topics)})" if entry.contact.topics else ""
            recent = f", referred {entry.recent}× lately" if entry.recent else ""
            free = f", {entry.availability}" if entry.next_available is not None else ""
            self.refer_combo.addItem(f"{name}{topics}{recent}{free}", name)
        self.refer_combo.currentIndexChanged.connect(self._referral_changed)
        label = QLabel("&Who can help:")
        label.setBuddy(self.refer_combo)
        form.addRow(label, self.refer_combo)
        self.refer_warning = _plain_label()
        self.refer_warning.setObjectName("referWarning")
        self.refer_warning.setStyleSheet("QLabel#referWarning { color: #8a5300; }")
        form.addRow(self.refer_warning)
        if not self._entries:
            self.refer_warning.setText(
                "The referral directory is empty: add people on the Directory tab first."
            )
        return panel

    # ----------------------------------------------------------------- the path

    def answer(self, yes: bool) -> None:
        """Answer the current question."""
        step = next_step(self.answers)
        if not isinstance(step, Question):
            return
        self.answers = dataclasses.replace(self.answers, **{step.value: yes})
        self._show_step()

    def restart(self) -> None:
        """Forget the answers (the budget's stays: it is computed, not asked)."""
        self.answers = Answers(fits_budget=self.answers.fits_budget)
        self._show_step()
        self.yes_button.setFocus()

    def step(self) -> Question | Suggestion:
        return next_step(self.answers)

    def _show_step(self) -> None:
        step = next_step(self.answers)
        self.trail.setText(self._trail_text())
        self.trail.setVisible(bool(self.trail.text()))
        if isinstance(step, Question):
            self.question_label.setText(step.text(self._engine.settings.priorities))
            self.yes_button.setEnabled(True)
            self.no_button.setEnabled(True)
            self.yes_button.setDefault(True)
            self.confirm_button.setDefault(False)
            if self.outcome is None:
                self.yes_button.setFocus()
            return
        self.question_label.setText(f"Suggested: {_bare(OUTCOME_TEXT[step.outcome])}, {step.why}.")
        self.yes_button.setEnabled(False)
        self.no_button.setEnabled(False)
        self.choose(step.outcome)

    def _trail_text(self) -> str:
        parts = []
        for question in Question:
            value = getattr(self.answers, question.value)
            if value is None or (question is Question.FITS_BUDGET):
                continue
            short = {
                Question.SERVES_PRIORITY: "serves a priority",
                Question.IS_MINE: "mine to do",
                Question.URGENT: "truly urgent",
            }[question]
            parts.append(f"{short}: {'yes' if value else 'no'}")
        return "; ".join(parts)

    def choose(self, outcome: TriageOutcome) -> None:
        """Pick an outcome (suggested, or directly): show what it does and its reply."""
        self.outcome = outcome
        button = self.outcome_buttons[outcome]
        if not button.isChecked():
            button.setChecked(True)
        self.details.setCurrentIndex(list(TriageOutcome).index(outcome))
        self.details.setVisible(True)
        self.confirm_button.setText(CONFIRM_TEXT[outcome])
        self.confirm_button.setEnabled(
            not (outcome is TriageOutcome.ACCEPT and self.slot is None)
            and not (outcome is TriageOutcome.REFER and not self._entries)
        )
        self.yes_button.setDefault(False)
        self.confirm_button.setDefault(True)
        if outcome is TriageOutcome.REFER:
            self._referral_changed()
        self.problem.setText("")
        self.refresh_reply()
        self.confirm_button.setFocus()

    def _referral_changed(self, _index: int = 0) -> None:
        name = self.refer_combo.currentData()
        entry = self._entries.get(str(name)) if name is not None else None
        if entry is not None:
            self.refer_warning.setText(entry.warning or "")
            self.refer_warning.setVisible(bool(entry.warning))
        if self.outcome is TriageOutcome.REFER:
            self.refresh_reply()

    # ----------------------------------------------------------------- the reply

    def tone(self) -> Tone:
        return Tone(self.tone_combo.currentData())

    def defer_until(self) -> date:
        d = self.defer_edit.date()
        return date(d.year(), d.month(), d.day())

    def _preview_request(self) -> Request:
        """The request as the chosen outcome would leave it (for the reply's fields)."""
        r = self.request
        if self.outcome is TriageOutcome.ACCEPT and self.slot is not None:
            return dataclasses.replace(r, booked_start=self.slot.start, booked_end=self.slot.end)
        if self.outcome is TriageOutcome.DEFER:
            return dataclasses.replace(r, defer_until=self.defer_until())
        if self.outcome is TriageOutcome.REFER and self.refer_combo.currentData() is not None:
            return dataclasses.replace(r, referral=str(self.refer_combo.currentData()))
        return r

    def refresh_reply(self, *_: object) -> None:
        """Fill the reply from the template of the outcome and tone (replacing edits)."""
        if self.outcome is None:
            return
        text = self._engine.reply_for(self._preview_request(), self.tone(), self.outcome)
        self.reply_edit.setPlainText(text)

    def reply_text(self) -> str:
        return self.reply_edit.toPlainText()

    def copy_reply(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.reply_text())
        self.problem.setText("")
        self.note.setText("The reply is on the clipboard.")

    def mailto_url(self) -> QUrl:
        """``mailto:`` with the asker (when they are an address), subject and the reply."""
        who = self.request.who
        to = who if "@" in who and " " not in who.strip() else ""
        subject = quote(f"Re: {self.request.what}", safe="")
        body = quote(self.reply_text(), safe="")
        return QUrl(f"mailto:{quote(to, safe='@')}?subject={subject}&body={body}")

    def open_in_mail(self) -> None:
        if not self._open_url(self.mailto_url()):
            self.problem.setText(
                "No mail program opened: copy the reply instead, or set a default mail app"
            )

    # ----------------------------------------------------------------- deciding

    def confirm(self) -> None:
        """Take the chosen outcome through the engine; a refusal stays in the dialog."""
        outcome = self.outcome
        request_id = self.request.id
        assert request_id is not None
        if outcome is None:
            self.problem.setText("Answer the questions or pick an outcome first")
            return
        engine = self._engine
        try:
            if outcome is TriageOutcome.ACCEPT:
                instead = None
                force = False
                if self.over_budget is not None:
                    instead = self.room_combo.currentData()
                    force = instead is None
                self.decided = engine.accept_request(request_id, instead=instead, force=force)
            elif outcome is TriageOutcome.DEFER:
                self.decided = engine.defer_request(request_id, self.defer_until())
            elif outcome is TriageOutcome.DECLINE:
                self.decided = engine.decline_request(request_id)
            else:
                name = self.refer_combo.currentData()
                self.decided, self.warning = engine.refer_request(request_id, str(name))
        except (LookupError, ValueError) as exc:
            message = str(exc)
            self.problem.setText(message[:1].upper() + message[1:])
            return
        self.accept()


def _bare(text: str) -> str:
    return text.replace("&", "")


__all__ = ["AddRequestDialog", "TriageDialog", "UrlOpener"]
