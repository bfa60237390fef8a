"""CalDAV links driven from the engine: publish or sync as long work (``Pending`` steps).

Qt-free: the server is talked to in ``OffThread`` steps; the outcome is applied on the GUI
thread in one transaction (``Engine.import_blocks``) with the new merge base. A local
edit's time is noted while the app runs (:meth:`CalDavLinks.note_edits`, on every
``blocks_changed``) so that "the later edit wins" can be decided; after a restart an
unsynced local edit counts as older and is kept as a conflict copy, never lost.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Generator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from focus_app.calendars.caldav_sync import (
    CalDavError,
    Outcome,
    WriteTally,
    block_digest,
    sync_with_server,
)
from focus_app.commands import OffThread, Progress, Step
from focus_app.core.model import Block
from focus_app.core.subscriptions import (
    CalDavLink,
    RefreshStatus,
    Subscription,
    SyncedItem,
    next_refresh,
)

if TYPE_CHECKING:
    from focus_app.engine import Engine

log = logging.getLogger(__name__)

MAX_ROUNDS = 3
"""A sync that made conflict copies runs again at once to send them (bounded)."""
SYNC_EVERY_MINUTES = 15
"""How often each link is synced: a block added on one machine is on the others within."""


class CalDavLinks:
    """The CalDAV calendars the app publishes to or syncs with.

    Args:
        engine: The engine (its store keeps the links and their merge base).
        password_for: Looks up a link's password (blocking: called on the worker);
            ``None`` when none is known.
        host: This machine's name, as conflict copies show it.
    """

    def __init__(
        self,
        engine: Engine,
        password_for: Callable[[CalDavLink], str | None],
        host: str | None = None,
    ) -> None:
        self._engine = engine
        self._password_for = password_for
        self.host = host or socket.gethostname()
        self._status: dict[int, RefreshStatus] = {}
        self._digests: dict[int, str] = {b.id: block_digest(b) for b in engine.blocks() if b.id}
        self._edited_at: dict[int, datetime] = {}
        self._started = engine.clock.now()
        self.running = False
        """A sync is under way (a second one is refused, the scheduled one waits)."""

    def links(self) -> list[CalDavLink]:
        return self._engine.store.list_caldav_links()

    def add(self, link: CalDavLink) -> CalDavLink:
        """Link a calendar (due for a sync at once)."""
        stored = self._engine.store.add_caldav_link(link, self._engine.clock.now())
        self._engine.reconcile()  # plans the wake-up for its first sync
        return stored

    def remove(self, link_id: int) -> bool:
        self._status.pop(link_id, None)
        return self._engine.store.remove_caldav_link(link_id)

    def status(self, link_id: int) -> RefreshStatus | None:
        return self._status.get(link_id)

    def next_sync_at(self) -> datetime | None:
        """The next instant a link is due: a candidate for the engine's one wake-up."""
        return min((self._next_sync(k) for k in self.links()), default=None)

    def due(self, now: datetime) -> list[int]:
        """The ids of the links due at ``now``."""
        return [k.id for k in self.links() if k.id is not None and self._next_sync(k) <= now]

    def _next_sync(self, link: CalDavLink) -> datetime:
        # The subscriptions' plan (retries sooner after a failure, then less often).
        every = Subscription(source=link.url, every_minutes=SYNC_EVERY_MINUTES)
        return next_refresh(every, self._status.get(link.id or 0), self._started)

    def note_edits(self) -> None:
        """Note when blocks were edited (connected to ``Engine.blocks_changed``)."""
        now = self._engine.clock.now()
        digests = {b.id: block_digest(b) for b in self._engine.blocks() if b.id is not None}
        for block_id, digest in digests.items():
            if self._digests.get(block_id) != digest:
                self._edited_at[block_id] = now
        self._digests = digests

    def sync_steps(
        self, ids: Sequence[int] | None = None
    ) -> Generator[Step, Any, list[dict[str, Any]]]:
        """Publish to / sync with the links (all without ``ids``); one summary each."""
        self.running = True
        try:
            links = [k for k in self.links() if ids is None or k.id in ids]
            for link in links:
                yield from self._sync_one(link)
            return [self.summary(k) for k in links]
        finally:
            self.running = False
            self._engine.reconcile()  # the next sync instant moved: re-plan the wake-up

    def _sync_one(self, link: CalDavLink) -> Generator[Step, Any, None]:
        assert link.id is not None
        before = self._status.get(link.id)
        changed = 0
        for _ in range(MAX_ROUNDS):
            blocks = self._engine.blocks()
            base = self._engine.store.caldav_items(link.id)
            edited = dict(self._edited_at)
            now = self._engine.clock.now()
            tally = WriteTally()  # written by the worker's threads, read for the progress

            def work(
                blocks: list[Block] = blocks,
                base: dict[str, SyncedItem] = base,
                edited: dict[int, datetime] = edited,
                now: datetime = now,
                tally: WriteTally = tally,
            ) -> Outcome:  # the worker thread: its own data only
                password = self._password_for(link)
                if password is None:
                    raise CalDavError(
                        f"no password known for '{link.user}' at {link.url}: give it with "
                        f"'focus-app calendar password c{link.id} --password-stdin'"
                    )
                return sync_with_server(
                    link, password, blocks, base, edited,
                    tz=self._engine.tz, host=self.host, now=now, tally=tally,
                )

            def progress(tally: WriteTally = tally) -> Progress:
                return Progress(*tally.read())

            try:
                outcome: Outcome = yield OffThread(work, progress)
            except CalDavError as exc:
                self._failed(link, before, str(exc))
                return
            changed += self._apply(link.id, outcome)
            log.info("calendar %s: %s", link.url, outcome.summary())
            if outcome.error:  # what got through is stored; the rest goes next time
                self._failed(link, before, outcome.error)
                return
            if not outcome.conflicts:
                break
        now = self._engine.clock.now()
        self._status[link.id] = RefreshStatus(checked_at=now, ok_at=now, changed=changed)

    def _failed(self, link: CalDavLink, before: RefreshStatus | None, error: str) -> None:
        assert link.id is not None
        log.warning("calendar %s: %s", link.url, error)
        self._status[link.id] = RefreshStatus(
            checked_at=self._engine.clock.now(),
            ok_at=before.ok_at if before else None,
            error=error,
            failures=(before.failures if before else 0) + 1,
        )

    def _apply(self, link_id: int, outcome: Outcome) -> int:
        """Store what the sync brought, skipping blocks edited meanwhile (next sync)."""
        current = {b.id: block_digest(b) for b in self._engine.blocks() if b.id is not None}
        state: dict[str, SyncedItem | None] = dict(outcome.state)
        updated = [
            (b, uid, item)
            for b, was, uid, item in outcome.updated
            if b.id is not None and current.get(b.id) == was
        ]
        removed = [(i, uid) for i, was, uid in outcome.removed if current.get(i) == was]
        new = [b for b, _uid, _item in outcome.new]
        stored: list[Block] = self._engine.import_blocks(
            new, [b for b, _uid, _item in updated], [i for i, _ in removed]
        )
        for block, (_b, uid, item) in zip(stored, outcome.new, strict=True):
            if item is not None:
                state[uid] = SyncedItem(block.id, item.etag, item.digest)
        for _block, uid, item in updated:
            state[uid] = item
        for _i, uid in removed:
            state[uid] = None
        self._engine.store.save_caldav_items(link_id, state)
        self.note_edits()
        for block in stored:  # came from elsewhere: not an edit made here
            if block.id is not None:
                self._edited_at.pop(block.id, None)
        return len(new) + len(updated) + len(removed) + outcome.pushed + outcome.deleted

    def summary(self, link: CalDavLink) -> dict[str, Any]:
        """A link and its last sync, as JSON for the command line."""
        assert link.id is not None
        status = self._status.get(link.id)
        return {
            "id": link.id,
            "ref": link_ref(link.id),
            "caldav": link.mode,
            "source": link.url,
            "user": link.user,
            "focus_as_busy": link.focus_as_busy,
            "checked_at": _iso(status.checked_at if status else None),
            "ok_at": _iso(status.ok_at if status else None),
            "error": status.error if status else "",
            "changed": status.changed if status else 0,
            "next_refresh": _iso(self._next_sync(link)),
        }


def link_ref(link_id: int) -> str:
    """How the command line names a link: ``c3`` (subscriptions are plain numbers)."""
    return f"c{link_id}"


def _iso(t: datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t is not None else None
