"""The vocabulary of the domain (see shared/DESIGN.md), as small immutable values.

Every other module in ``core`` speaks in these types; the store, the engine and the
windows translate to and from them. Datetimes that name an instant are always aware;
wall-clock times of blocks are naive ``time`` / ``date`` values interpreted in the
schedule's time zone, so blocks follow the user when they travel.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time


class Mode(enum.StrEnum):
    """What the gate is doing right now."""

    FOCUS = "focus"
    """Protected time: only breakthroughs reach the user."""
    AVAILABLE = "available"
    """Openly available: notifications flow (paced), held items are released."""
    OFF = "off"
    """Off-time: only ``priority`` breakthroughs reach the user."""
    PAUSED = "paused"
    """Boundaries paused by the user: everything but muted items is delivered."""


class BlockKind(enum.StrEnum):
    """The kind of a block on the weekly calendar."""

    FOCUS = "focus"
    AVAILABLE = "available"
    OFF = "off"

    @property
    def mode(self) -> Mode:
        """The mode in force during a block of this kind."""
        return Mode(self.value)

    @property
    def protectiveness(self) -> int:
        """Where blocks overlap the more protective kind wins: off > focus > available."""
        return _PROTECTIVENESS[self]


_PROTECTIVENESS = {BlockKind.AVAILABLE: 1, BlockKind.FOCUS: 2, BlockKind.OFF: 3}

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names as used on the command line and in files; index = ``date.weekday()``."""


class Urgency(enum.StrEnum):
    """Freedesktop notification urgency."""

    LOW = "low"
    NORMAL = "normal"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Recurrence:
    """A weekly recurrence: chosen weekdays, every ``interval_weeks`` weeks.

    Attributes:
        weekdays: Weekdays the block starts on, 0 = Monday (``date.weekday()``).
        interval_weeks: 1 = every week, 2 = every other week, ...
        starts: First date an occurrence may start on; the ISO week containing it is
            week 0 for ``interval_weeks``. ``None`` means "always" (and week 0 is the
            week of 2001-01-01, a Monday).
        until: Last date an occurrence may start on (inclusive), or ``None``.
    """

    weekdays: frozenset[int]
    interval_weeks: int = 1
    starts: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if not self.weekdays:
            raise ValueError("a recurrence needs at least one weekday")
        if any(not 0 <= d <= 6 for d in self.weekdays):
            raise ValueError(
                f"weekdays must be 0 (Monday) to 6 (Sunday), got {sorted(self.weekdays)}"
            )
        if self.interval_weeks < 1:
            raise ValueError(f"interval_weeks must be at least 1, got {self.interval_weeks}")
        if self.starts and self.until and self.until < self.starts:
            raise ValueError(f"recurrence ends ({self.until}) before it starts ({self.starts})")


@dataclass(frozen=True)
class BlockException:
    """A change to one occurrence of a recurring block.

    Attributes:
        original_date: The local date the occurrence would have started on.
        moved_start: New naive wall-clock start, or ``None`` to skip the occurrence.
        moved_end: New naive wall-clock end (required with ``moved_start``).
    """

    original_date: date
    moved_start: datetime | None = None
    moved_end: datetime | None = None

    @property
    def is_skip(self) -> bool:
        return self.moved_start is None

    def __post_init__(self) -> None:
        if (self.moved_start is None) != (self.moved_end is None):
            raise ValueError("a moved occurrence needs both a new start and a new end")
        if self.moved_start is not None and self.moved_end is not None:
            if self.moved_start.tzinfo is not None or self.moved_end.tzinfo is not None:
                raise ValueError("moved occurrences are naive wall-clock datetimes")
            if self.moved_end <= self.moved_start:
                raise ValueError("a moved occurrence must end after it starts")


