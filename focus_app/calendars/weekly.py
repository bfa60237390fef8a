"""Weekly recurrence maths shared by reading and writing: which dates a block or an
RFC 5545 weekly rule fires on. Pure date arithmetic, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from focus_app.core.model import Recurrence

RECURRENCE_ANCHOR = date(2001, 1, 1)
"""Week 0 of recurrences without a start (a Monday, as in the schedule)."""

DAY = timedelta(days=1)
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def first_occurrence(rec: Recurrence) -> date:
    """The first date the recurrence fires on, ignoring ``until``."""
    day = rec.starts or RECURRENCE_ANCHOR
    week0 = monday(day)
    while True:  # ends within interval_weeks + 1 weeks
        weeks = (monday(day) - week0).days // 7
        if day.weekday() in rec.weekdays and weeks % rec.interval_weeks == 0:
            return day
        day += DAY


def occurs_on(rec: Recurrence, day: date) -> bool:
    """Whether the block recurrence puts an occurrence on ``day`` (the schedule's rule)."""
    if rec.starts is not None and day < rec.starts:
        return False
    if rec.until is not None and day > rec.until:
        return False
    week0 = monday(rec.starts or RECURRENCE_ANCHOR)
    weeks = (monday(day) - week0).days // 7
    return day.weekday() in rec.weekdays and weeks % rec.interval_weeks == 0


def recurrence_dates(rec: Recurrence, first: date, days: int) -> set[date]:
    """Dates in ``[first, first + days)`` on which the block recurrence fires."""
    return {
        day
        for day in (first + timedelta(days=offset) for offset in range(days))
        if occurs_on(rec, day)
    }


@dataclass(frozen=True)
class WeeklyRule:
    """An RRULE reduced to what a block can hold, in dates of the event's own zone."""

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


def count_until(
    first: date, weekdays: frozenset[int], interval: int, week_start: int, count: int
) -> date:
    """The date of the ``count``-th occurrence of a weekly rule (COUNT to UNTIL).

    Raises:
        OverflowError: The date is past year 9999.
    """
    period0 = first - timedelta(days=(first.weekday() - week_start) % 7)
    offsets = sorted((d - week_start) % 7 for d in weekdays)
    in_first = [o for o in offsets if period0 + timedelta(days=o) >= first]
    if count <= len(in_first):
        return period0 + timedelta(days=in_first[count - 1])
    rest = count - len(in_first)
    period = (rest - 1) // len(offsets) + 1
    return period0 + timedelta(days=7 * interval * period + offsets[(rest - 1) % len(offsets)])
