"""The gate: decides, for each notification, to deliver it now, hold it or mute it.

The order of questions is fixed, so a decision can always be explained in one line:

1. Rules, in order, first match wins: ``mute`` mutes in every mode; ``priority``
   delivers in every mode; ``hold`` holds in every mode but paused; ``allow`` passes
   focus (within the focus block's breakthrough budget, then the week's allowance)
   and is held in off-time.
2. Built-ins, when no rule matched: priority people and apps (like ``priority``), then
   breakthrough people and apps, critical urgency and repeat escalation (like ``allow``;
   only for the kinds of source in ``repeat_escalation_kinds``, chat by default).
3. The mode: paused delivers everything; available delivers, paced to a few pop-ups a
   minute; focus and off-time hold the rest until ``ctx.release_at``.

The gate keeps four small counters in memory, fed by the ``now`` passed to
``decide``: when each sender was last seen (repeat escalation), breakthroughs used per
focus period (the budget), breakthroughs this week (the weekly allowance, keyed by
``GateContext.week_start``) and recent pop-up times (pacing). They are bounded, and a
gate rebuilt for new rules or settings with ``with_config`` keeps them;
``restore_breakthroughs`` and ``restore_week`` seed them after a restart (the engine
persists the first and counts the second from the store, once a week).
"""

from __future__ import annotations

import enum
import itertools
from collections import OrderedDict, deque
from collections.abc import Sequence
from datetime import datetime, timedelta

from focus_app.core.model import (
    Decision,
    GateContext,
    GateSettings,
    Mode,
    ModeSource,
    ModeState,
    Notification,
    Outcome,
    Rule,
    RuleAction,
    Urgency,
)
from focus_app.core.programs import source_kind
from focus_app.core.rules import CompiledRules, NamePattern, rule_label

PACING_WINDOW = timedelta(minutes=1)
"""The rolling window pacing counts pop-ups in."""

_MAX_SENDERS = 4096
"""Senders remembered for repeat escalation before old ones are pruned."""
_MAX_PERIODS = 16
"""Focus periods whose breakthrough count is remembered."""
_MAX_POPUPS = 256
"""Pop-up times remembered for pacing (pacing limits above this are capped)."""
_DAY = timedelta(days=1)


class _Pass(enum.IntEnum):
    """How far a notification may go, before the mode has its say."""

    NONE = 0
    BREAKTHROUGH = 1
    PRIORITY = 2
    HOLD = 3


# Enum members as module constants: attribute lookups on enum classes are slow, and
# ``decide`` runs for every notification.
_NONE, _BREAKTHROUGH, _PRIORITY, _HOLD = _Pass.NONE, _Pass.BREAKTHROUGH, _Pass.PRIORITY, _Pass.HOLD
_DELIVERED, _HELD, _MUTED = Outcome.DELIVERED, Outcome.HELD, Outcome.MUTED
_FOCUS, _AVAILABLE, _OFF, _PAUSED = Mode.FOCUS, Mode.AVAILABLE, Mode.OFF, Mode.PAUSED
_PRIORITY_RULE, _HOLD_RULE, _MUTE_RULE = RuleAction.PRIORITY, RuleAction.HOLD, RuleAction.MUTE
_CRITICAL = Urgency.CRITICAL
_NO_TIME = timedelta(0)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MAX_CACHED_DECISIONS = 2048
_MAX_CACHED_NAMES = 4096


class _Verdict:
    """The answer of rules and built-ins: how far it may go, and why, in words."""

    __slots__ = ("level", "rule", "why")

    def __init__(self, level: _Pass, why: str = "", rule: Rule | None = None) -> None:
        self.level = level
        self.why = why
        self.rule = rule


_NO_VERDICT = _Verdict(_NONE)


class _NameList:
    """A people or apps list: case-insensitive, shell wildcards allowed (like rules).

    Answers for wildcard lists are cached per value (bounded), since senders repeat.
    """

    __slots__ = ("_cache", "_exact", "_wild")

    def __init__(self, names: Sequence[str]) -> None:
        self._exact: set[str] = set()
        self._wild: list[NamePattern] = []
        self._cache: dict[str, bool] = {}
        for name in names:
            pattern = NamePattern(name)
            if pattern.exact is not None:
                self._exact.add(pattern.exact)
            else:
                self._wild.append(pattern)

    def __contains__(self, folded_value: object) -> bool:
        if not isinstance(folded_value, str) or not folded_value:
            return False
        if folded_value in self._exact:
            return True
        if not self._wild:
            return False
        found = self._cache.get(folded_value)
        if found is None:
            found = any(p.matches(folded_value) for p in self._wild)
            if len(self._cache) >= _MAX_CACHED_NAMES:
                self._cache.clear()
            self._cache[folded_value] = found
        return found


