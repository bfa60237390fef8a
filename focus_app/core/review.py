"""Weekly review statistics: what one week of focus and notifications looked like.

Pure: no Qt, no I/O, no clock. The caller passes the week, the schedule, the overrides
that touched the week and the decisions made in it (:class:`ReviewItem`, one per
decision, read from the store); :func:`build_review` returns a :class:`WeekReview` the
Review page draws and the suggestions read.

A week runs from Monday 00:00 local time to the next Monday 00:00 in the calendar's
zone, so it is 167 or 169 hours long when daylight saving starts or ends in it. Every
"by hour" figure uses local wall-clock hours: on the day clocks go forward the 02:00
hour is empty, on the day they go back it holds two real hours.

Definitions (what the page's charts show):

* **Focus planned**: time the *schedule* puts in focus (focus blocks, or the default
  mode if that is focus; a more protective off block wins where they overlap), per
  local day. **Kept**: planned time not cut by an override of another mode
  ("available now", "pause"). **Extra**: focus from "focus now" outside planned focus.
* **Interruptions** (the 7×24 heat map): *breakthroughs*, i.e. notifications delivered
  during focus or off-time (the gate's ``breakthrough`` flag), by the local weekday and
  hour they were decided. Deliveries while available or paused interrupt nothing and
  are not counted there.
* **Who broke through**: per sender (``Notification.who``) and per program or source,
  breakthroughs with the feedback given on them ("should have reached me" / "could
  wait"), plus how many of theirs were held, dismissed and muted.
* **Held to read**: for held notifications that were later shown (released, in a
  digest or by hand) or dismissed, the time from arrival to that moment; median and
  90th percentile (nearest rank).

Weeks older than the history's retention exist only as :class:`WeekTotals` (the
compacted per-week totals); :func:`week_totals` makes them from a review and
:func:`review_from_totals` turns them back into a review, so the page shows old and
recent weeks the same way.
"""

from __future__ import annotations

import enum
import math
import statistics
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, NamedTuple

from focus_app.core.model import Block, Mode, Outcome
from focus_app.core.schedule import Schedule

FEEDBACK_SHOULD_HAVE_REACHED = "should_have_reached"
"""The feedback value "this should have reached me" (the store's ``Verdict``)."""
FEEDBACK_COULD_WAIT = "could_wait"
"""The feedback value "this could wait"."""
STATUS_RELEASED = "released"
STATUS_DISMISSED = "dismissed"
STATUS_HELD = "held"

CUT_SHORT_SECONDS = 15 * 60
"""An occurrence counts as cut short when overrides took at least this much of it."""

READ_BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 15 min", 15 * 60),
    ("15–60 min", 3600),
    ("1–2 h", 2 * 3600),
    ("2–4 h", 4 * 3600),
    ("4–8 h", 8 * 3600),
    ("8–24 h", 24 * 3600),
    ("> 1 day", math.inf),
)
"""Buckets of the held-to-read chart: label and upper bound in seconds (exclusive)."""

DAYS = 7
HOURS = 24


class Cause(enum.StrEnum):
    """Why a breakthrough got through (read from the gate's reason and rule id)."""

    RULE = "rule"
    PRIORITY_LIST = "priority list"
    BREAKTHROUGH_LIST = "breakthrough list"
    CRITICAL = "critical"
    REPEAT = "repeat escalation"
    OTHER = "other"


def breakthrough_cause(reason: str, rule_id: int | None) -> Cause:
    """What let a breakthrough through, from the gate's own one-line reason.

    The gate words each cause in a fixed way (``core/gate.py``); a rule is known by
    its id. Tests pin this against real gate decisions.
    """
    if rule_id is not None:
        return Cause.RULE
    if "(repeat escalation)" in reason or "(repeat escalation for " in reason:
        return Cause.REPEAT
    # Both wordings: "a short rule ..." since the lists became short rules (issue 9), and
    # the older "... is on the ... list" of decisions recorded before.
    if "a short rule gives " in reason or "is on the priority list" in reason:
        return Cause.PRIORITY_LIST
    if "a short rule lets " in reason or "is on the breakthrough list" in reason:
        return Cause.BREAKTHROUGH_LIST
    if "critical urgency" in reason:
        return Cause.CRITICAL
    return Cause.OTHER


