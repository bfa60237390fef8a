"""The weekly schedule: which mode is in force at an instant, and when it next changes.

A :class:`Schedule` turns blocks (wall-clock spans in one time zone, see
:mod:`focus_app.core.model`) into concrete occurrences and answers two questions for the
engine: :meth:`Schedule.mode_at` and :meth:`Schedule.next_transition`.

How wall-clock times become instants (RFC 5545, see DESIGN.md "Time"):

* Every wall-clock time is resolved with ``fold=0`` through UTC. For a time in a skipped
  hour that moves it forward by the length of the gap (Berlin 02:30 on the spring-forward
  day becomes 03:30 CEST); an ambiguous time means its first occurrence (New York 01:30 on
  the fall-back day is 01:30 EDT). Starts and ends are resolved the same way, so two blocks
  that touch on the wall clock still touch in real time.
* An occurrence whose resolved end is not after its resolved start (for example 02:30-03:15
  on a day where 02:00-03:00 does not exist) is dropped: it covers no real time.
* An occurrence that starts on a local date that does not exist at all (Pacific/Apia
  skipped 2011-12-30) is dropped. Moving it forward by the gap would land it on the next
  day, on top of that day's own occurrence.
* All arithmetic and every comparison happens in UTC: aware datetimes that share a
  ``tzinfo`` compare by wall time in Python, which is wrong around a fall-back. Results are
  converted to the schedule's zone only on the way out.

Overlapping blocks: the more protective kind wins (off > focus > available, see
:attr:`BlockKind.protectiveness`); between blocks of the same kind the occurrence that
started earlier wins, and on equal starts the block listed first.

A *transition* is an instant where the mode changes. Where one block hands over to
another of the same mode (or a block to the default of the same mode) the mode does not
change, so that is not a transition, but :meth:`Schedule.mode_at` still reports the block
in force. Hence "the mode is constant from ``t`` up to ``next_transition(t)`` and differs
there" always holds.

Blocks the schedule cannot use (a date outside :mod:`focus_app.core.dates`' range, or
one whose expansion fails) are left out and listed in :attr:`Schedule.skipped` with the
reason: one bad row in the database must never stop the app from starting.

Performance: the merged timeline is built lazily, one week-long window at a time, and
cached inside the (otherwise immutable) schedule; a query is a binary search into it.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from typing import NamedTuple

from focus_app.core.dates import block_date_problem
from focus_app.core.model import Block, Mode, ModeSource, ModeState, Occurrence

HORIZON = timedelta(days=732)
"""How far :meth:`Schedule.next_transition` (and the search for the start of the current
stretch) looks: about two years. Beyond it the answer is ``None``: "no change in sight"."""

_CHUNK = timedelta(days=7)
_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)  # a Monday; chunk k covers [EPOCH + k weeks, +1)
_DEFAULT_ANCHOR = date(2001, 1, 1).toordinal()  # week 0 of recurrences without ``starts``
_MAX_CACHED_CHUNKS = 64
_MAX_UNIFORM_CHUNKS = 4096  # a few bytes each: 'this week is all one mode'
_NO_BLOCK = -1


def _require_aware(t: datetime, name: str) -> datetime:
    """``t`` in UTC; a naive datetime is a programming error and says so."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone), got {t!r}")
    return t.astimezone(UTC)


def _weekday(ordinal: int) -> int:
    """``date.fromordinal(ordinal).weekday()`` without building the date (day 1 is a Monday)."""
    return (ordinal - 1) % 7


@dataclass(frozen=True, slots=True)
class _Rule:
    """A block, pre-digested for fast expansion (date ordinals instead of dates)."""

    index: int
    block: Block
    weekdays: frozenset[int]
    interval: int
    anchor_monday: int
    first: int | None  # first ordinal an occurrence may start on, None = unbounded
    last: int | None  # last ordinal an occurrence may start on, None = unbounded
    skipped: frozenset[int]  # ordinals whose occurrence is skipped or moved away
    overnight: bool
    start: time  # the block's times with fold=0: an ambiguous time means its first occurrence
    end: time

    def occurs_on(self, ordinal: int) -> bool:
        """Whether the block's rule puts an occurrence on this date (before exceptions)."""
        if self.first is not None and ordinal < self.first:
            return False
        if self.last is not None and ordinal > self.last:
            return False
        if self.block.on_date is not None:
            return True
        if _weekday(ordinal) not in self.weekdays:
            return False
        week = (ordinal - _weekday(ordinal) - self.anchor_monday) // 7
        return week % self.interval == 0


