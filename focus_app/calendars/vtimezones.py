"""VTIMEZONEs as yearly rules: what every calendar we write carries for its zone.

icalendar builds a zone's VTIMEZONE from zoneinfo as one comma-separated RDATE list per
kind of change. That is valid iCalendar, but vobject (what Radicale and other Python
calendar programs read with) drops such lists and takes Europe/Berlin for UTC+1 all year:
an hour off from April to October. :func:`yearly_zones` rewrites each IANA zone as two
yearly rules (RRULE) where zoneinfo's transitions follow such rules, checked against
zoneinfo before it is used; other zones keep icalendar's form. Both the ``.ics`` export
(:func:`focus_app.calendars.writing.export_ics`) and the CalDAV sync write this form.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo

_ZONE_USE = re.compile(r";TZID=([^:;\r\n]+):(\d{4})")
_RULE_FIRST_YEAR = 1900
"""Zones used before this keep icalendar's form (no scan from year 1)."""
_RULE_LAST_YEAR = 2037
"""A yearly rule must give every transition zoneinfo has up to here (tzdata's own rule
holds after)."""
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
VTIMEZONE = re.compile(r"BEGIN:VTIMEZONE\r?\nTZID:([^\r\n;]+)\r?\n.*?END:VTIMEZONE\r?\n", re.S)