@dataclass(frozen=True)
class Block:
    """A recurring or one-off span of wall-clock time of one kind.

    ``end <= start`` means the block ends on the next day (``end == 00:00`` is midnight).
    ``start == end`` is refused: an empty or 24-hour block is almost always a typo (a
    whole day is better served by the default mode or two blocks).

    Exactly one of ``recurrence`` (recurring) and ``on_date`` (one-off) is set.

    ``source_uid`` / ``source_calendar`` name the calendar event a block was imported
    from (its UID, with a ``#part`` suffix when one event gives several blocks), so a
    second import of the same calendar updates the block instead of adding a copy.
    """

    kind: BlockKind
    start: time
    end: time
    title: str = ""
    recurrence: Recurrence | None = None
    on_date: date | None = None
    exceptions: tuple[BlockException, ...] = ()
    id: int | None = None
    source_uid: str | None = None
    source_calendar: str | None = None

    def __post_init__(self) -> None:
        if (self.recurrence is None) == (self.on_date is None):
            raise ValueError("a block is either recurring (recurrence) or one-off (on_date)")
        if self.start == self.end:
            raise ValueError(f"block starts and ends at the same time ({self.start:%H:%M})")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("block times are naive wall-clock times")

    @property
    def display_title(self) -> str:
        """The title, or the kind's name when the block has none."""
        return self.title or self.kind.value.capitalize()


@dataclass(frozen=True)
class Occurrence:
    """One concrete span of a block: aware instants, ``start < end``."""

    block: Block
    start: datetime
    end: datetime


class ModeSource(enum.StrEnum):
    """Why the current mode is what it is."""

    SCHEDULE = "schedule"
    OVERRIDE = "override"
    DEFAULT = "default"


@dataclass(frozen=True)
class Override:
    """A manual mode with an end time; it beats the schedule until it ends."""

    mode: Mode
    starts: datetime
    until: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        if self.starts.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("override times must be aware datetimes")
        if self.until <= self.starts:
            raise ValueError("an override must end after it starts")

    def active_at(self, t: datetime) -> bool:
        return self.starts <= t < self.until


@dataclass(frozen=True)
class ModeState:
    """The effective mode at one instant, and why.

    Attributes:
        mode: The mode in force.
        source: schedule, override or default.
        since: When this state began, if known (start of the block / override).
        until: When it ends: the override's end or the schedule's next transition.
        block: The block in force when ``source`` is schedule.
        override: The override in force when ``source`` is override.
        period_key: Identifies the current focus/off period (used e.g. for the
            breakthrough budget, which is per focus block): same key, same period.
    """

    mode: Mode
    source: ModeSource
    since: datetime | None = None
    until: datetime | None = None
    block: Block | None = None
    override: Override | None = None
    period_key: str = ""

    @property
    def label(self) -> str:
        """A short human label: the block's title, the override's reason or the mode."""
        if self.block is not None:
            return self.block.display_title
        if self.override is not None and self.override.reason:
            return self.override.reason
        return self.mode.value.capitalize()


@dataclass(frozen=True)
class Notification:
    """Something that wants the user's attention."""

    title: str
    received_at: datetime
    body: str = ""
    sender: str = ""
    source: str = ""
    urgency: Urgency = Urgency.NORMAL
    time_sensitive: bool = False
    id: int | None = None
    program: str = ""
    """The key of the program it was caught from ("" when sent through ``send``)."""
    origin: str = "send"
    """How it reached the app: "send" (command line, IPC) or "caught" (another program)."""
    app_icon: str = ""
    """The icon the program gave it (a theme name or a file path), if any."""
    category: str = ""
    """The freedesktop category hint (e.g. "im.received"), if any."""

    @property
    def who(self) -> str:
        """The sender, else the source, else "unknown"."""
        return self.sender or self.source or "unknown"


class RuleAction(enum.StrEnum):
    """What a matching rule does."""

    ALLOW = "allow"
    """Passes focus (not off-time); counts against the breakthrough budget."""
    PRIORITY = "priority"
    """Passes everything, off-time included."""
    HOLD = "hold"
    """Held for the next digest, even while available."""
    MUTE = "mute"
    """Stored and counted, never shown."""


@dataclass(frozen=True)
class RuleMatch:
    """What a rule matches; every field that is set must match (AND).

    ``sender`` and ``source`` compare case-insensitively and accept shell-style
    wildcards (``*@example.com``); ``keywords`` match when any of them occurs in the
    title or body (case-insensitive).
    """

    sender: str | None = None
    source: str | None = None
    urgency: Urgency | None = None
    keywords: tuple[str, ...] = ()
    time_sensitive: bool | None = None

    @property
    def is_empty(self) -> bool:
        return (
            self.sender is None
            and self.source is None
            and self.urgency is None
            and not self.keywords
            and self.time_sensitive is None
        )


