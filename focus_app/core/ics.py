"""Blocks to and from iCalendar (RFC 5545) text: ``focus-app export`` / ``import``.

Pure: text in, text out; the time zone and ``now`` are arguments. A small reader and
writer of our own (stdlib only) rather than a dependency, because we need only VEVENTs
with weekly rules and want full control over how foreign events are mapped.

Writing
    One VEVENT per block with ``UID:block-<id>@focus-app`` (stable, so re-importing into
    another calendar updates instead of duplicating). DTSTART/DTEND carry
    ``TZID=<IANA name>`` when the zone is a keyed ``ZoneInfo``, otherwise they are
    floating local times. No VTIMEZONE is written: RFC 5545 asks for one, but Google,
    Thunderbird, Apple and Outlook all resolve IANA TZIDs themselves, and a VTIMEZONE
    derived from zoneinfo would need the zone's rules, which zoneinfo does not expose.
    DTSTART is the first occurrence: ``recurrence.starts`` moved to the first matching
    weekday of a week in phase, or, for ``starts=None``, the first matching weekday on or
    after :data:`RECURRENCE_ANCHOR` (2001-01-01, the model's week 0, so every-N-weeks
    rules keep their phase). ``X-FOCUS-STARTS`` keeps the exact ``starts`` date for a
    lossless round trip. UNTIL is the last day at 23:59:59 local, in UTC (the day is
    inclusive). Kind goes to ``X-FOCUS-KIND`` and ``CATEGORIES``; ``TRANSP`` tells other
    calendars whether the time is busy (focus and off: OPAQUE, available: TRANSPARENT).
    Skipped occurrences become EXDATEs, moved ones an extra VEVENT with the same UID and
    ``RECURRENCE-ID``.

Reading (mapping decisions)
    * Kind: ``X-FOCUS-KIND``, else a CATEGORIES value focus/available/off, else a
      TRANSPARENT event is skipped (it does not block time) and an opaque one becomes a
      ``focus`` block (busy time is protected) or, when all-day, an ``off`` block.
    * Times are converted into the user's zone and kept as wall-clock times; a recurring
      event from another zone is converted at its first occurrence.
    * A block covers less than 24 h, so an event of 24 h up to 7 days (an all-day event
      included) is split at local midnights into several blocks; a whole day becomes two
      blocks 00:00-12:00 and 12:00-00:00, which leaves no gap (a 00:00-23:59 block would
      drop to the default mode, and release the digest, for a minute each night).
      Longer events, and events that end before they start, are skipped with a reason.
    * Rules: FREQ=WEEKLY (INTERVAL, BYDAY, UNTIL, COUNT, WKST) and FREQ=DAILY with
      INTERVAL=1 (every day, or the BYDAY days). Everything else is skipped with a reason.
    * EXDATE becomes a skipped occurrence, a RECURRENCE-ID override a moved one (a
      cancelled override a skipped one).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from focus_app.core.dates import EARLIEST, LATEST, check_block_dates, date_problem
from focus_app.core.model import Block, BlockException, BlockKind, Recurrence

__all__ = ["PRODID", "RECURRENCE_ANCHOR", "ImportResult", "export_ics", "import_ics"]

PRODID = "-//Focus & Boundaries//focus-app//EN"
RECURRENCE_ANCHOR = date(2001, 1, 1)
"""Week 0 of recurrences without a start (a Monday); DTSTART of such blocks is in its week."""

_DAY = timedelta(days=1)
_MAX_SPAN = timedelta(days=7)
_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$")
_DURATION_RE = re.compile(
    r"^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)
_NAME_RE = re.compile(r"^[A-Za-z0-9-]+$")
_RULE_PARTS = frozenset({"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT", "WKST"})

_When = date | datetime
"""A parsed DATE or DATE-TIME: a ``date`` (all-day), an aware or a naive (floating) datetime."""


@dataclass
class ImportResult:
    """What :func:`import_ics` made of a file.

    Attributes:
        blocks: The imported blocks (``id`` is ``None``: the store assigns ids).
        skipped: One human line per event that was not imported, saying why.
        problems: Things imported with a compromise the user may want to check
            (unknown time zone, ignored lines or properties).
    """

    blocks: list[Block] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- writing


def export_ics(blocks: Sequence[Block], tz: tzinfo, *, now: datetime) -> str:
    """Write blocks as one VCALENDAR, ready to save as a ``.ics`` file.

    Args:
        blocks: The blocks to write, recurring and one-off.
        tz: The zone the blocks' wall-clock times live in (the user's zone).
        now: The current instant (aware), used for DTSTAMP; passed in so output is
            reproducible.

    Returns:
        The calendar text with CRLF line endings and lines folded at 75 octets.

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime (pass the clock's now)")
    zone = tz.key if isinstance(tz, ZoneInfo) and tz.key else None
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Focus & Boundaries",
    ]
    if zone:
        lines.append(f"X-WR-TIMEZONE:{zone}")
    stamp = _format_utc(now)
    for index, block in enumerate(blocks):
        lines.extend(_export_block(block, index, tz, zone, stamp))
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _export_block(block: Block, index: int, tz: tzinfo, zone: str | None, stamp: str) -> list[str]:
    uid = _uid(block, index)
    rec = block.recurrence
    first = _first_occurrence(rec) if rec is not None else block.on_date
    assert first is not None  # a block is either recurring or one-off
    start = datetime.combine(first, block.start)
    end = datetime.combine(first if block.end > block.start else first + _DAY, block.end)
    kind = block.kind.value
    details = [
        f"SUMMARY:{_escape(block.display_title)}",
        f"CATEGORIES:{kind}",
        f"TRANSP:{'TRANSPARENT' if block.kind is BlockKind.AVAILABLE else 'OPAQUE'}",
        f"X-FOCUS-KIND:{kind}",
    ]
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        _datetime_line("DTSTART", start, zone),
        _datetime_line("DTEND", end, zone),
    ]
    exdates = [
        datetime.combine(e.original_date, block.start) for e in block.exceptions if e.is_skip
    ]
    if rec is not None:
        lines.append("RRULE:" + _rrule(rec, tz, zone))
        if rec.starts is not None:
            lines.append(f"X-FOCUS-STARTS;VALUE=DATE:{_format_date(rec.starts)}")
        if rec.until is not None and first > rec.until and start not in exdates:
            # No occurrence at all; DTSTART always counts as one, so hide it.
            exdates.append(start)
    lines.extend(_datetime_line("EXDATE", when, zone) for when in exdates)
    lines += [*details, "END:VEVENT"]
    for exception in block.exceptions:
        if exception.moved_start is None or exception.moved_end is None:
            continue
        original = datetime.combine(exception.original_date, block.start)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{stamp}",
            _datetime_line("RECURRENCE-ID", original, zone),
            _datetime_line("DTSTART", exception.moved_start, zone),
            _datetime_line("DTEND", exception.moved_end, zone),
            *details,
            "END:VEVENT",
        ]
    return lines