class _Counters:
    """The gate's memory: last sighting per sender, breakthroughs per period, pop-ups."""

    def __init__(self) -> None:
        self.last_seen: dict[str, datetime] = {}
        self.breakthroughs: OrderedDict[str, int] = OrderedDict()
        self.popups: deque[datetime] = deque(maxlen=_MAX_POPUPS)
        self.week: datetime | None = None
        self.week_used = 0

    def copy(self) -> _Counters:
        other = _Counters()
        other.last_seen = dict(self.last_seen)
        other.breakthroughs = OrderedDict(self.breakthroughs)
        other.popups = deque(self.popups, maxlen=_MAX_POPUPS)
        other.week, other.week_used = self.week, self.week_used
        return other

    def used_in_week(self, week: datetime) -> int:
        """Breakthroughs in the week starting ``week``; a new week starts from 0."""
        if week is not self.week and week != self.week:
            self.week, self.week_used = week, 0
        return self.week_used

    def see_sender(self, folded_sender: str, now: datetime, keep: timedelta) -> None:
        """Remember that ``folded_sender`` was seen at ``now``; forget stale senders."""
        seen = self.last_seen
        seen.pop(folded_sender, None)  # re-insert: dict order is then oldest sighting first
        seen[folded_sender] = now
        if len(seen) > _MAX_SENDERS:
            # Oldest first, so stop at the first fresh one: each prune costs what it removes.
            horizon = now - keep
            stale = list(itertools.takewhile(lambda s: seen[s] < horizon, seen))
            for sender in stale:
                del seen[sender]
            # Still too many (a flood of distinct senders): forget the oldest half.
            if len(seen) > _MAX_SENDERS:
                for sender in list(itertools.islice(seen, len(seen) // 2)):
                    del seen[sender]

    def used(self, period: str) -> int:
        return self.breakthroughs.get(period, 0)

    def spend(self, period: str) -> int:
        used = self.breakthroughs.pop(period, 0) + 1
        self.breakthroughs[period] = used  # most recent period last
        while len(self.breakthroughs) > _MAX_PERIODS:
            self.breakthroughs.popitem(last=False)
        return used

    def popups_within(self, now: datetime) -> int:
        """Drop pop-ups that left the rolling minute; return how many remain."""
        popups = self.popups
        horizon = now - PACING_WINDOW
        while popups and popups[0] <= horizon:
            popups.popleft()
        return len(popups)


def _hhmm(t: datetime, now: datetime) -> str:
    """Local wall-clock time of ``t`` in its own zone; the weekday too if a day or more away.

    Formatted by hand: ``strftime`` is slow and its weekday names follow the locale.
    """
    if t - now >= _DAY:
        return f"{_WEEKDAYS[t.weekday()]} {t.hour:02d}:{t.minute:02d}"
    return f"{t.hour:02d}:{t.minute:02d}"


def _until(t: datetime | None, now: datetime) -> str:
    return f"until {_hhmm(t, now)}" if t is not None else "until the next window"


def _shown(name: str) -> str:
    """A sender, app or rule name fit for a one-line reason (control characters gone)."""
    if name.isprintable():
        return name
    return " ".join("".join(c if c.isprintable() else " " for c in name).split())


def _minutes(n: int) -> str:
    return "1 minute" if n == 1 else f"{n} minutes"


def _period_name(state: ModeState) -> str:
    """The period in words: "focus block 'Deep work'", "off-time 'Evening'", ..."""
    label = _shown(state.label)
    if state.mode is Mode.FOCUS:
        if state.source is ModeSource.SCHEDULE:
            return f"focus block '{label}'"
        if state.source is ModeSource.OVERRIDE:
            has_reason = state.override is not None and state.override.reason
            return f"focus session '{label}'" if has_reason else "focus session"
        return "focus (default mode)"
    if state.mode is Mode.OFF:
        if state.source is ModeSource.SCHEDULE or (
            state.override is not None and state.override.reason
        ):
            return f"off-time '{label}'"
        return "off-time" if state.source is ModeSource.OVERRIDE else "off-time (default mode)"
    if state.mode is Mode.AVAILABLE:
        if state.source is ModeSource.SCHEDULE:
            return f"availability window '{label}'"
        return "available now" if state.source is ModeSource.OVERRIDE else "available"
    return "boundaries paused"


def _period_key(state: ModeState) -> str:
    """The budget's key: the engine's ``period_key``, else one made from the state."""
    if state.period_key:
        return state.period_key
    since = state.since.isoformat() if state.since is not None else ""
    return f"{state.mode.value}|{state.source.value}|{state.label}|{since}"


def budget_key(state: ModeState) -> str:
    """The key the gate counts a period's breakthroughs under (for persisting them)."""
    return _period_key(state)


class Gate:
    """Decides what happens to each notification; see the module docstring for the order.

    Args:
        rules: The user's rules, in order (disabled ones are skipped).
        settings: The built-in behaviour (lists, budget, pacing, escalation).

    Decisions are immutable values; equal ones may be the same object. Not thread-safe:
    the engine calls it from one thread.
    """

    def __init__(self, rules: Sequence[Rule], settings: GateSettings) -> None:
        self._rules = CompiledRules(rules)
        self._settings = settings
        self._priority_people = _NameList(settings.priority_people)
        self._priority_apps = _NameList(settings.priority_apps)
        self._breakthrough_people = _NameList(settings.breakthrough_people)
        self._breakthrough_apps = _NameList(settings.breakthrough_apps)
        self._critical_passes = settings.critical_passes_focus
        self._budget = settings.breakthrough_budget
        self._repeat_minutes = max(settings.repeat_escalation_minutes, 0)
        self._repeat_window = timedelta(minutes=self._repeat_minutes)
        self._repeat_kinds = frozenset(settings.repeat_escalation_kinds)
        self._pacing = min(max(settings.pacing_per_minute, 0), _MAX_POPUPS)
        self._weekly = max(settings.weekly_breakthroughs, 0)
        self._counters = _Counters()
        # The engine passes the same state object until the next transition, so the
        # period's name and budget key are worked out once per state.
        self._named_state: ModeState | None = None
        self._state_name = ""
        self._state_key = ""
        self._decisions: dict[tuple[object, ...], Decision] = {}

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self._rules.rules

    @property
    def settings(self) -> GateSettings:
        return self._settings

    def with_config(self, rules: Sequence[Rule], settings: GateSettings) -> Gate:
        """A gate with new rules and settings that keeps this one's counters.

        The budget already spent in the current focus period, recent senders and
        recent pop-ups carry over, so editing a rule mid-block changes nothing else.
        """
        gate = Gate(rules, settings)
        gate._counters = self._counters.copy()
        return gate

    def breakthroughs_used(self, period_key: str) -> int:
        """How many breakthroughs the focus period ``period_key`` has used."""
        return self._counters.used(period_key)

    def restore_breakthroughs(self, period_key: str, used: int) -> None:
        """Remember that ``period_key`` already used ``used`` breakthroughs.

        The counters live in memory; the engine persists what each focus period spent
        and hands it back after a restart, so a restart inside a block never hands out
        a fresh budget. Never lowers a count the gate already has.
        """
        if used > self._counters.used(period_key):
            counters = self._counters
            counters.breakthroughs.pop(period_key, None)
            counters.breakthroughs[period_key] = used
            while len(counters.breakthroughs) > _MAX_PERIODS:
                counters.breakthroughs.popitem(last=False)

    def week_breakthroughs(self, week_start: datetime) -> int:
        """Breakthroughs counted in the week starting ``week_start`` (0 for another week)."""
        counters = self._counters
        return counters.week_used if week_start == counters.week else 0

    def restore_week(self, week_start: datetime, used: int) -> None:
        """Count from ``used`` breakthroughs in the week starting ``week_start``.

        The engine counts the week's breakthroughs in the store once (at start, and when
        a new week begins) and the gate adds each one it lets through, so the weekly
        allowance survives a restart without a query per notification. Never lowers a
        count the gate already has for that week.
        """
        counters = self._counters
        if week_start == counters.week:
            counters.week_used = max(counters.week_used, used)
        else:
            counters.week, counters.week_used = week_start, max(used, 0)

    def decide(self, n: Notification, ctx: GateContext, now: datetime) -> Decision:
        """Deliver, hold or mute ``n`` at ``now`` in the situation ``ctx``.

        Updates the counters: every notification counts as a sighting of its sender,
        every delivery as a pop-up, every budgeted breakthrough in focus as spent, and
        every breakthrough (priority ones too) as one of the week's.
        """
        counters = self._counters
        sender = n.sender.casefold()
        repeat = False
        if sender:
            if self._repeat_minutes and self._repeat_kinds:
                last = counters.last_seen.get(sender)
                repeat = (
                    last is not None
                    and _NO_TIME <= now - last <= self._repeat_window
                    and source_kind(n.program, n.source, n.category) in self._repeat_kinds
                )
            counters.see_sender(sender, now, self._repeat_window)

        rule = self._rules.first_match(n)
        if rule is not None and rule.action is _MUTE_RULE:
            return self._decision(
                _MUTED, f"muted by rule '{_shown(rule_label(rule))}'", rule_id=rule.id
            )
        verdict = self._verdict(n, rule, sender, repeat)
        decision = self._apply_mode(n, verdict, ctx, now)
        if decision.outcome is _DELIVERED:
            counters.popups.append(now)
        return decision

    def _decision(
        self,
        outcome: Outcome,
        reason: str,
        release_at: datetime | None = None,
        breakthrough: bool = False,
        rule_id: int | None = None,
        paced: bool = False,
    ) -> Decision:
        """A decision, shared with earlier equal ones (building a frozen dataclass is slow)."""
        # Equal aware datetimes may differ in zone; the zone is part of the value here.
        zone = release_at.tzinfo if release_at is not None else None
        key = (outcome, reason, release_at, zone, breakthrough, rule_id, paced)
        found = self._decisions.get(key)
        if found is None:
            found = Decision(outcome, reason, release_at, breakthrough, rule_id, paced)
            if len(self._decisions) >= _MAX_CACHED_DECISIONS:
                self._decisions.clear()
            self._decisions[key] = found
        return found

    def _describe(self, state: ModeState) -> tuple[str, str]:
        """The period's name in words and its budget key, cached for the current state."""
        if state is not self._named_state:
            self._named_state = state
            self._state_name = _period_name(state)
            self._state_key = _period_key(state)
        return self._state_name, self._state_key

    def _verdict(self, n: Notification, rule: Rule | None, sender: str, repeat: bool) -> _Verdict:
        """How far ``n`` may go by rules and built-ins, before the mode is considered."""
        if rule is not None:
            label = _shown(rule_label(rule))
            action = rule.action
            if action is _PRIORITY_RULE:
                return _Verdict(_PRIORITY, f"rule '{label}' gives it priority", rule)
            if action is _HOLD_RULE:
                return _Verdict(_HOLD, f"rule '{label}'", rule)
            return _Verdict(_BREAKTHROUGH, f"rule '{label}' lets it through", rule)
        source = n.source.casefold()
        if sender in self._priority_people:
            return _Verdict(_PRIORITY, f"a short rule gives {_shown(n.sender)} priority")
        if source in self._priority_apps:
            return _Verdict(_PRIORITY, f"a short rule gives {_shown(n.source)} priority")
        if sender in self._breakthrough_people:
            return _Verdict(_BREAKTHROUGH, f"a short rule lets {_shown(n.sender)} through")
        if source in self._breakthrough_apps:
            return _Verdict(_BREAKTHROUGH, f"a short rule lets {_shown(n.source)} through")
        if self._critical_passes and n.urgency is _CRITICAL:
            return _Verdict(_BREAKTHROUGH, "critical urgency passes focus")
        if repeat:
            minutes = _minutes(self._repeat_minutes)
            kind = source_kind(n.program, n.source, n.category)
            return _Verdict(
                _BREAKTHROUGH,
                f"{_shown(n.sender)} again within {minutes} (repeat escalation for {kind})",
            )
        return _NO_VERDICT

    def _apply_mode(
        self, n: Notification, v: _Verdict, ctx: GateContext, now: datetime
    ) -> Decision:
        state = ctx.state
        mode = state.mode
        level = v.level
        rule_id = v.rule.id if v.rule is not None else None

        if mode is _PAUSED:
            why = f"; {v.why}" if level is _PRIORITY else ""
            paused = "boundaries paused"
            if state.until is not None:
                paused += f" {_until(state.until, now)}"
            return self._decision(_DELIVERED, f"delivered: {paused}{why}", rule_id=rule_id)

        if level is _HOLD:
            release_at = ctx.next_window_at if mode is _AVAILABLE else ctx.release_at
            return self._decision(
                _HELD, f"held by {v.why} {_until(release_at, now)}", release_at, rule_id=rule_id
            )

        if mode is _AVAILABLE:
            return self._available(v, state, now, rule_id)

        if level is _PRIORITY:
            passes = "focus" if mode is _FOCUS else "off-time"
            week = ctx.week_start
            if week is not None:
                # Priority is never held for the week, but it did break through: the
                # week's count is the one the tray's meter shows.
                self._counters.used_in_week(week)
                self._counters.week_used += 1
            return self._decision(
                _DELIVERED,
                f"delivered: {v.why} (priority passes {passes})",
                breakthrough=True,
                rule_id=rule_id,
            )

        name, key = self._describe(state)
        release_at = ctx.release_at
        if mode is _OFF:
            reason = f"held: {name} {_until(release_at, now)}; only priority passes off-time"
            if level is _BREAKTHROUGH:
                reason += f" ({v.why}, which passes focus only)"
            return self._decision(_HELD, reason, release_at, rule_id=rule_id)

        # Focus.
        if level is _BREAKTHROUGH:
            return self._breakthrough(
                v, _shown(state.label), key, release_at, now, rule_id, ctx.week_start
            )
        who = n.sender or n.source
        why_not = (
            f"no rule lets {_shown(who)} through"
            if who
            else "no sender or app to let it through"
        )
        return self._decision(
            _HELD, f"held: {name} {_until(release_at, now)}; {why_not}", release_at
        )

    def _breakthrough(
        self,
        v: _Verdict,
        label: str,
        period: str,
        release_at: datetime | None,
        now: datetime,
        rule_id: int | None,
        week: datetime | None,
    ) -> Decision:
        """A budgeted breakthrough in focus: delivered while both budgets last.

        The focus block's budget is asked first, then the week's allowance.
        """
        counters = self._counters
        budget = self._budget
        if budget >= 0:
            used = counters.used(period)
            if used >= budget:
                return self._decision(
                    _HELD,
                    f"held: breakthrough budget for '{label}' spent ({used} of {budget}); "
                    f"{v.why} but it waits {_until(release_at, now)}",
                    release_at,
                    rule_id=rule_id,
                )
        if week is not None:
            this_week = counters.used_in_week(week)
            weekly = self._weekly
            if weekly and this_week >= weekly:
                return self._decision(
                    _HELD,
                    f"held: this week's breakthroughs are used ({this_week} of {weekly}); "
                    f"{v.why} but it waits {_until(release_at, now)}",
                    release_at,
                    rule_id=rule_id,
                )
            counters.week_used = this_week + 1
        used = counters.spend(period)
        of = f" of {budget}" if budget >= 0 else ""
        return self._decision(
            _DELIVERED,
            f"delivered: {v.why} (breakthrough {used}{of} in '{label}')",
            breakthrough=True,
            rule_id=rule_id,
        )

    def _available(
        self, v: _Verdict, state: ModeState, now: datetime, rule_id: int | None
    ) -> Decision:
        """Delivered while available, unless pacing folds it into the next summary."""
        limit = self._pacing
        if limit and v.level is not _PRIORITY:
            recent = self._counters.popups_within(now)
            if recent >= limit:
                # A slot opens when the pop-up ``limit`` places from the newest leaves the
                # minute.
                release_at = self._counters.popups[recent - limit] + PACING_WINDOW
                return self._decision(
                    _HELD,
                    f"held for a summary: {recent} pop-ups in the last minute (pacing)",
                    release_at,
                    rule_id=rule_id,
                    paced=True,
                )
        name, _ = self._describe(state)
        why = f"; {v.why}" if v.level is not _NONE else ""
        return self._decision(_DELIVERED, f"delivered: {name}{why}", rule_id=rule_id)