class _Span(NamedTuple):
    """One occurrence in UTC; ``block_index`` is the block's position in the schedule."""

    start: datetime
    end: datetime
    block_index: int


@dataclass(frozen=True, slots=True)
class _Chunk:
    """The merged timeline of one week-long window ``[start, end)``.

    ``starts[i]`` begins segment ``i`` (``starts[0] == start``), in force until
    ``starts[i + 1]`` or ``end``. ``next_diff[i]`` is the first later segment with another
    mode (``len`` if none in this chunk); ``run_start[i]`` the first segment of the run of
    equal modes that contains ``i``.
    """

    start: datetime
    end: datetime
    starts: list[datetime]
    modes: list[Mode]
    blocks: list[int]
    next_diff: list[int]
    run_start: list[int]


class SkippedBlock(NamedTuple):
    """A block the schedule leaves out, and why (one line)."""

    block: Block
    reason: str


class Overlap(NamedTuple):
    """A stretch where blocks of different kinds overlap, and which of them applies.

    Attributes:
        start: Where the stretch begins (in the schedule's zone).
        end: Where it ends.
        applies: The block in force there (the most protective kind, see the module
            docstring).
        overruled: The other blocks covering the stretch whose kind differs from
            ``applies``' kind, in the blocks' order: they have no effect there.
    """

    start: datetime
    end: datetime
    applies: Block
    overruled: tuple[Block, ...]