def yearly_zones(text: str) -> str:
    """``text`` with each IANA zone's VTIMEZONE written as two yearly rules (RRULE) from
    the year before its first use, where zoneinfo's transitions follow such rules up to
    :data:`_RULE_LAST_YEAR`; other zones are left as they are.

    Why: Radicale reads events with vobject, which drops the comma-separated RDATE lists
    icalendar writes: it then takes a zone like Europe/Berlin for UTC+1 all year, and
    answers time-range queries (a colleague's client asking what is on in July) an hour
    off in summer. The rule form is also a tenth of the size, and holds after 2037.
    """
    first: dict[str, int] = {}
    for match in _ZONE_USE.finditer(text):
        first[match.group(1)] = min(first.get(match.group(1), 9999), int(match.group(2)))

    def swap(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in first or key not in iana_names() or first[key] <= _RULE_FIRST_YEAR:
            return match.group(0)
        return _yearly_vtimezone(key, first[key] - 1) or match.group(0)

    return VTIMEZONE.sub(swap, text)


_Transition = tuple[int, int, str, timedelta, timedelta, str, bool, int, bool]
"""(month, weekday, wall time, offset from, offset to, name, summer time, nth weekday of
the month, last of the month) of one change of offset."""


def _transitions(zone: zoneinfo.ZoneInfo, year: int) -> list[tuple[datetime, _Transition]]:
    """Each change of ``zone``'s offset in ``year``: the wall time it happens at (in the
    offset before) and what it is. Days first, then the minute within the day."""

    def offset(at: datetime) -> timedelta:
        value = at.astimezone(zone).utcoffset()
        assert value is not None
        return value

    found: list[tuple[datetime, _Transition]] = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    while day < end:
        before, after = offset(day), offset(day + timedelta(days=1))
        if before != after:
            low, high = 0, 24 * 60  # the first minute with the new offset is in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                if offset(day + timedelta(minutes=middle)) == before:
                    low = middle
                else:
                    high = middle
            instant = day + timedelta(minutes=high)
            wall = (instant + before).replace(tzinfo=None)
            local = instant.astimezone(zone)
            days_in_month = ((wall.replace(day=28) + timedelta(days=4)).replace(day=1)
                             - timedelta(days=1)).day
            found.append((wall, (
                wall.month, wall.weekday(), wall.strftime("%H%M%S"), before, after,
                local.tzname() or "", bool(local.dst()), (wall.day - 1) // 7 + 1,
                wall.day + 7 > days_in_month,
            )))
        day += timedelta(days=1)
    return found


@functools.cache
def _yearly_vtimezone(key: str, since: int) -> str | None:
    """The VTIMEZONE of ``key`` from ``since`` on: yearly rules (RRULE) for the years up
    to :data:`_RULE_LAST_YEAR` whose transitions all follow them, each earlier
    transition as a component of its own (one onset each: vobject reads those right).
    ``None`` when no run of years up to :data:`_RULE_LAST_YEAR` follows one rule."""
    zone = zoneinfo.ZoneInfo(key)
    years = [_transitions(zone, year) for year in range(since, _RULE_LAST_YEAR + 1)]
    steady = next((at for at in range(len(years)) if _rules(years[at:]) is not None), None)
    if steady is None:
        return None
    rules = _rules(years[steady:])
    assert rules is not None
    lines = ["BEGIN:VTIMEZONE", f"TZID:{key}"]
    if steady or not rules:  # from January of ``since``: the offset then
        local = datetime(since, 1, 1, tzinfo=UTC).astimezone(zone)
        off = local.utcoffset()
        assert off is not None
        lines += _component(bool(local.dst()), f"{since}0101T000000", "", local.tzname() or "",
                            off, off)
    for found in years[:steady]:
        for wall, rule in found:
            lines += _component(rule[6], f"{wall:%Y%m%dT%H%M%S}", "", rule[5], rule[3], rule[4])
    for (wall, rule), which in zip(years[steady], rules, strict=True):
        rrule = f"FREQ=YEARLY;BYMONTH={rule[0]};BYDAY={which}{_WEEKDAYS[rule[1]]}"
        lines += _component(rule[6], f"{wall:%Y%m%dT%H%M%S}", rrule, rule[5], rule[3], rule[4])
    text = "\r\n".join([*lines, "END:VTIMEZONE"]) + "\r\n"
    return text if _agrees(text, zone, [wall for found in years for wall, _ in found],
                           since) else None


def _agrees(text: str, zone: zoneinfo.ZoneInfo, walls: list[datetime], since: int) -> bool:
    """Whether the VTIMEZONE ``text``, as icalendar reads it, gives zoneinfo's offset on
    either side of every transition and at noon of every week after ``since`` (the
    year before the first date used) to
    :data:`_RULE_LAST_YEAR` (rules are checked, not trusted: a zone whose wall times
    or summer time the rules above miss is left in its RDATE form)."""
    import icalendar

    key = str(zone.key)
    calendar = icalendar.Calendar.from_ical(
        "BEGIN:VCALENDAR\r\n" + text.replace(f"TZID:{key}\r\n", f"TZID:check {key}\r\n")
        + "END:VCALENDAR\r\n"
    )
    read: tzinfo = calendar.walk("VTIMEZONE")[0].to_tz()  # type: ignore[attr-defined]
    checks = [datetime(since + 1, 1, 1, 12, tzinfo=UTC) + timedelta(weeks=week)
              for week in range(52 * (_RULE_LAST_YEAR - since))]
    checks += [
        (wall - offset).replace(tzinfo=UTC) + timedelta(minutes=step)
        for wall in walls if wall.year > since for step in (-61, -1, 1, 61)
        for offset in [zone.utcoffset(wall - timedelta(days=2)) or timedelta()]
    ]
    return all(at.astimezone(read).utcoffset() == at.astimezone(zone).utcoffset()
               for at in checks)


def _rules(years: Sequence[list[tuple[datetime, _Transition]]]) -> list[int] | None:
    """The weekday of the month (1-4, or -1: the last) of each transition when every year
    of ``years`` has the same ones on the same rule, else ``None``."""
    first = years[0]
    if len(first) > 2 or any(len(found) != len(first) for found in years):
        return None
    which: list[int] = []
    for index, (_, rule) in enumerate(first):
        same = [found[index][1] for found in years]
        if any(r[:7] != rule[:7] for r in same):
            return None
        if all(r[8] for r in same):
            which.append(-1)
        elif all(r[7] == rule[7] for r in same) and rule[7] <= 4:
            which.append(rule[7])
        else:
            return None
    return which


def _component(
    summer: bool, start: str, rrule: str, name: str, before: timedelta, after: timedelta
) -> list[str]:
    kind = "DAYLIGHT" if summer else "STANDARD"
    return [f"BEGIN:{kind}", f"DTSTART:{start}", *([f"RRULE:{rrule}"] if rrule else []),
            f"TZNAME:{name}", f"TZOFFSETFROM:{_ical_offset(before)}",
            f"TZOFFSETTO:{_ical_offset(after)}", f"END:{kind}"]


def _ical_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")



@functools.cache
def iana_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())



__all__ = ["VTIMEZONE", "iana_names", "yearly_zones"]
