"""Blocks from iCalendar text: ``icalendar`` parses, we map events to blocks.

Pure: text in, blocks out; the user's zone and the options are arguments, so an import
can be parsed in a worker thread and previewed before anything is stored.

Mapping decisions
    * Kind: see :mod:`focus_app.calendars.kinds` (a plain event is never silently a
      focus block: it takes the kind chosen for the import, or is skipped).
    * Versions: of several VEVENTs with one UID (and one RECURRENCE-ID) only the one
      with the highest SEQUENCE counts.
    * Zones: times are converted into the user's zone and kept as wall-clock; a
      recurring event from another zone is converted at its first occurrence. A TZID
      that names no zone skips the event (see :mod:`focus_app.calendars.zones`);
      Google's ``X-WR-TIMEZONE`` is applied through ``x-wr-timezone``.
    * Dates: every date an event carries (start, end, UNTIL, COUNT's last date, RDATE,
      EXDATE, RECURRENCE-ID) must lie in :mod:`focus_app.core.dates`' range, events
      last at most 7 days and repeat at most every :data:`MAX_INTERVAL_WEEKS` weeks;
      otherwise the event is skipped with the reason. Nothing read from a file can stop
      the app from starting.
    * A block covers less than 24 h, so an event of 24 h up to 7 days is split at local
      midnights into several blocks; a whole day becomes 00:00-12:00 and 12:00-00:00.
    * Rules: FREQ=WEEKLY (INTERVAL, BYDAY, UNTIL, COUNT, WKST) and FREQ=DAILY with
      INTERVAL=1. RDATEs become one-off blocks; EXDATE a skipped occurrence, a
      RECURRENCE-ID override a moved one (a cancelled override a skipped one).
    * Keys: every block carries ``source_uid`` (the UID, ``UID#part`` for the further
      blocks of one event), so a re-import updates instead of duplicating.
"""

from __future__ import annotations

import contextlib
import hashlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar

from focus_app.calendars.kinds import NoKind, kind_of
from focus_app.calendars.weekly import (
    DAY,
    RECURRENCE_ANCHOR,
    WEEKDAY_CODES,
    WeeklyRule,
    count_until,
    first_occurrence,
    recurrence_dates,
)
from focus_app.calendars.zones import resolve_tzid
from focus_app.core.dates import EARLIEST, LATEST, check_block_dates, date_problem
from focus_app.core.model import Block, BlockException, BlockKind, Recurrence

__all__ = [
    "MAX_INTERVAL_WEEKS",
    "ImportOptions",
    "ImportResult",
    "import_calendars",
    "import_ics",
    "parse_ics",
]

MAX_SPAN = timedelta(days=7)
MAX_INTERVAL_WEEKS = 520
"""Ten years: a rule further apart than that is no weekly block (and its maths overflows)."""
_RULE_PARTS = frozenset({"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT", "WKST"})

_When = date | datetime

@dataclass(frozen=True)
class ImportOptions:
    """Choices a person makes for one import.

    Attributes:
        kind: The kind for events that do not say theirs (``--kind``); ``None`` skips
            them with the reason.
    """

    kind: BlockKind | None = None

@dataclass
class ImportResult:
    """What :func:`import_ics` made of a file.

    Attributes:
        blocks: The blocks (``id`` is ``None``), each with ``source_uid`` set.
        skipped: One human line per event that was not imported, saying why.
        problems: Things imported with a compromise the user may want to check.
        uids: The UIDs of every event read (imported or not): their old blocks are the
            ones a re-import may update or remove.
    """

    blocks: list[Block] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    uids: set[str] = field(default_factory=set)

class _Skip(Exception):
    """An event that cannot become blocks; the message says why, for a person."""

def import_ics(text: str, tz: tzinfo, options: ImportOptions | None = None) -> ImportResult:
    """Read blocks from iCalendar text (our own export or any calendar's).

    Args:
        text: The file's content.
        tz: The user's zone: event times are converted into it and kept as wall-clock.
        options: Choices for this import (the kind of events without one).

    Returns:
        The blocks, one line per skipped event and the problems worth telling.

    Raises:
        ValueError: The text is not iCalendar at all (one line).
    """
    return import_calendars(parse_ics(text), tz, options)


