"""The one SQLite database: blocks, rules, overrides, notifications and their history.

Design notes (see shared/DESIGN.md, "Nothing held is ever lost"):

* WAL with ``synchronous=NORMAL``: a committed transaction survives a crash or
  ``kill -9`` of the process (the WAL is in the OS page cache); only a power loss may
  drop the last transactions, which is the trade we want for a desktop app.
* Every write is one ``BEGIN IMMEDIATE`` transaction, committed before the method
  returns, so "recorded" means "durable" to the caller (the IPC answer is sent after).
  ``IMMEDIATE`` takes the write lock up front, and ``busy_timeout`` lets the CLI's own
  connection wait for the app's instead of failing.
* Instants are stored twice: ISO 8601 with the original offset (what was said, for
  display and round-trips) and a UTC epoch number (for ordering and ranges, since ISO
  strings with different offsets do not sort).
* The schema is versioned with ``PRAGMA user_version``; :data:`MIGRATIONS` is applied in
  order, each in its own transaction. A database from a newer version is refused and
  left untouched; a damaged one (SQLite says "corrupt" or "not a database", or the
  integrity check fails) is moved aside and a fresh one started. A file we may not read
  or write is *not* damaged: it is left exactly where it is and the error names the file
  and the command that fixes it.
* Private: the folder is 0700 and the database with its -wal and -shm 0600 whatever the
  umask (SQLite gives the companions the database's mode), and looser ones are tightened
  at every open.
* Every SQLite error after opening becomes a :class:`StoreError` subclass with one line
  a person can act on (disk full, locked by another program, damaged, no permission).
  The app's own connection waits only :data:`APP_BUSY_TIMEOUT_MS` for a lock, so a
  program holding the database cannot freeze the engine for seconds per batch.

The connection belongs to the thread that opened it (the GUI thread); the CLI opens
its own :class:`Store`.
"""

from __future__ import annotations

import enum
import errno
import json
import os
import re
import sqlite3
import threading
import time as _time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from focus_app.core.model import (
    Block,
    BlockException,
    BlockKind,
    Decision,
    Mode,
    Notification,
    Outcome,
    Override,
    Recurrence,
    Rule,
    RuleAction,
    RuleMatch,
    Urgency,
)
from focus_app.core.program_prefs import SENDER_RULE_VALUES, Program, ProgramChoice
from focus_app.core.referrals import Contact
from focus_app.core.replies import Tone
from focus_app.core.requests import Request, RequestOrigin, RequestStatus, TriageOutcome
from focus_app.core.review import (
    OverrideSpan,
    ReviewGroup,
    ReviewItem,
    WeekActivity,
    WeekReview,
    WeekTotals,
    merge_totals,
    monday_of,
    review_from_activity,
    review_from_totals,
    week_range,
    week_totals,
)
from focus_app.core.schedule import Schedule
from focus_app.core.subscriptions import CalDavLink, Subscription, SyncedItem, calendar_key
from focus_app.paths import private_dir, private_file, tighten

BUSY_TIMEOUT_MS = 5000
"""How long opening (and the command line's connection) waits for another writer."""

ACTIVITIES_KEPT = 8
"""Weeks :meth:`Store.review_activity` keeps in memory while the file does not change."""

APP_BUSY_TIMEOUT_MS = 200
"""How long the running app's connection waits for a lock once open.

Its writes run on the GUI thread: a program holding the database (a ``sqlite3`` shell in
a transaction) must cost one clear error after a blink, not five frozen seconds per batch.
"""


class _Starting:
    """How many write transactions of this process are being begun right now (waiting
    for the write lock, most likely): the history compaction on its worker thread lets
    go of the lock between its steps only while one is (``writers_waiting``)."""

    lock = threading.Lock()
    count = 0


def writers_waiting() -> bool:
    """Whether a connection of this process waits to begin a write transaction."""
    return _Starting.count > 0


class StoreError(Exception):
    """The database cannot be used; the message says why and what to do."""


class NotFoundError(StoreError, LookupError):
    """The block, rule or notification with that id does not exist (any more)."""


class StoreLockedError(StoreError):
    """Another program holds the database's lock for longer than the busy timeout."""


class StoreFullError(StoreError):
    """The disk (or the user's quota) is full: the write was not made."""


class StoreCorruptError(StoreError):
    """SQLite found the file damaged while running; a restart moves it aside."""


class StorePermissionError(StoreError):
    """The database or its folder may not be read or written by this user."""


class Status(enum.StrEnum):
    """Where a notification is in its life."""

    QUEUED = "queued"
    """Received while no engine ran (the CLI stored it); decided when the app starts."""
    HELD = "held"
    """Waiting for the next digest or release."""
    DELIVERED = "delivered"
    """Shown on the desktop when it arrived."""
    MUTED = "muted"
    """Stored and counted, never shown."""
    RELEASED = "released"
    """Held, then shown (in a digest or released by hand)."""
    DISMISSED = "dismissed"
    """Held, then dropped by the user without being shown."""


_STATUS_OF_OUTCOME = {
    Outcome.DELIVERED: Status.DELIVERED,
    Outcome.HELD: Status.HELD,
    Outcome.MUTED: Status.MUTED,
}


class Verdict(enum.StrEnum):
    """The user's feedback on one notification, for the weekly review."""

    SHOULD_HAVE_REACHED = "should_have_reached"
    COULD_WAIT = "could_wait"


@dataclass(frozen=True)
class HeldItem:
    """A held notification with why it was held and when it is due out.

    Attributes:
        notification: The notification (with its id).
        reason: The gate's reason for holding it.
        release_at: When it is due out; ``None`` means "at the next chance".
        paced: Held only by pacing while available (goes into a summary).
        delivery_error: Why showing it failed last time, empty if it never failed.
    """

    notification: Notification
    reason: str
    release_at: datetime | None
    paced: bool
    delivery_error: str = ""
    held_in: Mode | None = None

    @property
    def refused(self) -> bool:
        """The notification server refused this very item: digests go on without it."""
        return self.delivery_error.startswith(REFUSED_PREFIX)


REFUSED_PREFIX = "refused: "
"""Starts ``delivery_error`` of an item the notification server refused (not: was absent).

Such an item stays held, visible in the inbox with the server's reason, but automatic
digests leave it out, so one bad item never holds the others back. Releasing it by id
tries again.
"""


@dataclass(frozen=True)
class SentBefore:
    """A send whose key was seen already: what was stored and decided the first time.

    Attributes:
        id: The notification's id.
        status: Where it is now.
        decision: The first decision, ``None`` while it is still queued.
    """

    id: int
    status: Status
    decision: Decision | None


@dataclass(frozen=True)
class HistoryEntry:
    """One decision with its notification, for the weekly review.

    Attributes:
        notification: The notification (with its id).
        decision: What the gate decided.
        mode: The mode in force when it decided.
        decided_at: When it decided.
        status: Where the notification is now (e.g. held then released).
        feedback: The user's latest verdict on it, if any.
    """

    notification: Notification
    decision: Decision
    mode: Mode
    decided_at: datetime
    status: Status
    feedback: Verdict | None


@dataclass(frozen=True)
class OverrideRecord:
    """An override as it happened, for the review.

    Attributes:
        override: The override as set (mode, planned start and end, reason).
        ended_at: When it really ended if cut short (cleared or replaced), else ``None``
            (it ran, or is running, until ``override.until``).
    """

    override: Override
    ended_at: datetime | None

    @property
    def effective_end(self) -> datetime:
        return self.ended_at if self.ended_at is not None else self.override.until


HISTORY_PAGE = 200
"""Rows per history page: one screen and a half of the table, a few ms to read."""

DECISION_FILTERS = ("delivered", "held", "muted", "breakthrough", "waiting", "released",
                    "dismissed")
"""What the history can be filtered by, beside text, program and sender.

``delivered`` / ``held`` / ``muted``: the gate's decision (a held item stays "held"
after its release); ``breakthrough``: delivered through focus or off-time;
``waiting`` / ``released`` / ``dismissed``: where a held item is now.
"""


@dataclass(frozen=True)
class HistoryFilter:
    """Which notifications the history shows; every field narrows, ``None``/"" = any.

    Attributes:
        since: Received at or after (aware).
        until: Received before (aware).
        text: Words found in the title, body or sender (case-insensitive for ASCII).
        program: The program key of a caught notification, else the source of a sent
            one (what the Program column names).
        sender: Exactly this sender.
        decision: One of :data:`DECISION_FILTERS`.
        digest_id: Exactly the items of this digest (``Store.add_digest``).
    """

    since: datetime | None = None
    until: datetime | None = None
    text: str = ""
    program: str | None = None
    sender: str | None = None
    decision: str | None = None
    digest_id: int | None = None

    def __post_init__(self) -> None:
        if self.decision is not None and self.decision not in DECISION_FILTERS:
            allowed = ", ".join(DECISION_FILTERS)
            raise ValueError(f"unknown decision filter {self.decision!r}; use one of {allowed}")


@dataclass(frozen=True, order=True)
class HistoryCursor:
    """Where a history page ended: the next page starts after this (received_ts, id)."""

    received_ts: float
    id: int


@dataclass(frozen=True)
class HistoryRow:
    """One notification the app saw, with what was decided and where it is now.

    Attributes:
        notification: The notification (with its id, program and origin).
        status: Where it is now (held, released, dismissed, ...).
        outcome: The gate's decision, ``None`` while it is queued.
        reason: Why the gate decided so (the decision's reason, the item's own for queued).
        breakthrough: Delivered through focus or off-time.
        decided_at: When the gate decided, ``None`` while queued.
        status_at: When it was released or dismissed, if it was.
        feedback: The user's latest verdict on it.
        program_name: The program's display name ("" for sent notifications).
        cursor: Its place in the order, for the next page.
    """

    notification: Notification
    status: Status
    outcome: Outcome | None
    reason: str
    breakthrough: bool
    decided_at: datetime | None
    status_at: datetime | None
    feedback: Verdict | None
    program_name: str
    cursor: HistoryCursor

    @property
    def program_label(self) -> str:
        """What the Program column shows: the program's name, else its key, else the source."""
        n = self.notification
        return self.program_name or n.program or n.source

    @property
    def decision_label(self) -> str:
        """One word or two for the Decision column: "held → released", "delivered", ..."""
        if self.outcome is None:
            return "queued"
        word = "broke through" if self.breakthrough else self.outcome.value
        if self.outcome is Outcome.HELD and self.status is not Status.HELD:
            return f"held → {self.status.value}"
        if self.outcome is not Outcome.HELD and self.status is Status.HELD:
            return f"{word} → held again"
        return word


@dataclass(frozen=True)
class DigestRecord:
    """A digest (or pacing summary) as shown: which items it stood for.

    Attributes:
        id: Its id (what ``HistoryFilter.digest_id`` takes).
        kind: ``digest`` (held items released together) or ``summary`` (pacing).
        title: The notification's title ("6 held while you focused").
        shown_at: When it was handed to the notification server.
        server_id: The server's id for it, ``None`` until the server answered.
        count: How many of its items are still in the history.
    """

    id: int
    kind: str
    title: str
    shown_at: datetime
    server_id: int | None
    count: int


# Schema ----------------------------------------------------------------------------------

