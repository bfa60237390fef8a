"""Requests for the person's time, and the short, kind path that decides what to do with them.

A *request* is an ask: who wants what, how long it takes, by when, and where it came from
(a held notification, the command line, the window, a mail or chat bridge). Triage ends
in one of four outcomes: **accept** (booked into the next availability window with room),
**defer** (comes back on a date), **decline** (kindly) or **refer** (to someone in the
directory who can help better).

The decision path is an engagement-assessment chart in four questions, asked in this
order because each one makes the later ones moot:

1. Does it serve one of my priorities? No: *decline* (unless it is truly urgent for them,
   then someone else should help: *refer*).
2. Is it mine to do? No: *refer*.
3. Does it fit this week's budget? Yes: *accept*.
4. Is it truly urgent for them? Yes: *accept* anyway (something else makes room); no:
   *defer*.

Every outcome can also be taken directly by someone who knows the answer already; the
path only suggests. Pure: no Qt, no I/O, no clock (``now`` and ``today`` are arguments).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from focus_app.core.model import WEEKDAY_NAMES
from focus_app.core.parsing import parse_duration

MAX_WHAT = 500
"""The most characters a request's text may have: a request is a line, not a letter."""
MAX_WHO = 200
"""The most characters of a requester's name or address."""
MAX_ESTIMATE = timedelta(hours=40)
"""The longest estimate: a working week. Longer asks are projects, not requests."""
MIN_ESTIMATE = timedelta(minutes=1)
MAX_DUE_AHEAD = timedelta(days=3 * 366)
"""A due date further ahead than this is almost always a typo in the year."""


class RequestStatus(enum.StrEnum):
    """Where a request stands."""

    OPEN = "open"
    """Waiting for triage."""
    ACCEPTED = "accepted"
    """Booked as a commitment into an availability window."""
    DEFERRED = "deferred"
    """Comes back on ``defer_until``."""
    DECLINED = "declined"
    REFERRED = "referred"
    """Pointed to someone in the referral directory."""


class TriageOutcome(enum.StrEnum):
    """What triage decides; each maps to the status the request ends in."""

    ACCEPT = "accept"
    DEFER = "defer"
    DECLINE = "decline"
    REFER = "refer"

    @property
    def status(self) -> RequestStatus:
        return _STATUS_OF[self]


_STATUS_OF = {
    TriageOutcome.ACCEPT: RequestStatus.ACCEPTED,
    TriageOutcome.DEFER: RequestStatus.DEFERRED,
    TriageOutcome.DECLINE: RequestStatus.DECLINED,
    TriageOutcome.REFER: RequestStatus.REFERRED,
}


class RequestOrigin(enum.StrEnum):
    """Where a request came from."""

    COMMAND_LINE = "command-line"
    WINDOW = "window"
    NOTIFICATION = "notification"
    """Turned into a request from a held notification (``notification_id`` links it)."""
    BRIDGE = "bridge"
    """A mail or chat bridge over the socket."""


@dataclass(frozen=True)
class Request:
    """An ask for the person's time.

    Attributes:
        what: What is asked, one line.
        who: Who asks (a name or an address; used as ``{name}`` in replies).
        estimate: How long it takes, at least a minute and at most :data:`MAX_ESTIMATE`.
        created_at: When it was recorded (aware).
        due: The date they need it by, or ``None``.
        origin: Where it came from.
        notification_id: The held notification it was made from, if any.
        status: Where it stands.
        decided_at: When triage decided (``None`` while open).
        booked_start: For an accepted request, the booked commitment (aware instants).
        booked_end: See ``booked_start``.
        defer_until: For a deferred request, the date it comes back.
        referral: For a referred request, the directory entry's name.
        id: The store's id (``None`` before it is stored).
    """

    what: str
    who: str
    estimate: timedelta
    created_at: datetime
    due: date | None = None
    origin: RequestOrigin = RequestOrigin.COMMAND_LINE
    notification_id: int | None = None
    status: RequestStatus = RequestStatus.OPEN
    decided_at: datetime | None = None
    booked_start: datetime | None = None
    booked_end: datetime | None = None
    defer_until: date | None = None
    referral: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        problem = request_problem(self.what, self.who, self.estimate)
        if problem is not None:
            raise ValueError(problem)
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must be an aware datetime")
        if (self.booked_start is None) != (self.booked_end is None):
            raise ValueError("a booked request needs both a start and an end")

    def is_back(self, today: date) -> bool:
        """Whether it needs triage on ``today``: open, or deferred to today or earlier."""
        if self.status is RequestStatus.OPEN:
            return True
        return (
            self.status is RequestStatus.DEFERRED
            and self.defer_until is not None
            and self.defer_until <= today
        )


