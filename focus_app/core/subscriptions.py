"""Calendar subscriptions: a calendar the app follows, and when to look at it again.

Pure: the refresh plan is arithmetic on instants given as arguments, so the engine can
add the next refresh to the candidates of its one wake-up (no timer of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from focus_app.core.model import BlockKind

MIN_EVERY_MINUTES = 5
MAX_EVERY_MINUTES = 7 * 24 * 60
DEFAULT_EVERY_MINUTES = 60
RETRY_AFTER = timedelta(minutes=5)
"""A failed refresh (server down, no network) is tried again this soon, then less often."""
MAX_RETRY_AFTER = timedelta(hours=1)


def calendar_key(subscription_id: int) -> str:
    """The ``source_calendar`` of the blocks a subscription keeps in step."""
    return f"sub:{subscription_id}"


@dataclass(frozen=True)
class Subscription:
    """A calendar the app follows.

    Attributes:
        id: Its id once stored (``None`` before).
        source: An absolute ``.ics`` file path or an ``http(s)://`` URL; with ``user``,
            a CalDAV calendar collection's address.
        busy_kind: What a plain (busy) event of it becomes: ``off`` or ``available``
            time (a work calendar's meetings), or ``focus``. Events that say their kind
            (Google's focus time, out of office, categories) keep theirs.
        every_minutes: How often it is refreshed.
        name: A label for lists (the file name or host when not given).
        user: The user name of a CalDAV calendar that needs a log-in (its password lives
            in the Secret Service); ``""`` for an ``.ics`` file or address.
    """

    source: str
    busy_kind: BlockKind = BlockKind.OFF
    every_minutes: int = DEFAULT_EVERY_MINUTES
    name: str = ""
    id: int | None = None
    user: str = ""

    @property
    def is_caldav(self) -> bool:
        """Read over CalDAV with a log-in (else read as an ``.ics`` file or address)."""
        return bool(self.user)

    @property
    def calendar(self) -> str:
        """The ``source_calendar`` of its blocks."""
        assert self.id is not None
        return calendar_key(self.id)

    @property
    def label(self) -> str:
        """The name, or the source when it has none."""
        return self.name or self.source


@dataclass(frozen=True)
class RefreshStatus:
    """How the last refresh of a subscription went (kept in memory, never written).

    Attributes:
        checked_at: When it was last looked at (successfully or not).
        ok_at: When it was last read successfully.
        error: The last refresh's one-line error; empty when it went well.
        failures: Refreshes failed in a row (the retry waits longer each time).
        changed: Blocks the last successful refresh added, updated or removed.
    """

    checked_at: datetime
    ok_at: datetime | None = None
    error: str = ""
    failures: int = 0
    changed: int = 0


def next_refresh(
    subscription: Subscription, status: RefreshStatus | None, started: datetime
) -> datetime:
    """When ``subscription`` is due next.

    Args:
        subscription: The calendar.
        status: Its last refresh, or ``None`` when not refreshed since ``started``.
        started: When the app started: a calendar never looked at is due then.
    """
    if status is None:
        return started
    if status.failures:
        wait: timedelta = RETRY_AFTER * (2 ** min(status.failures - 1, 8))
        wait = min(wait, MAX_RETRY_AFTER, timedelta(minutes=subscription.every_minutes))
        return status.checked_at + wait
    return status.checked_at + timedelta(minutes=subscription.every_minutes)


@dataclass(frozen=True)
class CalDavLink:
    """A CalDAV calendar the person writes to (issue 12, item 4).

    Attributes:
        url: The calendar collection's address.
        user: The user name on the server (the password lives in the Secret Service).
        mode: ``publish``: availability windows (and focus blocks as busy, when
            ``focus_as_busy``) are written there for colleagues; the server's copy is
            overwritten. ``sync``: every own block is kept in step both ways with the
            person's other machines.
        focus_as_busy: Publish focus blocks as "Busy" events too.
        id: Its id once stored.
    """

    url: str
    user: str
    mode: str = "sync"
    focus_as_busy: bool = False
    id: int | None = None


@dataclass(frozen=True)
class SyncedItem:
    """What was last agreed with the server about one event: the merge base.

    Attributes:
        block_id: The local block it is.
        etag: The server's ETag of the event then.
        digest: The block's content digest then.
    """

    block_id: int | None
    etag: str
    digest: str