def _uid(block: Block, index: int) -> str:
    """Stable per block id; unsaved blocks get a content hash (and their position)."""
    if block.id is not None:
        return f"block-{block.id}@focus-app"
    digest = hashlib.sha256(repr(replace(block, id=None)).encode()).hexdigest()[:16]
    return f"block-new{index}-{digest}@focus-app"


def _rrule(rec: Recurrence, tz: tzinfo, zone: str | None) -> str:
    parts = ["FREQ=WEEKLY"]
    if rec.interval_weeks != 1:
        parts.append(f"INTERVAL={rec.interval_weeks}")
    parts.append("BYDAY=" + ",".join(_WEEKDAY_CODES[d] for d in sorted(rec.weekdays)))
    parts.append("WKST=MO")
    if rec.until is not None:
        last = datetime.combine(rec.until, time(23, 59, 59))
        # RFC 5545: with a zoned DTSTART, UNTIL must be UTC; with a floating one, floating.
        until = _format_utc(last.replace(tzinfo=tz)) if zone else _format_local(last)
        parts.append(f"UNTIL={until}")
    return ";".join(parts)


def _datetime_line(name: str, value: datetime, zone: str | None) -> str:
    params = f";TZID={zone}" if zone else ""
    return f"{name}{params}:{_format_local(value)}"


def _format_date(value: date) -> str:
    # Not strftime: it does not zero-pad years before 1000 on every platform.
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _format_local(value: datetime) -> str:
    return f"{_format_date(value)}T{value.hour:02d}{value.minute:02d}{value.second:02d}"


