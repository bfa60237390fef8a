"""The effective mode: the schedule, unless a manual override is in force.

These functions are what the engine reconciles from (DESIGN.md: "reconcile, don't
replay"): given the schedule, the override (if any) and the current instant they say what
the mode is, when to wake up next, and when held notifications will flow again.

An override is in force from its ``starts`` (inclusive) to its ``until`` (exclusive);
before that it is ignored (but its start is a wake-up), after that it is expired and
ignored. Comparisons are done in UTC, never on wall times.
"""

from __future__ import annotations

from datetime import UTC, datetime

from focus_app.core.model import Mode, ModeSource, ModeState, Override
from focus_app.core.schedule import HORIZON, Schedule

FLOWING_MODES = frozenset({Mode.AVAILABLE, Mode.PAUSED})
"""Modes in which held notifications are released and new ones are delivered."""


def _utc(t: datetime, name: str) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone), got {t!r}")
    return t.astimezone(UTC)


def _active(override: Override | None, tu: datetime) -> Override | None:
    """The override if it is in force at the UTC instant ``tu``."""
    if override is None:
        return None
    if _utc(override.starts, "override.starts") <= tu < _utc(override.until, "override.until"):
        return override
    return None


def resolve_state(schedule: Schedule, override: Override | None, now: datetime) -> ModeState:
    """The effective mode at ``now``: an active override wins, else the schedule.

    Returns:
        For an override: source ``override``, ``since``/``until`` the override's span and
        ``period_key`` ``"override:<starts ISO 8601>"``. Otherwise :meth:`Schedule.mode_at`.

    Raises:
        ValueError: ``now`` is naive.
    """
    active = _active(override, _utc(now, "now"))
    if active is None:
        return schedule.mode_at(now)
    return ModeState(
        mode=active.mode,
        source=ModeSource.OVERRIDE,
        since=active.starts,
        until=active.until,
        override=active,
        period_key=f"override:{active.starts.isoformat()}",
    )


def _next_change(schedule: Schedule, override: Override | None, tu: datetime) -> datetime | None:
    """The first instant after ``tu`` at which the effective mode may change (UTC).

    While an override is in force that is its end (schedule changes underneath do not
    show); otherwise the schedule's next transition or a future override's start.
    """
    active = _active(override, tu)
    if active is not None:
        return _utc(active.until, "override.until")
    if override is None:
        return _earliest_after(schedule, tu)
    return _earliest_after(schedule, tu, _utc(override.starts, "override.starts"))


def _earliest_after(schedule: Schedule, tu: datetime, *edges: datetime) -> datetime | None:
    """The earliest of the schedule's next transition after ``tu`` and the ``edges`` later
    than ``tu`` (all UTC); ``None`` if there is none."""
    candidates = [edge for edge in edges if edge > tu]
    following = schedule.next_transition(tu)
    if following is not None:
        candidates.append(following.astimezone(UTC))
    return min(candidates, default=None)


def _effective_mode(schedule: Schedule, override: Override | None, tu: datetime) -> Mode:
    active = _active(override, tu)
    return active.mode if active is not None else schedule.mode_at(tu).mode


def _first_instant(
    schedule: Schedule, override: Override | None, tu: datetime, *, flowing: bool
) -> datetime | None:
    """The first instant ≥ ``tu`` (UTC) at which the effective mode is (or is not) flowing.

    Looks at most :data:`HORIZON` ahead.
    """
    limit = tu + HORIZON
    t: datetime | None = tu
    while t is not None and t <= limit:
        if (_effective_mode(schedule, override, t) in FLOWING_MODES) == flowing:
            return t
        t = _next_change(schedule, override, t)
    return None


def next_wake(schedule: Schedule, override: Override | None, now: datetime) -> datetime | None:
    """When the engine should next reconcile: the earliest of the override's end (or its
    start, if it lies ahead) and the schedule's next transition after ``now``.

    A wake-up at a schedule transition hidden by an override is harmless: reconciling
    changes nothing then.

    Returns:
        The instant in the schedule's zone, or ``None`` if nothing is due within
        :data:`HORIZON`.

    Raises:
        ValueError: ``now`` is naive.
    """
    tu = _utc(now, "now")
    if override is None:
        earliest = _earliest_after(schedule, tu)
    else:
        starts = _utc(override.starts, "override.starts")
        until = _utc(override.until, "override.until")
        earliest = _earliest_after(schedule, tu, starts, until)
    return earliest.astimezone(schedule.tz) if earliest is not None else None


def next_release_at(
    schedule: Schedule, override: Override | None, now: datetime
) -> datetime | None:
    """When held notifications flow again: the first instant ≥ ``now`` at which the
    effective mode is available or paused (``now`` itself if it already is).

    Returns:
        The instant in the schedule's zone, or ``None`` if it does not happen within
        :data:`HORIZON`.

    Raises:
        ValueError: ``now`` is naive.
    """
    found = _first_instant(schedule, override, _utc(now, "now"), flowing=True)
    return found.astimezone(schedule.tz) if found is not None else None


def next_window_after(
    schedule: Schedule, override: Override | None, now: datetime
) -> datetime | None:
    """The start of the next availability window after the current stretch ends.

    Used for ``hold`` rules while available: an item held now goes out with the digest at
    the start of the *next* window, not the one in force. A window is a stretch in which
    notifications flow (available or paused, see :data:`FLOWING_MODES`). When nothing
    flows at ``now`` the current stretch is the protected one, and the answer is the same
    as :func:`next_release_at`.

    Returns:
        The instant in the schedule's zone, or ``None`` if not within :data:`HORIZON`.

    Raises:
        ValueError: ``now`` is naive.
    """
    tu = _utc(now, "now")
    closed = _first_instant(schedule, override, tu, flowing=False)
    if closed is None:
        return None
    found = _first_instant(schedule, override, closed, flowing=True)
    return found.astimezone(schedule.tz) if found is not None else None
