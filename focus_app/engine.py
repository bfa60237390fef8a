"""The engine: owns the state, talks to the store, asks to be woken, emits events.

Everything the windows and the command line do goes through here. The engine never
replays what it missed: on every wake-up it computes the mode from the schedule, the
override and the clock (``reconcile``), releases what may flow, and asks to be woken at
the next instant anything can change. A late or missed wake-up costs latency, never
correctness.

All methods run on the GUI thread (the IPC server, the scheduler and D-Bus callbacks reach
it through Qt's event loop), so there is no locking.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from focus_app import DISPLAY_NAME, boundaries
from focus_app.core.booking import Span
from focus_app.core.budget import WeekBudget, week_of
from focus_app.core.contact_availability import AvailabilityCache
from focus_app.core.digest import build_digest, build_paced_summary
from focus_app.core.gate import Gate, budget_key
from focus_app.core.model import (
    WEEKDAY_NAMES,
    Block,
    Decision,
    GateContext,
    Mode,
    ModeSource,
    ModeState,
    Notification,
    Outcome,
    Override,
    Rule,
    RuleAction,
    RuleMatch,
    Urgency,
)
from focus_app.core.ports import Clock, DeliveryReport, DeliveryResult, Notifier
from focus_app.core.program_prefs import (
    Program,
    ProgramChoice,
    program_rule,
    program_rules,
    week_start,
)
from focus_app.core.referrals import Contact
from focus_app.core.referrals import typed_problem as contact_typed_problem
from focus_app.core.replies import Tone
from focus_app.core.requests import (
    Request,
    RequestOrigin,
    RequestStatus,
    TriageOutcome,
    typed_problem,
)
from focus_app.core.schedule import Schedule
from focus_app.core.state import next_release_at, next_wake, next_window_after, resolve_state
from focus_app.core.suggestions import ApplyKind, Suggestion
from focus_app.faults import fault_point
from focus_app.retention import Compactor, retention_cutoff
from focus_app.settings import (
    OPTIONS,
    Settings,
    render_settings,
    save_settings,
    system_timezone,
)
from focus_app.store import HeldItem, SentBefore, Store
from focus_app.wakeup import Wakeup

log = logging.getLogger(__name__)

FLOWING = (Mode.AVAILABLE, Mode.PAUSED)
"""Modes in which notifications reach the user (and held ones are released)."""

RETRY_DELIVERY_AFTER = timedelta(minutes=5)
_DIGESTS_REMEMBERED = 32
_IN_FLIGHT_REMEMBERED = 256
"""Notify calls whose late answer is still matched; older ones count as shown."""
_MAX_HIDDEN_TRANSITIONS = 64
"""How many same-mode transitions ``next_transition`` looks past (a bound, not a limit
anyone meets: a day has a handful)."""
ACTION_OPEN_INBOX = "open-inbox"
ACTION_SNOOZE = "snooze-10"
ACTION_OPEN_REVIEW = "open-review"
_SETTING_NAMES = frozenset(o.attr for o in OPTIONS)
REVIEW_REMINDER_GRACE = timedelta(hours=12)
"""A reminder instant passed while asleep is still shown this long after it."""
SNOOZE = timedelta(minutes=10)


@dataclass(frozen=True)
class Ingested:
    """What ``ingest`` did with one notification: its id and the gate's decision."""

    id: int
    notification: Notification
    decision: Decision