def parse_ics(text: str) -> list[icalendar.Calendar]:
    """The calendars of iCalendar text, for :func:`import_calendars`.

    Raises:
        ValueError: The text is not iCalendar at all (one line).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # see import_calendars
        return _parse(text)


def import_calendars(
    calendars: list[icalendar.Calendar], tz: tzinfo, options: ImportOptions | None = None
) -> ImportResult:
    """:func:`import_ics` of calendars already parsed by :func:`parse_ics`: a caller that
    also reads other properties (CalDAV: the UID, DTSTAMP) parses each text once.

    The calendars' events are changed in place (floating times get their zone).
    """
    options = options or ImportOptions()
    with warnings.catch_warnings():
        # icalendar warns when it guesses (a vendor-prefixed TZID); what we guess or
        # refuse is told to the person through ``problems`` and ``skipped`` instead.
        warnings.simplefilter("ignore")
        return _import(calendars, tz, options)


def _import(
    calendars: list[icalendar.Calendar], tz: tzinfo, options: ImportOptions
) -> ImportResult:
    result = ImportResult()
    events: list[icalendar.Event] = []
    floating: dict[int, tzinfo | None] = {}
    for calendar in calendars:
        zone = _floating_zone(calendar)
        for component in calendar.walk("VEVENT"):
            if isinstance(component, icalendar.Event):
                events.append(component)
                floating[id(component)] = zone
    events = _latest_versions(events, result.problems)
    masters: list[icalendar.Event] = []
    overrides: dict[str, list[icalendar.Event]] = {}
    for event in events:
        uid = _uid(event)
        if "RECURRENCE-ID" in event:
            overrides.setdefault(uid, []).append(event)
        else:
            masters.append(event)
    master_uids = {_uid(m) for m in masters}
    for uid, orphans in list(overrides.items()):
        if uid not in master_uids:
            del overrides[uid]
            result.problems.append(
                f"{len(orphans)} changed occurrence(s) of an event not in the file "
                "were imported as one-off events"
            )
            masters.extend(orphans)
    for event in masters:
        uid = _uid(event)
        result.uids.add(uid)
        own = overrides.get(uid, []) if "RECURRENCE-ID" not in event else []
        try:
            zone = floating.get(id(event))
            if zone is not None:
                _localize_floating(event, zone)
                for override in own:
                    _localize_floating(override, zone)
            blocks = _import_event(event, own, tz, options, result.problems)
        except (_Skip, NoKind) as skip:
            result.skipped.append(f"{_describe(event, tz)}: {skip}")
            continue
        except (ValueError, OverflowError) as error:  # the model refused the values
            result.skipped.append(f"{_describe(event, tz)}: {error}")
            continue
        key = uid
        if "RECURRENCE-ID" in event:
            key = f"{uid}#{_raw(event, 'RECURRENCE-ID')}"
        result.blocks.extend(_keyed(blocks, key))
    return result

def _parse(text: str) -> list[icalendar.Calendar]:
    if "BEGIN:VCALENDAR" not in text.upper():
        raise ValueError("not an iCalendar file: no BEGIN:VCALENDAR")
    try:
        calendars = icalendar.Calendar.from_ical(text.lstrip("\ufeff"), multiple=True)
    except ValueError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"malformed iCalendar: {first}") from None
    found = [c for c in calendars if isinstance(c, icalendar.Calendar)]
    if not found:
        raise ValueError("malformed iCalendar: no complete VCALENDAR (is the file truncated?)")
    return found

def _floating_zone(calendar: icalendar.Calendar) -> tzinfo | None:
    """Google's ``X-WR-TIMEZONE``: the zone of the calendar's floating times.

    Done here rather than through ``x-wr-timezone``, which also moves times whose TZID
    it does not know (icalendar leaves them naive) into that zone: those must be skipped.
    """
    name = str(calendar.get("X-WR-TIMEZONE", "")).strip()
    return resolve_tzid(name) if name else None


_DATE_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")


def _localize_floating(event: icalendar.Event, zone: tzinfo) -> None:
    """Give the floating date-times of ``event`` (no TZID, no Z) the calendar's zone."""
    for name in _DATE_PROPERTIES:
        raw = event.get(name)
        if raw is None:
            continue
        for item in raw if isinstance(raw, list) else [raw]:
            if "TZID" in getattr(item, "params", {}):
                continue
            for value in getattr(item, "dts", None) or [item]:
                try:
                    dt = value.dt
                except ValueError:
                    continue  # reported when the value is read
                if isinstance(dt, datetime) and dt.tzinfo is None:
                    value.dt = dt.replace(tzinfo=zone)