def _format_utc(value: datetime) -> str:
    return _format_local(value.astimezone(UTC)) + "Z"


def _escape(text: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11); a lone CR counts as a line break."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 sequence (RFC 5545 3.1)."""
    if len(line.encode()) <= 75:
        return line
    pieces: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


# -------------------------------------------------------------------- recurrence maths


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _first_occurrence(rec: Recurrence) -> date:
    """The first date the recurrence fires on, ignoring ``until``."""
    day = rec.starts or RECURRENCE_ANCHOR
    week0 = _monday(day)
    while True:  # ends within interval_weeks + 1 weeks
        weeks = (_monday(day) - week0).days // 7
        if day.weekday() in rec.weekdays and weeks % rec.interval_weeks == 0:
            return day
        day += _DAY


def _recurrence_dates(rec: Recurrence, first: date, days: int) -> set[date]:
    """Dates in ``[first, first + days)`` on which the block recurrence fires."""
    week0 = _monday(rec.starts or RECURRENCE_ANCHOR)
    found: set[date] = set()
    for offset in range(days):
        day = first + timedelta(days=offset)
        if rec.starts is not None and day < rec.starts:
            continue
        if rec.until is not None and day > rec.until:
            break
        weeks = (_monday(day) - week0).days // 7
        if day.weekday() in rec.weekdays and weeks % rec.interval_weeks == 0:
            found.add(day)
    return found


@dataclass(frozen=True)
class _WeeklyRule:
    """An RRULE reduced to what we support, in dates of the event's own zone."""

    weekdays: frozenset[int]
    interval: int
    week_start: int
    until: date | None

    def dates(self, first: date, days: int) -> set[date]:
        """Dates in ``[first, first + days)`` the RFC 5545 rule fires on."""
        period0 = first - timedelta(days=(first.weekday() - self.week_start) % 7)
        found: set[date] = set()
        for offset in range(days):
            day = first + timedelta(days=offset)
            if self.until is not None and day > self.until:
                break
            weeks = (day - period0).days // 7
            if day.weekday() in self.weekdays and weeks % self.interval == 0:
                found.add(day)
        return found


def _count_until(
    first: date, weekdays: frozenset[int], interval: int, week_start: int, count: int
) -> date:
    """The date of the ``count``-th occurrence of a weekly rule (COUNT to UNTIL)."""
    period0 = first - timedelta(days=(first.weekday() - week_start) % 7)
    offsets = sorted((d - week_start) % 7 for d in weekdays)
    in_first = [o for o in offsets if period0 + timedelta(days=o) >= first]
    if count <= len(in_first):
        return period0 + timedelta(days=in_first[count - 1])
    rest = count - len(in_first)
    period = (rest - 1) // len(offsets) + 1
    return period0 + timedelta(days=7 * interval * period + offsets[(rest - 1) % len(offsets)])


# ---------------------------------------------------------------------------- parsing


class _Skip(Exception):
    """An event that cannot become a block; the message says why, for a person."""


class _MalformedLine(Exception):
    pass


@dataclass
class _Prop:
    name: str
    params: dict[str, list[str]]
    value: str

    def param(self, key: str) -> str | None:
        values = self.params.get(key)
        return values[0] if values else None


@dataclass
class _Component:
    name: str
    props: list[_Prop] = field(default_factory=list)
    children: list[_Component] = field(default_factory=list)

    def first(self, name: str) -> _Prop | None:
        return next((p for p in self.props if p.name == name), None)

    def all(self, name: str) -> list[_Prop]:
        return [p for p in self.props if p.name == name]

    def value(self, name: str) -> str:
        prop = self.first(name)
        return prop.value.strip() if prop is not None else ""

    def text(self, name: str) -> str:
        """A TEXT value unescaped and not stripped: titles keep their spaces."""
        prop = self.first(name)
        return _unescape(prop.value) if prop is not None else ""


def _unfold(text: str) -> list[tuple[int, str]]:
    """Logical lines with their first physical line number; CRLF, LF or CR."""
    lines: list[tuple[int, str]] = []
    for number, physical in enumerate(re.split(r"\r\n|\r|\n", text.lstrip("\ufeff")), 1):
        if physical[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + physical[1:])
        elif physical.strip():
            lines.append((number, physical))
    return lines