class ReviewItem(NamedTuple):
    """One decision as the review needs it (a slim history entry).

    A named tuple of plain values, UTC epoch seconds for instants: a heavy week has
    tens of thousands of these, made straight from database rows, and the review must
    compute and paint in well under 150 ms.

    Attributes:
        received_ts: When the notification arrived.
        decided_ts: When the gate decided.
        who: The sender, else the source, else "unknown".
        program: The program or source name it is listed under ("" if neither).
        program_key: The key of the program it was caught from ("" if sent).
        outcome: An :class:`Outcome` value (delivered, held or muted).
        breakthrough: Delivered through focus or off-time.
        reason: The gate's reason (for :func:`breakthrough_cause`); may be "" for
            anything but breakthroughs.
        rule_id: The rule that decided, if any.
        status: Where it is now (``released``, ``dismissed``, ``held``, ...).
        read_ts: When it was released or dismissed, if it was.
        feedback: The latest feedback (``should_have_reached`` / ``could_wait``) or "".
    """

    received_ts: float
    decided_ts: float
    who: str
    program: str
    program_key: str
    outcome: str
    breakthrough: bool
    reason: str
    rule_id: int | None
    status: str
    read_ts: float | None
    feedback: str


class ReviewGroup(NamedTuple):
    """Decisions of a week that count alike, and how many: the pre-aggregated form.

    The store counts a heavy week's decisions in SQL (``GROUP BY``) rather than handing
    over one :class:`ReviewItem` per decision, which made building Python objects the
    largest cost of the review. Fields the review does not read for a decision are
    blank, so alike decisions fall into one group: ``reason`` and ``rule_id`` are kept
    for breakthroughs only (they give the cause), ``status`` for held ones only.
    :func:`week_activity` makes the same groups from items.

    Attributes:
        who: As :attr:`ReviewItem.who`.
        program: As :attr:`ReviewItem.program`.
        program_key: As :attr:`ReviewItem.program_key`.
        outcome: As :attr:`ReviewItem.outcome`.
        breakthrough: Delivered through focus or off-time.
        reason: The gate's reason of a breakthrough, else "".
        rule_id: The deciding rule of a breakthrough, else ``None``.
        status: Where a held one is now, else "".
        feedback: The latest feedback or "".
        total: How many decisions.
    """

    who: str
    program: str
    program_key: str
    outcome: str
    breakthrough: bool
    reason: str
    rule_id: int | None
    status: str
    feedback: str
    total: int


@dataclass(frozen=True)
class WeekActivity:
    """A week's decisions pre-aggregated: everything :func:`review_from_activity` reads.

    Attributes:
        groups: Counts of alike decisions (:class:`ReviewGroup`), any order.
        breakthrough_ts: When each breakthrough was decided (epoch seconds, any order):
            the heat map needs their local hour, which SQL cannot give across zones.
        waits: Held-to-read waits in seconds (:func:`held_waits`), any order.
    """

    groups: Sequence[ReviewGroup] = ()
    breakthrough_ts: Sequence[float] = ()
    waits: Sequence[float] = ()


class OverrideSpan(NamedTuple):
    """An override as it happened: mode, real start and end, and the reason given."""

    mode: Mode
    start: datetime
    end: datetime
    reason: str = ""

    @property
    def label(self) -> str:
        """How the review names what cut focus short: the reason, else the action."""
        if self.reason:
            return self.reason
        return {
            Mode.AVAILABLE: "available now",
            Mode.PAUSED: "pause",
            Mode.OFF: "off now",
            Mode.FOCUS: "focus now",
        }[self.mode]


@dataclass(frozen=True)
class DayFocus:
    """Focus on one local day, in seconds."""

    day: date
    planned: float
    kept: float
    extra: float

    @property
    def lost(self) -> float:
        return self.planned - self.kept


@dataclass(frozen=True)
class FocusOccurrence:
    """One stretch of planned focus (usually one block's occurrence) and what was kept.

    Attributes:
        block_id: The block's id (``None`` for the default mode or an unsaved block).
        title: The block's title ("Focus" for the default mode).
        weekday: Local weekday it starts on, 0 = Monday.
        start: Start, in the schedule's zone.
        end: End, in the schedule's zone.
        planned: Seconds planned.
        kept: Seconds kept.
        cut_by: What took most of the lost time ("available now", a reason), or "".
    """

    block_id: int | None
    title: str
    weekday: int
    start: datetime
    end: datetime
    planned: float
    kept: float
    cut_by: str

    @property
    def cut_short(self) -> bool:
        return self.planned - self.kept >= CUT_SHORT_SECONDS