def _uid(event: icalendar.Event) -> str:
    uid = str(event.get("UID", "")).strip()
    if uid:
        return uid
    # No UID: a key from what the event says, so the same event imported again matches.
    digest = hashlib.sha256(
        "\x1f".join(_raw(event, name) for name in ("DTSTART", "DTEND", "SUMMARY")).encode()
    ).hexdigest()[:20]
    return f"no-uid-{digest}"

def _raw(event: icalendar.Event, name: str) -> str:
    value = event.get(name)
    if value is None:
        return ""
    try:
        raw = value.to_ical()
    except Exception:  # a broken value still has its text
        raw = str(value)
    return raw.decode() if isinstance(raw, bytes) else str(raw)

def _sequence(event: icalendar.Event) -> int:
    try:
        return int(str(event.get("SEQUENCE", 0)))
    except ValueError:
        return 0

def _latest_versions(events: list[icalendar.Event], problems: list[str]) -> list[icalendar.Event]:
    """Of the VEVENTs of one UID and RECURRENCE-ID, the highest SEQUENCE (on a tie, the
    later in the file), in the order the survivors appear."""
    best: dict[tuple[str, str], tuple[int, int]] = {}
    for position, event in enumerate(events):
        key = (_uid(event), _raw(event, "RECURRENCE-ID"))
        rank = (_sequence(event), position)
        if key not in best or rank > best[key]:
            best[key] = rank
    keep = {position for _, position in best.values()}
    dropped = len(events) - len(keep)
    if dropped:
        problems.append(f"{dropped} older version(s) of events (lower SEQUENCE) were ignored")
    return [event for position, event in enumerate(events) if position in keep]

def _keyed(blocks: list[Block], key: str) -> Iterator[Block]:
    for index, block in enumerate(blocks):
        yield replace(block, source_uid=key if index == 0 else f"{key}#{index}")

# ------------------------------------------------------------------------ values

def _values(event: icalendar.Event, name: str) -> list[tuple[Any, str | None]]:
    """Every value of a (possibly repeated, possibly list-valued) date property, with
    its TZID parameter."""
    raw = event.get(name)
    if raw is None:
        return []
    found: list[tuple[Any, str | None]] = []
    for item in raw if isinstance(raw, list) else [raw]:
        params = getattr(item, "params", {})
        tzid = params.get("TZID")
        try:
            dts = getattr(item, "dts", None)
            if dts is None:
                found.append((item.dt, tzid))
            else:
                found.extend((d.dt, tzid) for d in dts)
        except ValueError:
            raise _Skip(f"unreadable {name} {str(item)[:40]!r}") from None
    return found

def _place(value: Any, tzid: str | None, what: str) -> _When:
    """A parsed date or date-time checked and placed in its zone, or skip."""
    if not isinstance(value, date):
        raise _Skip(f"unreadable {what}")
    problem = date_problem(value, what)
    if problem is not None:
        raise _Skip(problem)
    if isinstance(value, datetime) and value.tzinfo is None and tzid:
        zone = resolve_tzid(tzid)
        if zone is None:
            raise _Skip(
                f"unknown time zone {tzid!r} (no VTIMEZONE for it in the file), "
                "so its times cannot be placed"
            )
        value = value.replace(tzinfo=zone)
    placed: _When = value
    return placed

def _one(event: icalendar.Event, name: str) -> _When | None:
    values = _values(event, name)
    if not values:
        return None
    value, tzid = values[0]
    if isinstance(value, tuple):  # a PERIOD
        value = value[0]
    return _place(value, tzid, name)

def _same_zone(a: tzinfo, b: tzinfo) -> bool:
    if a is b:
        return True
    key_a, key_b = getattr(a, "key", None), getattr(b, "key", None)
    return key_a is not None and key_a == key_b

