"""The gate: decides, for each notification, to deliver it now, hold it or mute it.

The order of questions is fixed, so a decision can always be explained in one line:

1. Rules, in order, first match wins: ``mute`` mutes in every mode; ``priority``
   delivers in every mode; ``hold`` holds in every mode but paused; ``allow`` passes
   focus (within the breakthrough budget) and is held in off-time.
2. Built-ins, when no rule matched: priority people and apps (like ``priority``), then
   breakthrough people and apps, critical urgency and repeat escalation (like ``allow``).
3. The mode: paused delivers everything; available delivers, paced to a few pop-ups a
   minute; focus and off-time hold the rest until ``ctx.release_at``.

The gate keeps three small counters in memory, fed by the ``now`` passed to
``decide``: when each sender was last seen (repeat escalation), breakthroughs used per
focus period (the budget) and recent pop-up times (pacing). They are bounded, and a
gate rebuilt for new rules or settings with ``with_config`` keeps them.
"""

from __future__ import annotations

import enum
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
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


class _Pass(enum.Enum):
    """How far a notification may go, before the mode has its say."""

    NONE = 0
    BREAKTHROUGH = 1
    PRIORITY = 2
    HOLD = 3


@dataclass(frozen=True, slots=True)
class _Verdict:
    """The answer of rules and built-ins: how far it may go, and why, in words."""

    level: _Pass
    why: str = ""
    rule: Rule | None = None


class _NameList:
    """A people or apps list: case-insensitive, shell wildcards allowed (like rules)."""

    __slots__ = ("_exact", "_wild")

    def __init__(self, names: Sequence[str]) -> None:
        self._exact: set[str] = set()
        self._wild: list[NamePattern] = []
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
        return any(p.matches(folded_value) for p in self._wild)