@dataclass(frozen=True)
class WhoRow:
    """One sender or program: what got through, what was held, and the feedback.

    Attributes:
        name: The sender or the program/source name.
        program_key: For programs caught from the desktop, their key ("" otherwise).
        breakthroughs: Delivered through focus or off-time.
        should_have_reached: Breakthroughs marked "should have reached me".
        could_wait: Breakthroughs marked "could wait".
        held: Held (for a digest or by a rule).
        held_wanted: Held ones marked "should have reached me" (it mattered).
        dismissed: Held, then dismissed unread.
        muted: Muted.
        by_repeat: Breakthroughs by repeat escalation.
        by_list: Breakthroughs because the name is on the breakthrough list.
    """

    name: str
    program_key: str = ""
    breakthroughs: int = 0
    should_have_reached: int = 0
    could_wait: int = 0
    held: int = 0
    held_wanted: int = 0
    dismissed: int = 0
    muted: int = 0
    by_repeat: int = 0
    by_list: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "program_key": self.program_key,
            "breakthroughs": self.breakthroughs,
            "should_have_reached": self.should_have_reached,
            "could_wait": self.could_wait,
            "held": self.held,
            "held_wanted": self.held_wanted,
            "dismissed": self.dismissed,
            "muted": self.muted,
            "by_repeat": self.by_repeat,
            "by_list": self.by_list,
        }


@dataclass(frozen=True)
class HeldToRead:
    """How long held notifications waited before they were shown or dismissed.

    Attributes:
        count: Held items shown or dismissed (the ones with a waiting time).
        median: Median wait in seconds, ``None`` without any.
        p90: 90th percentile (nearest rank) in seconds, ``None`` without any.
        buckets: Counts per :data:`READ_BUCKETS` bucket.
        still_held: Held in this week and not shown or dismissed yet.
    """

    count: int = 0
    median: float | None = None
    p90: float | None = None
    buckets: tuple[int, ...] = (0,) * len(READ_BUCKETS)
    still_held: int = 0


@dataclass(frozen=True)
class WeekReview:
    """Everything the Review page shows for one week.

    Attributes:
        monday: The week's Monday (local date).
        start: Monday 00:00 local (aware).
        end: The next Monday 00:00 local (aware); 167 to 169 hours after ``start``.
        days: Focus per local day, Monday first (seven).
        occurrences: Planned focus stretches, oldest first.
        heat: Breakthroughs by ``[weekday][hour]`` (7×24, local wall-clock hours).
        senders: Per sender, most breakthroughs first (then most held).
        programs: Per program or source, same order.
        held_to_read: Waiting times of held notifications.
        delivered: Delivered notifications (breakthroughs included).
        held: Held notifications.
        muted: Muted notifications.
        breakthroughs: Delivered through focus or off-time.
        compacted: Built from :class:`WeekTotals` (older than the history's retention).
    """

    monday: date
    start: datetime
    end: datetime
    days: tuple[DayFocus, ...]
    occurrences: tuple[FocusOccurrence, ...]
    heat: tuple[tuple[int, ...], ...]
    senders: tuple[WhoRow, ...]
    programs: tuple[WhoRow, ...]
    held_to_read: HeldToRead
    delivered: int = 0
    held: int = 0
    muted: int = 0
    breakthroughs: int = 0
    compacted: bool = False

    @property
    def planned(self) -> float:
        return sum(d.planned for d in self.days)

    @property
    def kept(self) -> float:
        return sum(d.kept for d in self.days)

    @property
    def extra(self) -> float:
        return sum(d.extra for d in self.days)

    @property
    def notifications(self) -> int:
        return self.delivered + self.held + self.muted

    @property
    def is_empty(self) -> bool:
        """Nothing planned, no focus taken, no notification: the page explains instead."""
        return self.planned == 0 and self.extra == 0 and self.notifications == 0


# ------------------------------------------------------------------------ weeks


def monday_of(t: datetime | date, tz: tzinfo) -> date:
    """The Monday of the local week containing ``t`` (an aware instant or a date)."""
    day = t.astimezone(tz).date() if isinstance(t, datetime) else t
    return day - timedelta(days=day.weekday())