def _wall(value: _When, tz: tzinfo) -> datetime:
    """Naive wall-clock time in ``tz``; dates are midnight, floating times stay.

    Times already in ``tz`` are not converted, so a wall-clock time inside a DST gap or
    fold survives the round trip unchanged.
    """
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    if value.tzinfo is None or _same_zone(value.tzinfo, tz):
        return value.replace(tzinfo=None)
    return value.astimezone(tz).replace(tzinfo=None)

def _occurrence_wall(value: _When, template: _When, tz: tzinfo) -> datetime:
    """Wall-clock start of the occurrence an EXDATE / RECURRENCE-ID / RDATE names; a
    DATE names the occurrence starting that day at the event's start time."""
    if not isinstance(value, datetime) and isinstance(template, datetime):
        value = datetime.combine(value, template.time(), tzinfo=template.tzinfo)
    return _wall(value, tz)

def _describe(event: icalendar.Event, tz: tzinfo) -> str:
    summary = " ".join(str(event.get("SUMMARY", "")).split()) or "(untitled)"
    try:
        start = _one(event, "DTSTART")
    except (_Skip, ValueError, OverflowError):
        start = None
    if start is None:
        return f"'{summary}'"
    if isinstance(start, datetime):
        try:
            return f"'{summary}' on {_wall(start, tz):%Y-%m-%d %H:%M}"
        except (ValueError, OverflowError):
            return f"'{summary}' on {start.date().isoformat()}"
    return f"'{summary}' on {start.isoformat()}"

# ------------------------------------------------------------------------ mapping

def _span(event: icalendar.Event) -> tuple[_When, _When]:
    start = _one(event, "DTSTART")
    if start is None:
        raise _Skip("no start time (DTSTART)")
    end = _one(event, "DTEND")
    if end is not None:
        return start, end
    durations = _values(event, "DURATION")
    if durations:
        duration = durations[0][0]
        if not isinstance(duration, timedelta):
            raise _Skip("unreadable DURATION")
        if duration > MAX_SPAN:
            raise _Skip(
                f"lasts {duration.days} days (DURATION): too long for a block "
                "(a pause fits better)"
            )
        return start, start + duration
    # RFC 5545 3.6.1: an all-day event without an end lasts one day, a timed one no time.
    return start, (start if isinstance(start, datetime) else start + DAY)

def _pieces(start: datetime, end: datetime) -> list[tuple[int, time, time]]:
    """Split a wall-clock span into (day offset, start, end) pieces a block can hold."""
    if end - start < DAY:
        return [(0, start.time(), end.time())]
    pieces: list[tuple[int, time, time]] = []
    cursor = start
    while cursor < end:
        midnight = datetime.combine(cursor.date() + DAY, time())
        stop = min(midnight, end)
        offset = (cursor.date() - start.date()).days
        if cursor.time() == time() and stop == midnight:
            pieces += [(offset, time(0), time(12)), (offset, time(12), time(0))]
        else:
            pieces.append((offset, cursor.time(), stop.time()))
        cursor = stop
    return pieces