MIGRATIONS: list[tuple[str, ...]] = [
    # 1: everything.
    (
        """CREATE TABLE blocks (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('focus', 'available', 'off')),
            title TEXT NOT NULL DEFAULT '',
            start_time TEXT NOT NULL,
            end_time TEXT NOT NULL,
            on_date TEXT,
            recurrence TEXT,
            exceptions TEXT NOT NULL DEFAULT '[]',
            CHECK ((on_date IS NULL) <> (recurrence IS NULL))
        )""",
        """CREATE TABLE rules (
            id INTEGER PRIMARY KEY,
            position INTEGER NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            enabled INTEGER NOT NULL DEFAULT 1,
            action TEXT NOT NULL CHECK (action IN ('allow', 'priority', 'hold', 'mute')),
            match_sender TEXT,
            match_source TEXT,
            match_urgency TEXT,
            match_keywords TEXT NOT NULL DEFAULT '[]',
            match_time_sensitive INTEGER
        )""",
        "CREATE INDEX rules_position ON rules (position)",
        """CREATE TABLE overrides (
            id INTEGER PRIMARY KEY,
            mode TEXT NOT NULL,
            starts TEXT NOT NULL,
            starts_ts REAL NOT NULL,
            until TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            ended_at TEXT
        )""",
        "CREATE INDEX overrides_starts ON overrides (starts_ts)",
        """CREATE TABLE current_override (
            only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
            override_id INTEGER NOT NULL REFERENCES overrides (id)
        )""",
        """CREATE TABLE notifications (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            body TEXT NOT NULL DEFAULT '',
            sender TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            urgency TEXT NOT NULL CHECK (urgency IN ('low', 'normal', 'critical')),
            time_sensitive INTEGER NOT NULL DEFAULT 0,
            received_at TEXT NOT NULL,
            received_ts REAL NOT NULL,
            status TEXT NOT NULL CHECK (status IN
                ('queued', 'held', 'delivered', 'muted', 'released', 'dismissed')),
            reason TEXT NOT NULL DEFAULT '',
            release_at TEXT,
            release_ts REAL,
            paced INTEGER NOT NULL DEFAULT 0,
            status_at TEXT,
            delivery_error TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX notifications_status ON notifications (status, received_ts)",
        """CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
            decided_at TEXT NOT NULL,
            decided_ts REAL NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'held', 'muted')),
            reason TEXT NOT NULL,
            release_at TEXT,
            mode TEXT NOT NULL,
            breakthrough INTEGER NOT NULL DEFAULT 0,
            rule_id INTEGER,
            paced INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX decisions_decided ON decisions (decided_ts)",
        "CREATE INDEX decisions_notification ON decisions (notification_id)",
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
            verdict TEXT NOT NULL CHECK (verdict IN ('should_have_reached', 'could_wait')),
            at TEXT NOT NULL
        )""",
        "CREATE INDEX feedback_notification ON feedback (notification_id)",
    ),
    # 2: the engine asks for the next release time after every batch of notifications.
    ("CREATE INDEX notifications_release ON notifications (status, release_ts)",),
    # 3: idempotent sends. A client names each send with a random key; a send repeated
    # after a crash (the app committed it but died before answering) is found by its key
    # and answered with the first decision instead of being stored twice. NULL for
    # notifications without a key (caught ones, the app's own); SQLite's UNIQUE lets
    # any number of NULLs coexist.
    (
        "ALTER TABLE notifications ADD COLUMN send_key TEXT",
        "CREATE UNIQUE INDEX notifications_send_key ON notifications (send_key)",
    ),
    # 4: programs that sent notifications, with the user's choice for each (the Programs
    # list), and what a notification caught from another program carries. Self-contained:
    # it only adds, so it can move to another position before it is released.
    (
        """CREATE TABLE programs (
            key TEXT PRIMARY KEY,
            display_name TEXT NOT NULL DEFAULT '',
            icon TEXT NOT NULL DEFAULT '',
            choice TEXT NOT NULL DEFAULT 'follow'
                CHECK (choice IN ('follow', 'allow', 'hold', 'mute')),
            sender_rule TEXT NOT NULL DEFAULT '',
            first_seen TEXT NOT NULL,
            first_seen_ts REAL NOT NULL,
            last_seen TEXT NOT NULL,
            last_seen_ts REAL NOT NULL
        )""",
        "ALTER TABLE notifications ADD COLUMN program TEXT",
        "ALTER TABLE notifications ADD COLUMN origin TEXT NOT NULL DEFAULT 'send'"
        " CHECK (origin IN ('send', 'caught'))",
        "ALTER TABLE notifications ADD COLUMN app_icon TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE notifications ADD COLUMN category TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE notifications ADD COLUMN server_id INTEGER",
        "CREATE INDEX notifications_program ON notifications (program, received_ts)",
    ),
    # 5: blocks imported from a calendar remember the event they came from, so importing
    # the same calendar again updates them instead of adding copies. NULL for blocks made
    # in the app; one block per (calendar, event key).
    (
        "ALTER TABLE blocks ADD COLUMN source_uid TEXT",
        "ALTER TABLE blocks ADD COLUMN source_calendar TEXT",
        "CREATE UNIQUE INDEX blocks_source ON blocks (source_calendar, source_uid)",
    ),
    # 6: history, digests and retention (issue 10). Self-contained: it only adds tables
    # and indexes and refers to no other migration's work but the notifications table,
    # so it can be renumbered when branches merge. The history view pages by
    # (received_ts, id) newest first and filters by program-or-source and by sender;
    # each filter has an index that keeps that order. A digest remembers exactly which
    # items it showed ("Open inbox" opens them, after a restart too); week_totals keeps
    # what the weekly review needs of weeks whose rows were compacted away.
    (
        "CREATE INDEX notifications_received ON notifications (received_ts)",
        "CREATE INDEX notifications_origin_key ON notifications"
        " (coalesce(program, source), received_ts)",
        "CREATE INDEX notifications_sender ON notifications (sender, received_ts)",
        """CREATE TABLE digests (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('digest', 'summary')),
            title TEXT NOT NULL DEFAULT '',
            shown_at TEXT NOT NULL,
            shown_ts REAL NOT NULL,
            server_id INTEGER
        )""",
        "CREATE INDEX digests_server ON digests (server_id)",
        """CREATE TABLE digest_items (
            digest_id INTEGER NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
            notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
            PRIMARY KEY (digest_id, notification_id)
        ) WITHOUT ROWID""",
        "CREATE INDEX digest_items_notification ON digest_items (notification_id)",
        """CREATE TABLE week_totals (
            week TEXT NOT NULL,
            week_start_ts REAL NOT NULL,
            program TEXT NOT NULL,
            sender TEXT NOT NULL,
            outcome TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            breakthroughs INTEGER NOT NULL DEFAULT 0,
            released INTEGER NOT NULL DEFAULT 0,
            dismissed INTEGER NOT NULL DEFAULT 0,
            release_seconds REAL NOT NULL DEFAULT 0,
            should_have_reached INTEGER NOT NULL DEFAULT 0,
            could_wait INTEGER NOT NULL DEFAULT 0,
            by_hour TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (week, program, sender, outcome)
        )""",
    ),
    # 7: suggestions the user dismissed, by the key of the rule they would change,
    # so they do not come back. Self-contained (one new table, IF NOT EXISTS): it may be
    # renumbered to any later position when branches merge.
    (
        """CREATE TABLE IF NOT EXISTS suggestion_dismissals (
            key TEXT PRIMARY KEY,
            at TEXT NOT NULL
        )""",
    ),
    # 8: calendar subscriptions (issue 12, item 3): a calendar the app follows, by file
    # path or URL, and the kind its plain (busy) events become. Self-contained (one new
    # table, IF NOT EXISTS): it may be renumbered to any later position when branches
    # merge. Its blocks carry ``source_calendar = 'sub:<id>'``. When a refresh last
    # happened is kept in memory only, so a refresh that changes nothing writes nothing.
    (
        """CREATE TABLE IF NOT EXISTS calendar_subscriptions (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL UNIQUE,
            busy_kind TEXT NOT NULL CHECK (busy_kind IN ('focus', 'available', 'off')),
            every_minutes INTEGER NOT NULL CHECK (every_minutes >= 5),
            added_at TEXT NOT NULL
        )""",
    ),
    # 9: CalDAV links (issue 12, item 4): a CalDAV calendar the person publishes their
    # availability to, or syncs their blocks through, and what was last agreed with it
    # per event (ETag and the block's content digest: the base of a three-way merge).
    # Self-contained (new tables, IF NOT EXISTS): it may be renumbered when branches
    # merge. The password is never here (Secret Service, or memory for the session).
    (
        """CREATE TABLE IF NOT EXISTS caldav_links (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            user TEXT NOT NULL,
            mode TEXT NOT NULL CHECK (mode IN ('publish', 'sync')),
            focus_as_busy INTEGER NOT NULL DEFAULT 0,
            added_at TEXT NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS caldav_items (
            link_id INTEGER NOT NULL REFERENCES caldav_links(id) ON DELETE CASCADE,
            uid TEXT NOT NULL,
            block_id INTEGER,
            etag TEXT NOT NULL,
            digest TEXT NOT NULL,
            PRIMARY KEY (link_id, uid)
        )""",
    ),
    # 10: boundaries (issue 11): requests for the person's time, the referral directory
    # and each focus period's spent breakthrough budget. Self-contained (new tables and
    # indexes only, IF NOT EXISTS; the one link to notifications is ON DELETE SET NULL),
    # so it can be renumbered to any later position when branches merge.
    (
        """CREATE TABLE IF NOT EXISTS referrals (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            contact TEXT NOT NULL DEFAULT '',
            topics TEXT NOT NULL DEFAULT '[]',
            notes TEXT NOT NULL DEFAULT ''
        )""",
        """CREATE TABLE IF NOT EXISTS requests (
            id INTEGER PRIMARY KEY,
            what TEXT NOT NULL,
            who TEXT NOT NULL,
            estimate_minutes INTEGER NOT NULL CHECK (estimate_minutes > 0),
            due TEXT,
            origin TEXT NOT NULL,
            notification_id INTEGER REFERENCES notifications (id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            created_ts REAL NOT NULL,
            status TEXT NOT NULL CHECK (status IN
                ('open', 'accepted', 'deferred', 'declined', 'referred')),
            decided_at TEXT,
            decided_ts REAL,
            booked_start TEXT,
            booked_start_ts REAL,
            booked_end TEXT,
            booked_end_ts REAL,
            defer_until TEXT,
            referral_id INTEGER REFERENCES referrals (id) ON DELETE SET NULL
        )""",
        "CREATE INDEX IF NOT EXISTS requests_created ON requests (created_ts)",
        "CREATE INDEX IF NOT EXISTS requests_booked ON requests (status, booked_start_ts)",
        "CREATE INDEX IF NOT EXISTS requests_referral ON requests (referral_id, decided_ts)",
        """CREATE TABLE IF NOT EXISTS breakthrough_spent (
            period_key TEXT PRIMARY KEY,
            used INTEGER NOT NULL,
            at_ts REAL NOT NULL
        )""",
    ),
    # 11: compacted weeks keep the weekly review's own figures (core.review.WeekTotals as
    # JSON: focus per day, the 7x24 heat map, per sender and program, held-to-read waits
    # by minute, outcomes) and the ids of the items kept as rows (still held), which a
    # later run folds in. week_totals (migration 6) could not give focus or waits; only
    # unreleased code ever wrote it, so it goes. The review reads a week's decisions
    # from one covering index (no table lookup per decision); it replaces
    # decisions_decided, whose key it starts with.
    (
        "DROP TABLE IF EXISTS week_totals",
        """CREATE TABLE IF NOT EXISTS week_reviews (
            week TEXT PRIMARY KEY,
            totals TEXT NOT NULL,
            kept TEXT NOT NULL DEFAULT '[]'
        )""",
        "CREATE INDEX IF NOT EXISTS decisions_review ON decisions"
        " (decided_ts, notification_id, outcome, breakthrough, rule_id)",
        "DROP INDEX IF EXISTS decisions_decided",
    ),
    # 12: the person's own reply templates (issue 11, item 3), one per outcome and tone;
    # a missing row means the default. Self-contained (a new table, IF NOT EXISTS), so
    # it can be renumbered when branches merge.
    (
        """CREATE TABLE IF NOT EXISTS reply_templates (
            outcome TEXT NOT NULL,
            tone TEXT NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (outcome, tone)
        )""",
    ),
    # 13: deferred requests that came back (issue 11, item 2): which return was already
    # announced, so a restart never announces it twice; deferring again to another day
    # (a new defer_until) announces again. Self-contained (a new table, IF NOT EXISTS).
    (
        """CREATE TABLE IF NOT EXISTS request_returns (
            request_id INTEGER PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
            defer_until TEXT NOT NULL,
            announced_ts REAL NOT NULL
        )""",
    ),
    # 14: other people's limits (issue 11, item 7): a contact's published availability
    # calendar (.ics path or http(s) URL). Self-contained (a new table, IF NOT EXISTS).
    (
        """CREATE TABLE IF NOT EXISTS contact_calendars (
            contact_id INTEGER PRIMARY KEY REFERENCES referrals (id) ON DELETE CASCADE,
            source TEXT NOT NULL
        )""",
    ),
    # 15: followed CalDAV calendars (issue 12, item 3): the user name a subscription logs
    # in with; a subscription without a row is an .ics file or address. A side table, so
    # the migration is self-contained (IF NOT EXISTS) and can be renumbered when branches
    # merge. The password is never here (Secret Service, or memory for the session).
    (
        """CREATE TABLE IF NOT EXISTS subscription_logins (
            subscription_id INTEGER PRIMARY KEY
                REFERENCES calendar_subscriptions (id) ON DELETE CASCADE,
            user TEXT NOT NULL
        )""",
    ),
]
"""Schema migrations in order; migration *n* (1-based) brings ``user_version`` to *n*.

Append, never edit: a released migration has already run on someone's database.
"""


def schema_version() -> int:
    """The schema version this code writes (the number of migrations)."""
    return len(MIGRATIONS)


# Conversions -----------------------------------------------------------------------------


def _instant(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"instants must be aware datetimes, got naive {value.isoformat()}")
    return value.isoformat()


def _ts(value: datetime) -> float:
    return value.timestamp()


def _opt_instant(value: datetime | None) -> str | None:
    return None if value is None else _instant(value)


def _parse_instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _recurrence_json(recurrence: Recurrence | None) -> str | None:
    if recurrence is None:
        return None
    return json.dumps(
        {
            "weekdays": sorted(recurrence.weekdays),
            "interval_weeks": recurrence.interval_weeks,
            "starts": recurrence.starts.isoformat() if recurrence.starts else None,
            "until": recurrence.until.isoformat() if recurrence.until else None,
        }
    )


def _recurrence_from(text: str | None) -> Recurrence | None:
    if text is None:
        return None
    data = json.loads(text)
    return Recurrence(
        weekdays=frozenset(data["weekdays"]),
        interval_weeks=data["interval_weeks"],
        starts=date.fromisoformat(data["starts"]) if data["starts"] else None,
        until=date.fromisoformat(data["until"]) if data["until"] else None,
    )


def _exceptions_json(exceptions: Iterable[BlockException]) -> str:
    return json.dumps(
        [
            {
                "original_date": e.original_date.isoformat(),
                "moved_start": e.moved_start.isoformat() if e.moved_start else None,
                "moved_end": e.moved_end.isoformat() if e.moved_end else None,
            }
            for e in exceptions
        ]
    )


def _exceptions_from(text: str) -> tuple[BlockException, ...]:
    return tuple(
        BlockException(
            original_date=date.fromisoformat(e["original_date"]),
            moved_start=datetime.fromisoformat(e["moved_start"]) if e["moved_start"] else None,
            moved_end=datetime.fromisoformat(e["moved_end"]) if e["moved_end"] else None,
        )
        for e in json.loads(text)
    )


def _block_from(row: sqlite3.Row) -> Block:
    return Block(
        id=row["id"],
        kind=BlockKind(row["kind"]),
        title=row["title"],
        start=time.fromisoformat(row["start_time"]),
        end=time.fromisoformat(row["end_time"]),
        on_date=date.fromisoformat(row["on_date"]) if row["on_date"] else None,
        recurrence=_recurrence_from(row["recurrence"]),
        exceptions=_exceptions_from(row["exceptions"]),
        source_uid=row["source_uid"],
        source_calendar=row["source_calendar"],
    )


def _rule_from(row: sqlite3.Row) -> Rule:
    ts = row["match_time_sensitive"]
    return Rule(
        id=row["id"],
        name=row["name"],
        enabled=bool(row["enabled"]),
        action=RuleAction(row["action"]),
        match=RuleMatch(
            sender=row["match_sender"],
            source=row["match_source"],
            urgency=Urgency(row["match_urgency"]) if row["match_urgency"] else None,
            keywords=tuple(json.loads(row["match_keywords"])),
            time_sensitive=None if ts is None else bool(ts),
        ),
    )


def _override_from(row: sqlite3.Row) -> Override:
    return Override(
        mode=Mode(row["mode"]),
        starts=datetime.fromisoformat(row["starts"]),
        until=datetime.fromisoformat(row["until"]),
        reason=row["reason"],
    )


def _notification_from(row: sqlite3.Row) -> Notification:
    return Notification(
        id=row["id"],
        title=row["title"],
        body=row["body"],
        sender=row["sender"],
        source=row["source"],
        urgency=Urgency(row["urgency"]),
        time_sensitive=bool(row["time_sensitive"]),
        received_at=datetime.fromisoformat(row["received_at"]),
        program=row["program"] or "",
        origin=row["origin"],
        app_icon=row["app_icon"],
        category=row["category"],
    )


def _program_from(row: sqlite3.Row, count_week: int = 0) -> Program:
    return Program(
        key=row["key"],
        display_name=row["display_name"],
        icon=row["icon"],
        choice=ProgramChoice(row["choice"]),
        sender_rule=row["sender_rule"],
        first_seen=datetime.fromisoformat(row["first_seen"]),
        last_seen=datetime.fromisoformat(row["last_seen"]),
        count_week=count_week,
    )


def _minutes_of(delta: timedelta) -> int:
    return max(1, round(delta.total_seconds() / 60))


def _request_from(row: sqlite3.Row) -> Request:
    start = _parse_instant(row["booked_start"])
    end = _parse_instant(row["booked_end"])
    created = _parse_instant(row["created_at"])
    assert created is not None
    return Request(
        what=row["what"],
        who=row["who"],
        estimate=timedelta(minutes=row["estimate_minutes"]),
        created_at=created,
        due=date.fromisoformat(row["due"]) if row["due"] else None,
        origin=RequestOrigin(row["origin"]),
        notification_id=row["notification_id"],
        status=RequestStatus(row["status"]),
        decided_at=_parse_instant(row["decided_at"]),
        booked_start=start,
        booked_end=end,
        defer_until=date.fromisoformat(row["defer_until"]) if row["defer_until"] else None,
        referral=row["referral_name"],
        id=row["id"],
    )


def _contact_from(row: sqlite3.Row) -> Contact:
    try:
        topics = json.loads(row["topics"])
    except ValueError:
        topics = []
    return Contact(
        name=row["name"],
        contact=row["contact"],
        topics=tuple(str(t) for t in topics) if isinstance(topics, list) else (),
        notes=row["notes"],
        id=row["id"],
        calendar=row["calendar"] or "",
    )


def _timestamp_suffix() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


# The store -------------------------------------------------------------------------------


class Store:
    """The app's database; convert to and from the core model types.

    Create one with :meth:`open`, which also migrates and repairs; the constructor only
    wraps a connection that is already set up.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        # Weeks read lately (review_activity), with the state of the file they were
        # read from: paging back and forth on the Review page reads each once.
        self._activities: dict[tuple[Any, ...], tuple[tuple[int, ...], WeekActivity]] = {}

    # Opening -----------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, probe: bool = True
    ) -> tuple[Store, str | None]:
        """Open (creating, migrating or repairing) the database at ``path``.

        Args:
            path: The database file; its folder is created (0700) if missing.
            busy_timeout_ms: How long the open store waits for another writer's lock
                before :class:`StoreLockedError` (opening itself always waits
                :data:`BUSY_TIMEOUT_MS`: eight ``send`` may create the file together).
            probe: Check an existing file first (``PRAGMA quick_check``, which reads all
                of it: most of a second at 1,000,000 rows). The history compactor's
                second connection skips it: the app opened and checked the file.

        Returns:
            The store and a warning line for the user if a damaged database had to be
            moved aside (it names where the old file is), else ``None``.

        Raises:
            StoreError: The database belongs to a newer version of the app, is locked by
                something else for longer than the busy timeout, may not be read or
                written (:class:`StorePermissionError`, naming the fix), or cannot be
                created. Nothing is changed on disk in these cases.
        """
        try:
            private_dir(path.parent)
        except OSError as error:
            raise _permission_or(error, path.parent, "create the folder") from error
        _check_access(path)
        warning: str | None = None
        if probe and (path.exists() or path.is_symlink()):
            try:
                cls._probe(path)
            except _Unusable as problem:
                aside = _move_aside(path)
                warning = (
                    f"The database {path} was damaged ({problem}); it was moved to "
                    f"{aside} and a fresh one was started."
                )
        try:
            # Created 0600 before SQLite sees it: SQLite would use 0644 minus the umask,
            # and gives the -wal and -shm files the database's mode.
            os.close(private_file(path, os.O_RDWR))
            for companion in _companions(path):
                tighten(companion)
        except OSError as error:
            raise _permission_or(error, path, "create") from error
        try:
            connection = sqlite3.connect(path, isolation_level=None, factory=_Connection)
        except sqlite3.Error as error:
            raise _store_error(error, path) from error
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cls._configure(connection)
            cls._migrate(connection, path)
            connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        except StoreError:
            connection.close()
            raise
        except sqlite3.Error as error:
            connection.close()
            raise _store_error(
                error,
                path,
                f"cannot set up the database {path}: {error}; check that the folder is "
                "writable and the disk is not full",
            ) from error
        for companion in _companions(path):
            tighten(companion)
        connection.path = path  # from now on every error is a StoreError
        return cls(connection, path), warning

    @staticmethod
    def _probe(path: Path) -> None:
        """Check that an existing file is a healthy database we understand.

        The connection is read-only: a database we refuse stays byte for byte as it was,
        and a broken one keeps its -wal (a read-write connection would delete it on
        close), so whoever tries to recover the moved file has everything.

        Raises:
            _Unusable: SQLite says the file is damaged or not a database: move it aside.
            StoreError: Written by a newer version, locked, or not readable (permissions,
                I/O errors): leave it alone, the message says what to do.
        """
        uri = path.absolute().as_uri() + "?mode=ro"
        try:
            connection = sqlite3.connect(uri, uri=True, isolation_level=None)
        except sqlite3.Error as error:
            raise _store_error(error, path) from error
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > schema_version():
                raise StoreError(_newer_version_message(path, version))
            check = connection.execute("PRAGMA quick_check").fetchall()
            if [tuple(row) for row in check] != [("ok",)]:
                raise _Unusable(f"integrity check failed: {check[0][0]}")
        except sqlite3.Error as error:
            if error.sqlite_errorname in _DAMAGED:
                raise _Unusable(str(error)) from error
            raise _store_error(error, path) from error
        finally:
            connection.close()

    @staticmethod
    def _configure(connection: sqlite3.Connection) -> None:
        connection.row_factory = sqlite3.Row
        mode = _switch_to_wal(connection)
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"could not switch to WAL mode (got {mode})")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")

    @staticmethod
    def _migrate(connection: sqlite3.Connection, path: Path) -> None:
        """Apply the migrations this file lacks, one transaction each.

        The version read before ``BEGIN IMMEDIATE`` is only a hint: several processes
        (eight ``focus-app send`` on a fresh folder) may open the file at once, and
        whoever gets the write lock second must see the first one's work. So the
        version is read again inside the transaction and applied migrations are skipped.

        Raises:
            StoreError: Another process migrated the file past what this version knows.
        """
        version: int = connection.execute("PRAGMA user_version").fetchone()[0]
        while version < schema_version():
            connection.execute("BEGIN IMMEDIATE")
            try:
                version = connection.execute("PRAGMA user_version").fetchone()[0]
                if version < schema_version():
                    for statement in MIGRATIONS[version]:
                        connection.execute(statement)
                    version += 1
                    # user_version lives in the file header: it commits with the migration.
                    connection.execute(f"PRAGMA user_version = {version}")
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        if version > schema_version():
            raise StoreError(_newer_version_message(path, version))

    def close(self) -> None:
        """Close the connection; every write was already committed."""
        self._db.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for tests and one-off maintenance."""
        return self._db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed (durable) when the block ends.

        On any error nothing of it is kept: SQLite may already have rolled back by
        itself (a full disk does), so the rollback only runs while a transaction is open.
        """
        with _Starting.lock:
            _Starting.count += 1
        try:
            self._db.execute("BEGIN IMMEDIATE")
        finally:
            with _Starting.lock:
                _Starting.count -= 1
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                with suppress(StoreError, sqlite3.Error):  # the first error is the one to report
                    self._db.execute("ROLLBACK")
            raise

    # Blocks ------------------------------------------------------------------------------

    def list_blocks(self) -> list[Block]:
        """Every block, in the order they were added."""
        rows = self._db.execute("SELECT * FROM blocks ORDER BY id").fetchall()
        return [_block_from(row) for row in rows]

    def add_block(self, block: Block) -> Block:
        """Store a new block; returns it with its id (any id it had is ignored)."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO blocks (kind, title, start_time, end_time, on_date, recurrence,"
                " exceptions, source_uid, source_calendar) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*self._block_values(block), block.source_uid, block.source_calendar),
            )
        assert cursor.lastrowid is not None
        return replace(block, id=cursor.lastrowid)

    def add_blocks(self, blocks: Sequence[Block]) -> list[Block]:
        """Store many new blocks in one transaction (a calendar import): all or none."""
        return self.import_blocks(blocks, (), ())

    def import_blocks(
        self, new: Sequence[Block], updated: Sequence[Block], removed: Sequence[int]
    ) -> list[Block]:
        """Apply one calendar import in one transaction: all of it or nothing.

        Args:
            new: Blocks to add (their ``source_uid`` / ``source_calendar`` are kept).
            updated: Blocks to replace by id, source fields included.
            removed: Ids of blocks to delete (parts of an event the calendar no longer has).

        Returns:
            ``new`` with the ids they were given.

        Raises:
            NotFoundError: An updated block no longer exists (nothing was stored).
        """
        added: list[Block] = []
        with self._write() as db:
            if removed:
                db.executemany("DELETE FROM blocks WHERE id = ?", [(i,) for i in removed])
            for block in updated:
                _update_one(
                    db,
                    "UPDATE blocks SET kind = ?, title = ?, start_time = ?, end_time = ?,"
                    " on_date = ?, recurrence = ?, exceptions = ?, source_uid = ?,"
                    " source_calendar = ? WHERE id = ?",
                    (
                        *self._block_values(block),
                        block.source_uid,
                        block.source_calendar,
                        block.id,
                    ),
                    f"there is no block {block.id}",
                )
            for block in new:
                cursor = db.execute(
                    "INSERT INTO blocks (kind, title, start_time, end_time, on_date,"
                    " recurrence, exceptions, source_uid, source_calendar)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*self._block_values(block), block.source_uid, block.source_calendar),
                )
                assert cursor.lastrowid is not None
                added.append(replace(block, id=cursor.lastrowid))
        return added

    def update_block(self, block: Block) -> None:
        """Replace the stored block with the same id.

        Raises:
            NotFoundError: No block has that id.
        """
        with self._write() as db:
            _update_one(
                db,
                "UPDATE blocks SET kind = ?, title = ?, start_time = ?, end_time = ?,"
                " on_date = ?, recurrence = ?, exceptions = ? WHERE id = ?",
                (*self._block_values(block), block.id),
                f"there is no block {block.id}",
            )

    def remove_block(self, block_id: int) -> bool:
        """Delete a block; ``False`` if there was none with that id."""
        with self._write() as db:
            return db.execute("DELETE FROM blocks WHERE id = ?", (block_id,)).rowcount == 1

    @staticmethod
    def _block_values(block: Block) -> tuple[Any, ...]:
        return (
            block.kind.value,
            block.title,
            block.start.isoformat(),
            block.end.isoformat(),
            block.on_date.isoformat() if block.on_date else None,
            _recurrence_json(block.recurrence),
            _exceptions_json(block.exceptions),
        )

    # Calendar subscriptions ---------------------------------------------------------------

    def list_subscriptions(self) -> list[Subscription]:
        """Every calendar the app follows, in the order they were added."""
        rows = self._db.execute(
            "SELECT s.*, l.user FROM calendar_subscriptions AS s"
            " LEFT JOIN subscription_logins AS l ON l.subscription_id = s.id ORDER BY s.id"
        ).fetchall()
        return [
            Subscription(
                source=row["source"],
                busy_kind=BlockKind(row["busy_kind"]),
                every_minutes=row["every_minutes"],
                name=row["name"],
                id=row["id"],
                user=row["user"] or "",
            )
            for row in rows
        ]

    def add_subscription(self, subscription: Subscription, at: datetime) -> Subscription:
        """Follow a calendar (with its CalDAV user name, if any); returns it with its id.

        Raises:
            StoreError: The same source is followed already (the message says which).
        """
        with self._write() as db:
            if db.execute(
                "SELECT 1 FROM calendar_subscriptions WHERE source = ?", (subscription.source,)
            ).fetchone():
                raise StoreError(
                    f"{subscription.source} is followed already; see 'focus-app calendar list'"
                )
            cursor = db.execute(
                "INSERT INTO calendar_subscriptions (name, source, busy_kind,"
                " every_minutes, added_at) VALUES (?, ?, ?, ?, ?)",
                (
                    subscription.name,
                    subscription.source,
                    subscription.busy_kind.value,
                    subscription.every_minutes,
                    _instant(at),
                ),
            )
            if subscription.user:
                db.execute(
                    "INSERT INTO subscription_logins (subscription_id, user) VALUES (?, ?)",
                    (cursor.lastrowid, subscription.user),
                )
        assert cursor.lastrowid is not None
        return replace(subscription, id=cursor.lastrowid)

    def remove_subscription(self, subscription_id: int) -> int | None:
        """Stop following a calendar and delete its blocks, in one transaction.

        Returns:
            How many blocks went with it, or ``None`` when there was no such subscription.
        """
        with self._write() as db:
            db.execute(
                "DELETE FROM subscription_logins WHERE subscription_id = ?", (subscription_id,)
            )
            gone = db.execute(
                "DELETE FROM calendar_subscriptions WHERE id = ?", (subscription_id,)
            ).rowcount
            if not gone:
                return None
            return db.execute(
                "DELETE FROM blocks WHERE source_calendar = ?", (calendar_key(subscription_id),)
            ).rowcount

    # CalDAV links ------------------------------------------------------------------------

    def list_caldav_links(self) -> list[CalDavLink]:
        """Every CalDAV calendar the app publishes to or syncs with, oldest first."""
        rows = self._db.execute("SELECT * FROM caldav_links ORDER BY id").fetchall()
        return [
            CalDavLink(
                url=row["url"], user=row["user"], mode=row["mode"],
                focus_as_busy=bool(row["focus_as_busy"]), id=row["id"],
            )
            for row in rows
        ]

    def add_caldav_link(self, link: CalDavLink, at: datetime) -> CalDavLink:
        """Store a link; returns it with its id.

        Raises:
            StoreError: The calendar is linked already (the message says which).
        """
        with self._write() as db:
            if db.execute("SELECT 1 FROM caldav_links WHERE url = ?", (link.url,)).fetchone():
                raise StoreError(f"{link.url} is linked already; see 'focus-app calendar list'")
            cursor = db.execute(
                "INSERT INTO caldav_links (url, user, mode, focus_as_busy, added_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (link.url, link.user, link.mode, int(link.focus_as_busy), _instant(at)),
            )
        assert cursor.lastrowid is not None
        return replace(link, id=cursor.lastrowid)

    def remove_caldav_link(self, link_id: int) -> bool:
        """Forget a link and its sync state (the blocks and the server's events stay)."""
        with self._write() as db:
            db.execute("DELETE FROM caldav_items WHERE link_id = ?", (link_id,))
            return db.execute("DELETE FROM caldav_links WHERE id = ?", (link_id,)).rowcount > 0

    def caldav_items(self, link_id: int) -> dict[str, SyncedItem]:
        """What was last agreed with the server, by event UID."""
        rows = self._db.execute(
            "SELECT uid, block_id, etag, digest FROM caldav_items WHERE link_id = ?", (link_id,)
        ).fetchall()
        return {
            row["uid"]: SyncedItem(row["block_id"], row["etag"], row["digest"]) for row in rows
        }

    def save_caldav_items(
        self, link_id: int, items: dict[str, SyncedItem | None]
    ) -> None:
        """Record (or, for ``None``, forget) agreed items, in one transaction."""
        if not items:
            return
        with self._write() as db:
            db.executemany(
                "DELETE FROM caldav_items WHERE link_id = ? AND uid = ?",
                [(link_id, uid) for uid, item in items.items() if item is None],
            )
            db.executemany(
                "INSERT OR REPLACE INTO caldav_items (link_id, uid, block_id, etag, digest)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (link_id, uid, item.block_id, item.etag, item.digest)
                    for uid, item in items.items() if item is not None
                ],
            )

    # Rules -------------------------------------------------------------------------------

    def list_rules(self) -> list[Rule]:
        """Every rule in evaluation order (first match wins)."""
        rows = self._db.execute("SELECT * FROM rules ORDER BY position, id").fetchall()
        return [_rule_from(row) for row in rows]

    def add_rule(self, rule: Rule, position: int | None = None) -> Rule:
        """Store a new rule at ``position`` (0 = first; ``None`` or past the end = last).

        Returns:
            The rule with its id.
        """
        with self._write() as db:
            count = db.execute("SELECT count(*) FROM rules").fetchone()[0]
            where = count if position is None else max(0, min(position, count))
            db.execute("UPDATE rules SET position = position + 1 WHERE position >= ?", (where,))
            cursor = db.execute(
                "INSERT INTO rules (position, name, enabled, action, match_sender,"
                " match_source, match_urgency, match_keywords, match_time_sensitive)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (where, *self._rule_values(rule)),
            )
        assert cursor.lastrowid is not None
        return replace(rule, id=cursor.lastrowid)

    def update_rule(self, rule: Rule) -> None:
        """Replace the stored rule with the same id, keeping its position.

        Raises:
            NotFoundError: No rule has that id.
        """
        with self._write() as db:
            _update_one(
                db,
                "UPDATE rules SET name = ?, enabled = ?, action = ?, match_sender = ?,"
                " match_source = ?, match_urgency = ?, match_keywords = ?,"
                " match_time_sensitive = ? WHERE id = ?",
                (*self._rule_values(rule), rule.id),
                f"there is no rule {rule.id}",
            )

    def remove_rule(self, rule_id: int) -> bool:
        """Delete a rule and close the gap; ``False`` if there was none with that id."""
        with self._write() as db:
            row = db.execute("SELECT position FROM rules WHERE id = ?", (rule_id,)).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM rules WHERE id = ?", (rule_id,))
            db.execute("UPDATE rules SET position = position - 1 WHERE position > ?", (row[0],))
            return True

    def move_rule(self, rule_id: int, new_position: int) -> None:
        """Move a rule to ``new_position`` (0 = first, clamped), shifting the others.

        Raises:
            NotFoundError: No rule has that id.
        """
        with self._write() as db:
            row = db.execute("SELECT position FROM rules WHERE id = ?", (rule_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"there is no rule {rule_id}")
            old = row[0]
            count = db.execute("SELECT count(*) FROM rules").fetchone()[0]
            new = max(0, min(new_position, count - 1))
            if new > old:
                db.execute(
                    "UPDATE rules SET position = position - 1 WHERE position > ? AND position <= ?",
                    (old, new),
                )
            elif new < old:
                db.execute(
                    "UPDATE rules SET position = position + 1 WHERE position >= ? AND position < ?",
                    (new, old),
                )
            db.execute("UPDATE rules SET position = ? WHERE id = ?", (new, rule_id))

    @staticmethod
    def _rule_values(rule: Rule) -> tuple[Any, ...]:
        match = rule.match
        return (
            rule.name,
            int(rule.enabled),
            rule.action.value,
            match.sender,
            match.source,
            match.urgency.value if match.urgency else None,
            json.dumps(list(match.keywords)),
            None if match.time_sensitive is None else int(match.time_sensitive),
        )

    # Overrides ---------------------------------------------------------------------------

    def get_override(self) -> Override | None:
        """The current override, if one is set (it may have run out: check ``active_at``)."""
        row = self._db.execute(
            "SELECT overrides.* FROM current_override"
            " JOIN overrides ON overrides.id = current_override.override_id"
        ).fetchone()
        return None if row is None else _override_from(row)

    def set_override(self, override: Override) -> None:
        """Make ``override`` the current one and log it.

        A current override that is replaced before its end is logged as ended when the
        new one starts.
        """
        with self._write() as db:
            self._end_current(db, override.starts)
            cursor = db.execute(
                "INSERT INTO overrides (mode, starts, starts_ts, until, reason)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    override.mode.value,
                    _instant(override.starts),
                    _ts(override.starts),
                    _instant(override.until),
                    override.reason,
                ),
            )
            db.execute(
                "INSERT OR REPLACE INTO current_override (only_row, override_id) VALUES (1, ?)",
                (cursor.lastrowid,),
            )

    def clear_override(self, at: datetime | None = None) -> None:
        """Drop the current override (back to the schedule).

        Args:
            at: When the user resumed; logged as the override's end if it is earlier
                than the planned one. Defaults to the system clock.
        """
        at = at if at is not None else datetime.now().astimezone()
        with self._write() as db:
            self._end_current(db, at)
            db.execute("DELETE FROM current_override")

    @staticmethod
    def _end_current(db: sqlite3.Connection, at: datetime) -> None:
        row = db.execute(
            "SELECT overrides.id, overrides.until FROM current_override"
            " JOIN overrides ON overrides.id = current_override.override_id"
        ).fetchone()
        if row is not None and _ts(at) < _ts(datetime.fromisoformat(row["until"])):
            db.execute("UPDATE overrides SET ended_at = ? WHERE id = ?", (_instant(at), row["id"]))

    def override_history(self, since: datetime, until: datetime) -> list[OverrideRecord]:
        """Overrides that started in ``[since, until)``, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM overrides WHERE starts_ts >= ? AND starts_ts < ? ORDER BY starts_ts",
            (_ts(since), _ts(until)),
        ).fetchall()
        return [OverrideRecord(_override_from(r), _parse_instant(r["ended_at"])) for r in rows]

    # Notifications -----------------------------------------------------------------------

    def add_queued(self, notification: Notification, key: str | None = None) -> int:
        """Store a notification no engine has decided yet (the CLI, app not running).

        Args:
            notification: The notification.
            key: The send's idempotency key; a key stored already returns that item's id
                and stores nothing.

        Returns:
            Its id. The item is durable when this returns.
        """
        with self._write() as db:
            if key is not None:
                row = db.execute(
                    "SELECT id FROM notifications WHERE send_key = ?", (key,)
                ).fetchone()
                if row is not None:
                    found: int = row[0]
                    return found
            return self._insert_notification(db, notification, Status.QUEUED, None, key)

    def sent_before(self, keys: Iterable[str]) -> dict[str, SentBefore]:
        """The sends among ``keys`` that were stored already, with their first decision."""
        found: dict[str, SentBefore] = {}
        for key in set(keys):
            row = self._db.execute(
                "SELECT n.id, n.status, d.outcome, d.reason, d.release_at, d.breakthrough,"
                " d.rule_id, d.paced FROM notifications n LEFT JOIN decisions d"
                " ON d.id = (SELECT min(id) FROM decisions WHERE notification_id = n.id)"
                " WHERE n.send_key = ?",
                (key,),
            ).fetchone()
            if row is None:
                continue
            decision = (
                None
                if row["outcome"] is None
                else Decision(
                    outcome=Outcome(row["outcome"]),
                    reason=row["reason"],
                    release_at=_parse_instant(row["release_at"]),
                    breakthrough=bool(row["breakthrough"]),
                    rule_id=row["rule_id"],
                    paced=bool(row["paced"]),
                )
            )
            found[key] = SentBefore(row["id"], Status(row["status"]), decision)
        return found

    def take_queued(self) -> list[Notification]:
        """The queued notifications, oldest first.

        They stay queued until :meth:`decide_queued`, so a crash in between loses none.
        """
        rows = self._db.execute(
            "SELECT * FROM notifications WHERE status = 'queued' ORDER BY received_ts, id"
        ).fetchall()
        return [_notification_from(row) for row in rows]

    def record(
        self,
        notification: Notification,
        decision: Decision,
        mode: Mode,
        decided_at: datetime | None = None,
    ) -> int:
        """Store a notification with the gate's decision, in one committed transaction.

        Args:
            notification: The new notification (its ``id`` must be ``None``).
            decision: The gate's verdict; the status follows its outcome.
            mode: The mode in force when deciding.
            decided_at: When it was decided; defaults to the notification's arrival.

        Returns:
            The notification's id. It is durable when this returns, so the sender may
            be told "held" right after.
        """
        return self.record_many([(notification, decision, mode)], decided_at)[0]

    def record_many(
        self,
        items: Sequence[tuple[Notification, Decision, Mode]],
        decided_at: datetime | None = None,
        keys: Sequence[str | None] | None = None,
    ) -> list[int]:
        """Like :meth:`record` for a batch, all in one transaction: all or none.

        The IPC server groups concurrent sends into one batch, which costs one commit
        instead of one per notification.

        Args:
            items: The notifications with their decisions.
            decided_at: When they were decided; defaults to each one's arrival.
            keys: Each send's idempotency key (or ``None``), parallel to ``items``. The
                caller filters out keys stored already (:meth:`sent_before`); a repeat
                that slips through raises ``sqlite3.IntegrityError`` and stores nothing.
        """
        ids: list[int] = []
        send_keys = list(keys) if keys is not None else [None] * len(items)
        with self._write() as db:
            for (notification, decision, mode), key in zip(items, send_keys, strict=True):
                if notification.id is not None:
                    raise ValueError(
                        f"notification {notification.id} is already stored; "
                        "use decide_queued to decide a queued one"
                    )
                nid = self._insert_notification(
                    db, notification, _STATUS_OF_OUTCOME[decision.outcome], decision, key
                )
                when = decided_at if decided_at is not None else notification.received_at
                self._insert_decision(db, nid, decision, mode, when)
                ids.append(nid)
        return ids

    def decide_queued(
        self,
        notification_id: int,
        decision: Decision,
        mode: Mode,
        decided_at: datetime | None = None,
    ) -> None:
        """Turn a queued notification into its decision (with the same history row).

        Args:
            notification_id: A queued notification.
            decision: The gate's verdict.
            mode: The mode in force when deciding.
            decided_at: When it was decided; defaults to the system clock.

        Raises:
            NotFoundError: No queued notification has that id (unknown or decided).
        """
        when = decided_at if decided_at is not None else datetime.now().astimezone()
        with self._write() as db:
            _update_one(
                db,
                "UPDATE notifications SET status = ?, reason = ?, release_at = ?,"
                " release_ts = ?, paced = ?, status_at = ? WHERE id = ? AND status = 'queued'",
                (
                    _STATUS_OF_OUTCOME[decision.outcome].value,
                    decision.reason,
                    *self._release_values(decision),
                    int(decision.paced),
                    _instant(when),
                    notification_id,
                ),
                f"there is no queued notification {notification_id}",
            )
            self._insert_decision(db, notification_id, decision, mode, when)

    @staticmethod
    def _release_values(decision: Decision | None) -> tuple[str | None, float | None]:
        if decision is None or decision.outcome is not Outcome.HELD:
            return None, None
        release = decision.release_at
        return _opt_instant(release), None if release is None else _ts(release)

    @classmethod
    def _insert_notification(
        cls,
        db: sqlite3.Connection,
        n: Notification,
        status: Status,
        decision: Decision | None,
        key: str | None = None,
    ) -> int:
        cursor = db.execute(
            "INSERT INTO notifications (title, body, sender, source, urgency, time_sensitive,"
            " received_at, received_ts, status, reason, release_at, release_ts, paced,"
            " program, origin, app_icon, category, send_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                n.title,
                n.body,
                n.sender,
                n.source,
                n.urgency.value,
                int(n.time_sensitive),
                _instant(n.received_at),
                _ts(n.received_at),
                status.value,
                decision.reason if decision else "",
                *cls._release_values(decision),
                int(decision.paced) if decision else 0,
                n.program or None,
                n.origin,
                n.app_icon,
                n.category,
                key,
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @staticmethod
    def _insert_decision(
        db: sqlite3.Connection, nid: int, decision: Decision, mode: Mode, at: datetime
    ) -> None:
        db.execute(
            "INSERT INTO decisions (notification_id, decided_at, decided_ts, outcome, reason,"
            " release_at, mode, breakthrough, rule_id, paced)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                nid,
                _instant(at),
                _ts(at),
                decision.outcome.value,
                decision.reason,
                _opt_instant(decision.release_at),
                mode.value,
                int(decision.breakthrough),
                decision.rule_id,
                int(decision.paced),
            ),
        )

    def held_fingerprint(self, up_to_id: int) -> tuple[int, int, int]:
        """(count, sum of ids, sum of reason lengths) of the held notifications with an id
        up to ``up_to_id``: the inbox checks its rows are still exactly these before it
        only appends newer ones (a release, a put-back or a new reason changes it)."""
        row = self._db.execute(
            "SELECT count(*), total(id), total(length(reason)) FROM notifications"
            " WHERE status = 'held' AND id <= ?",
            (up_to_id,),
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def held(
        self, release_due_before: datetime | None = None, *, after_id: int | None = None
    ) -> list[HeldItem]:
        """Held notifications, oldest first.

        Args:
            release_due_before: Only those due out at or before this instant; items
                without a release time are waiting for the next chance and count as due.
                ``None`` returns every held item.
            after_id: Only those stored after the notification with this id (the inbox
                adds a flood's new items without reading every held one again).
        """
        # The mode of the latest decision: what the item was held for (a focus block,
        # off-time, or a hold rule while available), so release can follow the mode.
        sql = (
            "SELECT *, (SELECT mode FROM decisions d WHERE d.notification_id ="
            " notifications.id ORDER BY d.id DESC LIMIT 1) AS held_in"
            " FROM notifications WHERE status = 'held'"
        )
        params: tuple[Any, ...] = ()
        if release_due_before is not None:
            sql += " AND (release_ts IS NULL OR release_ts <= ?)"
            params = (_ts(release_due_before),)
        if after_id is not None:
            sql += " AND id > ?"
            params = (*params, after_id)
        rows = self._db.execute(sql + " ORDER BY received_ts, id", params).fetchall()
        return [
            HeldItem(
                notification=_notification_from(row),
                reason=row["reason"],
                release_at=_parse_instant(row["release_at"]),
                paced=bool(row["paced"]),
                delivery_error=row["delivery_error"],
                held_in=Mode(row["held_in"]) if row["held_in"] else None,
            )
            for row in rows
        ]

    def next_release_after(self, after: datetime) -> datetime | None:
        """The earliest ``release_at`` of a held item later than ``after`` (engine wake-ups).

        One indexed query instead of loading every held item: the engine asks after each
        batch of notifications.
        """
        row = self._db.execute(
            "SELECT release_at FROM notifications WHERE status = 'held' AND release_ts > ?"
            " ORDER BY release_ts LIMIT 1",
            (_ts(after),),
        ).fetchone()
        return _parse_instant(row["release_at"]) if row is not None else None

    def held_count(self) -> int:
        """How many notifications are held (the number on the tray icon)."""
        row = self._db.execute("SELECT count(*) FROM notifications WHERE status = 'held'")
        count: int = row.fetchone()[0]
        return count

    def mark_released(self, ids: Iterable[int], at: datetime) -> int:
        """Mark held notifications as shown (in a digest or by hand).

        Returns:
            How many were held and are now released (others are left alone).
        """
        return self._change_status(ids, (Status.HELD,), Status.RELEASED, at)

    def hold_again(self, ids: Iterable[int], release_at: datetime, reason: str) -> int:
        """Put shown notifications back on hold until ``release_at`` (a snoozed digest).

        Returns:
            How many were released or delivered and are held again.
        """
        id_list = list(ids)
        if not id_list:
            return 0
        with self._write() as db:
            cursor = db.executemany(
                "UPDATE notifications SET status = 'held', reason = ?, release_at = ?,"
                " release_ts = ?, paced = 0 WHERE id = ? AND status IN ('released', 'delivered')",
                [(reason, _instant(release_at), _ts(release_at), nid) for nid in id_list],
            )
            return cursor.rowcount

    def dismiss(self, ids: Iterable[int], at: datetime | None = None) -> int:
        """Drop held (or queued) notifications without showing them.

        Returns:
            How many were dismissed.
        """
        at = at if at is not None else datetime.now().astimezone()
        return self._change_status(ids, (Status.HELD, Status.QUEUED), Status.DISMISSED, at)

    def _change_status(
        self, ids: Iterable[int], old: tuple[Status, ...], new: Status, at: datetime
    ) -> int:
        id_list = list(ids)
        if not id_list:
            return 0
        stamp = _instant(at)
        with self._write() as db:
            cursor = db.executemany(
                "UPDATE notifications SET status = ?, status_at = ?"
                " WHERE id = ? AND status IN (?, ?)",
                # The IN list always has two slots; a single old status fills both.
                [(new.value, stamp, nid, old[0].value, old[-1].value) for nid in id_list],
            )
            return cursor.rowcount

    def mark_delivered_failed(self, notification_id: int, error: str) -> None:
        """Record that showing a notification on the desktop failed, and keep it.

        A delivered or released item that never reached the screen goes back to held
        (due at the next chance), so it shows up in the inbox and the next digest
        instead of being lost; the error is kept for the inbox and the log.

        Raises:
            NotFoundError: No notification has that id.
        """
        with self._write() as db:
            _update_one(
                db,
                "UPDATE notifications SET delivery_error = ?,"
                " status = CASE WHEN status IN ('delivered', 'released') THEN 'held'"
                " ELSE status END,"
                " release_at = CASE WHEN status IN ('delivered', 'released') THEN NULL"
                " ELSE release_at END,"
                " release_ts = CASE WHEN status IN ('delivered', 'released') THEN NULL"
                " ELSE release_ts END"
                " WHERE id = ?",
                (error, notification_id),
                f"there is no notification {notification_id}",
            )

    def put_back(self, ids: Iterable[int], error: str, *, refused: bool = False) -> int:
        """Showing these released or delivered items definitely failed: hold them again.

        The engine marks items released *before* it hands them to the notification
        server (a crash or a slow server then counts as shown, never as shown twice);
        this undoes that for a definite failure, in one transaction.

        Args:
            ids: The items that were not shown.
            error: Why, one line (kept for the inbox and the log).
            refused: The server refused these very items (not: was absent); they are
                left out of automatic digests from now on (see :data:`REFUSED_PREFIX`).

        Returns:
            How many went back to held.
        """
        id_list = list(ids)
        if not id_list:
            return 0
        stored_error = f"{REFUSED_PREFIX}{error}" if refused else error
        with self._write() as db:
            cursor = db.executemany(
                "UPDATE notifications SET status = 'held', delivery_error = ?,"
                " release_at = NULL, release_ts = NULL"
                " WHERE id = ? AND status IN ('held', 'released', 'delivered')",
                [(stored_error, nid) for nid in id_list],
            )
            return cursor.rowcount

    def get_notification(self, notification_id: int) -> Notification | None:
        """One notification by id, or ``None``."""
        row = self._db.execute(
            "SELECT * FROM notifications WHERE id = ?", (notification_id,)
        ).fetchone()
        return None if row is None else _notification_from(row)

    def notification_status(self, notification_id: int) -> Status | None:
        """Where a notification is in its life, or ``None`` if there is no such id."""
        row = self._db.execute(
            "SELECT status FROM notifications WHERE id = ?", (notification_id,)
        ).fetchone()
        return None if row is None else Status(row[0])

    def history(self, since: datetime, until: datetime) -> list[HistoryEntry]:
        """Decisions made in ``[since, until)`` with their notifications, oldest first."""
        rows = self._db.execute(
            "SELECT n.*, d.decided_at, d.outcome, d.reason AS d_reason,"
            " d.release_at AS d_release_at, d.mode, d.breakthrough, d.rule_id,"
            " d.paced AS d_paced,"
            " (SELECT verdict FROM feedback f WHERE f.notification_id = n.id"
            "  ORDER BY f.id DESC LIMIT 1) AS verdict"
            " FROM decisions d JOIN notifications n ON n.id = d.notification_id"
            " WHERE d.decided_ts >= ? AND d.decided_ts < ? ORDER BY d.decided_ts, d.id",
            (_ts(since), _ts(until)),
        ).fetchall()
        return [
            HistoryEntry(
                notification=_notification_from(row),
                decision=Decision(
                    outcome=Outcome(row["outcome"]),
                    reason=row["d_reason"],
                    release_at=_parse_instant(row["d_release_at"]),
                    breakthrough=bool(row["breakthrough"]),
                    rule_id=row["rule_id"],
                    paced=bool(row["d_paced"]),
                ),
                mode=Mode(row["mode"]),
                decided_at=datetime.fromisoformat(row["decided_at"]),
                status=Status(row["status"]),
                feedback=Verdict(row["verdict"]) if row["verdict"] else None,
            )
            for row in rows
        ]

    def add_feedback(self, notification_id: int, verdict: Verdict | str, at: datetime) -> int:
        """Record "this should have reached me" / "this could wait" for the review.

        Raises:
            ValueError: ``verdict`` is not one of :class:`Verdict`.
            NotFoundError: No notification has that id.
        """
        try:
            verdict = Verdict(verdict)
        except ValueError:
            allowed = ", ".join(v.value for v in Verdict)
            raise ValueError(f"unknown verdict {verdict!r}; use one of {allowed}") from None
        with self._write() as db:
            if (
                db.execute(
                    "SELECT 1 FROM notifications WHERE id = ?", (notification_id,)
                ).fetchone()
                is None
            ):
                raise NotFoundError(f"there is no notification {notification_id}")
            cursor = db.execute(
                "INSERT INTO feedback (notification_id, verdict, at) VALUES (?, ?, ?)",
                (notification_id, verdict.value, _instant(at)),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    # History view, digests, retention -----------------------------------------------------

    def history_page(
        self,
        where: HistoryFilter = HistoryFilter(),
        *,
        after: HistoryCursor | None = None,
        limit: int = HISTORY_PAGE,
    ) -> list[HistoryRow]:
        """One page of the history, newest first, after ``after`` (keyset pagination).

        Pages by ``(received_ts, id)`` instead of ``OFFSET``: page 5,000 costs what page 1
        costs, and rows arriving meanwhile neither shift nor repeat the later pages. Each
        filter has an index in that order (received time, program-or-source, sender), so
        a page reads about ``limit`` rows; only text search (and a decision filter that
        matches few rows) reads further, in order, until the page is full.

        Args:
            where: The filter.
            after: The ``cursor`` of the last row of the previous page, ``None`` for the first.
            limit: At most this many rows.
        """
        clauses, params = self._history_where(where)
        if after is not None:
            clauses.append("(n.received_ts, n.id) < (?, ?)")
            params += [after.received_ts, after.id]
        sql = (
            "SELECT n.*, d.outcome, d.reason AS d_reason, d.decided_at, d.breakthrough,"
            " p.display_name AS program_name,"
            " (SELECT verdict FROM feedback f WHERE f.notification_id = n.id"
            "  ORDER BY f.id DESC LIMIT 1) AS verdict"
            " FROM notifications n"
            " LEFT JOIN decisions d ON d.id ="
            "  (SELECT max(id) FROM decisions WHERE notification_id = n.id)"
            " LEFT JOIN programs p ON p.key = n.program"
            f" WHERE {' AND '.join(clauses) or '1'}"
            " ORDER BY n.received_ts DESC, n.id DESC LIMIT ?"
        )
        rows = self._db.execute(sql, (*params, limit)).fetchall()
        return [_history_row_from(row) for row in rows]

    @staticmethod
    def _history_where(where: HistoryFilter) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if where.since is not None:
            clauses.append("n.received_ts >= ?")
            params.append(_ts(where.since))
        if where.until is not None:
            clauses.append("n.received_ts < ?")
            params.append(_ts(where.until))
        if where.program is not None:
            # The same expression as the index notifications_origin_key, so it is used.
            clauses.append("coalesce(n.program, n.source) = ?")
            params.append(where.program)
        if where.sender is not None:
            clauses.append("n.sender = ?")
            params.append(where.sender)
        if where.digest_id is not None:
            clauses.append(
                "n.id IN (SELECT notification_id FROM digest_items WHERE digest_id = ?)"
            )
            params.append(where.digest_id)
        for word in where.text.split():
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern += "%"
            clauses.append(
                "(n.title LIKE ? ESCAPE '\\' OR n.body LIKE ? ESCAPE '\\'"
                " OR n.sender LIKE ? ESCAPE '\\')"
            )
            params += [pattern, pattern, pattern]
        decision = where.decision
        if decision in ("delivered", "held", "muted"):
            clauses.append("d.outcome = ?")
            params.append(decision)
        elif decision == "breakthrough":
            clauses.append("d.breakthrough = 1")
        elif decision == "waiting":
            clauses.append("n.status = 'held'")
        elif decision in ("released", "dismissed"):
            clauses.append("n.status = ?")
            params.append(decision)
        return clauses, params

    def history_count(self, where: HistoryFilter = HistoryFilter()) -> int:
        """How many rows ``where`` matches (reads them all: for small ranges and tests)."""
        clauses, params = self._history_where(where)
        row = self._db.execute(
            "SELECT count(*) FROM notifications n"
            " LEFT JOIN decisions d ON d.id ="
            "  (SELECT max(id) FROM decisions WHERE notification_id = n.id)"
            f" WHERE {' AND '.join(clauses) or '1'}",
            params,
        ).fetchone()
        count: int = row[0]
        return count

    def history_choices(
        self, since: datetime | None, until: datetime | None, limit: int = 200
    ) -> tuple[list[tuple[str, str]], list[str]]:
        """The programs and senders seen in a range, most frequent first (the filter menus).

        Returns:
            ``([(program key or source, display label), ...], [sender, ...])``, at most
            ``limit`` of each, empty names left out.
        """
        lo = _ts(since) if since is not None else float("-inf")
        hi = _ts(until) if until is not None else float("inf")
        programs = self._db.execute(
            "SELECT coalesce(n.program, n.source) AS k, max(p.display_name) AS name,"
            " count(*) AS c FROM notifications n LEFT JOIN programs p ON p.key = n.program"
            " WHERE n.received_ts >= ? AND n.received_ts < ? AND k <> ''"
            " GROUP BY k ORDER BY c DESC, k LIMIT ?",
            (lo, hi, limit),
        ).fetchall()
        senders = self._db.execute(
            "SELECT sender, count(*) AS c FROM notifications"
            " WHERE received_ts >= ? AND received_ts < ? AND sender <> ''"
            " GROUP BY sender ORDER BY c DESC, sender LIMIT ?",
            (lo, hi, limit),
        ).fetchall()
        return (
            [(row["k"], row["name"] or row["k"]) for row in programs],
            [row["sender"] for row in senders],
        )

    def add_digest(
        self,
        kind: str,
        title: str,
        ids: Sequence[int],
        at: datetime,
        server_id: int | None = None,
    ) -> int:
        """Remember which items a digest (or pacing summary) showed; returns its id.

        Its "Open inbox" action opens exactly these items, also after a restart.

        Raises:
            ValueError: ``kind`` is not ``digest`` or ``summary``.
        """
        if kind not in ("digest", "summary"):
            raise ValueError(f"unknown digest kind {kind!r}; use 'digest' or 'summary'")
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO digests (kind, title, shown_at, shown_ts, server_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (kind, title, _instant(at), _ts(at), server_id or None),
            )
            digest_id = cursor.lastrowid
            assert digest_id is not None
            db.executemany(
                "INSERT OR IGNORE INTO digest_items (digest_id, notification_id)"
                " SELECT ?, id FROM notifications WHERE id = ?",
                [(digest_id, nid) for nid in ids],
            )
        return digest_id

    def set_digest_server_id(self, digest_id: int, server_id: int) -> None:
        """The notification server answered late with its id for the digest."""
        with self._write() as db:
            db.execute(
                "UPDATE digests SET server_id = ? WHERE id = ?", (server_id or None, digest_id)
            )

    def forget_digest(self, digest_id: int) -> None:
        """The digest was never shown (the server refused it late): drop the record."""
        with self._write() as db:
            db.execute("DELETE FROM digests WHERE id = ?", (digest_id,))

    def digest_for_server_id(self, server_id: int) -> DigestRecord | None:
        """The newest digest the notification server knows as ``server_id``, or ``None``.

        Servers count ids from 1 again when they restart; the newest digest with the id
        is the one on screen.
        """
        row = self._db.execute(
            "SELECT id FROM digests WHERE server_id = ? ORDER BY id DESC LIMIT 1", (server_id,)
        ).fetchone()
        return None if row is None else self.get_digest(row[0])

    def get_digest(self, digest_id: int) -> DigestRecord | None:
        """One digest by id (with how many of its items are still kept), or ``None``."""
        row = self._db.execute(
            "SELECT g.*, (SELECT count(*) FROM digest_items i WHERE i.digest_id = g.id)"
            " AS item_count FROM digests g WHERE g.id = ?",
            (digest_id,),
        ).fetchone()
        if row is None:
            return None
        return DigestRecord(
            id=row["id"],
            kind=row["kind"],
            title=row["title"],
            shown_at=datetime.fromisoformat(row["shown_at"]),
            server_id=row["server_id"],
            count=row["item_count"],
        )

    def digest_items(self, digest_id: int) -> list[int]:
        """The ids of a digest's items that are still kept, in id order."""
        rows = self._db.execute(
            "SELECT notification_id FROM digest_items WHERE digest_id = ?"
            " ORDER BY notification_id",
            (digest_id,),
        ).fetchall()
        return [row[0] for row in rows]

    def has_compactable(self, cutoff: datetime) -> bool:
        """Whether :meth:`compact_history` has work before ``cutoff`` (one indexed look)."""
        return self._oldest_compactable(_ts(cutoff)) is not None

    def _oldest_compactable(self, before_ts: float) -> float | None:
        # Walks the decisions index from the oldest; after a full run only the few items
        # kept as rows (still held) are passed over.
        row = self._db.execute(
            "SELECT d.decided_ts FROM decisions d JOIN notifications n"
            " ON n.id = d.notification_id WHERE d.decided_ts < ?"
            " AND n.status NOT IN ('held', 'queued') ORDER BY d.decided_ts LIMIT 1",
            (before_ts,),
        ).fetchone()
        return None if row is None else float(row[0])

    def compact_history(
        self, cutoff: datetime, tz: tzinfo, schedule: Schedule, *, max_rows: int = 5000
    ) -> int:
        """One step of retention: fold the oldest week before ``cutoff`` into its review
        figures and delete up to ``max_rows`` of its notifications; call until it returns 0.

        A week is folded whole, the first time it is touched: its review
        (:func:`~focus_app.core.review.build_review` with ``schedule`` and the overrides,
        which are kept) becomes one :class:`~focus_app.core.review.WeekTotals` row in
        ``week_reviews``, written in the same transaction as the first deletions, so the
        review of the week (:meth:`review_week`) never counts an item twice or misses
        one. Items still held or queued are never touched (nothing held is ever lost):
        their ids are kept with the totals, and a later run folds them in once they are
        released or dismissed. The figures are computed before the write lock is taken
        (a week's rows cannot change but for those kept ones, which stay out).

        The deletions go straight to each table by notification id with foreign-key
        checks off for the transaction (the children are deleted first, explicitly),
        which is what makes a year take seconds rather than minutes
        (docs/benchmarks.md).

        Args:
            cutoff: Whole weeks that end at or before this go (it is aligned down to
                its own week start in ``tz``).
            tz: The calendar's time zone: weeks start on its Mondays at 00:00.
            schedule: The schedule the review of a compacted week is computed with.
            max_rows: The chunk size; the write lock is held for one chunk only.

        Returns:
            How many notifications were removed.
        """
        limit = week_start(cutoff, tz)
        found = self._oldest_compactable(_ts(limit))
        if found is None:
            return 0
        monday = monday_of(datetime.fromtimestamp(found, UTC), tz)
        start, end = week_range(monday, tz)
        week = monday.isoformat()
        totals, kept = self._fold_week(monday, tz, schedule)
        kept_json = json.dumps(sorted(kept))
        self._db.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction
        try:
            with self._write() as db:
                if totals is not None:
                    _save_week(db, week, totals, kept_json)
                db.execute("CREATE TEMP TABLE IF NOT EXISTS compacting (id INTEGER PRIMARY KEY)")
                db.execute("DELETE FROM compacting")
                db.execute(
                    "INSERT OR IGNORE INTO compacting (id) SELECT notification_id FROM decisions"
                    " WHERE decided_ts >= ? AND decided_ts < ?"
                    " AND notification_id NOT IN (SELECT value FROM json_each(?))"
                    " ORDER BY decided_ts LIMIT ?",
                    (_ts(start), _ts(end), kept_json, max_rows),
                )
                for table in ("feedback", "digest_items", "decisions"):
                    db.execute(
                        f"DELETE FROM {table} WHERE notification_id IN (SELECT id FROM compacting)"
                    )
                # Foreign keys are off: do what their ON DELETE SET NULL would.
                db.execute(
                    "UPDATE requests SET notification_id = NULL"
                    " WHERE notification_id IN (SELECT id FROM compacting)"
                )
                removed = db.execute(
                    "DELETE FROM notifications WHERE id IN (SELECT id FROM compacting)"
                ).rowcount
                db.execute(
                    "DELETE FROM digests WHERE shown_ts < ? AND NOT EXISTS"
                    " (SELECT 1 FROM digest_items i WHERE i.digest_id = digests.id)",
                    (_ts(end),),
                )
                db.execute("DELETE FROM compacting")
        finally:
            self._db.execute("PRAGMA foreign_keys = ON")
        return removed

    def _fold_week(
        self, monday: date, tz: tzinfo, schedule: Schedule
    ) -> tuple[WeekTotals | None, set[int]]:
        """The week's figures to store (``None``: unchanged) and the ids it keeps as rows.

        The first time, every final item of the week is folded and the held or queued
        ones are kept; later, only kept items that became final since are folded in.
        """
        start, end = week_range(monday, tz)
        stored = self._db.execute(
            "SELECT totals, kept FROM week_reviews WHERE week = ?", (monday.isoformat(),)
        ).fetchone()
        with self._snapshot():  # the kept ids and the figures of the rest agree
            if stored is None:
                kept = self._unfinished(start, end)
                activity = self.review_activity(start, end, final_only=True,
                                                whole_minutes=True)
                return self._fold(monday, tz, schedule, activity), kept
            was = {int(i) for i in json.loads(stored["kept"])}
            kept = self._unfinished(start, end, only=was) if was else set()
            if not (newly := was - kept):
                return None, kept
            base = WeekTotals.from_json(json.loads(stored["totals"]))
            more = self._fold(monday, tz, schedule, self.review_activity(
                start, end, only=newly, final_only=True, whole_minutes=True))
            return merge_totals(base, more), kept

    def fold_history(
        self,
        cutoff: datetime,
        tz: tzinfo,
        schedule: Schedule,
        between: Callable[[], None] | None = None,
    ) -> int:
        """Store the review figures of every week before ``cutoff`` that needs it (one
        short transaction a week) without deleting anything; how many weeks were written.

        The first half of :meth:`swap_history`: once a week's figures are stored, the
        review reads them plus the kept ids only, so its other rows may go at any time.
        ``between`` runs after each week's transaction (the compactor checkpoints there).
        """
        limit = week_start(cutoff, tz)
        found = self._oldest_compactable(_ts(limit))
        if found is None:
            return 0
        monday = monday_of(datetime.fromtimestamp(found, UTC), tz)
        written = 0
        while week_range(monday, tz)[1] <= limit:
            totals, kept = self._fold_week(monday, tz, schedule)
            if totals is not None:
                with self._write() as db:
                    _save_week(db, monday.isoformat(), totals, json.dumps(sorted(kept)))
                written += 1
                if between is not None:
                    between()
            monday += timedelta(days=7)
        return written

    # Compaction by swapping tables ----------------------------------------------------
    #
    # Deleting a notification costs an entry in each of the eleven b-trees its rows live
    # in (~5 µs); when most of the history goes at once (a year), copying the few rows
    # that stay into fresh tables and swapping them in costs in proportion to what
    # stays. The steps, each a short transaction of its own so the app's writes get
    # through between them (retention.swap_out runs them):
    #
    # 1. fold_history: every week's review figures are stored (the review of a week
    #    with stored figures reads only the ids it keeps, so its other rows may go).
    # 2. begin_swap: fresh tables ``<table>__new`` with every index (named
    #    ``<index>__new``); copy_for_swap copies the rows to keep, a chunk at a time.
    # 3. swap_history: one transaction copies what changed since (new rows, changed
    #    ones) and renames ``<table>`` to ``<table>__old`` and ``<table>__new`` to
    #    ``<table>``: a crash leaves either the old tables or the new ones.
    # 4. finish_swap: each index gets its own name back, then the old tables are
    #    emptied a chunk at a time and dropped. A crash before the swap leaves
    #    ``__new`` tables, which abandon_swap drops; one after it leaves ``__old``
    #    ones, which the next run's finish_swap goes on with.
    #
    # Queries name no index (INDEXED BY) so that they work while indexes carry their
    # ``__new`` names; a ``+`` before a column keeps the planner off its index instead.

    def worth_swapping(self, cutoff: datetime, tz: tzinfo, min_rows: int = 50_000) -> bool:
        """Whether :meth:`swap_history` would beat deleting: at least ``min_rows``
        notifications would go, and three times as many as would stay (an estimate
        from three indexed counts, read without the write lock)."""
        limit = _ts(week_start(cutoff, tz))
        with self._snapshot():
            total = self._db.execute("SELECT count(*) FROM notifications").fetchone()[0]
            stay = self._db.execute(
                "SELECT count(*) FROM decisions WHERE decided_ts >= ?", (limit,)
            ).fetchone()[0] + self._db.execute(
                "SELECT count(*) FROM notifications WHERE status IN ('held', 'queued')"
            ).fetchone()[0]
        going = total - stay
        return bool(going >= min_rows and going >= 3 * stay)

    def _all_folded(self, limit: float, tz: tzinfo) -> bool:
        """Whether every week before ``limit`` with decisions that would go has stored
        figures. A week whose items are all still held or queued has none (its rows all
        stay, and its review reads them) and needs none."""
        first = self._db.execute(
            "SELECT min(decided_ts) FROM decisions WHERE decided_ts < ?", (limit,)
        ).fetchone()[0]
        if first is None:
            return True
        monday = monday_of(datetime.fromtimestamp(first, UTC), tz)
        folded = {r[0] for r in self._db.execute("SELECT week FROM week_reviews")}
        while (span := week_range(monday, tz))[0].timestamp() < limit:
            if monday.isoformat() not in folded and self._db.execute(
                "SELECT 1 FROM decisions d JOIN notifications n ON n.id = d.notification_id"
                " WHERE d.decided_ts >= ? AND d.decided_ts < ?"
                " AND +n.status NOT IN ('held', 'queued') LIMIT 1",
                (_ts(span[0]), _ts(span[1])),
            ).fetchone():
                return False
            monday += timedelta(days=7)
        return True

    def swap_state(self) -> str:
        """``"new"`` while fresh tables are being filled (not swapped yet), ``"old"``
        while swapped-out tables or renamed indexes remain, else ``""``."""
        names = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
        if any(f"{t}__new" in names for t, _ in _HISTORY_TABLES):
            return "new"
        if any(n.endswith(("__new", "__old")) for n in names):
            return "old"
        return ""

    def abandon_swap(self) -> None:
        """Drop the fresh tables of a swap that did not happen (one transaction; they
        hold only the rows that stay, so this is quick)."""
        with self._write() as db:
            for table, _ in _HISTORY_TABLES:
                db.execute(f'DROP TABLE IF EXISTS "{table}__new"')

    def begin_swap(self, cutoff: datetime, tz: tzinfo) -> list[int]:
        """Create the fresh tables and their indexes (one transaction) and return the
        ids of the notifications to copy into them (:meth:`copy_for_swap`)."""
        db = self._db
        with self._write():
            for table, _ in _HISTORY_TABLES:
                db.execute(f'DROP TABLE IF EXISTS "{table}__new"')
                sql = db.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
                ).fetchone()[0]
                db.execute(_renamed_table(sql, table, f"{table}__new"))
                for name, index_sql in db.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                    " AND tbl_name = ? AND sql IS NOT NULL", (table,)
                ).fetchall():
                    db.execute(_index_sql(index_sql, f"{name}__new", f"{table}__new"))
        limit = _ts(week_start(cutoff, tz))
        with self._snapshot():
            return sorted(self._keep_ids(limit))

    def _keep_ids(self, limit: float) -> set[int]:
        # Anything decided since the limit, anything not final, and the ids that
        # compacted weeks keep as rows.
        rows = self._db.execute(_KEEP_IDS, (limit,)).fetchall()
        return {int(r[0]) for r in rows}

    def copy_for_swap(self, ids: Sequence[int]) -> None:
        """Copy these notifications and their rows into the fresh tables (one
        transaction); a row copied twice is replaced."""
        chosen = json.dumps(list(ids))
        with self._write() as db:
            for table, column in _HISTORY_TABLES:
                db.execute(
                    f'INSERT OR REPLACE INTO "{table}__new" SELECT * FROM {table}'
                    f" WHERE {column} IN (SELECT value FROM json_each(?))",
                    (chosen,),
                )

    def swap_history(self, cutoff: datetime, tz: tzinfo) -> int:
        """Bring the fresh tables up to date and swap them in: one transaction.

        What changed since the rows were copied (rows the app added or changed, items
        held since) is copied again, rows no longer there or no longer kept are
        removed, and the tables are renamed. Requests that named a notification that
        went lose the link (what their ``ON DELETE SET NULL`` does), digests left
        without items go.

        Returns:
            How many notifications went (0: no fresh tables, or a week before the
            cutoff has rows but no stored figures, so nothing was swapped).
        """
        limit = _ts(week_start(cutoff, tz))
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS keeping (id INTEGER PRIMARY KEY)")
        db.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction
        db.execute("PRAGMA legacy_alter_table = ON")  # renames leave other tables alone
        try:
            with self._write():
                if self.swap_state() != "new" or not self._all_folded(limit, tz):
                    return 0
                db.execute("DELETE FROM keeping")
                db.execute(f"INSERT INTO keeping (id) {_KEEP_IDS}", (limit,))
                for table, column in _HISTORY_TABLES:
                    self._catch_up(table, column)
                copied = db.execute('SELECT count(*) FROM "notifications__new"').fetchone()[0]
                for table, _ in _HISTORY_TABLES:
                    db.execute(f'ALTER TABLE {table} RENAME TO "{table}__old"')
                    db.execute(f'ALTER TABLE "{table}__new" RENAME TO {table}')
                db.execute(
                    "UPDATE requests SET notification_id = NULL WHERE notification_id"
                    " NOT IN (SELECT id FROM keeping)"
                )
                db.execute(
                    "DELETE FROM digests WHERE shown_ts < ? AND NOT EXISTS"
                    " (SELECT 1 FROM digest_items i WHERE i.digest_id = digests.id)",
                    (limit,),
                )
                db.execute("DELETE FROM keeping")
        finally:
            db.execute("PRAGMA legacy_alter_table = OFF")
            db.execute("PRAGMA foreign_keys = ON")
        # Counted outside the lock: the old table is no longer written.
        before = db.execute('SELECT count(*) FROM "notifications__old"').fetchone()[0]
        return int(before - copied)

    def _catch_up(self, table: str, column: str) -> None:
        """Make ``<table>__new`` hold exactly the kept rows of ``table`` as they are now."""
        db = self._db
        fresh = f'"{table}__new"'
        if table == "digest_items":  # WITHOUT ROWID, two columns: its key is the row
            db.execute(
                f"DELETE FROM {fresh} WHERE notification_id NOT IN (SELECT id FROM keeping)"
                " OR NOT EXISTS (SELECT 1 FROM digest_items d WHERE d.digest_id ="
                f" {fresh}.digest_id AND d.notification_id = {fresh}.notification_id)"
            )
            db.execute(
                f"INSERT OR IGNORE INTO {fresh} SELECT * FROM digest_items"
                " WHERE notification_id IN (SELECT id FROM keeping)"
            )
            return
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})").fetchall()]
        same = " AND ".join(f'x."{c}" IS t."{c}"' for c in columns)
        db.execute(
            f"DELETE FROM {fresh} WHERE {column} NOT IN (SELECT id FROM keeping)"
            f" OR NOT EXISTS (SELECT 1 FROM {table} t WHERE t.rowid = {fresh}.rowid)"
        )
        db.execute(
            f"INSERT OR REPLACE INTO {fresh} SELECT t.* FROM {table} t"
            f" WHERE t.{column} IN (SELECT id FROM keeping)"
            f" AND NOT EXISTS (SELECT 1 FROM {fresh} x WHERE x.rowid = t.rowid AND {same})"
        )

    def finish_swap(self, max_rows: int = 0) -> bool:
        """One step after :meth:`swap_history` (or a crash after one), its own short
        transaction: give one index its name back, or delete up to ``max_rows`` rows of
        a swapped-out table, or drop an emptied one. ``False`` when nothing is left."""
        db = self._db
        names = {r[0]: r[1] for r in db.execute("SELECT name, tbl_name FROM sqlite_master")}
        if any(f"{t}__new" in names for t, _ in _HISTORY_TABLES):
            return False  # not swapped yet: nothing of this to finish
        misnamed = sorted(n for n in names if n.endswith("__new"))
        old_tables = [f"{t}__old" for t, _ in _HISTORY_TABLES if f"{t}__old" in names]
        if not misnamed and not old_tables:
            return False
        # Dropping visits every page of what goes; a big page cache only slows that
        # down (a year's notifications table: 46 ms with 2 MiB, 80 ms with 64 MiB).
        cache = db.execute("PRAGMA cache_size").fetchone()[0]
        db.execute("PRAGMA cache_size = -2000")
        db.execute("PRAGMA foreign_keys = OFF")
        try:
            with self._write():
                if misnamed:
                    name = misnamed[0]
                    canonical = name.removesuffix("__new")
                    sql = db.execute(
                        "SELECT sql FROM sqlite_master WHERE name = ?", (name,)
                    ).fetchone()[0]
                    db.execute(f'DROP INDEX IF EXISTS "{canonical}"')  # the old table's
                    db.execute(_index_sql(sql, canonical, names[name]))
                    db.execute(f'DROP INDEX "{name}"')
                else:
                    table = old_tables[0]
                    gone = 0
                    if max_rows > 0 and table != "digest_items__old":  # WITHOUT ROWID
                        gone = db.execute(
                            f'DELETE FROM "{table}" WHERE rowid IN'
                            f' (SELECT rowid FROM "{table}" LIMIT ?)', (max_rows,)
                        ).rowcount
                    if gone < max_rows or max_rows <= 0:
                        # Every page of it is freed: zeroing them (secure_delete, on in
                        # Debian's SQLite) would only make the lock last longer; freed
                        # pages are reused by the next writes.
                        secure = db.execute("PRAGMA secure_delete").fetchone()[0]
                        db.execute("PRAGMA secure_delete = OFF")
                        try:
                            db.execute(f'DROP TABLE "{table}"')
                        finally:
                            db.execute(f"PRAGMA secure_delete = {int(secure)}")
        finally:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute(f"PRAGMA cache_size = {int(cache)}")
        return True

    def _fold(
        self, monday: date, tz: tzinfo, schedule: Schedule, activity: WeekActivity
    ) -> WeekTotals:
        start, end = week_range(monday, tz)
        spans = override_spans(self.overrides_overlapping(start, end))
        review = review_from_activity(monday, tz, schedule, spans, activity)
        return week_totals(review, activity.waits)

    def _unfinished(
        self, since: datetime, until: datetime, only: Iterable[int] | None = None
    ) -> set[int]:
        """Ids of the items decided in ``[since, until)`` that are still held or queued
        (compaction keeps them as rows); ``only``: look at these ids alone."""
        sql = (
            "SELECT d.notification_id FROM decisions d"
            " JOIN notifications n ON n.id = d.notification_id"
            # From the status index: the items still held or queued are few.
            " WHERE d.decided_ts >= ? AND d.decided_ts < ? AND n.status IN ('held', 'queued')"
        )
        params: tuple[Any, ...] = (_ts(since), _ts(until))
        if only is not None:
            sql += " AND d.notification_id IN (SELECT value FROM json_each(?))"
            params = (*params, json.dumps(sorted(only)))
        return {row[0] for row in self._db.execute(sql, params).fetchall()}

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Reads that must see one state of the file (a read transaction, unless one is
        open already); a writer elsewhere is not held up (WAL)."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            if self._db.in_transaction:
                with suppress(StoreError, sqlite3.Error):
                    self._db.execute("COMMIT")

    def compacted_week(self, monday: date) -> tuple[WeekTotals, frozenset[int]] | None:
        """The stored figures of a compacted week and the ids of its items kept as rows;
        ``None`` for a week that was not compacted.

        Raises:
            StoreError: The stored figures are unreadable (a damaged file).
        """
        row = self._db.execute(
            "SELECT totals, kept FROM week_reviews WHERE week = ?", (monday.isoformat(),)
        ).fetchone()
        if row is None:
            return None
        try:
            return (
                WeekTotals.from_json(json.loads(row["totals"])),
                frozenset(int(i) for i in json.loads(row["kept"])),
            )
        except (ValueError, TypeError) as error:
            raise StoreError(
                f"the stored review of the week of {monday} is damaged ({error});"
                " restore the database from a backup to see that week"
            ) from None

    def review_week(
        self, monday: date, tz: tzinfo, schedule: Schedule, overrides: Sequence[OverrideSpan]
    ) -> WeekReview:
        """The weekly review of the week of ``monday``, whether its rows are kept or not.

        A compacted week is its stored figures plus the items still kept as rows (held
        ones, and ones released since but not yet folded by the next run); any other
        week is built from its rows.

        Raises:
            StoreError: The database could not be read.
        """
        start, end = week_range(monday, tz)
        compacted = self.compacted_week(monday)
        if compacted is None:
            activity = self.review_activity(start, end)
            return review_from_activity(monday, tz, schedule, overrides, activity)
        base, kept = compacted
        activity = (self.review_activity(start, end, only=kept, whole_minutes=True)
                    if kept else WeekActivity())
        more = week_totals(review_from_activity(monday, tz, schedule, overrides, activity),
                           activity.waits)
        return review_from_totals(merge_totals(base, more), tz)

    # Review queries ----------------------------------------------------------------------

    def review_activity(
        self,
        since: datetime,
        until: datetime,
        *,
        only: Iterable[int] | None = None,
        final_only: bool = False,
        whole_minutes: bool = False,
    ) -> WeekActivity:
        """Decisions made in ``[since, until)``, counted in SQL the way the review needs.

        What :func:`~focus_app.core.review.week_activity` makes of :meth:`review_items`,
        without a Python object per decision (building those was most of the time of a
        heavy week's review, docs/benchmarks.md): two ``GROUP BY`` queries over the
        covering index ``decisions_review`` joined to their notifications count alike
        decisions (breakthroughs, whose cause is read from the gate's reason, apart),
        and bring per group the breakthroughs' decision times (their local hour places
        them on the heat map) and the held-to-read waits.

        Args:
            since: The start of the range.
            until: Its end (exclusive).
            only: Read just these notifications (a compacted week's kept items).
            final_only: Leave out items still held or queued (what compaction folds).
            whole_minutes: Each wait rounded down to whole minutes (in seconds): all
                that a week's stored figures keep (:func:`week_totals`), and cheaper
                to bring over than every bit of each wait.

        A range read again while nothing in the file changed (no change on this
        connection, ``total_changes``, no commit on any other, ``PRAGMA data_version``,
        and the same schema) comes from memory: the last :data:`ACTIVITIES_KEPT` reads
        are kept (not ones made inside a transaction, which may be rolled back).
        """
        span: tuple[Any, ...] = (_ts(since), _ts(until))
        where = "d.decided_ts >= ? AND d.decided_ts < ?"
        if only is not None:
            where += " AND d.notification_id IN (SELECT value FROM json_each(?))"
            span = (*span, json.dumps(sorted(only)))
        if final_only:
            where += " AND +n.status NOT IN ('held', 'queued')"
        if self._db.in_transaction:  # it may yet be rolled back: read, keep nothing
            return self._activity(where, span, whole_minutes)
        key = (*span, final_only, whole_minutes)
        state = (self._db.total_changes, *(
            self._db.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("data_version", "schema_version")
        ))
        kept = self._activities.get(key)
        if kept is not None and kept[0] == state:
            return kept[1]
        with self._snapshot():
            activity = self._activity(where, span, whole_minutes)
        if kept is None and len(self._activities) >= ACTIVITIES_KEPT:
            del self._activities[next(iter(self._activities))]  # the oldest read
        self._activities[key] = (state, activity)
        return activity

    def _activity(
        self, where: str, params: tuple[Any, ...], whole_minutes: bool = False
    ) -> WeekActivity:
        # Costs per decision are what matter (a heavy week has ~19,000, compaction folds
        # a year of them), so: the groups are formed on the raw columns, and the names
        # the review shows made from them per group, in Python; what the review needs
        # per decision comes along in its group as text (group_concat skips NULLs): the
        # breakthroughs' decision times (their local hour places them on the heat map,
        # which SQL cannot work out across zones) and the held-to-read waits, where
        # ``%!.17g`` gives every bit of a double back to float() (SQLite's own text
        # form keeps 15 digits). Feedback, on a few decisions, is not looked up for
        # every decision: its decisions are counted again with their verdict and moved
        # to their verdict's group (docs/benchmarks.md has the figures).
        join = (" FROM decisions d JOIN notifications n ON n.id = d.notification_id"
                " WHERE " + where)
        through = "(d.breakthrough AND d.outcome = 'delivered')"
        # julianday() reads the ISO text with its offset: epoch seconds (to ~10 µs).
        seconds = "max(0.0, (julianday(n.status_at) - 2440587.5) * 86400.0 - n.received_ts)"
        # Truncating a wait (>= 0) to whole seconds, then minutes: int(wait // 60).
        text = (f"CAST({seconds} AS INTEGER) / 60 * 60" if whole_minutes
                else f"printf('%!.17g', {seconds})")
        wait = (
            "CASE WHEN d.outcome = 'held' AND n.status IN ('released', 'dismissed')"
            f" AND n.status_at IS NOT NULL THEN {text} END"
        )
        cursor = self._db.cursor()
        cursor.row_factory = None
        Key = tuple[str, str, str | None, str, bool, str, int | None, str]
        counts: dict[tuple[Key, str], int] = {}
        times: list[float] = []
        waits: list[float] = []
        for sender, source, program, outcome, status, n, waited in cursor.execute(
            f"SELECT n.sender, n.source, n.program, d.outcome, n.status, count(*),"
            f" group_concat({wait}){join} AND NOT {through} GROUP BY 1, 2, 3, 4, 5",
            params,
        ):
            key: Key = (sender, source, program, outcome, False, "", None,
                        status if outcome == "held" else "")
            counts[key, ""] = counts.get((key, ""), 0) + n
            if waited is not None:
                waits.extend(map(float, waited.split(",")))
        for sender, source, program, reason, rule_id, n, at in cursor.execute(
            "SELECT n.sender, n.source, n.program, d.reason, d.rule_id, count(*),"
            f" group_concat(printf('%!.17g', d.decided_ts)){join} AND {through}"
            " GROUP BY 1, 2, 3, 4, 5",
            params,
        ):
            key = (sender, source, program, "delivered", True, reason, rule_id, "")
            counts[key, ""] = counts.get((key, ""), 0) + n
            times.extend(map(float, at.split(",")))
        for sender, source, program, outcome, bt, reason, rule_id, status, verdict, n in (
            self._verdicts(where, params)
        ):
            key = (sender, source, program, outcome, bool(bt), reason, rule_id,
                   status if outcome == "held" else "")
            counts[key, ""] -= n
            counts[key, verdict] = counts.get((key, verdict), 0) + n
        merged: dict[tuple[str, str, str, str, bool, str, int | None, str, str], int] = {}
        for ((sender, source, program, outcome, bt, reason, rule_id, status), verdict), n in (
            counts.items()
        ):
            if n:
                group = (sender or source or "unknown", source, program or "", outcome, bt,
                         reason, rule_id, status, verdict)
                merged[group] = merged.get(group, 0) + n
        return WeekActivity(
            groups=tuple(ReviewGroup(*g, n) for g, n in merged.items()),
            breakthrough_ts=tuple(times),
            waits=tuple(waits),
        )

    def _verdicts(self, where: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """The decisions in ``where`` that have feedback, counted by their raw group
        and the latest verdict (feedback ids grow with time)."""
        through = "(d.breakthrough AND d.outcome = 'delivered')"
        columns = (
            f"SELECT n.sender, n.source, n.program, d.outcome, {through},"
            f" CASE WHEN {through} THEN d.reason ELSE '' END,"
            f" CASE WHEN {through} THEN d.rule_id END, n.status, f.verdict, count(*)"
        )
        latest = (" AND f.id = (SELECT max(g.id) FROM feedback g"
                  " WHERE g.notification_id = f.notification_id)")
        group = " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"
        lo, hi, decided = self._db.execute(
            "SELECT min(d.notification_id), max(d.notification_id), count(*)"
            " FROM decisions d WHERE d.decided_ts >= ? AND d.decided_ts < ?",
            params[:2],
        ).fetchone()
        if not decided:
            return []
        if hi - lo <= 4 * decided + 1000:
            # Ids grow with time: the week's feedback is one range of its index, read
            # from there (a few rows), not looked up once per decision.
            sql = (f"{columns} FROM feedback f CROSS JOIN decisions d"
                   " CROSS JOIN notifications n"
                   " WHERE f.notification_id BETWEEN ? AND ?"
                   " AND d.notification_id = f.notification_id AND n.id = f.notification_id"
                   f" AND {where}{latest}{group}")
            return self._db.execute(sql, (lo, hi, *params)).fetchall()
        # A week whose ids are far apart (items queued long before): per decision.
        sql = (f"{columns} FROM decisions d JOIN notifications n ON n.id = d.notification_id"
               f" JOIN feedback f ON f.notification_id = n.id WHERE {where}{latest}{group}")
        return self._db.execute(sql, params).fetchall()

    def review_items(self, since: datetime, until: datetime) -> list[ReviewItem]:
        """Decisions made in ``[since, until)`` in the slim form the weekly review reads,
        one per decision.

        The Review page reads the same week as counts (:meth:`review_activity`, which
        skips building tens of thousands of these); this is the per-item form, which
        ``core.review.week_activity`` turns into the same counts (tests pin that).
        """
        return self._week_items(since, until)[1]

    def _week_items(
        self, since: datetime, until: datetime, only: str | None = None
    ) -> tuple[list[int], list[ReviewItem]]:
        """The decisions of ``[since, until)`` and, in step, their notification ids;
        ``only``: a JSON list of the notification ids to read (the rest are skipped)."""
        span = (_ts(since), _ts(until))
        cursor = self._db.cursor()
        cursor.row_factory = None
        decisions = cursor.execute(
            "SELECT id, notification_id, decided_ts, outcome, breakthrough, rule_id"
            " FROM decisions"
            " WHERE decided_ts >= ? AND decided_ts < ?"
            + ("" if only is None else
               " AND notification_id IN (SELECT value FROM json_each(?))"),
            span if only is None else (*span, only),
        ).fetchall()
        if not decisions:
            return [], []
        # The reason is outside the index: read it for breakthroughs only. (No query
        # names its index: a swap gives indexes other names for a moment.)
        reasons = dict(
            cursor.execute(
                "SELECT id, reason FROM decisions"
                " WHERE decided_ts >= ? AND decided_ts < ? AND breakthrough",
                span,
            ).fetchall()
        )
        lo = min(d[1] for d in decisions)
        hi = max(d[1] for d in decisions)
        columns = (
            "SELECT id, received_ts,"
            " coalesce(nullif(sender, ''), nullif(source, ''), 'unknown'), source,"
            " coalesce(program, ''), status,"
            # julianday() reads the ISO text with its offset: epoch seconds (to ~10 µs).
            " CASE WHEN status IN ('released', 'dismissed') AND status_at IS NOT NULL"
            "  THEN (julianday(status_at) - 2440587.5) * 86400.0 END"
            " FROM notifications"
        )
        # Ids grow with time, so a week's notifications are one range of the primary key:
        # a range scan is several times faster than one lookup per decision. A week whose
        # ids are scattered (items queued long before) takes the lookups instead.
        if hi - lo <= 4 * len(decisions) + 1000:
            found = cursor.execute(f"{columns} WHERE id BETWEEN ? AND ?", (lo, hi))
        else:
            found = cursor.execute(
                f"{columns} WHERE id IN (SELECT notification_id FROM decisions"
                " WHERE decided_ts >= ? AND decided_ts < ?)",
                span,
            )
        notes = {row[0]: row for row in found.fetchall()}
        # Ordered by id: the latest verdict on a notification wins.
        verdicts = dict(
            cursor.execute(
                "SELECT notification_id, verdict FROM feedback"
                " WHERE notification_id BETWEEN ? AND ? ORDER BY id",
                (lo, hi),
            ).fetchall()
        )
        make = ReviewItem
        get_reason = reasons.get
        get_verdict = verdicts.get
        items = [
            make(n[1], decided_ts, n[2], n[3], n[4], outcome, breakthrough,
                 get_reason(did, ""), rule_id, n[5], n[6], get_verdict(nid, ""))
            for did, nid, decided_ts, outcome, breakthrough, rule_id in decisions
            for n in (notes[nid],)
        ]
        return [d[1] for d in decisions], items

    def overrides_overlapping(self, since: datetime, until: datetime) -> list[OverrideRecord]:
        """Overrides that were in force at some point of ``[since, until)``, oldest first.

        Unlike :meth:`override_history` this includes one that started before ``since``
        and ran into the range (a "pause" from Sunday night into Monday).
        """
        rows = self._db.execute(
            "SELECT * FROM overrides WHERE starts_ts < ? ORDER BY starts_ts", (_ts(until),)
        ).fetchall()
        records = [OverrideRecord(_override_from(r), _parse_instant(r["ended_at"])) for r in rows]
        return [r for r in records if r.effective_end > since]

    def dismiss_suggestion(self, key: str, at: datetime) -> None:
        """Remember that the user dismissed the suggestion ``key`` (it does not come back)."""
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO suggestion_dismissals (key, at) VALUES (?, ?)",
                (key, _instant(at)),
            )

    def dismissed_suggestions(self) -> frozenset[str]:
        """Keys of every dismissed suggestion."""
        rows = self._db.execute("SELECT key FROM suggestion_dismissals").fetchall()
        return frozenset(row[0] for row in rows)

    # Requests ----------------------------------------------------------------------------

    _REQUEST_SELECT = (
        "SELECT r.*, coalesce(f.name, '') AS referral_name FROM requests r"
        " LEFT JOIN referrals f ON f.id = r.referral_id"
    )

    def add_request(self, request: Request) -> Request:
        """Store a new request (its id is ignored); returns it with its id."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO requests (what, who, estimate_minutes, due, origin,"
                " notification_id, created_at, created_ts, status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    request.what,
                    request.who,
                    _minutes_of(request.estimate),
                    request.due.isoformat() if request.due else None,
                    request.origin.value,
                    request.notification_id,
                    _instant(request.created_at),
                    _ts(request.created_at),
                    RequestStatus.OPEN.value,
                ),
            )
            assert cursor.lastrowid is not None
        return replace(request, id=cursor.lastrowid, status=RequestStatus.OPEN)

    def get_request(self, request_id: int) -> Request | None:
        row = self._db.execute(
            f"{self._REQUEST_SELECT} WHERE r.id = ?", (request_id,)
        ).fetchone()
        return _request_from(row) if row is not None else None

    def list_requests(
        self, statuses: Sequence[RequestStatus] = (), *, limit: int = 10_000
    ) -> list[Request]:
        """Requests, newest first, optionally only those with these statuses."""
        where = ""
        params: list[Any] = []
        if statuses:
            where = f" WHERE r.status IN ({', '.join('?' * len(statuses))})"
            params = [s.value for s in statuses]
        rows = self._db.execute(
            f"{self._REQUEST_SELECT}{where} ORDER BY r.created_ts DESC, r.id DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        return [_request_from(row) for row in rows]

    def decide_request(
        self,
        request_id: int,
        status: RequestStatus,
        at: datetime,
        *,
        booked: tuple[datetime, datetime] | None = None,
        defer_until: date | None = None,
        referral_id: int | None = None,
    ) -> Request:
        """Record triage's outcome for a request (replacing an earlier one).

        Raises:
            NotFoundError: No request has that id.
        """
        start, end = booked if booked is not None else (None, None)
        with self._write() as db:
            cursor = db.execute(
                "UPDATE requests SET status = ?, decided_at = ?, decided_ts = ?,"
                " booked_start = ?, booked_start_ts = ?, booked_end = ?, booked_end_ts = ?,"
                " defer_until = ?, referral_id = ? WHERE id = ?",
                (
                    status.value,
                    _instant(at),
                    _ts(at),
                    _opt_instant(start),
                    _ts(start) if start is not None else None,
                    _opt_instant(end),
                    _ts(end) if end is not None else None,
                    defer_until.isoformat() if defer_until else None,
                    referral_id,
                    request_id,
                ),
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"no request #{request_id}: see 'focus-app request list'")
        found = self.get_request(request_id)
        assert found is not None
        return found

    def commitments_between(self, since: datetime, until: datetime) -> list[Request]:
        """Accepted requests whose booking overlaps ``[since, until)``, by start."""
        rows = self._db.execute(
            f"{self._REQUEST_SELECT} WHERE r.status = 'accepted'"
            " AND r.booked_start_ts < ? AND r.booked_end_ts > ? ORDER BY r.booked_start_ts",
            (_ts(until), _ts(since)),
        ).fetchall()
        return [_request_from(row) for row in rows]

    def add_referral(self, contact: Contact) -> Contact:
        """Add someone to the referral directory.

        Raises:
            StoreError: Someone with that name (any case) is already listed.
        """
        try:
            with self._write() as db:
                cursor = db.execute(
                    "INSERT INTO referrals (name, contact, topics, notes) VALUES (?, ?, ?, ?)",
                    (contact.name, contact.contact, json.dumps(list(contact.topics)),
                     contact.notes),
                )
                if contact.calendar:
                    db.execute(
                        "INSERT INTO contact_calendars (contact_id, source) VALUES (?, ?)",
                        (cursor.lastrowid, contact.calendar),
                    )
        except StoreError as error:
            if "UNIQUE" in str(error):
                raise StoreError(
                    f"'{contact.name}' is already in the referral directory: remove them "
                    "first or use another name"
                ) from error
            raise
        assert cursor.lastrowid is not None
        return replace(contact, id=cursor.lastrowid)

    def update_referral(self, contact: Contact) -> Contact:
        """Change a directory entry (found by its id), its calendar included.

        Raises:
            NotFoundError: No entry has that id.
            StoreError: Another entry already has the new name.
        """
        assert contact.id is not None
        try:
            with self._write() as db:
                _update_one(
                    db,
                    "UPDATE referrals SET name = ?, contact = ?, topics = ?, notes = ?"
                    " WHERE id = ?",
                    (contact.name, contact.contact, json.dumps(list(contact.topics)),
                     contact.notes, contact.id),
                    f"no one with id {contact.id} in the referral directory",
                )
                if contact.calendar:
                    db.execute(
                        "INSERT INTO contact_calendars (contact_id, source) VALUES (?, ?)"
                        " ON CONFLICT (contact_id) DO UPDATE SET source = excluded.source",
                        (contact.id, contact.calendar),
                    )
                else:
                    db.execute(
                        "DELETE FROM contact_calendars WHERE contact_id = ?", (contact.id,)
                    )
        except StoreError as error:
            if "UNIQUE" in str(error):
                raise StoreError(
                    f"'{contact.name}' is already in the referral directory: pick another name"
                ) from error
            raise
        return contact

    def has_contact_calendars(self) -> bool:
        """Whether any contact publishes a calendar (the app then follows them)."""
        return self._db.execute("SELECT 1 FROM contact_calendars LIMIT 1").fetchone() is not None

    def list_referrals(self) -> list[Contact]:
        """The referral directory, by name (with each one's calendar, if any)."""
        rows = self._db.execute(
            "SELECT r.*, c.source AS calendar FROM referrals r"
            " LEFT JOIN contact_calendars c ON c.contact_id = r.id"
            " ORDER BY r.name COLLATE NOCASE"
        ).fetchall()
        return [_contact_from(row) for row in rows]

    def remove_referral(self, name: str) -> bool:
        """Remove the contact called ``name`` (any case); ``False`` if none is."""
        with self._write() as db:
            cursor = db.execute("DELETE FROM referrals WHERE name = ?", (name.strip(),))
        return cursor.rowcount > 0

    def referral_counts(self, since: datetime) -> dict[int, int]:
        """Referrals per contact id decided at or after ``since``."""
        rows = self._db.execute(
            "SELECT referral_id, count(*) FROM requests WHERE status = 'referred'"
            " AND referral_id IS NOT NULL AND decided_ts >= ? GROUP BY referral_id",
            (_ts(since),),
        ).fetchall()
        return {row[0]: row[1] for row in rows}

    def unannounced_returns(self) -> list[Request]:
        """Deferred requests whose return (to their current ``defer_until``) is not yet
        announced, by that day."""
        rows = self._db.execute(
            f"{self._REQUEST_SELECT} WHERE r.status = 'deferred' AND r.defer_until IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM request_returns x WHERE x.request_id = r.id"
            " AND x.defer_until = r.defer_until) ORDER BY r.defer_until, r.id"
        ).fetchall()
        return [_request_from(row) for row in rows]

    def mark_returns_announced(self, requests: Iterable[Request], at: datetime) -> None:
        """Remember that these deferred requests' returns were announced."""
        with self._write() as db:
            db.executemany(
                "INSERT INTO request_returns (request_id, defer_until, announced_ts)"
                " VALUES (?, ?, ?) ON CONFLICT (request_id) DO UPDATE SET"
                " defer_until = excluded.defer_until, announced_ts = excluded.announced_ts",
                [
                    (r.id, r.defer_until.isoformat(), _ts(at))
                    for r in requests
                    if r.id is not None and r.defer_until is not None
                ],
            )

    def reply_templates(self) -> dict[TriageOutcome, dict[Tone, str]]:
        """The person's own reply templates (outcome, tone) -> text; defaults are absent.

        A row naming an outcome or tone this version does not know is skipped.
        """
        found: dict[TriageOutcome, dict[Tone, str]] = {}
        for outcome, tone, text in self._db.execute(
            "SELECT outcome, tone, text FROM reply_templates"
        ).fetchall():
            if outcome in TriageOutcome._value2member_map_ and tone in Tone._value2member_map_:
                found.setdefault(TriageOutcome(outcome), {})[Tone(tone)] = text
        return found

    def set_reply_template(self, outcome: TriageOutcome, tone: Tone, text: str) -> None:
        """Keep the person's template for ``outcome`` in ``tone`` (checked by the caller)."""
        with self._write() as db:
            db.execute(
                "INSERT INTO reply_templates (outcome, tone, text) VALUES (?, ?, ?)"
                " ON CONFLICT (outcome, tone) DO UPDATE SET text = excluded.text",
                (outcome.value, tone.value, text),
            )

    def reset_reply_template(self, outcome: TriageOutcome, tone: Tone) -> bool:
        """Go back to the default template; ``False`` if it already was the default."""
        with self._write() as db:
            cursor = db.execute(
                "DELETE FROM reply_templates WHERE outcome = ? AND tone = ?",
                (outcome.value, tone.value),
            )
        return cursor.rowcount > 0

    def breakthroughs_between(self, since: datetime, until: datetime) -> int:
        """Breakthroughs delivered in ``[since, until)`` (through focus or off-time)."""
        row = self._db.execute(
            "SELECT count(*) FROM decisions WHERE breakthrough = 1"
            " AND decided_ts >= ? AND decided_ts < ?",
            (_ts(since), _ts(until)),
        ).fetchone()
        return int(row[0])

    def save_breakthroughs_spent(self, period_key: str, used: int, at: datetime) -> None:
        """Remember that the focus period ``period_key`` used ``used`` breakthroughs.

        Kept for the last few periods only: a restart needs the current one.
        """
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO breakthrough_spent (period_key, used, at_ts)"
                " VALUES (?, ?, ?)",
                (period_key, used, _ts(at)),
            )
            db.execute(
                "DELETE FROM breakthrough_spent WHERE period_key NOT IN"
                " (SELECT period_key FROM breakthrough_spent ORDER BY at_ts DESC LIMIT 16)"
            )

    def breakthroughs_spent(self, period_key: str) -> int:
        """What :meth:`save_breakthroughs_spent` last stored for ``period_key`` (0 if none)."""
        row = self._db.execute(
            "SELECT used FROM breakthrough_spent WHERE period_key = ?", (period_key,)
        ).fetchone()
        return int(row[0]) if row is not None else 0

    # Programs ----------------------------------------------------------------------------

    def note_program_seen(self, key: str, display_name: str, icon: str, at: datetime) -> Program:
        """Record that program ``key`` sent a notification at ``at`` (upsert).

        A program seen for the first time follows the schedule; one seen before keeps the
        user's choice and sender rule, takes the newest non-empty name and icon (programs
        get renamed and re-themed), and moves ``last_seen`` only forward (a late
        notification from a queue must not make it look older).

        Returns:
            The program as stored now (``count_week`` is 0: ask :meth:`list_programs`).

        Raises:
            ValueError: ``key`` is empty or ``at`` is naive.
        """
        if not key:
            raise ValueError("a program needs a key (e.g. its desktop entry or app name)")
        stamp, ts = _instant(at), _ts(at)
        with self._write() as db:
            db.execute(
                "INSERT INTO programs (key, display_name, icon, first_seen, first_seen_ts,"
                " last_seen, last_seen_ts) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET"
                " display_name = CASE WHEN excluded.display_name <> ''"
                "  THEN excluded.display_name ELSE display_name END,"
                " icon = CASE WHEN excluded.icon <> '' THEN excluded.icon ELSE icon END,"
                " first_seen = CASE WHEN excluded.first_seen_ts < first_seen_ts"
                "  THEN excluded.first_seen ELSE first_seen END,"
                " first_seen_ts = min(first_seen_ts, excluded.first_seen_ts),"
                " last_seen = CASE WHEN excluded.last_seen_ts > last_seen_ts"
                "  THEN excluded.last_seen ELSE last_seen END,"
                " last_seen_ts = max(last_seen_ts, excluded.last_seen_ts)",
                (key, display_name, icon, stamp, ts, stamp, ts),
            )
            row = db.execute("SELECT * FROM programs WHERE key = ?", (key,)).fetchone()
        return _program_from(row)

    def get_program(self, key: str) -> Program | None:
        """One program by key (``count_week`` is 0), or ``None`` if never seen."""
        row = self._db.execute("SELECT * FROM programs WHERE key = ?", (key,)).fetchone()
        return None if row is None else _program_from(row)

    def chosen_programs(self) -> list[Program]:
        """The programs whose choice is not "follow the schedule" (what the gate needs)."""
        rows = self._db.execute(
            "SELECT * FROM programs WHERE choice <> 'follow' ORDER BY key"
        ).fetchall()
        return [_program_from(row) for row in rows]

    def list_programs(self, week_start: datetime) -> list[Program]:
        """Every program seen, by name, each with its notifications since ``week_start``.

        One query: the count is a correlated subquery answered from the
        ``(program, received_ts)`` index, so it stays fast with a long history.
        """
        rows = self._db.execute(
            "SELECT p.*, (SELECT count(*) FROM notifications n"
            "  WHERE n.program = p.key AND n.received_ts >= ?) AS count_week"
            " FROM programs p ORDER BY p.display_name COLLATE NOCASE, p.key",
            (_ts(week_start),),
        ).fetchall()
        return [_program_from(row, row["count_week"]) for row in rows]

    def set_program_choice(self, key: str, choice: ProgramChoice | str) -> None:
        """Follow the schedule, always let through, always hold or mute a program.

        Raises:
            ValueError: ``choice`` is not one of :class:`ProgramChoice`.
            NotFoundError: No program has that key.
        """
        try:
            choice = ProgramChoice(choice)
        except ValueError:
            allowed = ", ".join(c.value for c in ProgramChoice)
            raise ValueError(f"unknown choice {choice!r}; use one of {allowed}") from None
        with self._write() as db:
            _update_one(
                db,
                "UPDATE programs SET choice = ? WHERE key = ?",
                (choice.value, key),
                f"there is no program {key!r}; it appears after its first notification",
            )

    def set_program_sender_rule(self, key: str, rule_value: str) -> None:
        """Where a program's notifications name the sender ("" = the program's default).

        Raises:
            ValueError: ``rule_value`` is not one of ``SENDER_RULE_VALUES``.
            NotFoundError: No program has that key.
        """
        if rule_value not in SENDER_RULE_VALUES:
            allowed = ", ".join(repr(v) for v in SENDER_RULE_VALUES)
            raise ValueError(f"unknown sender rule {rule_value!r}; use one of {allowed}")
        with self._write() as db:
            _update_one(
                db,
                "UPDATE programs SET sender_rule = ? WHERE key = ?",
                (rule_value, key),
                f"there is no program {key!r}; it appears after its first notification",
            )

    def set_server_id(self, notification_id: int, server_id: int) -> None:
        """Remember the notification server's id of a caught notification (to close it there).

        Raises:
            NotFoundError: No notification has that id.
        """
        with self._write() as db:
            _update_one(
                db,
                "UPDATE notifications SET server_id = ? WHERE id = ?",
                (server_id, notification_id),
                f"there is no notification {notification_id}",
            )

    def server_id(self, notification_id: int) -> int | None:
        """The server's id stored by :meth:`set_server_id`, or ``None``."""
        row = self._db.execute(
            "SELECT server_id FROM notifications WHERE id = ?", (notification_id,)
        ).fetchone()
        return None if row is None else row[0]