def request_problem(what: str, who: str, estimate: timedelta) -> str | None:
    """Why these fields cannot make a request (one line), or ``None`` if they can."""
    if not what.strip():
        return 'the request is empty: say what is asked, e.g. "Review the deck"'
    if len(what) > MAX_WHAT:
        return (
            f"the request is too long ({len(what)} characters; at most {MAX_WHAT}): "
            "keep it to one line and put details in a note"
        )
    if not who.strip():
        return "who asks is empty: give a name, e.g. --from Dana"
    if len(who) > MAX_WHO:
        return f"who asks is too long ({len(who)} characters; at most {MAX_WHO})"
    if any(c in what or c in who for c in "\n\r\x00"):
        return "the request and who asks must be one line of text"
    if estimate < MIN_ESTIMATE:
        return "the estimate must be at least 1 minute, e.g. 30m"
    if estimate > MAX_ESTIMATE:
        return "the estimate is over 40 hours: split it into smaller requests"
    return None


def typed_problem(what: str, who: str) -> str | None:
    """Why typed-in text cannot make a request (one line), or ``None``.

    Stricter than :func:`request_problem`, which also vets rows read back from the
    store: what is typed now must be one line without any control character (a tab or
    an escape sequence pasted into the window's form would be printed by ``request
    list``).
    """
    bad = next((c for c in what + who if c < " " or "\x7f" <= c <= "\x9f"), None)
    if bad is not None:
        return (
            "the request and who asks must be one line of text without control "
            f"characters (found U+{ord(bad):04X}); remove it"
        )
    return None


def parse_estimate(text: str) -> timedelta:
    """An estimate like ``30m``, ``1h30m`` or ``2h``: more than zero, at most 40 hours.

    Raises:
        ValueError: One line saying what was wrong (``0m``, ``-5m``, ``1000h``, ``soon``).
    """
    raw = text.strip()
    if raw.startswith("-"):
        raise ValueError(f"bad estimate '{raw[:40]}': it must be longer than zero, e.g. 30m")
    try:
        estimate = parse_duration(raw)
    except ValueError as error:
        message = str(error).replace("duration", "estimate", 1)
        if "at most 7 days" in message:
            message = f"bad estimate '{raw[:40]}': at most 40h; split bigger asks"
        raise ValueError(message) from None
    if estimate < MIN_ESTIMATE:
        raise ValueError(f"bad estimate '{raw[:40]}': at least 1 minute, e.g. 30m")
    if estimate > MAX_ESTIMATE:
        raise ValueError(f"bad estimate '{raw[:40]}': at most 40h; split bigger asks")
    return estimate


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_due(text: str, today: date) -> date:
    """A due date: ``today``, ``tomorrow``, a weekday (``fri``: the next one, today
    included) or ``YYYY-MM-DD``.

    Raises:
        ValueError: Not a date, in the past, or more than three years ahead.
    """
    raw = text.strip().lower()
    if raw == "today":
        return today
    if raw == "tomorrow":
        return today + timedelta(days=1)
    for index, name in enumerate(WEEKDAY_NAMES):
        full = _FULL_DAYS[index]
        if len(raw) >= 2 and (full.startswith(raw) or raw == name):
            return today + timedelta(days=(index - today.weekday()) % 7)
    if _ISO_DATE.match(raw):
        try:
            due = date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"bad due date '{text[:40]}': no such day") from None
        if due < today:
            raise ValueError(f"due date {due} is in the past: give today or a later day")
        if due - today > MAX_DUE_AHEAD:
            raise ValueError(f"due date {due} is more than three years ahead: check the year")
        return due
    raise ValueError(
        f"bad due date '{text[:40]}': use today, tomorrow, a weekday (fri) or YYYY-MM-DD"
    )


