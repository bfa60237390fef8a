"""Following calendars: the subscriptions, how their last refresh went, and the refresh
itself as long work (``focus_app.commands.Pending`` steps).

Contacts' published availability calendars (issue 11, item 7) are followed the same way,
on the same schedule of refreshes and the same worker: they are read with the same
reader, but their events never become the person's blocks; each turns into the
contact's own schedule (:func:`focus_app.core.contact_availability.contact_schedule`),
handed to the engine for the referral directory.

A CalDAV calendar that needs a log-in is followed the same way: read over CalDAV
(:func:`~focus_app.calendars.subscriptions.fetch_caldav`, its password looked up on the
worker) and planned by the same rule as a file.

Qt-free: reading and planning run in ``OffThread`` steps (network I/O never on the GUI
thread), applying the plan runs on the GUI thread through ``Engine.import_blocks`` in one
transaction. When each calendar was last looked at is kept in memory only, so a refresh
that changes nothing writes nothing; after a start every calendar is due at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from focus_app.calendars.plan import ImportPlan
from focus_app.calendars.reading import ImportOptions, import_ics
from focus_app.calendars.subscriptions import (
    FetchError,
    fetch,
    fetch_caldav,
    plan_events,
    plan_refresh,
)
from focus_app.commands import OffThread, Step
from focus_app.core.contact_availability import contact_schedule
from focus_app.core.model import Block, BlockKind
from focus_app.core.schedule import Schedule
from focus_app.core.subscriptions import RefreshStatus, Subscription, next_refresh

if TYPE_CHECKING:
    from focus_app.engine import Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Read:
    """What the worker made of one calendar: a plan, or ``None`` when it did not change."""

    plan: ImportPlan | None
    etag: str


class Following:
    """The calendars the app follows and their refresh state.

    Args:
        engine: The engine (its store holds the subscriptions; its blocks get the events).
        password_for: Looks up a followed CalDAV calendar's password (blocking: called
            on the worker); ``None`` when none is known. Without it a CalDAV calendar's
            refresh says that no password is known.
    """

    def __init__(
        self,
        engine: Engine,
        password_for: Callable[[Subscription], str | None] | None = None,
    ) -> None:
        self._engine = engine
        self._password_for = password_for
        self._started = engine.clock.now()
        self._status: dict[int, RefreshStatus] = {}
        self._etags: dict[int, str] = {}
        self._subscriptions: list[Subscription] | None = None
        self._contacts: list[Subscription] | None = None
        self._contact_status: dict[int, RefreshStatus] = {}
        self._contact_etags: dict[int, str] = {}
        self.running = False
        """A refresh is under way (a second one is refused, the scheduled one waits)."""
        engine.requests_changed.connect(self._forget_contacts)

    def subscriptions(self) -> list[Subscription]:
        """Every followed calendar (read from the store once, then kept)."""
        if self._subscriptions is None:
            self._subscriptions = self._engine.store.list_subscriptions()
        return list(self._subscriptions)

    def add(self, subscription: Subscription) -> Subscription:
        """Follow a calendar (due for a refresh at once)."""
        stored = self._engine.store.add_subscription(subscription, self._engine.clock.now())
        self._subscriptions = None
        self._engine.reconcile()  # plans the wake-up for its first refresh
        return stored

    def remove(self, subscription_id: int) -> int | None:
        """Stop following a calendar; its blocks go too. ``None``: there was none."""
        removed = self._engine.store.remove_subscription(subscription_id)
        if removed is None:
            return None
        self._subscriptions = None
        self._status.pop(subscription_id, None)
        self._etags.pop(subscription_id, None)
        self._engine.add_blocks([])  # rebuild the schedule without its blocks
        return removed

    def due_now(self, subscription_id: int) -> None:
        """Make a calendar due at once (its password was just given: a failed refresh
        is retried now, not after its back-off)."""
        self._status.pop(subscription_id, None)
        self._etags.pop(subscription_id, None)
        self._engine.reconcile()  # re-plans the wake-up

    def status(self, subscription_id: int) -> RefreshStatus | None:
        """How its last refresh went, or ``None`` when none ran since the start."""
        return self._status.get(subscription_id)

    def next_refresh_at(self) -> datetime | None:
        """The next instant a calendar is due: a candidate for the engine's one wake-up."""
        times = [next_refresh(s, self._status.get(s.id or 0), self._started)
                 for s in self.subscriptions()]
        times += [next_refresh(c, self._contact_status.get(c.id or 0), self._started)
                  for c in self.contact_calendars()]
        return min(times, default=None)

    # ----------------------------------------------------------------- contacts

    def contact_calendars(self) -> list[Subscription]:
        """Contacts' published calendars, as subscriptions whose id is the contact's."""
        if self._contacts is None:
            self._contacts = [
                Subscription(source=c.calendar, busy_kind=BlockKind.OFF, name=c.name, id=c.id)
                for c in self._engine.store.list_referrals()
                if c.calendar and c.id is not None
            ]
        return list(self._contacts)

    def _forget_contacts(self) -> None:
        """The directory may have changed: read the contacts' calendars again when asked;
        a calendar gone or changed drops its status (a new one is due at once)."""
        self._contacts = None
        current = {c.id: c.source for c in self.contact_calendars()}
        for contact_id in list(self._contact_status):
            if contact_id not in current:
                self._contact_status.pop(contact_id, None)
                self._contact_etags.pop(contact_id, None)
                self._engine.set_contact_availability(contact_id, None)

    def contact_status(self, contact_id: int) -> RefreshStatus | None:
        """How the last read of a contact's calendar went (``None``: not read yet)."""
        return self._contact_status.get(contact_id)

    def due_contacts(self, now: datetime) -> list[int]:
        """The ids of the contacts whose calendars are due at ``now``."""
        return [
            c.id
            for c in self.contact_calendars()
            if c.id is not None
            and next_refresh(c, self._contact_status.get(c.id), self._started) <= now
        ]

    def _read_contact(self, calendar: Subscription) -> Generator[Step, Any, None]:
        assert calendar.id is not None
        contact_id = calendar.id
        tz = self._engine.tz
        etag = self._contact_etags.get(contact_id, "")
        before = self._contact_status.get(contact_id)

        def read() -> tuple[Schedule | None, str]:  # the worker thread: its own data only
            fetched = fetch(calendar.source, etag)
            if fetched.text is None:
                return None, fetched.etag
            try:
                result = import_ics(fetched.text, tz, ImportOptions(kind=BlockKind.OFF))
            except ValueError as exc:
                raise FetchError(f"{calendar.label}'s calendar: {exc}") from None
            return contact_schedule(result.blocks, tz), fetched.etag

        try:
            schedule, new_etag = yield OffThread(read)
        except FetchError as exc:
            log.warning("calendar of %s: %s", calendar.label, exc)
            self._contact_status[contact_id] = RefreshStatus(
                checked_at=self._engine.clock.now(),
                ok_at=before.ok_at if before else None,
                error=str(exc),
                failures=(before.failures if before else 0) + 1,
            )
            self._engine.set_contact_availability(contact_id, None, str(exc), keep=True)
            return
        if calendar not in self.contact_calendars():  # removed or changed while read
            return
        now = self._engine.clock.now()
        self._contact_etags[contact_id] = new_etag
        self._contact_status[contact_id] = RefreshStatus(checked_at=now, ok_at=now)
        if schedule is not None:  # None: not modified since the last read
            self._engine.set_contact_availability(contact_id, schedule)

    def due(self, now: datetime) -> list[int]:
        """The ids of the calendars due at ``now``."""
        return [
            s.id
            for s in self.subscriptions()
            if s.id is not None and next_refresh(s, self._status.get(s.id), self._started) <= now
        ]

    def refresh_steps(
        self, ids: Sequence[int] | None = None, *, contacts: Sequence[int] = ()
    ) -> Generator[Step, Any, list[dict[str, Any]]]:
        """Refresh calendars one after another (all of them without ``ids``).

        Yields ``OffThread`` steps (read and plan on the worker); applies each plan in one
        transaction on the GUI thread. A calendar whose plan changes nothing costs no
        write. Returns one summary per calendar (see :meth:`summary`).

        Args:
            ids: The subscriptions to refresh (``None``: all of them).
            contacts: The contacts whose published calendars are read too (their ids).
        """
        self.running = True
        try:
            subs = [s for s in self.subscriptions() if ids is None or s.id in ids]
            for sub in subs:
                assert sub.id is not None
                yield from self._refresh_one(sub)
            for calendar in self.contact_calendars():
                if calendar.id in contacts:
                    yield from self._read_contact(calendar)
            return [self.summary(s) for s in subs]
        finally:
            self.running = False
            self._engine.reconcile()  # the next refresh instant moved: re-plan the wake-up

    def _refresh_one(self, sub: Subscription) -> Generator[Step, Any, None]:
        assert sub.id is not None
        existing: list[Block] = [
            b for b in self._engine.blocks() if b.source_calendar == sub.calendar
        ]
        tz = self._engine.tz
        etag = self._etags.get(sub.id, "")
        before = self._status.get(sub.id)

        def read() -> _Read:  # the worker thread: its own data only
            if sub.is_caldav:
                return self._read_caldav(sub, etag, tz, existing)
            fetched = fetch(sub.source, etag)
            if fetched.text is None:
                return _Read(None, fetched.etag)
            return _Read(plan_refresh(sub, fetched.text, tz, existing), fetched.etag)

        try:
            result: _Read = yield OffThread(read)
        except FetchError as exc:
            now = self._engine.clock.now()
            failures = (before.failures if before else 0) + 1
            log.warning("calendar %s: %s", sub.label, exc)
            self._status[sub.id] = RefreshStatus(
                checked_at=now,
                ok_at=before.ok_at if before else None,
                error=str(exc),
                failures=failures,
            )
            return
        changed = 0
        plan = result.plan
        if plan is not None and (plan.new or plan.updated or plan.removed):
            if sub not in self.subscriptions():  # removed (or edited) while it was read
                return
            self._engine.import_blocks(
                plan.new, plan.updated, [b.id for b in plan.removed if b.id is not None]
            )
            changed = len(plan.new) + len(plan.updated) + len(plan.removed)
        now = self._engine.clock.now()
        self._etags[sub.id] = result.etag
        self._status[sub.id] = RefreshStatus(checked_at=now, ok_at=now, changed=changed)
        if plan is not None and plan.skipped:
            log.info("calendar %s: %d event(s) skipped", sub.label, len(plan.skipped))

    def _read_caldav(
        self, sub: Subscription, etag: str, tz: tzinfo, existing: list[Block]
    ) -> _Read:
        """Read and plan a CalDAV calendar (on the worker thread)."""
        password = self._password_for(sub) if self._password_for is not None else None
        if password is None:
            raise FetchError(
                f"no password known for '{sub.user}' at {sub.source}: give it with "
                f"'focus-app calendar password {sub.id} --password-stdin'"
            )
        fetched = fetch_caldav(sub, password, etag)
        if fetched.texts is None:
            return _Read(None, fetched.etag)
        return _Read(plan_events(sub, fetched.texts, tz, existing), fetched.etag)

    def summary(self, sub: Subscription) -> dict[str, Any]:
        """A subscription and its refresh state, as JSON for the command line."""
        assert sub.id is not None
        status = self._status.get(sub.id)
        blocks = sum(1 for b in self._engine.blocks() if b.source_calendar == sub.calendar)
        return {
            "id": sub.id,
            "name": sub.label,
            "source": sub.source,
            "busy_kind": sub.busy_kind.value,
            "user": sub.user,
            "every_minutes": sub.every_minutes,
            "blocks": blocks,
            "checked_at": _iso(status.checked_at if status else None),
            "ok_at": _iso(status.ok_at if status else None),
            "error": status.error if status else "",
            "changed": status.changed if status else 0,
            "next_refresh": _iso(next_refresh(sub, status, self._started)),
        }


def _iso(t: datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t is not None else None