def _history_row_from(row: sqlite3.Row) -> HistoryRow:
    outcome = row["outcome"]
    return HistoryRow(
        notification=_notification_from(row),
        status=Status(row["status"]),
        outcome=Outcome(outcome) if outcome else None,
        reason=row["d_reason"] if outcome else row["reason"],
        breakthrough=bool(row["breakthrough"]),
        decided_at=_parse_instant(row["decided_at"]),
        status_at=_parse_instant(row["status_at"]),
        feedback=Verdict(row["verdict"]) if row["verdict"] else None,
        program_name=row["program_name"] or "",
        cursor=HistoryCursor(row["received_ts"], row["id"]),
    )


_HISTORY_TABLES = (
    ("notifications", "id"),
    ("decisions", "notification_id"),
    ("feedback", "notification_id"),
    ("digest_items", "notification_id"),
)
"""The tables whose rows compaction removes, and the column naming the notification."""

_KEEP_IDS = (
    "SELECT notification_id FROM decisions WHERE decided_ts >= ?"
    " UNION SELECT id FROM notifications WHERE status IN ('held', 'queued')"
    " UNION SELECT value FROM week_reviews w, json_each(w.kept)"
)
"""The notifications a swap keeps (see :meth:`Store.begin_swap`)."""


def _save_week(db: sqlite3.Connection, week: str, totals: WeekTotals, kept: str) -> None:
    db.execute(
        "INSERT OR REPLACE INTO week_reviews (week, totals, kept) VALUES (?, ?, ?)",
        (week, json.dumps(totals.to_json(), separators=(",", ":")), kept),
    )