def _parse_line(line: str) -> _Prop:
    """``NAME;PARAM=a,"b;c":value``; quoted parameter values may hold ``;:,``."""
    n = len(line)
    i = 0
    while i < n and line[i] not in ";:":
        i += 1
    name = line[:i].strip().upper()
    if not _NAME_RE.match(name):
        raise _MalformedLine
    params: dict[str, list[str]] = {}
    while i < n and line[i] == ";":
        j = i + 1
        while j < n and line[j] not in "=;:":
            j += 1
        key = line[i + 1 : j].strip().upper()
        if j >= n or line[j] != "=":
            params[key] = []
            i = j
            continue
        i = j + 1
        values: list[str] = []
        while True:
            if i < n and line[i] == '"':
                close = line.find('"', i + 1)
                if close < 0:
                    raise _MalformedLine
                values.append(line[i + 1 : close])
                i = close + 1
            else:
                j = i
                while j < n and line[j] not in ",;:":
                    j += 1
                values.append(line[i:j])
                i = j
            if i < n and line[i] == ",":
                i += 1
                continue
            break
        params[key] = values
    if i >= n or line[i] != ":":
        raise _MalformedLine
    return _Prop(name, params, line[i + 1 :])


def _parse(text: str, problems: list[str]) -> list[_Component]:
    lines = _unfold(text)
    if not any(line.strip().upper() == "BEGIN:VCALENDAR" for _, line in lines):
        raise ValueError("not an iCalendar file: no BEGIN:VCALENDAR")
    calendars: list[_Component] = []
    stack: list[_Component] = []
    outside = False
    for number, line in lines:
        try:
            prop = _parse_line(line)
        except _MalformedLine:
            if stack:
                problems.append(f"line {number} ignored: not an iCalendar 'NAME:value' line")
            else:
                outside = True
            continue
        if prop.name == "BEGIN":
            component = _Component(prop.value.strip().upper())
            if stack:
                stack[-1].children.append(component)
            elif component.name == "VCALENDAR":
                calendars.append(component)
            else:
                raise ValueError(
                    f"malformed iCalendar: line {number} begins {component.name} "
                    "outside BEGIN:VCALENDAR"
                )
            stack.append(component)
        elif prop.name == "END":
            ended = prop.value.strip().upper()
            if not stack or stack[-1].name != ended:
                open_name = stack[-1].name if stack else "nothing"
                raise ValueError(
                    f"malformed iCalendar: line {number} ends {ended} while {open_name} is open"
                )
            stack.pop()
        elif stack:
            stack[-1].props.append(prop)
        else:
            outside = True
    if stack:
        raise ValueError(
            f"malformed iCalendar: {stack[0].name} is never closed (is the file truncated?)"
        )
    if outside:
        problems.append("lines outside BEGIN:VCALENDAR ... END:VCALENDAR were ignored")
    return calendars


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            following = text[i + 1]
            out.append("\n" if following in "nN" else following)
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _split_text_list(text: str) -> list[str]:
    """Split a TEXT list (CATEGORIES) at unescaped commas."""
    items: list[str] = []
    start = i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ",":
            items.append(text[start:i])
            start = i + 1
        i += 1
    items.append(text[start:])
    return [_unescape(item).strip() for item in items]


class _Zones:
    """Resolves TZID parameters to zones: IANA names, VTIMEZONE X-LIC-LOCATION, or paths
    such as Thunderbird's ``/mozilla.org/20050126_1/Europe/Berlin``; unknown → ``tz``."""

    def __init__(self, tz: tzinfo, calendars: list[_Component], problems: list[str]) -> None:
        self.tz = tz
        self.problems = problems
        self.locations: dict[str, str] = {}
        self.cache: dict[str, tzinfo] = {}
        for calendar in calendars:
            for child in calendar.children:
                if child.name == "VTIMEZONE" and child.value("X-LIC-LOCATION"):
                    self.locations[child.value("TZID")] = child.value("X-LIC-LOCATION")

    def get(self, tzid: str) -> tzinfo:
        if tzid in self.cache:
            return self.cache[tzid]
        segments = [s for s in tzid.split("/") if s]
        candidates = [tzid, self.locations.get(tzid, "")]
        candidates += ["/".join(segments[-k:]) for k in (3, 2, 1) if len(segments) >= k]
        zone: tzinfo | None = None
        for candidate in candidates:
            if not candidate:
                continue
            try:
                zone = ZoneInfo(candidate)
                break
            except (KeyError, ValueError, OSError):
                continue
        if zone is None:
            zone = self.tz
            self.problems.append(
                f"unknown time zone {tzid!r}: its times were read in {_zone_name(self.tz)}"
            )
        self.cache[tzid] = zone
        return zone