def _import_event(
    event: icalendar.Event,
    overrides: list[icalendar.Event],
    tz: tzinfo,
    options: ImportOptions,
    problems: list[str],
) -> list[Block]:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        raise _Skip("cancelled")
    kind = kind_of(event, options.kind)
    start, end = _span(event)
    title = str(event.get("SUMMARY", ""))
    own_kind = any(name in event for name in ("X-FOCUS-APP-KIND", "X-FOCUS-KIND"))
    if own_kind and title == kind.value.capitalize():
        title = ""  # our export writes the kind's name for untitled blocks
    start_wall, end_wall = _wall(start, tz), _wall(end, tz)
    if end_wall <= start_wall:
        raise _Skip("ends before it starts (DTEND is not after DTSTART)")
    if end_wall - start_wall > MAX_SPAN:
        raise _Skip("longer than 7 days: too long for a block (a pause fits better)")
    pieces = _pieces(start_wall, end_wall)

    rule = _read_rule(event, start)
    shift = (start_wall.date() - (start.date() if isinstance(start, datetime) else start)).days
    recurrences: list[Recurrence | None] = [
        None if rule is None else _to_recurrence(rule, start, shift + offset, problems)
        for offset, _, _ in pieces
    ]
    if rule is not None and len(pieces) == 1:
        recurrences[0] = _restore_starts(event, recurrences[0], start_wall.date())
    if rule is not None and isinstance(start, datetime):
        _note_zone_drift(start, tz, problems)

    skips: set[date] = set()
    for value, tzid in _values(event, "EXDATE"):
        when = _place(value, tzid, "EXDATE")
        skips.add(_occurrence_wall(when, start, tz).date())
    exdates = frozenset(skips)
    moves: dict[date, tuple[datetime, datetime]] = {}
    for override in overrides:
        try:
            if _stale_override(override, event, start, start_wall, recurrences[0], tz, exdates):
                continue
            _read_override(override, start, end, tz, skips, moves)
        except (_Skip, ValueError, OverflowError) as skip:
            problems.append(f"a changed occurrence of {_describe(event, tz)}: {skip}")

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
                exceptions=tuple(exceptions) if rec is not None else (),
            )
        )
    if len(pieces) > 1:  # moved occurrences of a split event become one-off blocks
        for moved_start, moved_end in moves.values():
            blocks.extend(_one_offs(kind, title, moved_start, moved_end, problems))
    for value, tzid in _values(event, "RDATE"):
        blocks.extend(
            _rdate_blocks(
                kind, title, value, tzid, start, start_wall, end_wall, tz, skips, problems
            )
        )
    for block in blocks:  # what a block may hold is checked in one place
        check_block_dates(block)
    return blocks

def _one_offs(
    kind: BlockKind, title: str, start: datetime, end: datetime, problems: list[str]
) -> list[Block]:
    if end - start > MAX_SPAN:
        problems.append(f"a moved occurrence of '{title}' longer than 7 days was dropped")
        return []
    return [
        Block(kind, piece_start, piece_end, title, on_date=start.date() + timedelta(days=offset))
        for offset, piece_start, piece_end in _pieces(start, end)
    ]

def _rdate_blocks(
    kind: BlockKind,
    title: str,
    value: Any,
    tzid: str | None,
    start: _When,
    start_wall: datetime,
    end_wall: datetime,
    tz: tzinfo,
    skips: set[date],
    problems: list[str],
) -> list[Block]:
    """An RDATE (a date, a date-time or a period) as one-off blocks."""
    if isinstance(value, tuple):  # PERIOD: start and end, or start and duration
        period_start = _place(value[0], tzid, "RDATE")
        other = value[1]
        if isinstance(other, timedelta):
            if other > MAX_SPAN:
                raise _Skip("an RDATE period lasts longer than 7 days")
            period_end: _When = period_start + other
        else:
            period_end = _place(other, tzid, "RDATE")
        first, last = _wall(period_start, tz), _wall(period_end, tz)
    else:
        when = _place(value, tzid, "RDATE")
        first = _occurrence_wall(when, start, tz)
        last = first + (end_wall - start_wall)
    if first == start_wall or first.date() in skips:
        return []  # DTSTART itself, or excluded
    if last <= first:
        raise _Skip("an RDATE period ends before it starts")
    return _one_offs(kind, title, first, last, problems)

def _note_zone_drift(start: datetime, tz: tzinfo, problems: list[str]) -> None:
    """Say once per zone when a repeating event's zone changes clocks on other dates.

    A block keeps its wall-clock time in the person's zone; a series in New York (or
    in UTC) seen from Berlin moves by an hour between the two zones' daylight-saving
    changes. That is the model (blocks follow the person), but it must not be silent.
    """
    zone = start.tzinfo
    if zone is None or _same_zone(zone, tz) or not _drifts(zone, tz, start.year):
        return
    name = getattr(zone, "key", None) or start.tzname() or str(zone)
    note = (
        f"repeating events in {name} keep the time of their first occurrence in your "
        f"zone, so some weeks they are an hour off: {name} and your zone change clocks "
        "on different dates"
    )
    if note not in problems:
        problems.append(note)