def _renamed_table(sql: str, table: str, new: str) -> str:
    """``CREATE TABLE table (...)`` as stored by SQLite, for a table named ``new``."""
    head = re.match(rf'\s*CREATE\s+TABLE\s+("{table}"|{table})\s*\(', sql, re.IGNORECASE)
    if head is None:
        raise StoreError(f"cannot read the definition of the table {table}: {sql[:60]}")
    return f'CREATE TABLE "{new}" (' + sql[head.end():]


def _index_sql(sql: str, name: str, table: str) -> str:
    """``CREATE [UNIQUE] INDEX ... ON ... (...)`` as stored, for index ``name`` on
    ``table`` (the swap builds each index under another name, then renames it)."""
    head = re.match(r'\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?'
                    r'("[^"]+"|\S+)\s+ON\s+("[^"]+"|[^\s(]+)\s*\(', sql, re.IGNORECASE)
    if head is None:
        raise StoreError(f"cannot read the definition of an index: {sql[:60]}")
    unique = "UNIQUE " if head.group(1) else ""
    return f'CREATE {unique}INDEX "{name}" ON "{table}" (' + sql[head.end():]


def override_spans(records: Iterable[OverrideRecord]) -> list[OverrideSpan]:
    """The store's override log as the review's spans (with their real ends)."""
    return [
        OverrideSpan(r.override.mode, r.override.starts, r.effective_end, r.override.reason)
        for r in records
        if r.effective_end > r.override.starts
    ]