def week_range(monday: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Monday 00:00 and the next Monday 00:00, local, aware (DST-aware length).

    Raises:
        ValueError: ``monday`` is not a Monday.
    """
    if monday.weekday() != 0:
        raise ValueError(f"a week starts on a Monday; {monday} is a {monday:%A}")
    return _midnight(monday, tz), _midnight(monday + timedelta(days=7), tz)


def _midnight(day: date, tz: tzinfo) -> datetime:
    # Round-trip through UTC so a zone whose midnight is skipped lands on the real instant.
    local = datetime.combine(day, time(0), tzinfo=tz)
    return local.astimezone(tz)


def hour_starts(monday: date, tz: tzinfo) -> list[float]:
    """Epoch seconds of the 168 local wall-clock hour starts of the week, plus its end.

    An hour skipped by daylight saving starts where the next one does (it is empty); an
    hour that happens twice spans both.
    """
    starts: list[float] = []
    for d in range(DAYS):
        day = monday + timedelta(days=d)
        for h in range(HOURS):
            starts.append(datetime.combine(day, time(h), tzinfo=tz).timestamp())
    starts.append(_midnight(monday + timedelta(days=7), tz).timestamp())
    # A skipped hour resolves past the next one's start (fold=0 reads it with the old
    # offset); clamp so the list never goes backwards.
    for i in range(len(starts) - 2, -1, -1):
        if starts[i] > starts[i + 1]:
            starts[i] = starts[i + 1]
    return starts


# ------------------------------------------------------------------------ intervals

_Span = tuple[float, float]


def _merge(spans: Iterable[_Span]) -> list[_Span]:
    merged: list[_Span] = []
    for s, e in sorted(spans):
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _subtract(spans: Sequence[_Span], cuts: Sequence[_Span]) -> list[_Span]:
    """``spans`` minus ``cuts`` (both merged and sorted)."""
    out: list[_Span] = []
    for s, e in spans:
        cur = s
        for cs, ce in cuts:
            if ce <= cur:
                continue
            if cs >= e:
                break
            if cs > cur:
                out.append((cur, cs))
            cur = max(cur, ce)
            if cur >= e:
                break
        if cur < e:
            out.append((cur, e))
    return out


def _overlap(spans: Sequence[_Span], lo: float, hi: float) -> float:
    total = 0.0
    for s, e in spans:
        if e <= lo:
            continue
        if s >= hi:
            break
        total += min(e, hi) - max(s, lo)
    return total


# ------------------------------------------------------------------------ focus


def _planned_focus(
    schedule: Schedule, start: datetime, end: datetime
) -> list[tuple[float, float, Block | None]]:
    """Stretches the schedule puts in focus in ``[start, end)``, with their block."""
    out: list[tuple[float, float, Block | None]] = []
    t = start
    end_ts = end.timestamp()
    while t < end:
        state = schedule.mode_at(t)
        until = state.until if state.until is not None and state.until < end else end
        if until <= t:  # never loop on a schedule that cannot answer
            break
        if state.mode is Mode.FOCUS:
            s, e = t.timestamp(), min(until.timestamp(), end_ts)
            if out and out[-1][2] is state.block and out[-1][1] == s:
                out[-1] = (out[-1][0], e, state.block)
            else:
                out.append((s, e, state.block))
        t = until
    return out


def _focus(
    monday: date,
    tz: tzinfo,
    schedule: Schedule,
    overrides: Sequence[OverrideSpan],
) -> tuple[tuple[DayFocus, ...], tuple[FocusOccurrence, ...]]:
    start, end = week_range(monday, tz)
    lo, hi = start.timestamp(), end.timestamp()
    stretches = _planned_focus(schedule, start, end)
    planned = _merge((s, e) for s, e, _ in stretches)
    cut_spans = [
        (max(o.start.timestamp(), lo), min(o.end.timestamp(), hi), o)
        for o in overrides
        if o.mode is not Mode.FOCUS and o.end > start and o.start < end
    ]
    cuts = _merge((s, e) for s, e, _ in cut_spans)
    kept = _subtract(planned, cuts)
    extra = _subtract(
        _merge(
            (max(o.start.timestamp(), lo), min(o.end.timestamp(), hi))
            for o in overrides
            if o.mode is Mode.FOCUS and o.end > start and o.start < end
        ),
        planned,
    )
    bounds = [_midnight(monday + timedelta(days=d), tz).timestamp() for d in range(DAYS + 1)]
    days = tuple(
        DayFocus(
            day=monday + timedelta(days=d),
            planned=_overlap(planned, bounds[d], bounds[d + 1]),
            kept=_overlap(kept, bounds[d], bounds[d + 1]),
            extra=_overlap(extra, bounds[d], bounds[d + 1]),
        )
        for d in range(DAYS)
    )
    occurrences: list[FocusOccurrence] = []
    for s, e, block in stretches:
        kept_here = _overlap(kept, s, e)
        cut_by = ""
        if e - s - kept_here > 0:
            lost_by: dict[str, float] = {}
            for cs, ce, o in cut_spans:
                if ce > s and cs < e:
                    lost_by[o.label] = lost_by.get(o.label, 0.0) + min(ce, e) - max(cs, s)
            if lost_by:
                cut_by = max(lost_by.items(), key=lambda kv: kv[1])[0]
        local_start = datetime.fromtimestamp(s, tz)
        occurrences.append(
            FocusOccurrence(
                block_id=block.id if block is not None else None,
                title=block.display_title if block is not None else "Focus",
                weekday=local_start.weekday(),
                start=local_start,
                end=datetime.fromtimestamp(e, tz),
                planned=e - s,
                kept=kept_here,
                cut_by=cut_by,
            )
        )
    return days, tuple(occurrences)


# ------------------------------------------------------------------------ the review


@dataclass
class _Tally:
    program_key: str = ""
    counts: list[int] = field(default_factory=lambda: [0] * 9)

    def row(self, name: str) -> WhoRow:
        return WhoRow(name, self.program_key, *self.counts)


# Indexes into _Tally.counts, in WhoRow's field order.
_BT, _SHOULD, _WAIT, _HELD, _HELD_WANTED, _DISMISSED, _MUTED, _REPEAT, _LIST = range(9)


def _rows(tallies: dict[str, _Tally]) -> tuple[WhoRow, ...]:
    rows = [t.row(name) for name, t in tallies.items()]
    rows.sort(key=lambda r: (-r.breakthroughs, -r.held, -r.muted, r.name.casefold(),
                             r.name))
    return tuple(rows)


def build_review(
    monday: date,
    tz: tzinfo,
    schedule: Schedule,
    overrides: Sequence[OverrideSpan],
    items: Iterable[ReviewItem],
) -> WeekReview:
    """The review of the week starting ``monday`` (local) in zone ``tz``.

    Args:
        monday: The week's Monday.
        tz: The calendar's zone (the schedule's).
        schedule: The schedule (what was planned; today's blocks stand for the week's).
        overrides: Overrides that overlap the week, with their real ends.
        items: The decisions made in the week, any order; items outside it are ignored.

    Raises:
        ValueError: ``monday`` is not a Monday.
    """
    start, end = week_range(monday, tz)
    activity = week_activity(items, start.timestamp(), end.timestamp())
    return review_from_activity(monday, tz, schedule, overrides, activity)


def week_activity(
    items: Iterable[ReviewItem], since: float = -math.inf, until: float = math.inf
) -> WeekActivity:
    """Items aggregated as the store aggregates a week in SQL (the reference for it).

    Args:
        items: Decisions, any order.
        since: Items decided before this (epoch seconds) are left out.
        until: Items decided at or after this are left out.
    """
    counts: dict[tuple[str, str, str, str, bool, str, int | None, str, str], int] = {}
    times: list[float] = []
    waits: list[float] = []
    delivered, held = Outcome.DELIVERED.value, Outcome.HELD.value
    for i in items:
        if not since <= i.decided_ts < until:
            continue
        through = bool(i.breakthrough) and i.outcome == delivered
        if through:
            times.append(i.decided_ts)
        if i.outcome == held and i.read_ts is not None and i.status in (
            STATUS_RELEASED, STATUS_DISMISSED
        ):
            waits.append(max(0.0, i.read_ts - i.received_ts))
        key: tuple[str, str, str, str, bool, str, int | None, str, str] = (
            i.who, i.program, i.program_key, i.outcome, through,
            i.reason if through else "", i.rule_id if through else None,
            i.status if i.outcome == held else "", i.feedback,
        )
        counts[key] = counts.get(key, 0) + 1
    return WeekActivity(
        groups=tuple(ReviewGroup(*key, n) for key, n in counts.items()),
        breakthrough_ts=tuple(times),
        waits=tuple(waits),
    )


def review_from_activity(
    monday: date,
    tz: tzinfo,
    schedule: Schedule,
    overrides: Sequence[OverrideSpan],
    activity: WeekActivity,
) -> WeekReview:
    """The review of the week of ``monday`` from its pre-aggregated decisions.

    What :func:`build_review` computes, from :class:`WeekActivity` (the store's SQL
    counts) instead of one item per decision; the activity must be of this week only.

    Raises:
        ValueError: ``monday`` is not a Monday.
    """
    start, end = week_range(monday, tz)
    days, occurrences = _focus(monday, tz, schedule, overrides)
    starts = hour_starts(monday, tz)
    lo, hi = starts[0], starts[-1]
    heat = [0] * (DAYS * HOURS)
    for t in activity.breakthrough_ts:
        if lo <= t < hi:
            heat[bisect_right(starts, t) - 1] += 1
    senders: dict[str, _Tally] = {}
    programs: dict[str, _Tally] = {}
    delivered = held = muted = breakthroughs = still_held = 0
    delivered_outcome, held_outcome = Outcome.DELIVERED.value, Outcome.HELD.value
    for group in activity.groups:
        n = group.total
        who = senders.get(group.who)
        if who is None:
            who = senders[group.who] = _Tally()
        name = group.program or group.who
        prog = programs.get(name)
        if prog is None:
            prog = programs[name] = _Tally(group.program_key)
        elif group.program_key and not (
            prog.program_key and prog.program_key <= group.program_key
        ):
            # Several programs listed under one name: the least key, so the figures do
            # not depend on the order the items come in (merge_totals keeps the same).
            prog.program_key = group.program_key
        feedback = group.feedback
        outcome = group.outcome
        if outcome == delivered_outcome:
            delivered += n
            if group.breakthrough:
                breakthroughs += n
                cause = breakthrough_cause(group.reason, group.rule_id)
                for tally in (who, prog):
                    c = tally.counts
                    c[_BT] += n
                    if feedback == FEEDBACK_COULD_WAIT:
                        c[_WAIT] += n
                    elif feedback == FEEDBACK_SHOULD_HAVE_REACHED:
                        c[_SHOULD] += n
                    if cause is Cause.REPEAT:
                        c[_REPEAT] += n
                    elif cause is Cause.BREAKTHROUGH_LIST:
                        c[_LIST] += n
        elif outcome == held_outcome:
            held += n
            status = group.status
            for tally in (who, prog):
                c = tally.counts
                c[_HELD] += n
                if status == STATUS_DISMISSED:
                    c[_DISMISSED] += n
                if feedback == FEEDBACK_SHOULD_HAVE_REACHED:
                    c[_HELD_WANTED] += n
            if status == STATUS_HELD:
                still_held += n
        else:
            muted += n
            who.counts[_MUTED] += n
            prog.counts[_MUTED] += n
    return WeekReview(
        monday=monday,
        start=start,
        end=end,
        days=days,
        occurrences=occurrences,
        heat=tuple(tuple(heat[d * HOURS : (d + 1) * HOURS]) for d in range(DAYS)),
        senders=_rows(senders),
        programs=_rows(programs),
        held_to_read=_held_to_read(list(activity.waits), still_held),
        delivered=delivered,
        held=held,
        muted=muted,
        breakthroughs=breakthroughs,
    )


_UPPERS = tuple(upper for _, upper in READ_BUCKETS)


def _held_to_read(waits: list[float], still_held: int) -> HeldToRead:
    if not waits:
        return HeldToRead(still_held=still_held)
    waits.sort()
    buckets = [0] * len(READ_BUCKETS)
    # waits are sorted: each bucket is one run of them.
    below = 0
    for i, upper in enumerate(_UPPERS):
        end = len(waits) if i == len(_UPPERS) - 1 else bisect_left(waits, upper)
        buckets[i] = end - below
        below = end
    return HeldToRead(
        count=len(waits),
        median=statistics.median(waits),
        p90=nearest_rank(waits, 0.9),
        buckets=tuple(buckets),
        still_held=still_held,
    )


def nearest_rank(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` quantile by nearest rank (a value that occurred, never interpolated).

    Raises:
        ValueError: No values, or ``q`` outside (0, 1].
    """
    if not sorted_values:
        raise ValueError("no values to take a quantile of")
    if not 0 < q <= 1:
        raise ValueError(f"the quantile must be in (0, 1], got {q}")
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


