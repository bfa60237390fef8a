"""Parsing what people type: durations, clock times, weekdays.

Every error is a ``ValueError`` whose message is one line saying what was wrong and what
would be right, because these messages go straight to the command line and the forms.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, tzinfo

from focus_app.core.model import WEEKDAY_NAMES

_DURATION_PART = re.compile(r"(\d+)\s*(h|m|min|s)", re.IGNORECASE)
_MAX_DURATION = timedelta(days=7)
_MAX_DIGITS = 7
"""A week is 604800 seconds: a longer number is refused before ``timedelta`` overflows."""


def parse_duration(text: str) -> timedelta:
    """Parse a duration like ``25m``, ``1h30m``, ``90`` (minutes) or ``2h``.

    Raises:
        ValueError: The text is not a duration, is zero, or is longer than a week.
    """
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        raise ValueError("empty duration: use e.g. 25m, 1h30m or 2h")
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if raw.isdecimal():
        _check_digits(raw, text)
        total = timedelta(minutes=int(raw))
    else:
        pos = 0
        total = timedelta()
        for match in _DURATION_PART.finditer(raw):
            if match.start() != pos:
                break
            _check_digits(match.group(1), text)
            amount, unit = int(match.group(1)), match.group(2)
            if unit == "h":
                total += timedelta(hours=amount)
            elif unit == "s":
                total += timedelta(seconds=amount)
            else:
                total += timedelta(minutes=amount)
            pos = match.end()
        if pos != len(raw):
            raise ValueError(f"bad duration '{text}': use e.g. 25m, 1h30m or 2h")
    if total <= timedelta():
        raise ValueError(f"bad duration '{text}': it must be longer than zero")
    if total > _MAX_DURATION:
        raise ValueError(f"bad duration '{text}': at most 7 days")
    return total


def _check_digits(number: str, text: str) -> None:
    if len(number.lstrip("0")) > _MAX_DIGITS:
        raise ValueError(f"bad duration '{_shorten(text)}': at most 7 days")


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_duration(delta: timedelta) -> str:
    """Format a duration the way ``parse_duration`` reads it (``1h30m``)."""
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours}h{minutes:02d}m"
    if hours:
        return f"{hours}h"
    return f"{minutes}m"


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_clock(text: str) -> time:
    """Parse a wall-clock time ``HH:MM`` (24-hour).

    ``24:00`` is accepted as midnight at the end of the day and returned as ``00:00``
    (blocks read an end at or before their start as "the next day").

    Raises:
        ValueError: Not ``HH:MM``, or the hour/minute is out of range (``25:00``).
    """
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"bad time '{text}': use HH:MM, e.g. 09:30 or 17:00")
    hour, minute = int(match.group(1)), int(match.group(2))
    if (hour, minute) == (24, 0):
        return time(0, 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"bad time '{text}': hours go from 00 to 23 and minutes from 00 to 59")
    return time(hour, minute)


_DAY_ALIASES = {
    "weekdays": "mon,tue,wed,thu,fri",
    "weekends": "sat,sun",
    "daily": "mon,tue,wed,thu,fri,sat,sun",
    "all": "mon,tue,wed,thu,fri,sat,sun",
}


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse weekdays like ``mon,tue,fri``, ``mon-fri``, ``weekdays`` or ``daily``.

    Raises:
        ValueError: Empty, or a name that is not a weekday.
    """
    raw = _DAY_ALIASES.get(text.strip().lower(), text.strip().lower())
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = _weekday(first, text), _weekday(last, text)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            days.add(_weekday(part, text))
    if not days:
        raise ValueError("no weekdays given: use e.g. mon,tue,wed or mon-fri")
    return frozenset(days)


_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(name: str, whole: str) -> int:
    key = name.strip().lower()
    for index, full in enumerate(_FULL_DAY_NAMES):
        if len(key) >= 2 and full.startswith(key):
            return index
    raise ValueError(
        f"unknown weekday '{name.strip()}' in '{whole}': use mon, tue, wed, thu, fri, sat, sun"
    )


def format_weekdays(days: frozenset[int]) -> str:
    """Format weekdays as ``mon,tue,fri`` in week order."""
    return ",".join(WEEKDAY_NAMES[d] for d in sorted(days))


def next_wall_time(clock_time: time, now: datetime, tz: tzinfo) -> datetime:
    """The next instant after ``now`` at which the wall clock in ``tz`` shows ``clock_time``.

    Used for "pause until 14:00": today if that is still ahead, else tomorrow. A time in a
    skipped daylight-saving hour moves forward by the gap, like block starts do.
    """
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date(), clock_time, tzinfo=tz)
    if candidate.timestamp() <= now.timestamp():
        candidate = datetime.combine(local.date() + timedelta(days=1), clock_time, tzinfo=tz)
    return datetime.fromtimestamp(candidate.timestamp(), tz)