def _drifts(zone: tzinfo, tz: tzinfo, year: int) -> bool:
    """Whether ``zone``'s offset from ``tz`` changes during ``year`` (sampled weekly)."""
    key = (zone, tz, year)
    with contextlib.suppress(TypeError):  # a zone that cannot be hashed is not cached
        if key in _DRIFT:
            return _DRIFT[key]
    first = datetime(min(max(year, EARLIEST.year), LATEST.year - 1), 1, 1, 12, tzinfo=UTC)
    gaps = set()
    for week in range(53):
        t = first + timedelta(weeks=week)
        a, b = t.astimezone(zone).utcoffset(), t.astimezone(tz).utcoffset()
        if a is not None and b is not None:
            gaps.add(a - b)
    drifts = len(gaps) > 1
    with contextlib.suppress(TypeError):
        if len(_DRIFT) >= 256:  # zones read from files are new objects every import
            _DRIFT.clear()
        _DRIFT[key] = drifts
    return drifts


_DRIFT: dict[tuple[tzinfo, tzinfo, int], bool] = {}


def _stale_override(
    override: icalendar.Event,
    event: icalendar.Event,
    start: _When,
    start_wall: datetime,
    rec: Recurrence | None,
    tz: tzinfo,
    exdates: frozenset[date],
) -> bool:
    """Whether a changed occurrence no longer applies, so it must not bring its day back.

    Clients (Thunderbird, Google) leave the changed occurrence in the file when the
    person later deletes that occurrence (the series gains an EXDATE for it) or shortens
    the series (a new UNTIL, a higher SEQUENCE): the deletion or the change of the whole
    series wins, as in ``recurring-ical-events``.
    """
    rid = _one(override, "RECURRENCE-ID")
    assert rid is not None
    original = _occurrence_wall(rid, start, tz).date()
    if original in exdates:
        return True
    if _sequence(override) >= _sequence(event):
        return False
    if rec is None:
        return original != start_wall.date()
    return original < (rec.starts or start_wall.date()) or (
        rec.until is not None and original > rec.until
    )


def _read_override(
    override: icalendar.Event,
    start: _When,
    end: _When,
    tz: tzinfo,
    skips: set[date],
    moves: dict[date, tuple[datetime, datetime]],
) -> None:
    rid = _one(override, "RECURRENCE-ID")
    assert rid is not None
    original = _occurrence_wall(rid, start, tz).date()
    if str(override.get("STATUS", "")).upper() == "CANCELLED":
        skips.add(original)
        return
    new_start, new_end = _span(override)
    if "DTEND" not in override and "DURATION" not in override:
        new_end = new_start + (_wall(end, tz) - _wall(start, tz))
    moved_start, moved_end = _wall(new_start, tz), _wall(new_end, tz)
    if moved_end <= moved_start:
        skips.add(original)
        raise _Skip("ends before it starts; the occurrence was skipped instead")
    moves[original] = (moved_start, moved_end)