# ------------------------------------------------------------------------ compacted weeks


@dataclass(frozen=True)
class WeekTotals:
    """One week's review figures, kept when its history rows are compacted away.

    What the compaction must store per week (``to_json`` gives it as one JSON text):
    the Monday, the per-day focus seconds, the 7×24 breakthrough counts, the per-sender
    and per-program :class:`WhoRow` counts, the outcome counts and the held-to-read
    waits as a histogram of whole minutes (median and p90 of old weeks are then exact
    to the minute). Focus is stored, not recomputed: the blocks may have changed since.

    Attributes:
        monday: The week's Monday.
        days: ``(planned, kept, extra)`` seconds per local day, Monday first.
        heat: Breakthroughs by weekday × hour, row-major (168 numbers).
        senders: Per sender.
        programs: Per program or source.
        wait_minutes: ``(minutes, count)`` pairs of held-to-read waits, minutes ascending.
        still_held: Held and not shown or dismissed when the week was compacted.
        delivered: Delivered notifications.
        held: Held notifications.
        muted: Muted notifications.
        breakthroughs: Breakthroughs.
    """

    monday: date
    days: tuple[tuple[float, float, float], ...]
    heat: tuple[int, ...]
    senders: tuple[WhoRow, ...] = ()
    programs: tuple[WhoRow, ...] = ()
    wait_minutes: tuple[tuple[int, int], ...] = ()
    still_held: int = 0
    delivered: int = 0
    held: int = 0
    muted: int = 0
    breakthroughs: int = 0

    def __post_init__(self) -> None:
        if len(self.days) != DAYS:
            raise ValueError(f"week totals need 7 days of focus, got {len(self.days)}")
        if len(self.heat) != DAYS * HOURS:
            raise ValueError(f"week totals need 168 hourly counts, got {len(self.heat)}")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what the compaction stores)."""
        return {
            "monday": self.monday.isoformat(),
            "days": [list(d) for d in self.days],
            "heat": list(self.heat),
            "senders": [r.as_dict() for r in self.senders],
            "programs": [r.as_dict() for r in self.programs],
            "wait_minutes": [list(p) for p in self.wait_minutes],
            "still_held": self.still_held,
            "delivered": self.delivered,
            "held": self.held,
            "muted": self.muted,
            "breakthroughs": self.breakthroughs,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WeekTotals:
        """The inverse of :meth:`to_json`.

        Raises:
            ValueError: The data is not week totals (missing or malformed fields).
        """
        try:
            return cls(
                monday=date.fromisoformat(data["monday"]),
                days=tuple((float(p), float(k), float(x)) for p, k, x in data["days"]),
                heat=tuple(int(v) for v in data["heat"]),
                senders=tuple(WhoRow(**r) for r in data.get("senders", ())),
                programs=tuple(WhoRow(**r) for r in data.get("programs", ())),
                wait_minutes=tuple((int(m), int(c)) for m, c in data.get("wait_minutes", ())),
                still_held=int(data.get("still_held", 0)),
                delivered=int(data.get("delivered", 0)),
                held=int(data.get("held", 0)),
                muted=int(data.get("muted", 0)),
                breakthroughs=int(data.get("breakthroughs", 0)),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"these are not week totals ({error})") from None


def week_totals(review: WeekReview, waits: Iterable[float] = ()) -> WeekTotals:
    """The totals to keep for a week before its rows are compacted away.

    Args:
        review: The week's review, built from its rows.
        waits: The held-to-read waits in seconds (:func:`held_waits` of the rows);
            a review keeps only their summary.
    """
    minutes: dict[int, int] = {}
    for w in waits:
        m = int(w // 60)
        minutes[m] = minutes.get(m, 0) + 1
    return WeekTotals(
        monday=review.monday,
        days=tuple((d.planned, d.kept, d.extra) for d in review.days),
        heat=tuple(v for row in review.heat for v in row),
        senders=review.senders,
        programs=review.programs,
        wait_minutes=tuple(sorted(minutes.items())),
        still_held=review.held_to_read.still_held,
        delivered=review.delivered,
        held=review.held,
        muted=review.muted,
        breakthroughs=review.breakthroughs,
    )


def merge_totals(base: WeekTotals, more: WeekTotals) -> WeekTotals:
    """``base`` with the notification figures of ``more`` added (same week).

    Compaction folds a week once and folds the items it had to keep (still held) later,
    when they are released or dismissed; the review of a compacted week adds the rows
    still kept the same way. Focus (``days``) is the week's, computed once: it is taken
    from ``base`` and ``more``'s is ignored.

    Raises:
        ValueError: The totals are of different weeks.
    """
    if base.monday != more.monday:
        raise ValueError(f"cannot add the week of {more.monday} to the week of {base.monday}")
    waits: dict[int, int] = dict(base.wait_minutes)
    for minutes, count in more.wait_minutes:
        waits[minutes] = waits.get(minutes, 0) + count
    return WeekTotals(
        monday=base.monday,
        days=base.days,
        heat=tuple(a + b for a, b in zip(base.heat, more.heat, strict=True)),
        senders=_merge_rows(base.senders, more.senders),
        programs=_merge_rows(base.programs, more.programs),
        wait_minutes=tuple(sorted(waits.items())),
        still_held=base.still_held + more.still_held,
        delivered=base.delivered + more.delivered,
        held=base.held + more.held,
        muted=base.muted + more.muted,
        breakthroughs=base.breakthroughs + more.breakthroughs,
    )


def _merge_rows(a: Sequence[WhoRow], b: Sequence[WhoRow]) -> tuple[WhoRow, ...]:
    tallies: dict[str, _Tally] = {}
    for row in (*a, *b):
        tally = tallies.get(row.name)
        if tally is None:
            tally = tallies[row.name] = _Tally(row.program_key)
        elif row.program_key and not (
            tally.program_key and tally.program_key <= row.program_key
        ):
            tally.program_key = row.program_key  # the least key, as build_review keeps
        values = row.as_dict()
        for i, name in enumerate(_COUNT_FIELDS):
            tally.counts[i] += values[name]
    return _rows(tallies)


_COUNT_FIELDS = (
    "breakthroughs", "should_have_reached", "could_wait", "held", "held_wanted",
    "dismissed", "muted", "by_repeat", "by_list",
)
"""WhoRow's counts in field order (the order of ``_Tally.counts``)."""