def _zone_name(tz: tzinfo) -> str:
    key = tz.key if isinstance(tz, ZoneInfo) else None
    return key or str(tz)


def _parse_when(value: str, tzid: str | None, zones: _Zones, what: str) -> _When:
    match = _DT_RE.match(value.strip())
    if not match:
        raise _Skip(f"unreadable {what} {value.strip()!r}")
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    # Outside the supported dates, converting between zones would overflow, and a block
    # stored with such a date could not be scheduled (core/dates.py).
    if not EARLIEST.year <= year <= LATEST.year:  # the range is whole years
        raise _Skip(
            f"{what} {value.strip()} is outside the supported dates "
            f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"
        )
    try:
        if match[4] is None:
            return date(year, month, day)
        hour, minute, second = int(match[4]), int(match[5]), min(int(match[6]), 59)
        if match[7]:
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        zone = zones.get(tzid) if tzid else None
        return datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError as error:
        raise _Skip(f"impossible {what} {value.strip()!r} ({error})") from None


def _prop_when(prop: _Prop, zones: _Zones) -> _When:
    return _parse_when(prop.value, prop.param("TZID"), zones, prop.name)


def _parse_duration(value: str) -> timedelta:
    match = _DURATION_RE.match(value.strip().upper())
    if not match or value.strip().upper() in ("P", "PT", "-P", "+P"):
        raise _Skip(f"unreadable DURATION {value.strip()!r}")
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups()[1:])
    span = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    return -span if match[1] == "-" else span


def _same_zone(a: tzinfo, b: tzinfo) -> bool:
    if a is b:
        return True
    return isinstance(a, ZoneInfo) and isinstance(b, ZoneInfo) and a.key == b.key


def _wall(value: _When, tz: tzinfo) -> datetime:
    """Naive wall-clock time in ``tz``; dates are midnight, floating times stay as they are.

    Times already in ``tz`` are not converted, so a wall-clock time inside a DST gap or
    fold survives the round trip unchanged.
    """
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    if value.tzinfo is None or _same_zone(value.tzinfo, tz):
        return value.replace(tzinfo=None)
    return value.astimezone(tz).replace(tzinfo=None)


def _occurrence_wall(value: _When, template: _When, tz: tzinfo) -> datetime:
    """Wall-clock start of the occurrence named by an EXDATE / RECURRENCE-ID value; a
    DATE value names the occurrence starting on that day at the event's start time."""
    if not isinstance(value, datetime) and isinstance(template, datetime):
        value = datetime.combine(value, template.time(), tzinfo=template.tzinfo)
    return _wall(value, tz)


# ---------------------------------------------------------------------------- mapping


def import_ics(text: str, tz: tzinfo) -> ImportResult:
    """Read blocks from iCalendar text (our own export or any calendar's).

    Args:
        text: The file's content (CRLF or LF, folded or not).
        tz: The user's zone: event times are converted into it and kept as wall-clock.

    Returns:
        The blocks, one line per skipped event and the problems worth telling.

    Raises:
        ValueError: The text is not iCalendar or is structurally broken (one line).
    """
    result = ImportResult()
    calendars = _parse(text, result.problems)
    zones = _Zones(tz, calendars, result.problems)
    events = [c for cal in calendars for c in cal.children if c.name == "VEVENT"]
    masters: list[_Component] = []
    overrides: dict[str, list[_Component]] = {}
    for event in events:
        uid = event.value("UID")
        if uid and event.first("RECURRENCE-ID") is not None:
            overrides.setdefault(uid, []).append(event)
        else:
            masters.append(event)
    master_uids = {m.value("UID") for m in masters}
    for uid, orphans in overrides.items():
        if uid not in master_uids:
            result.problems.append(
                f"{len(orphans)} changed occurrence(s) of an event not in the file "
                "were imported as one-off events"
            )
            masters.extend(orphans)
    for event in masters:
        own = overrides.pop(event.value("UID"), []) if event.first("RECURRENCE-ID") is None else []
        try:
            result.blocks.extend(_import_event(event, own, tz, zones, result.problems))
        except _Skip as skip:
            result.skipped.append(f"{_describe(event, tz, zones)}: {skip}")
        except (ValueError, OverflowError) as error:  # the model refused the values
            result.skipped.append(f"{_describe(event, tz, zones)}: {error}")
    return result