def week_start(at: datetime, tz: tzinfo) -> datetime:
    """Monday 00:00 of the local week containing ``at`` (a skipped midnight moves forward)."""
    local = at.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=tz)


def _update_one(db: sqlite3.Connection, sql: str, params: Sequence[Any], missing: str) -> None:
    """Run an UPDATE that must change exactly one row; ``NotFoundError(missing)`` if not."""
    if db.execute(sql, params).rowcount != 1:
        raise NotFoundError(missing)


def _switch_to_wal(connection: sqlite3.Connection) -> str:
    """``PRAGMA journal_mode = WAL``, waiting out other processes doing the same.

    SQLite answers "database is locked" at once, without its busy handler, when several
    connections open a fresh file together and one of them is switching it to WAL (eight
    ``focus-app send`` on a new folder), so retry for as long as ``busy_timeout``.
    """
    deadline = _time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.002
    while True:
        try:
            return str(connection.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorname in ("SQLITE_BUSY", "SQLITE_LOCKED")
            if not busy or _time.monotonic() > deadline:
                raise
        _time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _newer_version_message(path: Path, version: int) -> str:
    return (
        f"the database {path} was written by a newer version of focus-app "
        f"(schema {version}, this version knows up to {schema_version()}); "
        "update focus-app, or move the file away to start afresh"
    )


class _Unusable(Exception):
    """The file is not a healthy database: move it aside and start afresh."""


def _move_aside(path: Path) -> Path:
    """Rename a broken database (and its -wal / -shm) out of the way, keeping it.

    The companions get the same new name plus ``-wal`` / ``-shm``, so opening the moved
    file with sqlite3 still sees its WAL, which is what anyone trying to recover it needs.

    Raises:
        StoreError: The file cannot be moved (e.g. the folder is read-only).
    """
    base = path.with_name(f"{path.name}.corrupt-{_timestamp_suffix()}")
    aside = base
    counter = 1
    while aside.exists():
        aside = base.with_name(f"{base.name}-{counter}")
        counter += 1
    try:
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                companion.rename(aside.with_name(aside.name + suffix))
    except OSError as error:
        raise StoreError(
            f"the database {path} is unusable and could not be moved aside "
            f"({error.strerror}); move or delete it by hand, then start again"
        ) from error
    return aside


# Errors a person can act on ---------------------------------------------------------------

_DAMAGED = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
"""The only SQLite answers that mean the file itself is broken (and may be moved aside)."""

_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})
_FULL = frozenset({"SQLITE_FULL", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC"})
_DENIED = frozenset({"SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH", "SQLITE_CANTOPEN"})


class _Connection(sqlite3.Connection):
    """A connection whose errors, once the store is open, are :class:`StoreError` lines.

    ``path`` stays ``None`` while :meth:`Store.open` sets the file up (it handles raw
    SQLite errors itself, e.g. retrying a busy WAL switch) and is set when it is done.
    """

    path: Path | None = None

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as error:
            if self.path is None:
                raise
            raise _store_error(error, self.path) from error

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as error:
            if self.path is None:
                raise
            raise _store_error(error, self.path) from error


def _store_error(error: sqlite3.Error, path: Path, generic: str = "") -> StoreError:
    """The one line for a SQLite error on the database at ``path``.

    ``generic`` is the line for an error that is none of the known kinds.
    """
    name = str(getattr(error, "sqlite_errorname", "") or "")
    if name in _BUSY or name.startswith("SQLITE_BUSY"):
        holders = _holders(path)
        who = f" (pid {', '.join(map(str, holders))})" if holders else ""
        return StoreLockedError(
            f"the database {path} is locked by another program{who}: {error}; "
            "close that program (or end its transaction) and try again"
        )
    if name in _FULL or _os_errno(error) in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StoreFullError(
            f"the disk holding {path} is full ({error}): nothing was saved; "
            "free some space and try again"
        )
    if name in _DAMAGED or name.startswith("SQLITE_CORRUPT"):
        return StoreCorruptError(
            f"the database {path} is damaged ({error}); stop focus-app and start it again: "
            "the damaged file is kept aside and a fresh one started"
        )
    if name in _DENIED or name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
        problem = _access_problem(path)
        if problem is not None:
            return StorePermissionError(problem)
        return StorePermissionError(
            f"cannot write {path} ({error}); check that it and its folder "
            f"{path.parent} are yours and writable (chmod 600 {path}; chmod 700 {path.parent})"
        )
    return StoreError(generic or f"the database {path} failed: {error}; see the log")


def _os_errno(error: sqlite3.Error) -> int | None:
    """The OS error behind a SQLite I/O error, when the message carries one."""
    text = str(error).lower()
    if "disk is full" in text or "no space" in text:
        return errno.ENOSPC
    return None


def _holders(path: Path) -> list[int]:
    """Other processes of this user with the database open (for "locked by pid N").

    Only /proc entries we may read are looked at; it is a hint for the message.
    """
    target = str(path.resolve())
    found: list[int] = []
    me = os.getpid()
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdecimal()]
    except OSError:
        return found
    for pid in pids:
        if pid == me:
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    found.append(pid)
                    break
            except OSError:
                continue
    return found[:5]


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _fix_for(path: Path, folder: bool) -> str:
    """The command that gives ``path`` back to this user with the right mode."""
    info = path.stat()
    mode = "700" if folder else "600"
    if info.st_uid != os.getuid():
        user = _user_name()
        return f"sudo chown {user}: {path} && chmod {mode} {path}"
    return f"chmod {mode} {path}"


def _user_name() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def _access_problem(path: Path) -> str | None:
    """Why this user cannot use the database at ``path`` (one line with the fix), or None.

    The folder must be enterable and writable (SQLite creates -wal and -shm next to the
    file), the file and its companions readable and writable.
    """
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"cannot write the folder {folder} (permission denied); "
            f"fix with: {_fix_for(folder, folder=True)}"
        )
    for file in (path, *_companions(path)):
        if file.is_symlink():
            continue  # a symlinked database is the user's choice; SQLite follows it
        if file.exists() and not os.access(file, os.R_OK | os.W_OK):
            return (
                f"cannot write {file} (permission denied); "
                f"fix with: {_fix_for(file, folder=False)}"
            )
    return None


def _check_access(path: Path) -> None:
    """Raise :class:`StorePermissionError` if this user cannot use the database files."""
    try:
        problem = _access_problem(path)
    except OSError as error:
        raise _permission_or(error, path, "read") from error
    if problem is not None:
        raise StorePermissionError(problem)


def _permission_or(error: OSError, path: Path, doing: str) -> StoreError:
    """An ``OSError`` on our files as one line: a permission problem names its fix."""
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "check its permissions and owner"
        try:
            existing = path if path.exists() else next(p for p in path.parents if p.exists())
            fix = f"fix with: {_fix_for(existing, folder=existing.is_dir())}"
        except (OSError, StopIteration):
            pass
        return StorePermissionError(f"cannot {doing} {path} ({error.strerror}); {fix}")
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFullError(
            f"cannot {doing} {path}: the disk is full; free some space and try again"
        )
    if error.errno == errno.ELOOP:
        return StoreError(f"{path} is a symlink; move it away and start again")
    return StoreError(f"cannot {doing} {path} ({error.strerror})")
