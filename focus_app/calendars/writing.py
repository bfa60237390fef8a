"""Blocks to iCalendar text through ``icalendar``: ``focus-app export``.

Pure: blocks in, text out; the zone and ``now`` are arguments.

One VEVENT per block with ``UID:block-<id>@focus-app`` (stable). With a named zone
(``ZoneInfo``) DTSTART/DTEND carry ``TZID=<IANA name>`` and the calendar holds a
VTIMEZONE for it built from zoneinfo; otherwise they are floating local times.
DTSTART is the first occurrence: ``recurrence.starts`` moved to the first matching
weekday of a week in phase, or, for ``starts=None``, the first one on or after
:data:`~focus_app.calendars.weekly.RECURRENCE_ANCHOR` (so every-N-weeks rules keep their
phase); ``X-FOCUS-STARTS`` keeps the exact ``starts`` for a lossless round trip. UNTIL is
the last day at 23:59:59 local, in UTC. The kind goes to ``X-FOCUS-APP-KIND`` and
``CATEGORIES``; ``TRANSP`` tells other calendars whether the time is busy. Skipped
occurrences become EXDATEs, moved ones an extra VEVENT with the same UID and a
RECURRENCE-ID, both only on dates the block really occurs on (the schedule ignores an
exception anywhere else, and so must every other calendar).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

import icalendar

from focus_app.calendars.vtimezones import yearly_zones
from focus_app.calendars.weekly import DAY, WEEKDAY_CODES, first_occurrence, occurs_on
from focus_app.core.model import Block, BlockException, BlockKind, Recurrence

__all__ = ["PRODID", "export_ics"]

PRODID = "-//Focus & Boundaries//focus-app//EN"


def export_ics(blocks: Sequence[Block], tz: tzinfo, *, now: datetime) -> str:
    """Write blocks as one VCALENDAR, ready to save as a ``.ics`` file.

    Args:
        blocks: The blocks to write, recurring and one-off.
        tz: The zone the blocks' wall-clock times live in (the user's zone).
        now: The current instant (aware), used for DTSTAMP.

    Returns:
        The calendar text (CRLF line endings, lines folded at 75 octets).

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime (pass the clock's now)")
    zone: tzinfo | None = tz if isinstance(tz, ZoneInfo) and tz.key else None
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("X-WR-CALNAME", "Focus & Boundaries")
    stamp = now.astimezone(UTC)
    earliest = latest = date(2001, 1, 1)
    for index, block in enumerate(blocks):
        for event in _events(block, index, zone, stamp):
            calendar.add_component(event)
            first = event.start
            day = first.date() if isinstance(first, datetime) else first
            earliest, latest = min(earliest, day), max(latest, day)
        rec = block.recurrence
        if rec is not None and rec.until is not None:
            latest = max(latest, rec.until)
    text: str = calendar.to_ical().decode("utf-8")
    if zone is None or ";TZID=" not in text:  # floating, or all UTC (no VTIMEZONE needed)
        return text
    # The VTIMEZONE's transitions must cover every date the calendar uses. Built once per
    # zone and range (~5 ms each: a CalDAV sync writes one calendar per block), and put
    # where ``add_missing_timezones`` puts it: before the first event.
    vtimezone = _vtimezone(
        str(getattr(zone, "key", "")),
        min(earliest, date(1970, 1, 1)) - DAY,
        max(latest, date(2037, 1, 1)) + 366 * DAY,
    )
    at = text.find("\r\nBEGIN:VEVENT\r\n") + 2  # the calendar's own lines come first
    at = at if at >= 2 else text.rindex("END:VCALENDAR")
    # Yearly rules where they hold: vobject-based readers (Radicale, other Python
    # calendar tools) misread icalendar's RDATE lists and lose summer time.
    return yearly_zones(text[:at] + vtimezone + text[at:])


@functools.lru_cache(maxsize=16)
def _vtimezone(key: str, first_date: date, last_date: date) -> str:
    """The VTIMEZONE text of the zone ``key`` covering ``first_date`` to ``last_date``."""
    timezone = icalendar.Timezone.from_tzinfo(
        ZoneInfo(key), tzid=key, first_date=first_date, last_date=last_date
    )
    text: str = timezone.to_ical().decode("utf-8")
    return text


def _uid(block: Block, index: int) -> str:
    """Stable per block id; unsaved blocks get a content hash (and their position)."""
    if block.id is not None:
        return f"block-{block.id}@focus-app"
    digest = hashlib.sha256(repr(replace(block, id=None)).encode()).hexdigest()[:16]
    return f"block-new{index}-{digest}@focus-app"


def _at(value: datetime, zone: tzinfo | None) -> datetime:
    return value if zone is None else value.replace(tzinfo=zone)


def _real_exceptions(block: Block) -> list[BlockException]:
    """The exceptions the schedule applies: the first per date, on an occurrence date."""
    rec = block.recurrence
    if rec is None:
        return []
    seen: set[date] = set()
    real: list[BlockException] = []
    for exception in block.exceptions:
        if exception.original_date in seen or not occurs_on(rec, exception.original_date):
            continue
        seen.add(exception.original_date)
        real.append(exception)
    return real


def _events(
    block: Block, index: int, zone: tzinfo | None, stamp: datetime
) -> list[icalendar.Event]:
    uid = _uid(block, index)
    rec = block.recurrence
    first = first_occurrence(rec) if rec is not None else block.on_date
    assert first is not None  # a block is either recurring or one-off
    start = datetime.combine(first, block.start)
    end = datetime.combine(first if block.end > block.start else first + DAY, block.end)

    def details(event: icalendar.Event) -> None:
        event.add("SUMMARY", block.display_title)
        event.add("CATEGORIES", [block.kind.value])
        event.add("TRANSP", "TRANSPARENT" if block.kind is BlockKind.AVAILABLE else "OPAQUE")
        event.add("X-FOCUS-APP-KIND", block.kind.value)

    master = icalendar.Event()
    master.add("UID", uid)
    master.add("DTSTAMP", stamp)
    master.add("DTSTART", _at(start, zone))
    master.add("DTEND", _at(end, zone))
    exceptions = _real_exceptions(block)
    exdates = [datetime.combine(e.original_date, block.start) for e in exceptions if e.is_skip]
    if rec is not None:
        master.add("RRULE", _rrule(rec, zone))
        if rec.starts is not None:
            master.add("X-FOCUS-STARTS", rec.starts)
        if rec.until is not None and first > rec.until and start not in exdates:
            exdates.append(start)  # no occurrence at all; DTSTART always counts as one
    for when in exdates:
        master.add("EXDATE", _at(when, zone))
    details(master)
    events = [master]
    for exception in exceptions:
        if exception.moved_start is None or exception.moved_end is None:
            continue
        moved = icalendar.Event()
        moved.add("UID", uid)
        moved.add("DTSTAMP", stamp)
        original = datetime.combine(exception.original_date, block.start)
        moved.add("RECURRENCE-ID", _at(original, zone))
        moved.add("DTSTART", _at(exception.moved_start, zone))
        moved.add("DTEND", _at(exception.moved_end, zone))
        details(moved)
        events.append(moved)
    return events


def _rrule(rec: Recurrence, zone: tzinfo | None) -> icalendar.vRecur:
    rule = icalendar.vRecur(FREQ="WEEKLY")
    if rec.interval_weeks != 1:
        rule["INTERVAL"] = rec.interval_weeks
    rule["BYDAY"] = [WEEKDAY_CODES[d] for d in sorted(rec.weekdays)]
    rule["WKST"] = "MO"
    if rec.until is not None:
        last = datetime.combine(rec.until, time(23, 59, 59))
        # RFC 5545: with a zoned DTSTART, UNTIL must be UTC; with a floating one, floating.
        rule["UNTIL"] = last.replace(tzinfo=zone).astimezone(UTC) if zone is not None else last
    return rule