class _Counters:
    """The gate's memory: last sighting per sender, breakthroughs per period, pop-ups."""

    def __init__(self) -> None:
        self.last_seen: dict[str, datetime] = {}
        self.breakthroughs: OrderedDict[str, int] = OrderedDict()
        self.popups: deque[datetime] = deque(maxlen=_MAX_POPUPS)

    def copy(self) -> _Counters:
        other = _Counters()
        other.last_seen = dict(self.last_seen)
        other.breakthroughs = OrderedDict(self.breakthroughs)
        other.popups = deque(self.popups, maxlen=_MAX_POPUPS)
        return other

    def see_sender(self, folded_sender: str, now: datetime, keep: timedelta) -> None:
        seen = self.last_seen
        seen.pop(folded_sender, None)  # re-insert: dict order is then oldest sighting first
        seen[folded_sender] = now
        if len(seen) > _MAX_SENDERS:
            horizon = now - keep
            for sender in [s for s, t in seen.items() if t < horizon]:
                del seen[sender]
            # Still too many (a flood of distinct senders): forget the oldest half.
            if len(seen) > _MAX_SENDERS:
                for sender in list(seen)[: len(seen) // 2]:
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
    """Local wall-clock time of ``t`` in its own zone; the weekday too if a day or more away."""
    if t - now >= _DAY:
        return t.strftime("%a %H:%M")
    return t.strftime("%H:%M")


def _until(t: datetime | None, now: datetime) -> str:
    return f"until {_hhmm(t, now)}" if t is not None else "until the next window"


def _minutes(n: int) -> str:
    return "1 minute" if n == 1 else f"{n} minutes"


def _period_name(state: ModeState) -> str:
    """The period in words: "focus block 'Deep work'", "off-time 'Evening'", ..."""
    label = state.label
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


class Gate:
    """Decides what happens to each notification; see the module docstring for the order.

    Args:
        rules: The user's rules, in order (disabled ones are skipped).
        settings: The built-in behaviour (lists, budget, pacing, escalation).

    Not thread-safe: the engine calls it from one thread.
    """

    def __init__(self, rules: Sequence[Rule], settings: GateSettings) -> None:
        self._rules = CompiledRules(rules)
        self._settings = settings
        self._priority_people = _NameList(settings.priority_people)
        self._priority_apps = _NameList(settings.priority_apps)
        self._breakthrough_people = _NameList(settings.breakthrough_people)
        self._breakthrough_apps = _NameList(settings.breakthrough_apps)
        self._repeat_minutes = max(settings.repeat_escalation_minutes, 0)
        self._repeat_window = timedelta(minutes=self._repeat_minutes)
        self._pacing = min(max(settings.pacing_per_minute, 0), _MAX_POPUPS)
        self._counters = _Counters()

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

    def decide(self, n: Notification, ctx: GateContext, now: datetime) -> Decision:
        """Deliver, hold or mute ``n`` at ``now`` in the situation ``ctx``.

        Updates the counters: every notification counts as a sighting of its sender,
        every delivery as a pop-up, every budgeted breakthrough in focus as spent.
        """
        counters = self._counters
        sender = n.sender.casefold()
        repeat = False
        if sender:
            if self._repeat_minutes:
                last = counters.last_seen.get(sender)
                repeat = last is not None and timedelta(0) <= now - last <= self._repeat_window
            counters.see_sender(sender, now, self._repeat_window)

        rule = self._rules.first_match(n)
        if rule is not None and rule.action is RuleAction.MUTE:
            return Decision(Outcome.MUTED, f"muted by rule '{rule_label(rule)}'", rule_id=rule.id)
        verdict = self._verdict(n, rule, sender, repeat)
        decision = self._apply_mode(n, verdict, ctx, now)
        if decision.outcome is Outcome.DELIVERED:
            counters.popups.append(now)
        return decision

    def _verdict(self, n: Notification, rule: Rule | None, sender: str, repeat: bool) -> _Verdict:
        """How far ``n`` may go by rules and built-ins, before the mode is considered."""
        if rule is not None:
            label = rule_label(rule)
            if rule.action is RuleAction.PRIORITY:
                return _Verdict(_Pass.PRIORITY, f"rule '{label}' gives it priority", rule)
            if rule.action is RuleAction.HOLD:
                return _Verdict(_Pass.HOLD, f"rule '{label}'", rule)
            return _Verdict(_Pass.BREAKTHROUGH, f"rule '{label}' lets it through", rule)
        source = n.source.casefold()
        if sender in self._priority_people:
            return _Verdict(_Pass.PRIORITY, f"{n.sender} is on the priority list")
        if source in self._priority_apps:
            return _Verdict(_Pass.PRIORITY, f"{n.source} is on the priority list")
        if sender in self._breakthrough_people:
            return _Verdict(_Pass.BREAKTHROUGH, f"{n.sender} is on the breakthrough list")
        if source in self._breakthrough_apps:
            return _Verdict(_Pass.BREAKTHROUGH, f"{n.source} is on the breakthrough list")
        if n.urgency is Urgency.CRITICAL and self._settings.critical_passes_focus:
            return _Verdict(_Pass.BREAKTHROUGH, "critical urgency passes focus")
        if repeat:
            return _Verdict(
                _Pass.BREAKTHROUGH,
                f"{n.sender} again within {_minutes(self._repeat_minutes)} (repeat escalation)",
            )
        return _Verdict(_Pass.NONE)

    def _apply_mode(
        self, n: Notification, v: _Verdict, ctx: GateContext, now: datetime
    ) -> Decision:
        state = ctx.state
        mode = state.mode
        rule_id = v.rule.id if v.rule is not None else None

        if mode is Mode.PAUSED:
            why = f"; {v.why}" if v.level is _Pass.PRIORITY else ""
            return Decision(
                Outcome.DELIVERED,
                f"delivered: boundaries paused {_until(state.until, now)}{why}"
                if state.until is not None
                else f"delivered: boundaries paused{why}",
                rule_id=rule_id,
            )

        if v.level is _Pass.HOLD:
            release_at = ctx.next_window_at if mode is Mode.AVAILABLE else ctx.release_at
            return Decision(
                Outcome.HELD,
                f"held by {v.why} {_until(release_at, now)}",
                release_at=release_at,
                rule_id=rule_id,
            )

        if mode is Mode.AVAILABLE:
            return self._available(v, state, now, rule_id)

        if v.level is _Pass.PRIORITY:
            passes = "focus" if mode is Mode.FOCUS else "off-time"
            return Decision(
                Outcome.DELIVERED,
                f"delivered: {v.why} (priority passes {passes})",
                breakthrough=True,
                rule_id=rule_id,
            )

        until = _until(ctx.release_at, now)
        if mode is Mode.OFF:
            reason = f"held: {_period_name(state)} {until}; only priority passes off-time"
            if v.level is _Pass.BREAKTHROUGH:
                reason += f" ({v.why}, which passes focus only)"
            return Decision(Outcome.HELD, reason, release_at=ctx.release_at, rule_id=rule_id)

        # Focus.
        if v.level is _Pass.BREAKTHROUGH:
            return self._breakthrough(v, state, ctx, now, rule_id)
        who = n.sender or n.source
        if who:
            why_not = f"{who} is not on the breakthrough list"
        else:
            why_not = "no sender or app to let it through"
        return Decision(
            Outcome.HELD,
            f"held: {_period_name(state)} {until}; {why_not}",
            release_at=ctx.release_at,
        )

    def _breakthrough(
        self, v: _Verdict, state: ModeState, ctx: GateContext, now: datetime, rule_id: int | None
    ) -> Decision:
        """A budgeted breakthrough in focus: delivered while the budget lasts."""
        budget = self._settings.breakthrough_budget
        period = _period_key(state)
        if budget >= 0:
            used = self._counters.used(period)
            if used >= budget:
                return Decision(
                    Outcome.HELD,
                    f"held: breakthrough budget for '{state.label}' spent ({used} of {budget}); "
                    f"{v.why} but it waits {_until(ctx.release_at, now)}",
                    release_at=ctx.release_at,
                    rule_id=rule_id,
                )
        used = self._counters.spend(period)
        of = f" of {budget}" if budget >= 0 else ""
        return Decision(
            Outcome.DELIVERED,
            f"delivered: {v.why} (breakthrough {used}{of} in '{state.label}')",
            breakthrough=True,
            rule_id=rule_id,
        )

    def _available(
        self, v: _Verdict, state: ModeState, now: datetime, rule_id: int | None
    ) -> Decision:
        """Delivered while available, unless pacing folds it into the next summary."""
        limit = self._pacing
        recent = self._counters.popups_within(now)
        if limit and recent >= limit and v.level is not _Pass.PRIORITY:
            # A slot opens when the pop-up ``limit`` places from the newest leaves the minute.
            release_at = self._counters.popups[recent - limit] + PACING_WINDOW
            return Decision(
                Outcome.HELD,
                f"held for a summary: {recent} pop-ups in the last minute (pacing)",
                release_at=release_at,
                rule_id=rule_id,
                paced=True,
            )
        why = f"; {v.why}" if v.level is not _Pass.NONE else ""
        return Decision(
            Outcome.DELIVERED, f"delivered: {_period_name(state)}{why}", rule_id=rule_id
        )