@dataclass(frozen=True)
class Rule:
    """A filter: a match and an action; rules are evaluated in order, first match wins."""

    match: RuleMatch
    action: RuleAction
    name: str = ""
    enabled: bool = True
    id: int | None = None


class Outcome(enum.StrEnum):
    """What the gate did with a notification."""

    DELIVERED = "delivered"
    HELD = "held"
    MUTED = "muted"


@dataclass(frozen=True)
class Decision:
    """The gate's verdict, always with a reason a person understands.

    Attributes:
        outcome: delivered, held or muted.
        reason: e.g. "held: focus block 'Deep work' until 11:30; no rule lets Bob
            through".
        release_at: For held items, when they are expected to go out (digest time).
        breakthrough: Delivered through focus or off-time (counted for the budget and
            the weekly review).
        rule_id: The rule that decided, if any.
        paced: Held only because of pacing while available (folded into a summary).
    """

    outcome: Outcome
    reason: str
    release_at: datetime | None = None
    breakthrough: bool = False
    rule_id: int | None = None
    paced: bool = False


@dataclass(frozen=True)
class GateSettings:
    """The gate's built-in behaviour, each item a user setting.

    Attributes:
        breakthrough_people: Senders that pass focus (not off-time).
        breakthrough_apps: Sources that pass focus (not off-time).
        priority_people: Senders that pass everything, off-time included.
        priority_apps: Sources that pass everything, off-time included.
        critical_passes_focus: Critical urgency passes focus (never off-time).
        repeat_escalation_minutes: The same sender again within this many minutes gets
            through focus, like phones do; 0 turns it off.
        repeat_escalation_kinds: The kinds of source (``chat``, ``mail``, ``other``, see
            ``focus_app.core.programs.SourceKind``) repeat escalation applies to: a
            second chat message soon after the first often means "urgent", a second mail
            or CI run does not.
        breakthrough_budget: Breakthroughs allowed per focus block; once spent, even
            allowed items are held (``priority`` still passes). Negative = unlimited.
        weekly_breakthroughs: Breakthroughs allowed per local week (issue 11), counted
            like the tray's meter: every breakthrough delivered through focus or
            off-time, priority ones included. Once used, budgeted breakthroughs in focus
            are held like a spent per-block budget holds them; priority still passes
            (and still counts). 0 = no weekly limit. Applies only when the engine says
            which week it is (``GateContext.week_start``).
        pacing_per_minute: At most this many pop-ups a minute while available, the rest
            folded into one summary; 0 turns pacing off.
    """

    breakthrough_people: tuple[str, ...] = ()
    breakthrough_apps: tuple[str, ...] = ()
    priority_people: tuple[str, ...] = ()
    priority_apps: tuple[str, ...] = ()
    critical_passes_focus: bool = True
    repeat_escalation_minutes: int = 3
    repeat_escalation_kinds: tuple[str, ...] = ("chat",)
    breakthrough_budget: int = 3
    pacing_per_minute: int = 4
    weekly_breakthroughs: int = 10


@dataclass(frozen=True)
class GateContext:
    """What the gate needs to know about the moment, computed by the engine.

    Attributes:
        state: The effective mode state now.
        release_at: When held items will next go out (the next instant notifications
            flow again), or ``None`` if no such instant is known.
        next_window_at: For ``hold`` rules while available: the start of the next
            availability window after the current one, or ``None``.
        week_start: The start of the local week containing now (Monday 00:00 in the
            schedule's zone, ``focus_app.core.budget.week_of``): the gate counts the
            week's breakthroughs under it and starts from 0 when it changes. ``None``:
            no weekly allowance applies.
    """

    state: ModeState
    release_at: datetime | None = None
    next_window_at: datetime | None = None
    week_start: datetime | None = None


@dataclass(frozen=True)
class Digest:
    """One notification that stands for many held ones."""

    title: str
    body: str
    count: int
    notification_ids: tuple[int, ...] = field(default=())
