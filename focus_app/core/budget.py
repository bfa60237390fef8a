"""The weekly budget: hours of commitments and breakthroughs the person allows per week.

A week runs from Monday 00:00 to the next Monday 00:00 on the wall clock of the
schedule's zone, so a week with a daylight-saving change lasts 167 or 169 real hours. A
commitment counts with the real time it covers inside the week (one that runs over
Sunday midnight is split between the two weeks). Arithmetic is in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from focus_app.core.booking import Span


def week_of(at: datetime, tz: tzinfo) -> Span:
    """The local week containing ``at``: Monday 00:00 to the next Monday 00:00 in ``tz``.

    A midnight that does not exist (a zone that springs forward at 00:00) resolves the
    way block starts do: moved forward by the gap.

    Raises:
        ValueError: ``at`` is naive.
    """
    if at.tzinfo is None:
        raise ValueError("at must be an aware datetime")
    monday = at.astimezone(tz).date()
    monday -= timedelta(days=monday.weekday())
    return Span(_midnight(monday, tz), _midnight(monday + timedelta(days=7), tz))


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC).astimezone(tz)


def committed(commitments: Iterable[Span], week: Span) -> timedelta:
    """The real time the commitments cover inside ``week`` (overlaps counted once)."""
    lo, hi = week.start.astimezone(UTC), week.end.astimezone(UTC)
    parts = sorted(
        (max(s.start.astimezone(UTC), lo), min(s.end.astimezone(UTC), hi)) for s in commitments
    )
    total = timedelta()
    end: datetime | None = None
    for s, e in parts:
        if e <= s:
            continue
        if end is not None and s < end:
            if e > end:
                total += e - end
                end = e
            continue
        total += e - s
        end = e
    return total


@dataclass(frozen=True)
class WeekBudget:
    """One week's budget and what is used of it.

    Attributes:
        week: The week.
        committed: Real time of commitments booked in the week.
        hours: The allowed hours of commitments.
        breakthroughs: Breakthroughs delivered in the week (through focus or off-time,
            priority ones included): the count the gate's weekly allowance uses.
        breakthrough_limit: The allowed breakthroughs; 0 = no weekly limit. Once
            reached, budgeted breakthroughs wait (priority still passes, so the count
            can go past it).
    """

    week: Span
    committed: timedelta
    hours: float
    breakthroughs: int
    breakthrough_limit: int

    @property
    def limit(self) -> timedelta:
        return timedelta(hours=self.hours)

    @property
    def room(self) -> timedelta:
        """What is left of the hours (never negative)."""
        return max(self.limit - self.committed, timedelta())

    def fits(self, estimate: timedelta) -> bool:
        """Whether ``estimate`` more stays within the hours."""
        return self.committed + estimate <= self.limit

    @property
    def fraction(self) -> float:
        """Committed as a share of the hours (0 when none are allowed), for a meter."""
        if self.hours <= 0:
            return 1.0 if self.committed > timedelta() else 0.0
        return self.committed / self.limit

    @property
    def breakthroughs_used_up(self) -> bool:
        """Whether the week's breakthroughs are used: the rest wait (priority passes)."""
        return 0 < self.breakthrough_limit <= self.breakthroughs

    def text(self) -> str:
        """``3.5 of 5 h committed, 2 of 10 breakthroughs``.

        Once the breakthroughs are used: ``..., 10 of 10 breakthroughs, the rest wait``;
        without a weekly limit: ``..., 2 breakthroughs (no weekly limit)``.
        """
        hours = f"{_hours(self.committed)} of {_number(self.hours)} h committed"
        count, limit = self.breakthroughs, self.breakthrough_limit
        if limit <= 0:
            return f"{hours}, {count} {_breakthroughs(count)} (no weekly limit)"
        rest = ", the rest wait" if self.breakthroughs_used_up else ""
        return f"{hours}, {count} of {limit} breakthroughs{rest}"


def _breakthroughs(count: int) -> str:
    return "breakthrough" if count == 1 else "breakthroughs"


def _hours(delta: timedelta) -> str:
    return _number(round(delta.total_seconds() / 3600, 1))


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"