def parse_defer(text: str, today: date) -> date:
    """The day a deferred request comes back: like :func:`parse_due`, but a weekday is
    the next one *after* today (on a Monday, ``mon`` is next Monday: deferring to today
    is no deferral).

    Raises:
        ValueError: As :func:`parse_due`.
    """
    day = parse_due(text, today)
    if day == today and text.strip().lower() not in ("today", today.isoformat()):
        return today + timedelta(days=7)
    return day


_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# ------------------------------------------------------------------ the decision path


class Question(enum.StrEnum):
    """The questions of the triage path, in the order they are asked."""

    SERVES_PRIORITY = "serves_priority"
    IS_MINE = "is_mine"
    FITS_BUDGET = "fits_budget"
    URGENT = "urgent"

    def text(self, priorities: tuple[str, ...] = ()) -> str:
        """The question in words (naming the priorities when there are some)."""
        if self is Question.SERVES_PRIORITY:
            named = f" ({', '.join(priorities)})" if priorities else ""
            return f"Does it serve one of my priorities{named}?"
        return _QUESTION_TEXT[self]


_QUESTION_TEXT = {
    Question.IS_MINE: "Is it mine to do, or can someone else help better?",
    Question.FITS_BUDGET: "Does it fit this week's budget?",
    Question.URGENT: "Is it truly urgent for them?",
}


@dataclass(frozen=True)
class Answers:
    """Answers given so far; ``None`` means not asked (or not known) yet."""

    serves_priority: bool | None = None
    is_mine: bool | None = None
    fits_budget: bool | None = None
    urgent: bool | None = None


@dataclass(frozen=True)
class Suggestion:
    """Where the path ends: an outcome and why, in one line."""

    outcome: TriageOutcome
    why: str


def next_step(answers: Answers) -> Question | Suggestion:
    """The next question to ask, or the suggested outcome once the answers settle it.

    See the module docstring for the chart. A question whose answer is already known is
    skipped, so a caller that knows "fits the budget" (the engine computes it) never
    asks it.
    """
    if answers.serves_priority is None:
        return Question.SERVES_PRIORITY
    if not answers.serves_priority:
        if answers.urgent is None:
            return Question.URGENT
        if answers.urgent:
            return Suggestion(
                TriageOutcome.REFER,
                "urgent for them but not one of your priorities: point them to someone",
            )
        return Suggestion(TriageOutcome.DECLINE, "it serves none of your priorities")
    if answers.is_mine is None:
        return Question.IS_MINE
    if not answers.is_mine:
        return Suggestion(TriageOutcome.REFER, "someone else can help better")
    if answers.fits_budget is None:
        return Question.FITS_BUDGET
    if answers.fits_budget:
        return Suggestion(TriageOutcome.ACCEPT, "it serves a priority, is yours and fits")
    if answers.urgent is None:
        return Question.URGENT
    if answers.urgent:
        return Suggestion(TriageOutcome.ACCEPT, "truly urgent: accept and choose what makes room")
    return Suggestion(TriageOutcome.DEFER, "it does not fit this week and can wait")


def check_priorities(priorities: tuple[str, ...]) -> str | None:
    """Why a list of priorities is not usable (one line), or ``None``.

    Three to five: fewer is not a filter, more is not a priority. An empty list is
    allowed (not set up yet): the first question then names none.
    """
    if priorities and not 3 <= len(priorities) <= 5:
        return f"name 3 to 5 priorities, not {len(priorities)}"
    return None