class Schedule:
    """All blocks with their exceptions, plus the mode that applies outside every block.

    The schedule is immutable; it keeps a private cache of the expanded timeline, so build
    one per change of the blocks and reuse it for queries.

    Args:
        blocks: The blocks; their order breaks ties between overlapping blocks of the same
            kind that start at the same instant (the first listed wins).
        default_mode: The mode outside every block.
        tz: The zone the blocks' wall-clock times are read in (a ``ZoneInfo``); every
            returned datetime is in this zone.

    A block with a date outside the supported range, or whose expansion fails, is left
    out (see :attr:`skipped`) rather than raising: the schedule is built at every start.
    """

    def __init__(
        self,
        blocks: Sequence[Block],
        default_mode: Mode = Mode.AVAILABLE,
        *,
        tz: tzinfo,
    ) -> None:
        self._default_mode = default_mode
        self._tz = tz
        usable: list[Block] = []
        skipped: list[SkippedBlock] = []
        for block in blocks:
            reason = self._why_unusable(block)
            if reason is None:
                usable.append(block)
            else:
                skipped.append(SkippedBlock(block, reason))
        self._blocks: tuple[Block, ...] = tuple(usable)
        self._skipped = tuple(skipped)
        self._rules = tuple(self._digest(i, b) for i, b in enumerate(self._blocks))
        self._moved = tuple(self._moved_spans())
        # Whether any block can put a mode other than the default in force: if not, the
        # mode never changes and queries need not look at the timeline at all.
        self._changes_possible = any(b.kind.mode != default_mode for b in self._blocks)
        self._lo, self._hi = self._bounds()
        self._chunks: OrderedDict[int, _Chunk] = OrderedDict()
        # Weeks known to hold a single mode: long searches skip them without rebuilding.
        self._uniform: OrderedDict[int, Mode] = OrderedDict()

    @property
    def blocks(self) -> tuple[Block, ...]:
        return self._blocks

    @property
    def skipped(self) -> tuple[SkippedBlock, ...]:
        """Blocks left out because they cannot be used, with the reason for each."""
        return self._skipped

    @property
    def default_mode(self) -> Mode:
        return self._default_mode

    @property
    def tz(self) -> tzinfo:
        return self._tz

    # ------------------------------------------------------------------ public queries

    def occurrences(self, start: datetime, end: datetime) -> list[Occurrence]:
        """Every occurrence overlapping ``[start, end)``, sorted by start (then end, then
        the blocks' order), with instants in the schedule's zone.

        Raises:
            ValueError: ``start`` or ``end`` is naive.
        """
        lo = _require_aware(start, "start")
        hi = _require_aware(end, "end")
        if hi <= lo:
            return []
        spans = self._expand(lo, hi)
        spans.sort(key=lambda s: (s.start, s.end, s.block_index))
        tz = self._tz
        return [
            Occurrence(self._blocks[s.block_index], s.start.astimezone(tz), s.end.astimezone(tz))
            for s in spans
        ]

    def overlaps(self, start: datetime, end: datetime) -> list[Overlap]:
        """Every stretch in ``[start, end)`` where blocks of different kinds overlap.

        Overlaps of blocks of one kind are left out: the mode is the same whichever
        applies. Adjacent stretches with the same blocks are merged, so a focus block lying
        across an available one gives one :class:`Overlap`. Sorted by start.

        Raises:
            ValueError: ``start`` or ``end`` is naive.
        """
        lo = _require_aware(start, "start")
        hi = _require_aware(end, "end")
        if hi <= lo:
            return []
        spans = [s for s in self._expand(lo, hi) if s.start < hi and s.end > lo]
        if len({self._blocks[s.block_index].kind for s in spans}) < 2:
            return []
        cuts = sorted({lo, hi} | {t for s in spans for t in (s.start, s.end) if lo < t < hi})
        found: list[Overlap] = []
        tz = self._tz
        for a, b in pairwise(cuts):
            active = [s for s in spans if s.start <= a and s.end >= b]
            kinds = {self._blocks[s.block_index].kind for s in active}
            if len(kinds) < 2:
                continue
            best = min(
                active,
                key=lambda s: (
                    -self._blocks[s.block_index].kind.protectiveness,
                    s.start,
                    s.block_index,
                ),
            )
            applies = self._blocks[best.block_index]
            overruled = tuple(
                self._blocks[i]
                for i in sorted({s.block_index for s in active})
                if self._blocks[i].kind != applies.kind
            )
            previous = found[-1] if found else None
            if (
                previous is not None
                and previous.end == a
                and previous.applies == applies
                and previous.overruled == overruled
            ):
                found[-1] = previous._replace(end=b.astimezone(tz))
            else:
                found.append(Overlap(a.astimezone(tz), b.astimezone(tz), applies, overruled))
        return found

    def mode_at(self, t: datetime) -> ModeState:
        """The scheduled mode at ``t`` and the stretch of constant mode around it.

        ``since`` is where the current mode began (``None`` if it has been in force for
        longer than :data:`HORIZON`, or forever), ``until`` is :meth:`next_transition`.
        ``block`` is the block in force at ``t`` (``None`` when the default applies), which
        may change inside a stretch when a block hands over to another of the same mode.
        ``period_key`` names the stretch: ``"<mode>:<since ISO 8601>"``, or
        ``"<mode>:open"`` when ``since`` is unknown; it is the same for every ``t`` in the
        stretch.

        Raises:
            ValueError: ``t`` is naive.
        """
        tu = _require_aware(t, "t")
        chunk, i = self._locate(tu)
        mode = chunk.modes[i]
        index = chunk.blocks[i]
        since = self._stretch_start(chunk, i, tu)
        until = self._next_change(chunk, i, tu)
        tz = self._tz
        since_out = since.astimezone(tz) if since is not None else None
        key = f"{mode.value}:{since_out.isoformat() if since_out is not None else 'open'}"
        return ModeState(
            mode=mode,
            source=ModeSource.DEFAULT if index == _NO_BLOCK else ModeSource.SCHEDULE,
            since=since_out,
            until=until.astimezone(tz) if until is not None else None,
            block=None if index == _NO_BLOCK else self._blocks[index],
            period_key=key,
        )

    def next_transition(self, t: datetime) -> datetime | None:
        """The first instant after ``t`` at which the mode differs from the mode at ``t``.

        Returns:
            That instant in the schedule's zone, or ``None`` if the mode does not change
            within :data:`HORIZON` after ``t``.

        Raises:
            ValueError: ``t`` is naive.
        """
        tu = _require_aware(t, "t")
        if not self._changes_possible:
            return None
        chunk, i = self._locate(tu)
        found = self._next_change(chunk, i, tu)
        return found.astimezone(self._tz) if found is not None else None

    # ------------------------------------------------------------------ timeline search

    def _locate(self, tu: datetime) -> tuple[_Chunk, int]:
        chunk = self._chunk((tu - _EPOCH) // _CHUNK)
        return chunk, bisect_right(chunk.starts, tu) - 1

    def _next_change(self, chunk: _Chunk, i: int, tu: datetime) -> datetime | None:
        """First instant after segment ``i`` of ``chunk`` with another mode (UTC)."""
        if not self._changes_possible:
            return None
        limit = tu + HORIZON
        mode = chunk.modes[i]
        j = chunk.next_diff[i]
        if j < len(chunk.starts):
            found = chunk.starts[j]
            return found if found <= limit else None
        k = (chunk.start - _EPOCH) // _CHUNK + 1
        while True:
            start = _EPOCH + k * _CHUNK
            if start > limit:
                return None
            if self._hi is not None and start >= self._hi and mode == self._default_mode:
                return None  # past every block: the default holds for ever
            if self._uniform.get(k) == mode:
                k += 1
                continue
            nxt = self._chunk(k)
            if nxt.modes[0] != mode:
                found = start
            else:
                j = nxt.next_diff[0]
                if j == len(nxt.starts):
                    k += 1
                    continue
                found = nxt.starts[j]
            return found if found <= limit else None

    def _stretch_start(self, chunk: _Chunk, i: int, tu: datetime) -> datetime | None:
        """Where the run of the mode of segment ``i`` began (UTC), ``None`` if unknown."""
        if not self._changes_possible:
            return None
        limit = tu - HORIZON
        mode = chunk.modes[i]
        r = chunk.run_start[i]
        if r > 0:
            found = chunk.starts[r]
            return found if found >= limit else None
        k = (chunk.start - _EPOCH) // _CHUNK
        while True:
            start = _EPOCH + k * _CHUNK  # chunk k begins the run so far
            if start < limit:
                return None
            if self._lo is not None and start <= self._lo and mode == self._default_mode:
                return None  # before every block: the default held for ever
            if self._uniform.get(k - 1) == mode:
                k -= 1
                continue
            prev = self._chunk(k - 1)
            last = len(prev.starts) - 1
            if prev.modes[last] != mode:
                return start
            r = prev.run_start[last]
            if r > 0:
                found = prev.starts[r]
                return found if found >= limit else None
            k -= 1

    def _chunk(self, k: int) -> _Chunk:
        cached = self._chunks.get(k)
        if cached is not None:
            self._chunks.move_to_end(k)  # least recently used goes first
            return cached
        chunk = self._build_chunk(k)
        self._chunks[k] = chunk
        if len(self._chunks) > _MAX_CACHED_CHUNKS:
            self._chunks.popitem(last=False)
        if chunk.next_diff[0] == len(chunk.starts):
            self._uniform[k] = chunk.modes[0]
            if len(self._uniform) > _MAX_UNIFORM_CHUNKS:
                self._uniform.popitem(last=False)
        return chunk

    def _build_chunk(self, k: int) -> _Chunk:
        """Merge the occurrences overlapping chunk ``k`` into segments of one winner each."""
        start = _EPOCH + k * _CHUNK
        end = start + _CHUNK
        spans = self._expand(start, end)
        spans.sort(key=lambda s: s.start)
        boundaries = {start}
        for s in spans:
            if s.start > start:
                boundaries.add(s.start)
            if s.end < end:
                boundaries.add(s.end)
        rules = self._rules
        # Heap of active occurrences, best first: most protective, then earliest start,
        # then first listed. Ended ones are dropped lazily when they surface.
        heap: list[tuple[int, datetime, int, datetime, int]] = []
        starts: list[datetime] = []
        modes: list[Mode] = []
        blocks: list[int] = []
        winner: int | None = None
        p = 0
        for b in sorted(boundaries):
            while p < len(spans) and spans[p].start <= b:
                s = spans[p]
                prot = rules[s.block_index].block.kind.protectiveness
                heapq.heappush(heap, (-prot, s.start, s.block_index, s.end, p))
                p += 1
            while heap and heap[0][3] <= b:
                heapq.heappop(heap)
            current = heap[0][4] if heap else None
            if current != winner or not starts:
                winner = current
                if current is None:
                    mode, index = self._default_mode, _NO_BLOCK
                else:
                    index = spans[current].block_index
                    mode = rules[index].block.kind.mode
                starts.append(b)
                modes.append(mode)
                blocks.append(index)
        n = len(modes)
        next_diff = [n] * n
        for i in range(n - 2, -1, -1):
            next_diff[i] = i + 1 if modes[i + 1] != modes[i] else next_diff[i + 1]
        run_start = [0] * n
        for i in range(1, n):
            run_start[i] = i if modes[i] != modes[i - 1] else run_start[i - 1]
        return _Chunk(start, end, starts, modes, blocks, next_diff, run_start)

    # ------------------------------------------------------------------ expansion

    def _expand(
        self, lo: datetime, hi: datetime, rules: Sequence[_Rule] | None = None
    ) -> list[_Span]:
        """Every occurrence overlapping ``[lo, hi)`` (UTC), unsorted.

        ``rules`` limits the expansion to those rules (without moved occurrences); the
        default is every block of the schedule.
        """
        tz = self._tz
        # An occurrence lasts less than 24 wall-clock hours, and a gap can stretch it by at
        # most a day more; three days of margin also cover a start moved over midnight.
        first = lo.astimezone(tz).date().toordinal() - 3
        last = hi.astimezone(tz).date().toordinal() + 1
        resolved: dict[tuple[int, time], datetime] = {}
        skipped_days: dict[int, bool] = {}

        def to_utc(ordinal: int, wall: time) -> datetime:
            key = (ordinal, wall)
            found = resolved.get(key)
            if found is None:
                found = datetime.combine(date.fromordinal(ordinal), wall, tz).astimezone(UTC)
                resolved[key] = found
            return found

        def day_skipped(ordinal: int) -> bool:
            found = skipped_days.get(ordinal)
            if found is None:
                found = to_utc(ordinal + 1, time()) <= to_utc(ordinal, time())
                skipped_days[ordinal] = found
            return found

        spans: list[_Span] = []
        for rule in self._rules if rules is None else rules:
            a = first if rule.first is None else max(first, rule.first)
            z = last if rule.last is None else min(last, rule.last)
            if a > z:
                continue
            if rule.block.on_date is not None:
                days: Sequence[int] = range(a, z + 1)
            elif rule.interval == 1:
                weekdays = rule.weekdays
                days = [d for d in range(a, z + 1) if (d - 1) % 7 in weekdays]
            else:
                weekdays, interval, anchor = rule.weekdays, rule.interval, rule.anchor_monday
                days = [
                    d
                    for d in range(a, z + 1)
                    if (d - 1) % 7 in weekdays and (d - (d - 1) % 7 - anchor) // 7 % interval == 0
                ]
            for ordinal in days:
                if ordinal in rule.skipped or day_skipped(ordinal):
                    continue
                s = to_utc(ordinal, rule.start)
                e = to_utc(ordinal + 1 if rule.overnight else ordinal, rule.end)
                if s < e and s < hi and e > lo:
                    spans.append(_Span(s, e, rule.index))
        if rules is not None:
            return spans
        moved = [m for m in self._moved if m.start < hi and m.end > lo]
        if moved:
            # An occurrence moved exactly onto another of its block is one occurrence.
            spans = list(dict.fromkeys([*spans, *moved]))
        return spans

    def _moved_spans(self, rules: Sequence[_Rule] | None = None) -> list[_Span]:
        """Occurrences moved by exceptions, resolved once (they are few)."""
        spans: list[_Span] = []
        tz = self._tz
        for rule in self._rules if rules is None else rules:
            seen: set[date] = set()
            for exc in rule.block.exceptions:
                if exc.original_date in seen:
                    continue  # the first exception for a date wins
                seen.add(exc.original_date)
                if exc.moved_start is None or exc.moved_end is None:
                    continue
                if not rule.occurs_on(exc.original_date.toordinal()):
                    continue  # nothing to move
                day = exc.moved_start.date()
                midnight = datetime.combine(day, time(), tz).astimezone(UTC)
                next_midnight = datetime.combine(day + timedelta(days=1), time(), tz)
                if next_midnight.astimezone(UTC) <= midnight:
                    continue  # moved onto a date that does not exist
                s = exc.moved_start.replace(tzinfo=tz, fold=0).astimezone(UTC)
                e = exc.moved_end.replace(tzinfo=tz, fold=0).astimezone(UTC)
                if s < e:
                    spans.append(_Span(s, e, rule.index))
        return spans

    def _why_unusable(self, block: Block) -> str | None:
        """Why ``block`` cannot be part of the schedule (one line), or ``None``.

        Besides the date range, the block is expanded once around its first and last
        dates, where any arithmetic overflow would show, so that a block that passes
        can never make a later query raise.
        """
        problem = block_date_problem(block)
        if problem is not None:
            return problem
        try:
            rule = self._digest(0, block)
            self._moved_spans((rule,))
            for ordinal in (rule.first, rule.last):
                if ordinal is None:
                    continue
                day = date.fromordinal(ordinal)
                lo = datetime.combine(day - timedelta(days=4), time(), self._tz)
                hi = datetime.combine(day + timedelta(days=5), time(), self._tz)
                self._expand(lo.astimezone(UTC), hi.astimezone(UTC), (rule,))
        except (ValueError, OverflowError) as error:
            return f"it cannot be expanded ({error})"
        return None

    def _digest(self, index: int, block: Block) -> _Rule:
        recurrence = block.recurrence
        skipped = frozenset(e.original_date.toordinal() for e in block.exceptions)
        overnight = block.end <= block.start
        start, end = block.start.replace(fold=0), block.end.replace(fold=0)
        if recurrence is None:
            assert block.on_date is not None  # guaranteed by Block
            day = block.on_date.toordinal()
            return _Rule(index, block, frozenset(), 1, 0, day, day, skipped, overnight, start, end)
        anchor = recurrence.starts.toordinal() if recurrence.starts is not None else _DEFAULT_ANCHOR
        return _Rule(
            index=index,
            block=block,
            weekdays=recurrence.weekdays,
            interval=recurrence.interval_weeks,
            anchor_monday=anchor - _weekday(anchor),
            first=recurrence.starts.toordinal() if recurrence.starts is not None else None,
            last=recurrence.until.toordinal() if recurrence.until is not None else None,
            skipped=skipped,
            overnight=overnight,
            start=start,
            end=end,
        )

    def _bounds(self) -> tuple[datetime | None, datetime | None]:
        """UTC instants before / after which the default mode holds (``None``: unbounded).

        Only blocks of another mode than the default can make the mode differ from it, so
        only they count. Generous by a few days: the bounds only let searches stop early.
        """
        tz = self._tz
        default = self._default_mode
        rules = [r for r in self._rules if r.block.kind.mode != default]
        if not rules:
            return _EPOCH, _EPOCH
        firsts = [r.first for r in rules]
        lasts = [r.last for r in rules]
        lo: datetime | None = None
        hi: datetime | None = None
        if all(f is not None for f in firsts):
            day = date.fromordinal(min(f for f in firsts if f is not None) - 3)
            lo = datetime.combine(day, time(), tz).astimezone(UTC)
        if all(x is not None for x in lasts):
            day = date.fromordinal(max(x for x in lasts if x is not None) + 4)
            hi = datetime.combine(day, time(), tz).astimezone(UTC)
        for m in self._moved:
            if self._rules[m.block_index].block.kind.mode == default:
                continue
            if lo is not None:
                lo = min(lo, m.start)
            if hi is not None:
                hi = max(hi, m.end)
        return lo, hi