def _describe(event: _Component, tz: tzinfo, zones: _Zones) -> str:
    summary = " ".join(event.text("SUMMARY").split()) or "(untitled)"
    start = event.first("DTSTART")
    if start is None:
        return f"'{summary}'"
    try:
        when = _prop_when(start, zones)
    except _Skip:
        return f"'{summary}'"
    if isinstance(when, datetime):
        return f"'{summary}' on {_wall(when, tz):%Y-%m-%d %H:%M}"
    return f"'{summary}' on {when.isoformat()}"


def _kind_of(event: _Component, problems: list[str]) -> BlockKind | None:
    """Our kind, if the event says it; ``None`` for an opaque foreign event."""
    own = event.value("X-FOCUS-KIND").lower()
    if own:
        if own in BlockKind._value2member_map_:
            return BlockKind(own)
        problems.append(f"unknown X-FOCUS-KIND {own!r} ignored")
    for prop in event.all("CATEGORIES"):
        for category in _split_text_list(prop.value):
            if category.lower() in BlockKind._value2member_map_:
                return BlockKind(category.lower())
    if event.value("TRANSP").upper() == "TRANSPARENT":
        raise _Skip("transparent: does not block time")
    return None


def _event_span(event: _Component, zones: _Zones) -> tuple[_When, _When]:
    start_prop = event.first("DTSTART")
    if start_prop is None:
        raise _Skip("no start time (DTSTART)")
    start = _prop_when(start_prop, zones)
    end_prop, duration = event.first("DTEND"), event.first("DURATION")
    if end_prop is not None:
        return start, _prop_when(end_prop, zones)
    if duration is not None:
        return start, start + _parse_duration(duration.value)
    # RFC 5545 3.6.1: an all-day event without an end lasts one day, a timed one no time.
    return start, (start if isinstance(start, datetime) else start + _DAY)


def _pieces(start: datetime, end: datetime) -> list[tuple[int, time, time]]:
    """Split a wall-clock span into (day offset, start, end) pieces a block can hold."""
    if end - start < _DAY:
        return [(0, start.time(), end.time())]
    pieces: list[tuple[int, time, time]] = []
    cursor = start
    while cursor < end:
        midnight = datetime.combine(cursor.date() + _DAY, time())
        stop = min(midnight, end)
        offset = (cursor.date() - start.date()).days
        if cursor.time() == time() and stop == midnight:
            pieces += [(offset, time(0), time(12)), (offset, time(12), time(0))]
        else:
            pieces.append((offset, cursor.time(), stop.time()))
        cursor = stop
    return pieces


