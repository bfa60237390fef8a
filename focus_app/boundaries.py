"""Boundaries (issue 11): requests, triage, replies, referrals, the weekly budget, status.

The rules live in the core (:mod:`focus_app.core.requests`, ``booking``, ``budget``,
``replies``, ``referrals``); this module joins them to the store and the schedule for the
engine, which exposes them as a small API. No Qt here: the engine's signals are emitted
by the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from focus_app.core.booking import Span, find_slot, next_window
from focus_app.core.budget import WeekBudget, committed, week_of
from focus_app.core.contact_availability import AvailabilityCache, next_available
from focus_app.core.model import Mode, ModeState
from focus_app.core.referrals import REFERRAL_WINDOW, Contact, find, overload_warning
from focus_app.core.replies import (
    DEFAULT_TEMPLATES,
    Tone,
    day_phrase,
    reply,
    status_line,
    template_problem,
    when_phrase,
)
from focus_app.core.requests import Request, RequestStatus, TriageOutcome
from focus_app.core.schedule import Schedule
from focus_app.settings import Settings
from focus_app.store import Store


class BoundaryError(ValueError):
    """Triage cannot do what was asked; the message says why and what to do instead."""


class OverBudgetError(BoundaryError):
    """Accepting goes past the week's budget: choose a commitment that makes room, or defer.

    Attributes:
        budget: The week's budget before accepting.
        commitments: That week's commitments, any of which could make room.
    """

    def __init__(self, message: str, budget: WeekBudget, commitments: list[Request]) -> None:
        super().__init__(message)
        self.budget = budget
        self.commitments = commitments


@dataclass(frozen=True)
class DirectoryEntry:
    """A contact with how often they were referred in the last 30 days.

    Attributes:
        next_available: From their published calendar: the first stretch of a window
            with room, from now (``None``: no calendar, not read yet, or no window in
            four weeks; see :mod:`focus_app.core.contact_availability`).
        availability: ``next_available`` in words ("next available Wed 14:00",
            "available now, until 17:00"), or why it is not known; "" without a calendar.
    """

    contact: Contact
    recent: int
    warning: str | None
    next_available: Span | None = None
    availability: str = ""


def when_text(t: datetime, now: datetime, tz: tzinfo) -> str:
    """``11:30`` today, ``Tue 11:30`` within a week, ``Tue 8 Dec 11:30`` further on."""
    local, today = t.astimezone(tz), now.astimezone(tz).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    if (local.date() - today).days < 7:
        return f"{local:%a %H:%M}"
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def day_text(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _span(r: Request) -> Span:
    assert r.booked_start is not None and r.booked_end is not None
    return Span(r.booked_start, r.booked_end)


def week_budget(store: Store, settings: Settings, at: datetime, tz: tzinfo) -> WeekBudget:
    """The budget of the local week containing ``at``."""
    week = week_of(at, tz)
    spans = [_span(r) for r in store.commitments_between(week.start, week.end)]
    return WeekBudget(
        week=week,
        committed=committed(spans, week),
        hours=settings.budget_hours,
        breakthroughs=store.breakthroughs_between(week.start, week.end),
        breakthrough_limit=settings.weekly_breakthroughs,
    )


def plan_accept(
    store: Store,
    settings: Settings,
    schedule: Schedule,
    request: Request,
    now: datetime,
    *,
    instead: int | None = None,
    force: bool = False,
) -> tuple[Span, Request | None]:
    """Where an accepted request goes, and which commitment makes room (if one does).

    Raises:
        BoundaryError: No window within eight weeks has room.
        OverBudgetError: The slot's week has no room in the budget (and neither
            ``instead`` nor ``force`` says what gives).
    """
    tz = schedule.tz
    horizon = now + timedelta(weeks=9)
    booked = [
        r for r in store.commitments_between(now, horizon) if r.id not in (request.id, instead)
    ]
    making_room: Request | None = None
    if instead is not None:
        making_room = store.get_request(instead)
        if making_room is None or making_room.status is not RequestStatus.ACCEPTED:
            raise BoundaryError(
                f"#{instead} is not an accepted commitment: pick one from "
                "'focus-app request list --status accepted'"
            )
    slot = find_slot(schedule, now, request.estimate, [_span(r) for r in booked])
    if slot is None:
        raise BoundaryError(
            f"no availability window in the next 8 weeks has {_minutes(request.estimate)} "
            "free: defer it, or add an availability window"
        )
    budget = week_budget(store, settings, slot.start, tz)
    freed = timedelta()
    if making_room is not None and making_room.booked_start is not None:
        freed = committed([_span(making_room)], budget.week)
    if not force and budget.committed - freed + request.estimate > budget.limit:
        in_week = store.commitments_between(budget.week.start, budget.week.end)
        raise OverBudgetError(
            f"accepting '{request.what[:40]}' ({_minutes(request.estimate)}) goes past the "
            f"week's budget ({budget.text().split(',')[0]}): defer it, or make room with "
            "--instead ID (that commitment is deferred to the next week)",
            budget,
            in_week,
        )
    return slot, making_room


def return_at(schedule: Schedule, day: date) -> datetime:
    """When a request deferred to ``day`` is announced as back for triage.

    The rule: at the start of the first availability window on or after that day
    begins (a window already open at midnight counts from midnight), when the person
    reads messages anyway, never at 00:00 on a Saturday; with no window in the next
    eight weeks, at the day's start. The Requests page lists it as due again from the
    day itself, whatever the hour.
    """
    start = datetime.combine(day, datetime.min.time(), schedule.tz)
    window = next_window(schedule, start)
    return window.start if window is not None else start


def due_returns(
    store: Store, schedule: Schedule, now: datetime
) -> tuple[list[Request], datetime | None]:
    """Deferred requests to announce as back at ``now``, and the next return after it.

    Only returns not announced yet count (:meth:`Store.unannounced_returns`), so each
    is announced once, a restart included.
    """
    due: list[Request] = []
    later: datetime | None = None
    at_by_day: dict[date, datetime] = {}
    for request in store.unannounced_returns():
        assert request.defer_until is not None
        at = at_by_day.get(request.defer_until)
        if at is None:
            at = at_by_day[request.defer_until] = return_at(schedule, request.defer_until)
        if at <= now:
            due.append(request)
        elif later is None or at < later:
            later = at
    return due, later


def returns_text(requests: list[Request]) -> tuple[str, str]:
    """The title and body announcing requests back for triage (one line each)."""
    if len(requests) == 1:
        r = requests[0]
        return f"Back for triage: {r.what[:80]}", f"{r.who[:60]} asked; you deferred it to today."
    names = "; ".join(f"{r.what[:40]} ({r.who[:30]})" for r in requests[:3])
    more = f" and {len(requests) - 3} more" if len(requests) > 3 else ""
    return f"{len(requests)} requests are back for triage", f"{names}{more}."


def refer(store: Store, settings: Settings, name: str, now: datetime) -> tuple[Contact, str | None]:
    """The contact called ``name`` and a gentle warning if they are referred a lot.

    Raises:
        LookupError: No such contact (the message says how to add one).
    """
    contact = find(store.list_referrals(), name)
    assert contact.id is not None
    recent = store.referral_counts(now - REFERRAL_WINDOW).get(contact.id, 0)
    return contact, overload_warning(contact.name, recent, settings.referral_limit)


def directory(
    store: Store,
    settings: Settings,
    now: datetime,
    schedules: Mapping[int, Schedule] | None = None,
    problems: Mapping[int, str] | None = None,
    cache: AvailabilityCache | None = None,
) -> list[DirectoryEntry]:
    """The referral directory with recent referral counts, warnings and availability.

    Args:
        schedules: Contacts' availability schedules from their published calendars.
        problems: Why a contact's calendar could not be read last time.
        cache: Reuses next availabilities between loads (the engine keeps one).
    """
    cache = cache if cache is not None else AvailabilityCache()
    counts = store.referral_counts(now - REFERRAL_WINDOW)
    schedules = schedules or {}
    problems = problems or {}
    entries = []
    for c in store.list_referrals():
        recent = counts.get(c.id or 0, 0)
        warning = overload_warning(c.name, recent, settings.referral_limit)
        span: Span | None = None
        words = ""
        if c.calendar:
            schedule = schedules.get(c.id or 0)
            if schedule is not None:
                span = cache.next_available(c.id or 0, schedule, now)
                words = availability_text(span, now, schedule.tz)
            else:
                words = "calendar not read yet"
            if c.id in problems:
                words = f"{words}; last read failed: {problems[c.id or 0]}"
        entries.append(DirectoryEntry(c, recent, warning, span, words))
    return entries


def availability_text(span: Span | None, now: datetime, tz: tzinfo) -> str:
    """A contact's next availability in words, for the directory.

    "available now, until 17:00", "next available Wed 14:00", "next available today
    14:00", or "no availability in the next 4 weeks".
    """
    if span is None:
        return "no availability in the next 4 weeks"
    if span.start <= now:
        return f"available now, until {when_text(span.end, now, tz)}"
    when = when_text(span.start, now, tz)
    today = span.start.astimezone(tz).date() == now.astimezone(tz).date()
    return f"next available {'today ' if today else ''}{when}"


def referral_phrase(name: str, span: Span | None, now: datetime, tz: tzinfo) -> str:
    """``{referral}`` in a reply: the name, with when they are free if it is known.

    "Sam (free from Wed 2 Dec at 14:00)", "Sam (free now)": the person asking is
    pointed to a time that suits the one referred, instead of "now".
    """
    if span is None:
        return name
    if span.start <= now:
        return f"{name} (free now)"
    return f"{name} (free from {when_phrase(span.start, now, tz)})"


def ask_text(name: str, about: str, span: Span | None, now: datetime, tz: tzinfo) -> str:
    """A short message asking ``name`` for time, at the window their calendar publishes.

    Issue 11, item 7: asking someone who publishes their availability suggests their
    next free time instead of "now". ``span`` is their next availability (``None``:
    no calendar, or nothing free in four weeks: the message then asks when suits them).
    """
    first = name.split()[0] if name.split() else name
    what = f" for {about.strip()}" if about.strip() else ""
    ask = f"Hi {first}, could we find some time{what}?"
    if span is None:
        return f"{ask} When would suit you?"
    if span.start <= now:
        until = when_text(span.end, now, tz)
        return f"{ask} Your calendar shows you free now, until {until}: is now a good moment?"
    return (
        f"{ask} Your calendar shows you free from {when_phrase(span.start, now, tz)}: "
        "would that suit you?"
    )


def reply_fields(
    store: Store,
    schedule: Schedule,
    request: Request,
    now: datetime,
    contact_schedules: Mapping[int, Schedule] | None = None,
) -> dict[str, str]:
    """The template fields for a request as it stands now.

    ``{referral}`` names when the contact is next free when their published calendar
    is known (``contact_schedules``), see :func:`referral_phrase`.
    """
    tz = schedule.tz
    fields = {"name": request.who}
    if request.booked_start is not None:
        fields["next_window"] = when_phrase(request.booked_start, now, tz)
    else:
        window = next_window(schedule, now)
        if window is not None:
            fields["next_window"] = when_phrase(window.start, now, tz)
    due = request.defer_until or request.due
    if due is not None:
        fields["due"] = day_phrase(due, now.astimezone(tz).date())
    if request.referral:
        fields["referral"] = request.referral
        contact = next((c for c in store.list_referrals() if c.name == request.referral), None)
        if contact is not None:
            fields["referral_contact"] = contact.contact
            theirs = (contact_schedules or {}).get(contact.id or 0)
            if theirs is not None:
                span = next_available(theirs, now)
                fields["referral"] = referral_phrase(contact.name, span, now, tz)
    return fields


def reply_for(
    store: Store,
    schedule: Schedule,
    request: Request,
    now: datetime,
    tone: Tone,
    outcome: TriageOutcome | None = None,
    contact_schedules: Mapping[int, Schedule] | None = None,
) -> str:
    """The reply to send for ``request`` (its outcome, or ``outcome`` for a preview)."""
    if outcome is None:
        outcome = _OUTCOME_OF.get(request.status, TriageOutcome.ACCEPT)
    fields = reply_fields(store, schedule, request, now, contact_schedules)
    return reply(outcome, tone, fields, store.reply_templates())


def set_reply_template(store: Store, outcome: TriageOutcome, tone: Tone, text: str) -> bool:
    """Keep the person's template for ``outcome`` in ``tone``.

    Text equal to the default is not stored (the row is removed), so a later change of
    the default reaches everyone who never changed that template.

    Returns:
        Whether a template of the person's own is now stored.

    Raises:
        ValueError: The template cannot be used (one line from ``template_problem``).
    """
    problem = template_problem(text)
    if problem is not None:
        raise ValueError(problem)
    if text == DEFAULT_TEMPLATES[outcome][tone]:
        store.reset_reply_template(outcome, tone)
        return False
    store.set_reply_template(outcome, tone, text)
    return True


_OUTCOME_OF = {o.status: o for o in TriageOutcome}


def now_phrase(state: ModeState, now: datetime, tz: tzinfo) -> str:
    """The current mode in words: "Focusing until 11:30", "Off until Mon 08:00"."""
    until = f" until {when_text(state.until, now, tz)}" if state.until is not None else ""
    if state.mode is Mode.FOCUS:
        return f"Focusing{until}"
    if state.mode is Mode.OFF:
        return f"Off{until}"
    if state.mode is Mode.PAUSED:
        return "Available (boundaries paused)"
    return f"Available{until}"


def status_text(settings: Settings, schedule: Schedule, state: ModeState, now: datetime) -> str:
    """The one friendly status line for auto-replies (``status --text``)."""
    tz = schedule.tz
    local_now = now.astimezone(tz)
    end_of_day = datetime.combine(local_now.date() + timedelta(days=1), datetime.min.time(), tz)
    starts: list[str] = []
    t = now
    if state.mode is Mode.AVAILABLE:
        # In a window now: "I read messages" names the later ones. Not ``state.until``:
        # where the default mode is available too, the mode runs on past later windows.
        current = next_window(schedule, now)
        if current is not None and current.start <= now:
            t = current.end
    for _ in range(6):
        window = next_window(schedule, t)
        if window is None:
            break
        if starts and window.start >= end_of_day:
            break
        starts.append(when_text(window.start, now, tz))
        if window.start >= end_of_day:
            break
        t = window.end
    return status_line(settings.status_template, now_phrase(state, now, tz), starts)


def _minutes(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest:02d}m"
    return f"{hours}h" if hours else f"{minutes}m"


__all__ = [
    "BoundaryError",
    "DirectoryEntry",
    "OverBudgetError",
    "directory",
    "due_returns",
    "plan_accept",
    "refer",
    "reply_for",
    "return_at",
    "set_reply_template",
    "status_text",
    "week_budget",
]