def _read_rule(event: icalendar.Event, start: _When) -> WeeklyRule | None:
    """The event's RRULE as a weekly rule in the event zone's dates, or skip."""
    raw = event.get("RRULE")
    if raw is None:
        return None
    if isinstance(raw, list):
        raise _Skip("has several repetition rules (RRULE); a block has one")
    if not isinstance(raw, icalendar.vRecur):
        raise _Skip(f"unreadable repetition rule {str(raw)[:60]!r}")
    text = _raw(event, "RRULE")
    parts = {str(key).upper(): value for key, value in raw.items()}
    freq = str(parts.get("FREQ", [""])[0]).upper()
    if freq not in ("WEEKLY", "DAILY"):
        name = freq.lower() or "with no frequency"
        raise _Skip(f"repeats {name} (FREQ={freq}): only weekly or daily repetition fits a block")
    unsupported = sorted(set(parts) - _RULE_PARTS)
    if unsupported:
        used = ", ".join(unsupported)
        raise _Skip(f"repetition uses {used}, which a weekly block cannot express")
    try:
        interval = int(parts.get("INTERVAL", [1])[0])
        count = int(parts["COUNT"][0]) if "COUNT" in parts else None
    except (ValueError, TypeError):
        raise _Skip(f"unreadable repetition rule {text!r}") from None
    if interval < 1 or (count is not None and count < 1):
        raise _Skip(f"unreadable repetition rule {text!r}")
    if freq == "DAILY" and interval != 1:
        raise _Skip(f"repeats every {interval} days: only every day fits a weekly block")
    if interval > MAX_INTERVAL_WEEKS:
        raise _Skip(
            f"repeats every {interval} weeks (INTERVAL): more than {MAX_INTERVAL_WEEKS} "
            "weeks apart is no weekly block"
        )
    first = start.date() if isinstance(start, datetime) else start
    weekdays: set[int] = set()
    for code in parts.get("BYDAY", []):
        code = str(code).upper()
        if code not in WEEKDAY_CODES:
            raise _Skip(f"repeats on {code!r} (a numbered weekday), which a weekly block cannot")
        weekdays.add(WEEKDAY_CODES.index(code))
    if not weekdays:
        weekdays = set(range(7)) if freq == "DAILY" else {first.weekday()}
    week_start = str(parts.get("WKST", ["MO"])[0]).upper()
    if week_start not in WEEKDAY_CODES:
        raise _Skip(f"unreadable week start WKST={week_start}")
    wkst = WEEKDAY_CODES.index(week_start) if freq == "WEEKLY" else 0
    until: date | None = None
    if "UNTIL" in parts:
        until_when = _place(parts["UNTIL"][0], None, "UNTIL")
        if isinstance(until_when, datetime):
            if until_when.tzinfo is not None and isinstance(start, datetime) and start.tzinfo:
                until_when = until_when.astimezone(start.tzinfo)
            until = until_when.date()
            if isinstance(start, datetime) and until_when.time() < start.time():
                until -= DAY  # the last occurrence starts the day before
        else:
            until = until_when
    elif count is not None:
        try:
            until = count_until(first, frozenset(weekdays), interval, wkst, count)
        except OverflowError:
            until = date.max
        problem = date_problem(until, "its last occurrence")
        if problem is not None:
            raise _Skip(f"{problem} (COUNT={count})")
    return WeeklyRule(frozenset(weekdays), interval, wkst, until)

def _to_recurrence(rule: WeeklyRule, start: _When, shift: int, problems: list[str]) -> Recurrence:
    """The block recurrence for a rule whose dates move by ``shift`` days into the user's
    zone (and split pieces); skip when week boundaries make them differ."""
    first = start.date() if isinstance(start, datetime) else start
    moved = timedelta(days=shift)
    if rule.until is not None and rule.until < first:
        raise _Skip(f"repeats until {rule.until}, before its first occurrence: nothing to import")
    starts = first + moved
    until = None if rule.until is None else rule.until + moved
    for day, what in ((starts, "its first occurrence"), (until, "its last occurrence")):
        problem = None if day is None else date_problem(day, what)
        if problem is not None:
            raise _Skip(problem)
    rec = Recurrence(
        weekdays=frozenset((d + shift) % 7 for d in rule.weekdays),
        interval_weeks=rule.interval,
        starts=starts,
        until=until,
    )
    window = 7 * (3 * rule.interval + 2)
    if first + timedelta(days=window) < LATEST:
        theirs = {day + moved for day in rule.dates(first, window)}
        if theirs != recurrence_dates(rec, first + moved, window):
            raise _Skip(
                f"repeats every {rule.interval} weeks on days that straddle the start of a "
                "Monday-to-Sunday week, which a weekly block cannot express"
            )
    if first.weekday() not in rule.weekdays:
        note = f"the first occurrence on {first} does not follow its rule and was dropped"
        if note not in problems:
            problems.append(note)
    return rec

def _restore_starts(
    event: icalendar.Event, rec: Recurrence | None, first: date
) -> Recurrence | None:
    """Give back the exact ``starts`` our export wrote (X-FOCUS-STARTS), or ``None`` for a
    block that started at the anchor, when that describes the same occurrences."""
    if rec is None:
        return None
    candidates: list[date | None] = []
    prop = event.get("X-FOCUS-STARTS")
    if prop is not None:
        with contextlib.suppress(ValueError):
            candidates.append(date.fromisoformat(_raw(event, "X-FOCUS-STARTS").strip()))
    elif RECURRENCE_ANCHOR <= first < RECURRENCE_ANCHOR + timedelta(days=7):
        candidates.append(None)
    for starts in candidates:
        if starts is not None and not EARLIEST <= starts <= LATEST:
            continue
        try:
            candidate = replace(rec, starts=starts)
        except ValueError:
            continue
        if first_occurrence(candidate) == first:
            return candidate
    return rec