def _import_event(
    event: _Component,
    overrides: list[_Component],
    tz: tzinfo,
    zones: _Zones,
    problems: list[str],
) -> list[Block]:
    kind = _kind_of(event, problems)
    if event.value("STATUS").upper() == "CANCELLED":
        raise _Skip("cancelled")
    start, end = _event_span(event, zones)
    all_day = not isinstance(start, datetime)
    if kind is None:
        kind = BlockKind.OFF if all_day else BlockKind.FOCUS
    title = event.text("SUMMARY")
    if event.first("X-FOCUS-KIND") is not None and title == kind.value.capitalize():
        title = ""  # our export writes the kind's name for untitled blocks
    start_wall, end_wall = _wall(start, tz), _wall(end, tz)
    if end_wall <= start_wall:
        raise _Skip("ends before it starts (DTEND is not after DTSTART)")
    if end_wall - start_wall > _MAX_SPAN:
        raise _Skip("longer than 7 days: too long for a block (a pause fits better)")
    pieces = _pieces(start_wall, end_wall)

    rule = _read_rule(event, start, zones)
    shift = (start_wall.date() - (start.date() if isinstance(start, datetime) else start)).days
    recurrences: list[Recurrence | None] = []
    for offset, _, _ in pieces:
        recurrences.append(
            None if rule is None else _to_recurrence(rule, start, shift + offset, problems)
        )
    if rule is not None and len(pieces) == 1:
        recurrences[0] = _restore_starts(event, recurrences[0], start_wall.date())

    skips: set[date] = set()
    for prop in event.all("EXDATE"):
        for value in prop.value.split(","):
            if value.strip():
                when = _parse_when(value, prop.param("TZID"), zones, "EXDATE")
                skips.add(_occurrence_wall(when, start, tz).date())
    moves: dict[date, tuple[datetime, datetime]] = {}
    for override in overrides:
        try:
            _read_override(override, start, end, tz, zones, skips, moves)
        except _Skip as skip:
            problems.append(f"a changed occurrence of {_describe(event, tz, zones)}: {skip}")

    blocks: list[Block] = []
    for (offset, piece_start, piece_end), rec in zip(pieces, recurrences, strict=True):
        days = timedelta(days=offset)
        exceptions: list[BlockException] = []
        for day in sorted(skips | moves.keys()):
            if day in moves and len(pieces) == 1:
                exceptions.append(BlockException(day, *moves[day]))
            else:
                exceptions.append(BlockException(day + days))
        blocks.append(
            Block(
                kind=kind,
                start=piece_start,
                end=piece_end,
                title=title,
                recurrence=rec,
                on_date=None if rec is not None else start_wall.date() + days,
                exceptions=tuple(exceptions),
            )
        )
    if len(pieces) > 1:  # moved occurrences of a split event become one-off blocks
        for moved_start, moved_end in moves.values():
            if moved_end - moved_start > _MAX_SPAN:
                problems.append(f"a moved occurrence of '{title}' longer than 7 days was dropped")
                continue
            for offset, piece_start, piece_end in _pieces(moved_start, moved_end):
                on = moved_start.date() + timedelta(days=offset)
                blocks.append(Block(kind, piece_start, piece_end, title, on_date=on))
    for block in blocks:  # what a block may hold is checked in one place
        check_block_dates(block)
    return blocks


def _read_override(
    override: _Component,
    start: _When,
    end: _When,
    tz: tzinfo,
    zones: _Zones,
    skips: set[date],
    moves: dict[date, tuple[datetime, datetime]],
) -> None:
    rid_prop = override.first("RECURRENCE-ID")
    assert rid_prop is not None
    original = _occurrence_wall(_prop_when(rid_prop, zones), start, tz).date()
    if override.value("STATUS").upper() == "CANCELLED":
        skips.add(original)
        return
    if override.first("DTSTART") is None:
        raise _Skip("no start time (DTSTART)")
    new_start, new_end = _event_span(override, zones)
    if override.first("DTEND") is None and override.first("DURATION") is None:
        new_end = new_start + (_wall(end, tz) - _wall(start, tz))
    moved_start, moved_end = _wall(new_start, tz), _wall(new_end, tz)
    if moved_end <= moved_start:
        skips.add(original)
        raise _Skip("ends before it starts; the occurrence was skipped instead")
    moves[original] = (moved_start, moved_end)