def held_waits(items: Iterable[ReviewItem]) -> list[float]:
    """Held-to-read waits in seconds of the held items that were shown or dismissed."""
    return [
        max(0.0, i.read_ts - i.received_ts)
        for i in items
        if i.outcome == Outcome.HELD
        and i.read_ts is not None
        and i.status in (STATUS_RELEASED, STATUS_DISMISSED)
    ]


def review_from_totals(
    totals: WeekTotals, tz: tzinfo, overrides: Sequence[OverrideSpan] = ()
) -> WeekReview:
    """A review of a compacted week (no occurrences unless ``overrides`` are kept).

    Args:
        totals: The stored totals.
        tz: The calendar's zone.
        overrides: Unused for the figures (focus is stored); accepted so a caller can
            pass what it has without a special case.
    """
    del overrides
    start, end = week_range(totals.monday, tz)
    waits: list[float] = []
    for minutes, count in totals.wait_minutes:
        # The middle of the minute: an unbiased stand-in for the waits it holds.
        waits.extend([minutes * 60.0 + 30.0] * count)
    return WeekReview(
        monday=totals.monday,
        start=start,
        end=end,
        days=tuple(
            DayFocus(totals.monday + timedelta(days=d), *totals.days[d]) for d in range(DAYS)
        ),
        occurrences=(),
        heat=tuple(tuple(totals.heat[d * HOURS : (d + 1) * HOURS]) for d in range(DAYS)),
        senders=totals.senders,
        programs=totals.programs,
        held_to_read=_held_to_read(waits, totals.still_held),
        delivered=totals.delivered,
        held=totals.held,
        muted=totals.muted,
        breakthroughs=totals.breakthroughs,
        compacted=True,
    )


__all__ = [
    "CUT_SHORT_SECONDS",
    "FEEDBACK_COULD_WAIT",
    "FEEDBACK_SHOULD_HAVE_REACHED",
    "READ_BUCKETS",
    "Cause",
    "DayFocus",
    "FocusOccurrence",
    "HeldToRead",
    "OverrideSpan",
    "ReviewGroup",
    "ReviewItem",
    "WeekActivity",
    "WeekReview",
    "WeekTotals",
    "WhoRow",
    "breakthrough_cause",
    "build_review",
    "held_waits",
    "hour_starts",
    "merge_totals",
    "monday_of",
    "nearest_rank",
    "review_from_activity",
    "review_from_totals",
    "week_activity",
    "week_range",
    "week_totals",
]