class Engine(QObject):
    """The one owner of the app's state.

    Args:
        store: The open database.
        settings: The loaded settings (``settings_path`` is where changes are saved).
        notifier: Where delivered notifications and digests go.
        clock: Where time comes from.
        settings_path: The settings file, for ``update_settings``; ``None`` = don't save.

    Signals:
        state_changed: The mode, its source, its end or the next transition changed.
        held_changed(int): The number of held notifications changed.
        blocks_changed: Blocks were added, changed or removed.
        rules_changed: Rules were added, changed, reordered or removed.
        settings_changed: Settings were replaced.
        decided(object): An ``Ingested`` for every notification the gate decided.
        problem(str): A one-line message the user should see (delivery failed, ...).
        raise_requested: Another start asked the running app to show itself.
        action_invoked(str): A notification action was clicked (but see ``digest_opened``).
        digest_opened(int): "Open inbox" was clicked on a digest or pacing summary whose
            items are known: the digest's id (``HistoryFilter.digest_id``). Emitted
            instead of ``action_invoked("open-inbox")``.
        history_compacted(int): Retention folded this many old notifications into
            weekly totals.
    """

    state_changed = Signal()
    held_changed = Signal(int)
    blocks_changed = Signal()
    rules_changed = Signal()
    settings_changed = Signal()
    decided = Signal(object)
    problem = Signal(str)
    raise_requested = Signal()
    action_invoked = Signal(str)
    digest_opened = Signal(int)
    history_compacted = Signal(int)

    def __init__(
        self,
        store: Store,
        settings: Settings,
        notifier: Notifier,
        clock: Clock,
        *,
        settings_path: Path | None = None,
    ) -> None:
        super().__init__()
        self._store = store
        self._settings = settings
        self._settings_path = settings_path
        self._notifier = notifier
        self._clock = clock
        self._tz: tzinfo = settings.tzinfo()
        self._schedule = self._build_schedule()
        self._gate = Gate(self._gate_rules(), settings.gate_settings())
        self._state: ModeState | None = None
        self._flowing_since: datetime | None = None
        self._held_in: Mode | None = None  # the protected mode items were last held in
        self._retry_at: datetime | None = None
        self._current_override = self._store.get_override()
        self._shown_in_digest: dict[int, list[int]] = {}
        # Notify calls the server has not answered yet: token -> (item ids, digest id).
        self._in_flight: dict[int, tuple[list[int], int | None]] = {}
        self._compacted_on: date | None = None
        self._compactor: Compactor | None = None
        self._last_release_problem = ""
        self._heads_up_sent_for = ""
        # Reminder instants before the start count as shown: a restart never repeats one.
        self._review_shown_for: datetime | None = self._last_review_at(clock.now())
        self._held_count = self._store.held_count()
        self._budget_restored_for = ""
        self._week: Span | None = None
        """The local week the gate counts breakthroughs in (UTC bounds): ``_week_start``."""
        self._next_return: datetime | None = None
        self._contact_schedules: dict[int, Schedule] = {}
        self._contact_problems: dict[int, str] = {}
        self._availability = AvailabilityCache()
        """When the next deferred request comes back (a wake-up candidate)."""
        self._wakeup = Wakeup(self.reconcile, clock, self._tz)
        self.desktop_status: Callable[[], dict[str, object]] | None = None
        """Set by the desktop gate: adds ``dnd`` and ``catching`` to ``status``."""
        self.calendar_refresh_at: Callable[[], datetime | None] | None = None
        """Set once calendars are followed: the next instant one is due for a refresh,
        a candidate of the one wake-up (no timer of its own)."""
        self.calendar_refresh_due: Callable[[datetime], None] | None = None
        """Set once calendars are followed: called on every reconcile to start the
        refreshes due at that instant (off the GUI thread)."""
        self.requests_changed.connect(self._requests_edited)

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Decide what arrived while no engine ran, reconcile, and start waking up.

        The queue is looked at once more when the scheduler starts, a moment later: a
        ``send`` that found no socket just before it listened may queue after this look.
        """
        self._wakeup.start(after_start=self._decide_queued)
        self._decide_queued()
        self.reconcile()

    def on_clock_changed(self) -> None:
        """The wall clock was set or jumped (resume): reconcile now, re-plan the wake-up."""
        self._wakeup.clock_changed()

    def on_timezone_changed(self) -> None:
        """The system time zone may have changed (the user travelled): follow it.

        Only when the settings follow the system zone; a new zone rebuilds the schedule.
        """
        if not self._settings.timezone:
            zone = system_timezone(reload=True)
            if str(zone) != str(self._tz):
                log.info("system time zone changed from %s to %s", self._tz, zone)
                self._tz = zone
                self._week = None  # Monday 00:00 moved with the zone
                self._schedule = self._build_schedule()
                self.settings_changed.emit()
                self.reconcile()

    def _decide_queued(self) -> None:
        queued = self._store.take_queued()
        if queued:
            log.info("deciding %d notification(s) queued while not running", len(queued))
            # Queued by the command line: from outside, like everything sent to us.
            self._decide_and_record(_from_outside(queued), already_stored=True)

    def shutdown(self) -> None:
        self._wakeup.shutdown()
        if self._compactor is not None:
            self._compactor.stop()

    # ----------------------------------------------------------------- retention

    def _maybe_compact(self, now: datetime) -> None:
        """Once a day, after the day's first reconcile: fold old weeks into totals.

        Rides on a wake-up the engine has anyway (at least the start and the day's first
        transition), so retention costs no timer of its own. The check on the GUI thread
        is one indexed query; the work runs on the compactor's thread.
        """
        today = now.astimezone(self._tz).date()
        if today == self._compacted_on:
            return
        self._compacted_on = today
        cutoff = retention_cutoff(now, self._tz, self._settings.history_weeks)
        if not self._store.has_compactable(cutoff):
            return
        if self._compactor is None:
            self._compactor = Compactor(self._store.path, parent=self)
            self._compactor.finished.connect(self.history_compacted)
        self._compactor.start(cutoff, self._tz, self.schedule())

    @property
    def compactor(self) -> Compactor | None:
        """The retention worker, once a run was needed (tests wait on it)."""
        return self._compactor

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def tz(self) -> tzinfo:
        return self._tz

    @property
    def settings(self) -> Settings:
        return self._settings

    # ----------------------------------------------------------------- state

    def state(self) -> ModeState:
        """The effective mode now (recomputed if the cached one has run out)."""
        now = self._clock.now()
        if self._state is None or (self._state.until is not None and now >= self._state.until):
            self.reconcile()
        assert self._state is not None
        return self._state

    def next_transition(self) -> datetime | None:
        """The next instant the effective mode changes.

        Schedule transitions hidden under an override (lunch ends at 13:00 while "focus
        now" runs until 13:14) are not changes; neither is an override ending into a
        block of the same mode.
        """
        override = self._override()
        now = self._clock.now()
        mode = resolve_state(self._schedule, override, now).mode
        at = next_wake(self._schedule, override, now)
        for _ in range(_MAX_HIDDEN_TRANSITIONS):
            if at is None or resolve_state(self._schedule, override, at).mode is not mode:
                return at
            at = next_wake(self._schedule, override, at)
        return at

    def next_transition_state(self, at: datetime | None = None) -> ModeState | None:
        """The state that begins at ``next_transition`` (for "next: Office hours 16:00").

        Args:
            at: That instant, when the caller has it already.
        """
        at = at if at is not None else self.next_transition()
        if at is None:
            return None
        return resolve_state(self._schedule, self._override(), at)

    def held_count(self) -> int:
        return self._held_count

    def held_fingerprint(self, up_to_id: int) -> tuple[int, int, int]:
        """See :meth:`Store.held_fingerprint`."""
        return self._store.held_fingerprint(up_to_id)

    def held(self, *, after_id: int | None = None) -> list[HeldItem]:
        """Held notifications, oldest first (``after_id``: only those stored after it)."""
        return self._store.held(after_id=after_id)

    def status(self) -> dict[str, object]:
        """The status as the command line reports it (``status --json``)."""
        state = self.state()
        nxt = self.next_transition()
        nxt_state = self.next_transition_state(nxt)
        return {
            "mode": state.mode.value,
            "source": state.source.value,
            "label": state.label,
            "since": _iso(state.since),
            "until": _iso(state.until),
            "reason": state.override.reason if state.override else "",
            "held": self._held_count,
            "next_transition": _iso(nxt),
            "next_mode": nxt_state.mode.value if nxt_state else None,
            "next_label": nxt_state.label if nxt_state else None,
            "timezone": str(self._tz),
            "problems": self.problems(),
            **(
                self.desktop_status()
                if self.desktop_status is not None
                else {"dnd": "off: the engine runs without the desktop gate", "catching": "off"}
            ),
        }

    def problems(self) -> list[str]:
        """Stored things the engine cannot use and leaves out, one line each (for status).

        A block with an unsupported date (stored before the range check, or edited by
        hand) is skipped by the schedule rather than stopping the app; it stays listed and
        removable, and this says which one and how to get rid of it.
        """
        return [
            f"block {s.block.id} ({s.block.display_title}) is skipped: {s.reason}; "
            f"remove it with: focus-app block remove {s.block.id}"
            for s in self._schedule.skipped
        ]

    def reconcile(self) -> None:
        """Compute the mode from the clock, release what may flow, plan the next wake-up.

        Safe to call at any time and any number of times.
        """
        now = self._clock.now()
        override = self._override()
        state = resolve_state(self._schedule, override, now)
        previous = self._state
        self._state = state
        self._restore_budget(state)
        if state.mode in FLOWING:
            if self._flowing_since is None:
                self._flowing_since = now
            self._release_due(now)
        else:
            self._flowing_since = None
            self._held_in = state.mode
            self._retry_failed_breakthroughs(now)
        self._maybe_heads_up(now, state)
        self._maybe_review_reminder(now)
        self._announce_returns(now)
        if self.calendar_refresh_due is not None:
            self.calendar_refresh_due(now)
        self._plan_wakeup(now, state)
        self._maybe_compact(now)
        if previous != state:
            log.info("mode %s (%s) until %s", state.mode, state.source, state.until)
            self.state_changed.emit()

    def _override(self) -> Override | None:
        """The override in force; an expired one is cleared (and logged as ended) here.

        Kept in memory: only the engine sets or clears it, so the store is read once, at
        start, instead of on every batch of notifications.
        """
        override = self._current_override
        if override is not None and override.until <= self._clock.now():
            self._store.clear_override(override.until)
            self._current_override = None
            return None
        return override

    def _plan_wakeup(self, now: datetime, state: ModeState) -> None:
        candidates = [next_wake(self._schedule, self._override(), now)]
        candidates.append(self._retry_at)
        candidates.append(self._heads_up_at(state))
        candidates.append(self._store.next_release_after(now))
        candidates.append(self._next_review_at(now))
        candidates.append(self._next_return)
        if self.calendar_refresh_at is not None:
            candidates.append(self.calendar_refresh_at())
        future = [t for t in candidates if t is not None and t > now]
        self._wakeup.wake_at_time(min(future) if future else None)

    # ----------------------------------------------------------------- overrides

    def start_override(self, mode: Mode, duration: timedelta, reason: str = "") -> Override:
        """Focus now / available now / pause, for ``duration``; every override ends."""
        now = self._clock.now()
        return self.override_until(mode, now + duration, reason)

    def override_until(self, mode: Mode, until: datetime, reason: str = "") -> Override:
        now = self._clock.now()
        override = Override(mode=mode, starts=now, until=until, reason=reason)
        self._store.set_override(override)
        self._current_override = override
        self.reconcile()
        return override

    def resume_schedule(self) -> None:
        """Back to the schedule: end the current override now."""
        self._store.clear_override(self._clock.now())
        self._current_override = None
        self.reconcile()

    # ----------------------------------------------------------------- notifications

    def ingest(self, notification: Notification) -> Ingested:
        """Decide one notification, store it durably, deliver it if the gate says so."""
        return self.ingest_many([notification])[0]

    def ingest_many(
        self,
        notifications: Sequence[Notification],
        keys: Sequence[str | None] | None = None,
        *,
        _retried: bool = False,
    ) -> list[Ingested]:
        """Decide a batch; every held item is committed before this returns (one transaction).

        The app's own name as a source is reserved: another program sending as "Focus &
        Boundaries" is relabelled, so it cannot borrow the rule that lets the app's
        heads-up through.

        Args:
            notifications: The new notifications.
            keys: Each one's idempotency key (or ``None``), parallel to ``notifications``.
                A key seen before (the sender retried after a crash, or sent it twice in
                one batch) is not stored again: it is answered with the first decision.
        """
        key_list = list(keys) if keys is not None else [None] * len(notifications)
        known = self._store.sent_before(k for k in key_list if k is not None)
        fresh: list[Notification] = []
        fresh_keys: list[str | None] = []
        first_in_batch: dict[str, int] = {}
        for n, key in zip(notifications, key_list, strict=True):
            if key is None or (key not in known and key not in first_in_batch):
                if key is not None:
                    first_in_batch[key] = len(fresh)
                fresh.append(n)
                fresh_keys.append(key)
        try:
            decided = (
                self._decide_and_record(
                    _from_outside(fresh), already_stored=False, keys=fresh_keys
                )
                if fresh
                else []
            )
        except sqlite3.IntegrityError:
            if keys is None:
                raise
            # The command line queued one of these keys between our look-up and our
            # commit (it gave up waiting for us). Nothing was stored: look again.
            return self.ingest_many(notifications, None if _retried else keys, _retried=True)
        results: list[Ingested] = []
        taken = iter(decided)
        answered: set[str] = set()
        for n, key in zip(notifications, key_list, strict=True):
            if key is not None and key in known:
                results.append(_repeat(n, known[key]))
            elif key is not None and key in answered:
                results.append(decided[first_in_batch[key]])
            else:
                results.append(next(taken))
                if key is not None:
                    answered.add(key)
        return results

    def _context(self, now: datetime) -> GateContext:
        state = self.state()
        override = self._override()
        return GateContext(
            state=state,
            release_at=next_release_at(self._schedule, override, now),
            next_window_at=next_window_after(self._schedule, override, now),
            week_start=self._week_start(now),
        )

    def _week_start(self, now: datetime) -> datetime:
        """The start of the local week containing ``now``, the gate's weekly counter seeded.

        The week's breakthroughs are counted in the store once: at the first batch after
        the start and when a new week (or zone) begins; the gate adds each one it lets
        through. So the weekly allowance survives a restart, agrees with the tray's
        meter (the same count), and costs two comparisons per batch, not a query.
        """
        week = self._week
        if week is None or not week.start <= now < week.end:
            local = week_of(now, self._tz)
            week = self._week = Span(local.start.astimezone(UTC), local.end.astimezone(UTC))
            self._gate.restore_week(
                week.start, self._store.breakthroughs_between(week.start, week.end)
            )
        return week.start

    def _decide_and_record(
        self,
        notifications: Sequence[Notification],
        *,
        already_stored: bool,
        keys: Sequence[str | None] | None = None,
    ) -> list[Ingested]:
        now = self._clock.now()
        ctx = self._context(now)
        self._restore_budget(ctx.state)
        decisions = [(n, self._gate.decide(n, ctx, now)) for n in notifications]
        mode = ctx.state.mode
        if already_stored:
            for n, d in decisions:
                assert n.id is not None
                self._store.decide_queued(n.id, d, mode, decided_at=now)
            ids: list[int | None] = [n.id for n, _ in decisions]
        else:
            ids = [*self._store.record_many([(n, d, mode) for n, d in decisions], keys=keys)]
        self._save_budget(ctx.state, [d for _, d in decisions], now)
        if any(d.outcome is Outcome.DELIVERED for _, d in decisions):
            self._older_first(now, ctx.state)
        results = []
        for nid, (n, d) in zip(ids, decisions, strict=True):
            assert nid is not None
            stored = replace(n, id=nid)
            if d.outcome is Outcome.DELIVERED and n.origin != "caught":
                # A caught notification is already at the server: it shows it by itself,
                # or the desktop gate shows it again past do-not-disturb.
                d = self._deliver(stored, d)
            results.append(Ingested(nid, stored, d))
            self.decided.emit(results[-1])
        newly_held = sum(r.decision.outcome is Outcome.HELD for r in results)
        if newly_held:
            # Counted, not queried: this runs for every batch of sends.
            self._held_count += newly_held
            self.held_changed.emit(self._held_count)
            self._plan_wakeup(now, ctx.state)
        return results

    def _older_first(self, now: datetime, state: ModeState) -> None:
        """Before a new item is shown, show older held items that are already due.

        Held items go out oldest first: a delivery failed earlier (server gone) left
        items waiting for a retry; a new one must not overtake them. If they still
        cannot be shown, the new one fails the same way and joins them.
        """
        if self._retry_at is None:
            return  # nothing failed: everything due was released on the last reconcile
        if state.mode in FLOWING:
            self._release_due(now)
        else:
            self._retry_failed_breakthroughs(now, force=True)

    def _deliver(self, n: Notification, decision: Decision) -> Decision:
        assert n.id is not None
        result = self._notifier.notify(
            n.title, _body_with_sender(n), urgency=n.urgency, actions=()
        )
        if result.ok:
            self._track(result, [n.id])
            return decision
        # Nothing is lost: the item goes back to held and out with the next digest.
        self._store.put_back([n.id], result.error, refused=result.refused)
        self.problem.emit(f"Could not show a notification: {result.error}")
        if not result.refused:
            self._retry_at = self._clock.now() + RETRY_DELIVERY_AFTER
        return replace(
            decision,
            outcome=Outcome.HELD,
            reason=f"held: delivery failed ({result.error}); kept for the next digest",
            release_at=None if result.refused else self._retry_at,
        )

    def release(self, ids: Sequence[int] | None = None) -> int:
        """Release held notifications now (all, or the given ids) as one digest.

        Returns how many were shown; when fewer than asked, ``last_release_problem``
        says why. Items the server refused before are left out of "release all" (they
        would fail again) but are tried again when named by id.
        """
        items = self._store.held()
        if ids is not None:
            wanted = set(ids)
            items = [item for item in items if item.notification.id in wanted]
        else:
            items = [item for item in items if not item.refused]
        self._last_release_problem = ""
        return self._send_digest(items)

    @property
    def last_release_problem(self) -> str:
        """Why the last ``release`` did not show everything it was asked to ("" if it did)."""
        return self._last_release_problem

    def dismiss(self, ids: Sequence[int]) -> None:
        """Drop held notifications without showing them (they stay in history)."""
        self._store.dismiss(list(ids))
        self._refresh_held()

    def _release_due(self, now: datetime) -> None:
        """Release what was held before this flowing stretch began, and what is due now.

        Items held during focus or off-time go out when notifications may flow again, even
        if that happens earlier than planned (an "available now" override); items paced or
        held by a ``hold`` rule during this stretch wait for their own ``release_at``.
        """
        flowing_since = self._flowing_since or now
        due = [
            item
            for item in self._store.held()
            if not item.refused
            and (
                # Held for a protected mode: due now that notifications flow, wherever
                # its release_at points (the clock may have been set back past it).
                (item.held_in is not None and item.held_in not in FLOWING)
                or item.notification.received_at <= flowing_since
                or item.release_at is None
                or item.release_at <= now
            )
        ]
        paced = [item for item in due if item.paced]
        if paced:
            self._send_digest(paced, paced=True)
        rest = [item for item in due if not item.paced]
        if rest:
            self._send_digest(rest)

    def _send_digest(self, items: Sequence[HeldItem], *, paced: bool = False) -> int:
        """Show held items (one digest, or one by one with ``digest = false``).

        The items are marked released *before* the notification server is asked: a
        crash or a server that answers late then counts as shown, never as shown twice.
        Only a definite failure (no bus, no server, an error reply) puts them back on
        hold for a retry. A digest the server refuses is sent again one item at a time,
        so one bad item cannot hold the others back; an item refused on its own stays
        held with the reason and is left out of later digests.

        Returns how many were shown (or handed to a server that has not answered yet).
        """
        if not items:
            return 0
        notifications = [item.notification for item in items]
        ids = [n.id for n in notifications if n.id is not None]
        now = self._clock.now()
        self._store.mark_released(ids, now)
        fault_point("during-release")
        if len(notifications) == 1 or not self._settings.digest:
            shown, error = self._one_by_one(notifications)
        else:
            digest = (
                build_paced_summary(notifications)
                if paced
                else build_digest(notifications, mode=self._held_in)
            )
            result = self._notifier.notify(
                digest.title,
                digest.body,
                urgency=Urgency.NORMAL,
                actions=((ACTION_OPEN_INBOX, "Open inbox"), (ACTION_SNOOZE, "Snooze 10 min")),
            )
            if result.ok:
                shown, error = ids, ""
                digest_id = self._store.add_digest(
                    "summary" if paced else "digest",
                    digest.title,
                    ids,
                    now,
                    server_id=result.server_id,
                )
                self._track(result, ids, digest_id=digest_id)
            elif result.refused:
                log.warning("the digest was refused (%s); showing its items one by one",
                            result.error)
                shown, error = self._one_by_one(notifications)
            else:
                self._store.put_back(ids, result.error)
                shown, error = [], result.error
        self._refresh_held()
        self._after_delivery(len(shown) < len(ids), error)
        return len(shown)

    def _one_by_one(self, notifications: Sequence[Notification]) -> tuple[list[int], str]:
        """Show each item alone (all marked released already); return the shown ids and
        the last error. A refused item is put back and marked refused; a missing server
        puts back the rest (they would fail, and wait, the same way)."""
        shown: list[int] = []
        error = ""
        for index, n in enumerate(notifications):
            assert n.id is not None
            result = self._notifier.notify(n.title, _body_with_sender(n), urgency=n.urgency)
            if result.ok:
                shown.append(n.id)
                self._track(result, [n.id])
                continue
            error = result.error
            if result.refused:
                self._store.put_back([n.id], result.error, refused=True)
                continue
            rest = [m.id for m in notifications[index:] if m.id is not None]
            self._store.put_back(rest, result.error)
            break
        return shown, error

    def _after_delivery(self, failed: bool, error: str) -> None:
        if failed:
            self._last_release_problem = error
            retry = any(
                item.delivery_error and not item.refused for item in self._store.held()
            )
            self._retry_at = self._clock.now() + RETRY_DELIVERY_AFTER if retry else None
            self.problem.emit(f"Could not show held notifications: {error}; will retry")
            log.warning("delivery of held notifications failed: %s", error)
        else:
            self._retry_at = None

    def _track(
        self, result: DeliveryResult, ids: list[int], *, digest_id: int | None = None
    ) -> None:
        """Remember what a notification stands for: for its late answer, and for Snooze.

        ``digest_id`` is the stored digest (``Store.add_digest``) when it is one.
        """
        if result.token:
            self._in_flight[result.token] = (ids, digest_id)
            while len(self._in_flight) > _IN_FLIGHT_REMEMBERED:
                del self._in_flight[next(iter(self._in_flight))]
        elif digest_id is not None:
            self._remember_digest(result.server_id, ids)

    def on_delivery_report(self, report: DeliveryReport) -> None:
        """A slow notification server answered at last (``NotifierBridge.delivery_reported``).

        An id makes a digest's "Snooze" work; an error is a definite failure: its items
        go back on hold (a refused digest is sent again one item at a time).
        """
        entry = self._in_flight.pop(report.token, None)
        if entry is None:
            return
        ids, digest_id = entry
        result = report.result
        if result.ok:
            if digest_id is not None:
                self._remember_digest(result.server_id, ids)
                self._store.set_digest_server_id(digest_id, result.server_id)
            return
        log.warning("the notification server refused late: %s", result.error)
        if digest_id is not None:
            self._store.forget_digest(digest_id)
        if result.refused and len(ids) > 1:
            self._store.put_back(ids, result.error)
            wanted = set(ids)
            items = [i for i in self._store.held() if i.notification.id in wanted]
            self._send_digest_items_alone(items)
            return
        self._store.put_back(ids, result.error, refused=result.refused)
        self._refresh_held()
        self._after_delivery(True, result.error)
        self._plan_wakeup(self._clock.now(), self.state())

    def _send_digest_items_alone(self, items: Sequence[HeldItem]) -> None:
        ids = [item.notification.id for item in items if item.notification.id is not None]
        self._store.mark_released(ids, self._clock.now())
        shown, error = self._one_by_one([item.notification for item in items])
        self._refresh_held()
        self._after_delivery(len(shown) < len(ids), error)

    def on_notification_server_appeared(self) -> None:
        """A notification server (re)appeared on the bus: retry failed deliveries now,
        instead of ``RETRY_DELIVERY_AFTER`` later (a failed critical one waits no longer)."""
        if self._retry_at is not None:
            self._retry_at = self._clock.now()
            self.reconcile()

    def _remember_digest(self, server_id: int, ids: list[int]) -> None:
        """Which items a digest showed, for its "Snooze" action (the last few digests)."""
        if server_id:
            self._shown_in_digest[server_id] = ids
            while len(self._shown_in_digest) > _DIGESTS_REMEMBERED:
                del self._shown_in_digest[next(iter(self._shown_in_digest))]

    def _retry_failed_breakthroughs(self, now: datetime, *, force: bool = False) -> None:
        """Outside flowing modes, retry items whose delivery failed when the gate let them
        through (a critical one during focus must not wait for the next window)."""
        if self._retry_at is None or (now < self._retry_at and not force):
            return
        failed = [
            item for item in self._store.held() if item.delivery_error and not item.refused
        ]
        if failed:
            self._send_digest(failed)
        else:
            self._retry_at = None

    def _refresh_held(self) -> None:
        count = self._store.held_count()
        if count != self._held_count:
            self._held_count = count
            self.held_changed.emit(count)

    def on_notification_action(self, action: str, server_id: int = 0) -> None:
        """A notification action was clicked (open inbox, snooze).

        "Open inbox" on a digest or pacing summary opens exactly its items (the digest is
        stored, so this works after a restart too): ``digest_opened`` is emitted with its
        id. On anything else it is passed on as ``action_invoked`` (the inbox page).

        "Snooze 10 min" on a digest means: quiet for ten minutes, then show me these
        again. A ten-minute focus override holds what arrives meanwhile, and the digest's
        items go back on hold, so both come back together when the override ends.

        Snoozing never shortens a protected stretch: when focus or off-time already holds
        for at least ten more minutes (a 25-minute "focus now", a scheduled block), no
        override is set and the items wait for that stretch to end instead.
        """
        if action == ACTION_OPEN_INBOX and server_id:
            digest = self._store.digest_for_server_id(server_id)
            if digest is not None:
                self.digest_opened.emit(digest.id)
                return
        if action == ACTION_SNOOZE:
            now = self._clock.now()
            release = next_release_at(self._schedule, self._override(), now)
            if self.state().mode in FLOWING or (release is not None and release < now + SNOOZE):
                release = self.start_override(Mode.FOCUS, SNOOZE, reason="Snoozed").until
            ids = self._shown_in_digest.pop(server_id, [])
            if ids:
                release_at = release if release is not None else now + SNOOZE
                until = f"{release_at.astimezone(self._tz):%H:%M}"
                self._store.hold_again(ids, release_at, f"snoozed until {until}")
                self._refresh_held()
                self.reconcile()
        self.action_invoked.emit(action)

    # ----------------------------------------------------------------- heads-up

    def _heads_up_at(self, state: ModeState) -> datetime | None:
        minutes = self._settings.heads_up_minutes
        if minutes <= 0 or state.mode is not Mode.FOCUS or state.until is None:
            return None
        if self._heads_up_sent_for == state.period_key:
            return None
        return state.until - timedelta(minutes=minutes)

    def _maybe_heads_up(self, now: datetime, state: ModeState) -> None:
        at = self._heads_up_at(state)
        if at is None or now < at or state.until is None or now >= state.until:
            return
        self._heads_up_sent_for = state.period_key
        left = max(1, round((state.until - now).total_seconds() / 60))
        self._decide_and_record(
            [
            Notification(
                title=f"Focus ends in {left} min",
                body=f"'{state.label}' ends at {state.until.astimezone(self._tz):%H:%M}.",
                source=DISPLAY_NAME,
                sender=DISPLAY_NAME,
                urgency=Urgency.LOW,
                time_sensitive=True,
                received_at=now,
            )
            ],
            already_stored=False,
        )

    # ----------------------------------------------------------------- review reminder

    def _review_at(self, week_of: date) -> datetime | None:
        """The reminder instant in the local week of ``week_of`` (None when it is off)."""
        settings = self._settings
        if not settings.review_reminder:
            return None
        monday = week_of - timedelta(days=week_of.weekday())
        day = monday + timedelta(days=WEEKDAY_NAMES.index(settings.review_day))
        hour, minute = (int(part) for part in settings.review_time.split(":"))
        # A time skipped by daylight saving reads with the offset before the gap, i.e.
        # it moves forward by the gap (RFC 5545, like blocks).
        return datetime.combine(day, time(hour, minute), tzinfo=self._tz)

    def _last_review_at(self, now: datetime) -> datetime | None:
        """The latest reminder instant at or before ``now``."""
        today = now.astimezone(self._tz).date()
        for week in (today, today - timedelta(days=7)):
            at = self._review_at(week)
            if at is not None and at <= now:
                return at
        return None

    def _next_review_at(self, now: datetime) -> datetime | None:
        """The next reminder instant after ``now`` (a wake-up candidate, no timer of its own)."""
        today = now.astimezone(self._tz).date()
        for week in (today, today + timedelta(days=7)):
            at = self._review_at(week)
            if at is not None and at > now:
                return at
        return None

    def _maybe_review_reminder(self, now: datetime) -> None:
        at = self._last_review_at(now)
        if at is None or at == self._review_shown_for or now - at > REVIEW_REMINDER_GRACE:
            return
        self._review_shown_for = at
        result = self._notifier.notify(
            "Weekly review",
            "Your week in pictures: focus kept, who broke through, and suggested changes.",
            urgency=Urgency.LOW,
            actions=((ACTION_OPEN_REVIEW, "Open review"),),
        )
        if not result.ok:
            log.warning("the weekly review reminder was not shown: %s", result.error)

    # ----------------------------------------------------------------- suggestions

    def apply_suggestion(self, suggestion: Suggestion) -> None:
        """Carry out a suggestion from the weekly review (one engine call).

        ``SHOW_BLOCK`` changes nothing here: moving a block is the user's choice, the
        Review page opens the calendar for it.

        Raises:
            ValueError: The suggestion is incomplete (a bug) or its setting is unknown.
        """
        change = suggestion.apply
        if change.kind is ApplyKind.ADD_RULE and change.rule is not None:
            self.add_rule(change.rule, position=0)
        elif change.kind is ApplyKind.SET_PROGRAM_CHOICE and change.choice is not None:
            self.set_program_choice(change.program, change.choice)
        elif change.kind is ApplyKind.UPDATE_SETTING and change.setting in _SETTING_NAMES:
            changes: dict[str, Any] = {change.setting: change.value}
            self.update_settings(replace(self._settings, **changes))
        elif change.kind is not ApplyKind.SHOW_BLOCK:
            raise ValueError(f"cannot apply suggestion {suggestion.key!r}: {change}")

    def dismiss_suggestion(self, key: str) -> None:
        """The user dismissed a suggestion: it does not come back for that rule."""
        self._store.dismiss_suggestion(key, self._clock.now())

    def dismissed_suggestions(self) -> frozenset[str]:
        return self._store.dismissed_suggestions()

    # ----------------------------------------------------------------- blocks

    def blocks(self) -> list[Block]:
        return self._store.list_blocks()

    def add_block(self, block: Block) -> Block:
        stored = self._store.add_block(block)
        self._blocks_edited()
        return stored

    def add_blocks(
        self, blocks: Sequence[Block], *, rebuild: bool = True, schedule: Schedule | None = None
    ) -> list[Block]:
        """Add many blocks (a calendar import) in one transaction, rebuilding once.

        Adding 2,000 blocks one by one rebuilt the schedule 2,000 times and held the
        engine for over a minute; this takes one commit and one rebuild.

        Args:
            blocks: The blocks to store (none: only rebuild, when ``rebuild``).
            rebuild: Rebuild the schedule now. A long import stores its chunks with
                ``False``, one event-loop turn each, then calls ``add_blocks([])``: the
                rebuild gets a turn of its own, so no turn holds the engine for long.
            schedule: The schedule of every stored block, already built (off the GUI
                thread: reading 2,000 blocks back and building took ~60 ms of one turn).
                The caller vouches that no block changed since the schedule it was built
                from (``schedule()`` is still that object); it is used instead of a rebuild.
        """
        stored = self._store.add_blocks(blocks) if blocks else []
        if schedule is not None:
            self._schedule = schedule
            self.blocks_changed.emit()
            self.reconcile()
        elif rebuild:
            self._blocks_edited()
        return stored

    def import_blocks(
        self,
        new: Sequence[Block],
        updated: Sequence[Block],
        removed: Sequence[int] = (),
        *,
        rebuild: bool = True,
    ) -> list[Block]:
        """Apply a calendar import (see ``focus_app.calendars.plan_import``): new blocks,
        blocks updated in place by id and stale ones removed, in one transaction and one
        schedule rebuild. Returns the new blocks with their ids.

        Args:
            rebuild: Rebuild the schedule now; ``False`` when the caller builds it off the
                GUI thread and hands it over with ``add_blocks([], schedule=...)``.
        """
        if not (new or updated or removed):
            return []
        stored = self._store.import_blocks(new, updated, removed)
        if rebuild:
            self._blocks_edited()
        return stored

    def update_block(self, block: Block) -> Block:
        self._store.update_block(block)
        self._blocks_edited()
        return block

    def remove_block(self, block_id: int) -> bool:
        removed = self._store.remove_block(block_id)
        if removed:
            self._blocks_edited()
        return removed

    def override(self) -> Override | None:
        return self._override()

    def schedule(self) -> Schedule:
        return self._schedule

    def _build_schedule(self) -> Schedule:
        return Schedule(
            self._store.list_blocks(), default_mode=self._settings.default_mode, tz=self._tz
        )

    def _blocks_edited(self) -> None:
        self._schedule = self._build_schedule()
        self.blocks_changed.emit()
        self.reconcile()

    # ----------------------------------------------------------------- rules & settings

    def rules(self) -> list[Rule]:
        return self._store.list_rules()

    def add_rule(self, rule: Rule, position: int | None = None) -> Rule:
        stored = self._store.add_rule(rule, position)
        self._rules_edited()
        return stored

    def update_rule(self, rule: Rule) -> None:
        self._store.update_rule(rule)
        self._rules_edited()

    def remove_rule(self, rule_id: int) -> bool:
        removed = self._store.remove_rule(rule_id)
        if removed:
            self._rules_edited()
        return removed

    def move_rule(self, rule_id: int, position: int) -> None:
        self._store.move_rule(rule_id, position)
        self._rules_edited()

    def _gate_rules(self) -> list[Rule]:
        """The user's rules, then the Programs list's choices, then the app's own heads-up.

        The user's rules come first, so "Alice on Slack → allow" still wins over "Slack:
        always hold". The app's notifications go through the same gate as everyone
        else's; its heads-up rule comes last, so a user rule can still hold or mute them.
        """
        programs = program_rules(self._store.chosen_programs())
        return [*self._store.list_rules(), *programs, _OWN_HEADS_UP]

    def _rules_edited(self) -> None:
        self._gate = self._gate.with_config(self._gate_rules(), self._settings.gate_settings())
        self.rules_changed.emit()

    def update_settings(self, settings: Settings) -> None:
        """Replace the settings, save them, and apply them at once."""
        if self._settings_path is not None:
            self._keep_hand_edits(self._settings_path)
            save_settings(self._settings_path, settings)  # first: a failed save changes nothing
        self._settings = settings
        self._tz = settings.tzinfo()
        self._week = None  # the zone may have changed, and with it Monday 00:00
        # A reminder moved to a time already past this week waits for next week.
        self._review_shown_for = self._last_review_at(self._clock.now())
        self._gate = self._gate.with_config(self._gate_rules(), settings.gate_settings())
        self._schedule = self._build_schedule()
        self.settings_changed.emit()
        self.reconcile()

    def _keep_hand_edits(self, path: Path) -> None:
        """Copy the settings file aside if it holds anything we did not write ourselves.

        Saving regenerates the whole file from the settings in use; a file edited by hand
        since the start (or one that did not parse) would otherwise be lost silently.
        """
        try:
            on_disk = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError):
            on_disk = None
        if on_disk == render_settings(self._settings):
            return
        backup = path.with_name(f"{path.name}.before-{self._clock.now():%Y%m%d-%H%M%S}")
        shutil.copy2(path, backup)
        self.problem.emit(f"{path.name} had changes of its own; a copy is kept in {backup}")

    # ----------------------------------------------------------------- boundaries (issue 11)

    requests_changed = Signal()
    """A request was added or triaged, or the referral directory changed."""

    def ask(
        self,
        what: str,
        who: str,
        estimate: timedelta,
        *,
        due: date | None = None,
        origin: RequestOrigin = RequestOrigin.WINDOW,
        notification_id: int | None = None,
    ) -> Request:
        """Record a request for the person's time (open, waiting for triage).

        Raises:
            ValueError: A field cannot be right (empty, too long, bad estimate, no such
                notification): one line.
        """
        problem = typed_problem(what, who)
        if (
            problem is None
            and notification_id is not None
            and self._store.get_notification(notification_id) is None
        ):
            problem = (
                f"no notification #{notification_id}: see 'focus-app held' or 'focus-app history'"
            )
        if problem is not None:
            raise ValueError(problem)
        request = Request(
            what.strip(), who.strip(), estimate, self._clock.now(), due, origin, notification_id
        )
        stored = self._store.add_request(request)
        self.requests_changed.emit()
        return stored

    def requests(self, statuses: Sequence[RequestStatus] = ()) -> list[Request]:
        """Requests, newest first (all, or those with these statuses)."""
        return self._store.list_requests(statuses)

    def request(self, request_id: int) -> Request:
        """The request with this id.

        Raises:
            LookupError: There is none (the message says where to look).
        """
        found = self._store.get_request(request_id)
        if found is None:
            raise LookupError(f"no request #{request_id}: see 'focus-app request list'")
        return found

    def accept_request(
        self, request_id: int, *, instead: int | None = None, force: bool = False
    ) -> Request:
        """Book a request into the next availability window with room.

        Args:
            instead: An accepted commitment that makes room; it is deferred to the Monday
                after the booked week.
            force: Accept past the week's budget anyway.

        Raises:
            LookupError: No such request.
            boundaries.BoundaryError: No window has room within eight weeks.
            boundaries.OverBudgetError: Past the budget, and neither ``instead`` nor
                ``force`` says what gives (the error lists the week's commitments).
        """
        request = self.request(request_id)
        now = self._clock.now()
        slot, making_room = boundaries.plan_accept(
            self._store, self._settings, self._schedule, request, now,
            instead=instead, force=force,
        )
        if making_room is not None and making_room.id is not None:
            next_monday = boundaries.week_budget(
                self._store, self._settings, slot.start, self._tz
            ).week.end.date()
            self._store.decide_request(
                making_room.id, RequestStatus.DEFERRED, now, defer_until=next_monday
            )
        accepted = self._store.decide_request(
            request_id, RequestStatus.ACCEPTED, now, booked=(slot.start, slot.end)
        )
        self.requests_changed.emit()
        return accepted

    def defer_request(self, request_id: int, until: date) -> Request:
        """Put a request aside until ``until`` (it comes back for triage then)."""
        self.request(request_id)
        if until <= self._clock.now().astimezone(self._tz).date():
            raise boundaries.BoundaryError(
                f"defer to a day after today, not {until}: e.g. --until tomorrow"
            )
        done = self._store.decide_request(
            request_id, RequestStatus.DEFERRED, self._clock.now(), defer_until=until
        )
        self.requests_changed.emit()
        return done

    def decline_request(self, request_id: int) -> Request:
        """Decline a request (the reply says no kindly)."""
        self.request(request_id)
        done = self._store.decide_request(request_id, RequestStatus.DECLINED, self._clock.now())
        self.requests_changed.emit()
        return done

    def refer_request(self, request_id: int, name: str) -> tuple[Request, str | None]:
        """Refer a request to someone in the directory.

        Returns:
            The request, and a gentle warning when that person was referred often lately.

        Raises:
            LookupError: No such request, or no one by that name in the directory.
        """
        self.request(request_id)
        now = self._clock.now()
        contact, warning = boundaries.refer(self._store, self._settings, name, now)
        done = self._store.decide_request(
            request_id, RequestStatus.REFERRED, now, referral_id=contact.id
        )
        self.requests_changed.emit()
        return done, warning

    def reply_for(
        self, request: Request, tone: Tone = Tone.WARM, outcome: TriageOutcome | None = None
    ) -> str:
        """The reply the person can send for ``request`` (or a preview for ``outcome``)."""
        return boundaries.reply_for(
            self._store, self._schedule, request, self._clock.now(), tone, outcome,
            self._contact_schedules,
        )

    def reply_templates(self) -> dict[TriageOutcome, dict[Tone, str]]:
        """The person's own reply templates; an outcome and tone not in it uses the default."""
        return self._store.reply_templates()

    def set_reply_template(self, outcome: TriageOutcome, tone: Tone, text: str) -> None:
        """Keep a reply template (the default's text removes the person's own).

        Raises:
            ValueError: The template cannot be used: one line saying why.
        """
        boundaries.set_reply_template(self._store, outcome, tone, text)

    def reset_reply_template(self, outcome: TriageOutcome, tone: Tone) -> None:
        """Go back to the default reply for ``outcome`` in ``tone``.

        No signal: every reply is rendered when it is shown, from the stored templates.
        """
        self._store.reset_reply_template(outcome, tone)

    def commitments(self, since: datetime, until: datetime) -> list[Request]:
        """Accepted requests booked into ``[since, until)`` (for the week view)."""
        return self._store.commitments_between(since, until)

    def week_budget(self, at: datetime | None = None) -> WeekBudget:
        """This week's budget (or the week of ``at``): hours committed, breakthroughs."""
        at = at if at is not None else self._clock.now()
        return boundaries.week_budget(self._store, self._settings, at, self._tz)

    def referrals(self) -> list[boundaries.DirectoryEntry]:
        """The referral directory, with recent referrals and next availability per person."""
        return boundaries.directory(
            self._store, self._settings, self._clock.now(),
            self._contact_schedules, self._contact_problems, self._availability,
        )

    def add_referral(self, contact: Contact) -> Contact:
        """Add someone to the referral directory.

        Raises:
            ValueError: A field holds a control character (one line).
            StoreError: Someone of that name is in the directory already.
        """
        problem = contact_typed_problem(contact)
        if problem is not None:
            raise ValueError(problem)
        added = self._store.add_referral(contact)
        self.requests_changed.emit()
        if added.calendar:
            self.reconcile()  # a followed calendar is due at once: its first read starts
        return added

    def update_referral(self, contact: Contact) -> Contact:
        """Change a directory entry (by its id), its published calendar included.

        Raises:
            LookupError: No entry has that id.
            StoreError: Another entry has the new name.
            ValueError: A field holds a control character (one line).
        """
        problem = contact_typed_problem(contact)
        if problem is not None:
            raise ValueError(problem)
        updated = self._store.update_referral(contact)
        self.requests_changed.emit()
        if updated.calendar:
            self.reconcile()
        return updated

    def set_contact_availability(
        self, contact_id: int, schedule: Schedule | None, problem: str = "", *,
        keep: bool = False,
    ) -> None:
        """What a contact's published calendar says (set by the calendar refresh).

        Args:
            contact_id: The directory entry.
            schedule: Their availability schedule; ``None`` forgets it.
            problem: Why their calendar could not be read last time ("" when it could).
            keep: Keep the schedule known so far (a failed read says nothing new).
        """
        if not keep:
            self._availability.forget(contact_id)
            if schedule is None:
                self._contact_schedules.pop(contact_id, None)
            else:
                self._contact_schedules[contact_id] = schedule
        if problem:
            self._contact_problems[contact_id] = problem
        else:
            self._contact_problems.pop(contact_id, None)
        self.requests_changed.emit()

    def remove_referral(self, name: str) -> bool:
        removed = self._store.remove_referral(name)
        if removed:
            self.requests_changed.emit()
        return removed

    def status_text(self) -> str:
        """One friendly line for auto-replies: the mode, when messages are read."""
        return boundaries.status_text(
            self._settings, self._schedule, self.state(), self._clock.now()
        )

    def _requests_edited(self) -> None:
        """A request was deferred (or no longer is): wake up when the next one returns."""
        now = self._clock.now()
        _, self._next_return = boundaries.due_returns(self._store, self._schedule, now)
        if self._state is not None:
            self._plan_wakeup(now, self._state)

    def _announce_returns(self, now: datetime) -> None:
        """Deferred requests whose day has come are back: say so once, through the gate.

        The notification is the app's own, not time-sensitive, so a focus block or a
        manual focus holds it for the digest like anything else; it is announced at the
        first availability window of the day (:func:`boundaries.return_at`).
        """
        due, self._next_return = boundaries.due_returns(self._store, self._schedule, now)
        if not due:
            return
        self._store.mark_returns_announced(due, now)
        title, body = boundaries.returns_text(due)
        self._decide_and_record(
            [
                Notification(
                    title=title,
                    body=body,
                    source=DISPLAY_NAME,
                    sender=DISPLAY_NAME,
                    urgency=Urgency.NORMAL,
                    received_at=now,
                )
            ],
            already_stored=False,
        )
        self.requests_changed.emit()

    def _restore_budget(self, state: ModeState) -> None:
        """Hand the gate what this focus period already spent before a restart."""
        if state.mode is Mode.FOCUS:
            key = budget_key(state)
            if key != self._budget_restored_for:
                self._budget_restored_for = key
                self._gate.restore_breakthroughs(key, self._store.breakthroughs_spent(key))

    def _save_budget(self, state: ModeState, decisions: Sequence[Decision], now: datetime) -> None:
        """Persist the focus period's spent budget after breakthroughs went through."""
        if state.mode is Mode.FOCUS and any(d.breakthrough for d in decisions):
            key = budget_key(state)
            self._store.save_breakthroughs_spent(key, self._gate.breakthroughs_used(key), now)

    # ----------------------------------------------------------------- misc

    def request_raise(self) -> None:
        self.raise_requested.emit()

    def add_feedback(self, notification_id: int, verdict: str) -> None:
        self._store.add_feedback(notification_id, verdict, self._clock.now())

    @property
    def store(self) -> Store:
        return self._store

    # ----------------------------------------------------------------- programs

    programs_changed = Signal()
    """A program was seen, or its choice or sender rule changed (the Programs list)."""

    def programs(self) -> list[Program]:
        """Every program that sent notifications, with its count since Monday 00:00."""
        return self._store.list_programs(week_start(self._clock.now(), self._tz))

    def program(self, key: str) -> Program | None:
        """One program by key (without a count), or ``None`` if it never sent anything."""
        return self._store.get_program(key)

    def note_program_seen(
        self, key: str, display_name: str, icon: str = "", at: datetime | None = None
    ) -> Program:
        """Record that a program sent a notification (call before ingesting it).

        A renamed program whose choice is not "follow" gets its rule rebuilt, since the
        rule matches the name its notifications carry as their source.
        """
        program = self._store.note_program_seen(
            key, display_name, icon, at if at is not None else self._clock.now()
        )
        rule = program_rule(program)
        if rule is not None and rule not in self._gate.rules:
            self._programs_edited()
        self.programs_changed.emit()
        return program

    def set_program_choice(self, key: str, choice: ProgramChoice | str) -> None:
        """Follow the schedule, always let through, always hold or mute; applies at once.

        Raises:
            ValueError: Unknown choice.
            NotFoundError: No program has that key.
        """
        self._store.set_program_choice(key, choice)
        self._programs_edited()
        self.programs_changed.emit()

    def set_program_sender_rule(self, key: str, rule_value: str) -> None:
        """Where the program's notifications name the sender ("" = program default).

        Raises:
            ValueError: Unknown sender rule.
            NotFoundError: No program has that key.
        """
        self._store.set_program_sender_rule(key, rule_value)
        self.programs_changed.emit()

    def _programs_edited(self) -> None:
        self._gate = self._gate.with_config(self._gate_rules(), self._settings.gate_settings())


_OWN_HEADS_UP = Rule(
    match=RuleMatch(source=DISPLAY_NAME, time_sensitive=True),
    action=RuleAction.PRIORITY,
    name=f"{DISPLAY_NAME} heads-up",
)


def _from_outside(notifications: Sequence[Notification]) -> list[Notification]:
    """Relabel other programs' notifications that claim to come from this app."""
    return [
        replace(n, source=f"{n.source} (external)")
        if n.source.casefold() == DISPLAY_NAME.casefold()
        else n
        for n in notifications
    ]


def _repeat(n: Notification, before: SentBefore) -> Ingested:
    """The answer to a send seen before: its id and first decision, nothing stored."""
    decision = before.decision or Decision(
        outcome=Outcome.HELD,
        reason="queued: focus-app was not running when it came; decided at its start",
    )
    return Ingested(before.id, replace(n, id=before.id), decision)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t is not None else None


def _body_with_sender(n: Notification) -> str:
    """The body shown on the desktop: who it is from, then the text.

    The desktop already names this app as the notification's sender, so the app's own
    name is left out (the heads-up read "Focus & Boundaries · Focus & Boundaries: …"),
    and a sender that is also the source (a program naming itself) is said once.
    """
    parts: list[str] = []
    for part in (n.sender, n.source):
        if part and part != DISPLAY_NAME and part.casefold() not in map(str.casefold, parts):
            parts.append(part)
    who = " · ".join(parts)
    if who and n.body:
        return f"{who}: {n.body}"
    return n.body or who


__all__ = ["FLOWING", "Engine", "Ingested", "ModeSource"]