def _read_rule(event: _Component, start: _When, zones: _Zones) -> _WeeklyRule | None:
    """The event's RRULE as a weekly rule in the event zone's dates, or skip."""
    rules = event.all("RRULE")
    if not rules:
        return None
    if len(rules) > 1:
        raise _Skip("has several repetition rules (RRULE); a block has one")
    parts: dict[str, str] = {}
    for part in rules[0].value.strip().split(";"):
        key, sep, value = part.partition("=")
        if not sep:
            raise _Skip(f"unreadable repetition rule {rules[0].value.strip()!r}")
        parts[key.strip().upper()] = value.strip().upper()
    freq = parts.get("FREQ", "")
    if freq not in ("WEEKLY", "DAILY"):
        name = freq.lower() or "with no frequency"
        raise _Skip(f"repeats {name} (FREQ={freq}): only weekly or daily repetition fits a block")
    unsupported = sorted(set(parts) - _RULE_PARTS)
    if unsupported:
        used = ", ".join(unsupported)
        raise _Skip(f"repetition uses {used}, which a weekly block cannot express")
    try:
        interval = int(parts.get("INTERVAL", "1"))
        count = int(parts["COUNT"]) if "COUNT" in parts else None
    except ValueError:
        raise _Skip(f"unreadable repetition rule {rules[0].value.strip()!r}") from None
    if interval < 1 or (count is not None and count < 1):
        raise _Skip(f"unreadable repetition rule {rules[0].value.strip()!r}")
    if freq == "DAILY" and interval != 1:
        raise _Skip(f"repeats every {interval} days: only every day fits a weekly block")
    first = start.date() if isinstance(start, datetime) else start
    weekdays: set[int] = set()
    for code in filter(None, parts.get("BYDAY", "").split(",")):
        if code not in _WEEKDAY_CODES:
            raise _Skip(f"repeats on {code!r} (a numbered weekday), which a weekly block cannot")
        weekdays.add(_WEEKDAY_CODES.index(code))
    if not weekdays:
        weekdays = set(range(7)) if freq == "DAILY" else {first.weekday()}
    week_start = parts.get("WKST", "MO")
    if week_start not in _WEEKDAY_CODES:
        raise _Skip(f"unreadable week start WKST={week_start}")
    wkst = _WEEKDAY_CODES.index(week_start) if freq == "WEEKLY" else 0
    until: date | None = None
    if "UNTIL" in parts:
        until_when = _parse_when(parts["UNTIL"], None, zones, "UNTIL")
        if isinstance(until_when, datetime):
            if until_when.tzinfo is not None and isinstance(start, datetime) and start.tzinfo:
                until_when = until_when.astimezone(start.tzinfo)
            until = until_when.date()
            if isinstance(start, datetime) and until_when.time() < start.time():
                until -= _DAY  # the last occurrence starts the day before
        else:
            until = until_when
    elif count is not None:
        try:
            until = _count_until(first, frozenset(weekdays), interval, wkst, count)
        except OverflowError:
            until = None
        if until is not None and date_problem(until, "its last occurrence") is not None:
            raise _Skip(f"{date_problem(until, 'its last occurrence')} (COUNT={count})")
    return _WeeklyRule(frozenset(weekdays), interval, wkst, until)


def _to_recurrence(rule: _WeeklyRule, start: _When, shift: int, problems: list[str]) -> Recurrence:
    """The block recurrence for a rule whose dates move by ``shift`` days into the user's
    zone (and split pieces); skip when week boundaries make them differ."""
    first = start.date() if isinstance(start, datetime) else start
    moved = timedelta(days=shift)
    if rule.until is not None and rule.until < first:
        raise _Skip(f"repeats until {rule.until}, before its first occurrence: nothing to import")
    rec = Recurrence(
        weekdays=frozenset((d + shift) % 7 for d in rule.weekdays),
        interval_weeks=rule.interval,
        starts=first + moved,
        until=None if rule.until is None else rule.until + moved,
    )
    window = 7 * (3 * rule.interval + 2)
    theirs = {day + moved for day in rule.dates(first, window)}
    if theirs != _recurrence_dates(rec, first + moved, window):
        raise _Skip(
            f"repeats every {rule.interval} weeks on days that straddle the start of a "
            "Monday-to-Sunday week, which a weekly block cannot express"
        )
    if first.weekday() not in rule.weekdays:
        note = f"the first occurrence on {first} does not follow its rule and was dropped"
        if note not in problems:
            problems.append(note)
    return rec


def _restore_starts(event: _Component, rec: Recurrence | None, first: date) -> Recurrence | None:
    """Give back the exact ``starts`` our export wrote (X-FOCUS-STARTS), or ``None`` for a
    block that started at the anchor, when that describes the same occurrences."""
    if rec is None:
        return None
    candidates: list[date | None] = []
    prop = event.first("X-FOCUS-STARTS")
    if prop is not None:
        match = _DT_RE.match(prop.value.strip())
        if match and match[4] is None:
            with contextlib.suppress(ValueError):
                candidates.append(date(int(match[1]), int(match[2]), int(match[3])))
    elif RECURRENCE_ANCHOR <= first < RECURRENCE_ANCHOR + timedelta(days=7):
        candidates.append(None)
    for starts in candidates:
        try:
            candidate = replace(rec, starts=starts)
        except ValueError:
            continue
        if _first_occurrence(candidate) == first:
            return candidate
    return rec
