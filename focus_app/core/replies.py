"""Replies the person can send after triage, and the one-line status for auto-replies.

Every outcome has several templates (warm, short, formal) with fields filled in from the
request: ``{name}``, ``{next_window}``, ``{referral}``, ``{referral_contact}`` and
``{due}``. The defaults are kind: a decline thanks, says no plainly and leaves a door
open; it never blames. A template the person edits is checked with
:func:`template_problem` before it is kept, so a typo in a field name is found when it
is typed, not when a reply is due.
"""

from __future__ import annotations

import enum
import string
from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo

from focus_app.core.requests import TriageOutcome

FIELDS = ("name", "next_window", "referral", "referral_contact", "due")
"""The fields a reply template may use."""


class Tone(enum.StrEnum):
    WARM = "warm"
    SHORT = "short"
    FORMAL = "formal"


DEFAULT_TEMPLATES: Mapping[TriageOutcome, Mapping[Tone, str]] = {
    TriageOutcome.ACCEPT: {
        Tone.WARM: "Hi {name}, happy to help! I've set time aside for it: {next_window}. "
        "I'll get back to you then.",
        Tone.SHORT: "Hi {name}, yes: I'll do it {next_window}.",
        Tone.FORMAL: "Dear {name}, thank you for your request. I have scheduled it for "
        "{next_window} and will reply by then.",
    },
    TriageOutcome.DEFER: {
        Tone.WARM: "Hi {name}, thanks for thinking of me! This week is full, so I've set it "
        "aside until {due}. Does that work for you?",
        Tone.SHORT: "Hi {name}, I can't this week; it's on my list for {due}.",
        Tone.FORMAL: "Dear {name}, thank you for your request. My week is fully committed; "
        "I have set it aside until {due}. Please let me know if that is too late.",
    },
    TriageOutcome.DECLINE: {
        Tone.WARM: "Hi {name}, thank you for asking me. I can't take this on right now "
        "without letting other commitments down, so I have to say no this time. "
        "I hope it goes well!",
        Tone.SHORT: "Hi {name}, thanks for asking; I can't take this on right now, sorry.",
        Tone.FORMAL: "Dear {name}, thank you for thinking of me. Unfortunately I am unable "
        "to take this on at present. I wish you every success with it.",
    },
    TriageOutcome.REFER: {
        Tone.WARM: "Hi {name}, thanks for asking! I'm not the best person for this, but "
        "{referral} knows it well and would be a great help: {referral_contact}.",
        Tone.SHORT: "Hi {name}, {referral} can help better with this: {referral_contact}.",
        Tone.FORMAL: "Dear {name}, thank you for your request. I believe {referral} is "
        "better placed to help; you can reach them at {referral_contact}.",
    },
}

MAX_TEMPLATE = 2000


def day_phrase(day: date, today: date) -> str:
    """A day as a reply says it: ``today``, ``tomorrow``, ``Wed 2 Dec``.

    No preposition: templates read "until {due}" or "for {due}", which suit all three
    ("on today" would not).
    """
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    return f"{day:%a} {day.day} {day:%b}"


def when_phrase(t: datetime, now: datetime, tz: tzinfo) -> str:
    """An instant as a reply says it: ``today at 15:00``, ``Wed 2 Dec at 14:00``.

    The day is counted in ``tz`` (the schedule's zone), so 00:30 after midnight is
    "tomorrow" even when ``now`` is given in UTC.
    """
    local = t.astimezone(tz)
    return f"{day_phrase(local.date(), now.astimezone(tz).date())} at {local:%H:%M}"


def template_problem(template: str) -> str | None:
    """Why ``template`` cannot be used (one line), or ``None``.

    Fields are ``{name}`` and the others in :data:`FIELDS`; ``{{`` and ``}}`` are a
    literal brace. Format specs and attribute access (``{name.__class__}``) are refused:
    a template is the person's text, never code.
    """
    if not template.strip():
        return "the reply is empty: write a few words"
    if len(template) > MAX_TEMPLATE:
        return f"the reply is too long ({len(template)} characters; at most {MAX_TEMPLATE})"
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return "a '{' or '}' has no partner: write {{ or }} for a brace"
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in FIELDS or spec or conversion:
            shown = field[:30] if field else ""
            return f"unknown field '{{{shown}}}': use {', '.join('{' + f + '}' for f in FIELDS)}"
    return None


def render(template: str, fields: Mapping[str, str]) -> str:
    """``template`` with its fields filled in; a missing value reads as "soon" / "".

    Raises:
        ValueError: The template has a problem (see :func:`template_problem`).
    """
    problem = template_problem(template)
    if problem is not None:
        raise ValueError(problem)
    values = {key: "" for key in FIELDS}
    values["next_window"] = "my next free slot"
    values["due"] = "a later day"
    values.update({k: v for k, v in fields.items() if v})
    return template.format_map(values)


def reply(
    outcome: TriageOutcome,
    tone: Tone,
    fields: Mapping[str, str],
    templates: Mapping[TriageOutcome, Mapping[Tone, str]] | None = None,
) -> str:
    """The reply for ``outcome`` in ``tone``, from the person's templates or the defaults.

    A stored template that no longer passes :func:`template_problem` (written by an
    older or newer version, or by hand) gives way to the default: a reply is always due.
    """
    chosen = (templates or {}).get(outcome, {}).get(tone)
    if not chosen or template_problem(chosen) is not None:
        chosen = DEFAULT_TEMPLATES[outcome][tone]
    return render(chosen, fields)


SAMPLE_FIELDS: Mapping[str, str] = {
    "name": "Dana",
    "next_window": "Wed 2 Dec at 14:00",
    "referral": "Sam",
    "referral_contact": "sam@example.org",
    "due": "Mon 7 Dec",
}
"""Example values, for previewing a template while it is written."""

FIELD_HELP: Mapping[str, str] = {
    "name": "who asked",
    "next_window": "when it is booked, or the next availability window",
    "referral": "whom you refer them to",
    "referral_contact": "how to reach that person",
    "due": "the day it comes back (deferred) or is due",
}
"""What each field stands for, in a few words (shown beside the template editor)."""


# ------------------------------------------------------------------ status line

STATUS_FIELDS = ("now", "windows", "next_window")

DEFAULT_STATUS_TEMPLATE = "{now}; I read messages at {windows}; for urgent things call."


def status_template_problem(template: str) -> str | None:
    """Why a status template cannot be used (one line), or ``None``."""
    if not template.strip():
        return "the status text is empty"
    if len(template) > 300:
        return f"the status text is too long ({len(template)} characters; at most 300)"
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return "a '{' or '}' has no partner: write {{ or }} for a brace"
    for _, field, spec, conversion in parts:
        if field is not None and (field not in STATUS_FIELDS or spec or conversion):
            known = ", ".join("{" + f + "}" for f in STATUS_FIELDS)
            return f"unknown field '{{{(field or '')[:30]}}}' in the status text: use {known}"
    return None


def and_list(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def status_line(template: str, now_phrase: str, window_starts: list[str]) -> str:
    """One friendly line: "Focusing until 11:30; I read messages at 11:30 and 16:00; ...".

    Args:
        template: The person's template (falls back to the default if it has a problem).
        now_phrase: The current mode in words ("Focusing until 11:30").
        window_starts: When the next availability windows start, in words.
    """
    if status_template_problem(template) is not None:
        template = DEFAULT_STATUS_TEMPLATE
    windows = and_list(window_starts) if window_starts else "my next availability window"
    first = window_starts[0] if window_starts else "soon"
    return template.format_map({"now": now_phrase, "windows": windows, "next_window": first})
