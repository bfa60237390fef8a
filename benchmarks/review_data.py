"""Realistic review history written straight into SQLite (tests, screenshot, benchmark).

One "workday week" of a person with focus blocks in the mornings: Bob on the
breakthrough list writes often and mostly could wait, CI sends dozens of held build
mails nobody wants, mail gets through by repeat escalation, a few people are held and
read at the next window. :func:`write_history` repeats that pattern (with noise) for
any number of weeks, so the benchmark's 1,000,000-row year and the screenshot's single
week come from the same code.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from focus_app.core.model import Block, BlockKind, Recurrence

FOCUS_BLOCKS = (
    Block(BlockKind.FOCUS, time(9), time(11, 30), "Deep work",
          recurrence=Recurrence(frozenset(range(5)))),
    Block(BlockKind.FOCUS, time(14), time(16), "Writing",
          recurrence=Recurrence(frozenset({1, 3}))),
    Block(BlockKind.AVAILABLE, time(11, 30), time(12, 30), "Office hours",
          recurrence=Recurrence(frozenset(range(5)))),
)
"""The calendar the generated history was made under."""


@dataclass(frozen=True)
class _Kind:
    sender: str
    source: str
    program: str
    weight: float
    outcome: str  # delivered breakthrough / held / muted / delivered (available)
    reason: str
    could_wait: float = 0.0
    wanted: float = 0.0


_KINDS = (
    _Kind("Bob", "Chat", "chat", 9, "breakthrough",
          "delivered: Bob is on the breakthrough list (breakthrough 1 of 3 in 'Deep work')",
          could_wait=0.75, wanted=0.15),
    _Kind("Alice", "Chat", "chat", 4, "breakthrough",
          "delivered: Alice is on the breakthrough list (breakthrough 2 of 3 in 'Deep work')",
          wanted=0.6),
    _Kind("boss@example.com", "Mail", "mail", 6, "breakthrough",
          "delivered: boss@example.com again within 3 min (repeat escalation)"
          " (breakthrough 1 of 3 in 'Deep work')", could_wait=0.5),
    _Kind("ci-bot", "CI", "ci", 40, "held",
          "held: focus block 'Deep work' until 11:30; ci-bot is not on the breakthrough list"),
    _Kind("Carol", "Chat", "chat", 12, "held",
          "held: focus block 'Deep work' until 11:30; Carol is not on the breakthrough list",
          wanted=0.1),
    _Kind("newsletter@shop.example", "Mail", "mail", 10, "muted", "muted by rule 'Shops'"),
    _Kind("Dave", "Chat", "chat", 25, "delivered", "delivered: available"),
    _Kind("Calendar", "Calendar", "calendar", 6, "breakthrough",
          "delivered: critical urgency passes focus (breakthrough 3 of 3 in 'Deep work')",
          wanted=0.8),
)


def _hour_weights() -> list[float]:
    # Busy mornings, a lull at lunch, a smaller afternoon peak, quiet evenings.
    shape = [0, 0, 0, 0, 0, 0, 0.2, 0.8, 2, 3, 3.2, 2.6, 1.2, 1.5, 2.2, 2.4, 2, 1.2, 0.6,
             0.4, 0.3, 0.2, 0.1, 0]
    return shape


def write_history(
    db: sqlite3.Connection,
    first_monday: date,
    weeks: int,
    tz: tzinfo,
    *,
    per_week: int = 112,
    seed: int = 1,
) -> int:
    """Write ``weeks`` weeks of history from ``first_monday``, about ``per_week`` a week.

    Rows go straight into ``notifications``, ``decisions`` and ``feedback`` (one
    transaction per week), in the store's own format. Returns how many notifications.
    """
    rng = random.Random(seed)
    hours = _hour_weights()
    day_weights = [1.2, 1.1, 1.0, 1.0, 0.9, 0.15, 0.1]
    total_weight = sum(k.weight for k in _KINDS)
    written = 0
    next_id = (db.execute("SELECT coalesce(max(id), 0) FROM notifications").fetchone()[0]) + 1
    for w in range(weeks):
        monday = first_monday + timedelta(weeks=w)
        notes, decisions, feedback = [], [], []
        count = max(0, int(rng.gauss(per_week, per_week * 0.1)))
        for _ in range(count):
            day = rng.choices(range(7), day_weights)[0]
            hour = rng.choices(range(24), hours)[0]
            minute = rng.randrange(60)
            t = datetime.combine(monday + timedelta(days=day), time(hour, minute), tzinfo=tz)
            pick = rng.random() * total_weight
            kind = _KINDS[-1]
            for k in _KINDS:
                pick -= k.weight
                if pick <= 0:
                    kind = k
                    break
            nid = next_id
            next_id += 1
            ts = t.timestamp()
            outcome = {"breakthrough": "delivered", "delivered": "delivered"}.get(
                kind.outcome, kind.outcome
            )
            status, status_at = outcome, None
            if outcome == "held":
                wait = timedelta(minutes=rng.choice((20, 45, 70, 95, 150, 240, 600, 1000)))
                read = t + wait
                status = "dismissed" if rng.random() < 0.4 else "released"
                status_at = read.isoformat()
            notes.append((
                nid, f"{kind.source} message {nid}", "", kind.sender, kind.source, "normal", 0,
                t.isoformat(), ts, status, kind.reason, None, None, 0, status_at,
                kind.program, "caught",
            ))
            decisions.append((
                nid, t.isoformat(), ts, outcome, kind.reason, None,
                "focus" if kind.outcome in ("breakthrough", "held") else "available",
                int(kind.outcome == "breakthrough"), None, 0,
            ))
            r = rng.random()
            if r < kind.could_wait:
                feedback.append((nid, "could_wait", t.isoformat()))
            elif r < kind.could_wait + kind.wanted:
                feedback.append((nid, "should_have_reached", t.isoformat()))
        with db:
            db.executemany(
                "INSERT INTO notifications (id, title, body, sender, source, urgency,"
                " time_sensitive, received_at, received_ts, status, reason, release_at,"
                " release_ts, paced, status_at, program, origin)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                notes,
            )
            db.executemany(
                "INSERT INTO decisions (notification_id, decided_at, decided_ts, outcome,"
                " reason, release_at, mode, breakthrough, rule_id, paced)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                decisions,
            )
            db.executemany(
                "INSERT INTO feedback (notification_id, verdict, at) VALUES (?, ?, ?)", feedback
            )
        written += len(notes)
    return written


__all__ = ["FOCUS_BLOCKS", "write_history"]
