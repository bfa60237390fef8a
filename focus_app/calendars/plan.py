"""What an import would change: new blocks, blocks updated by their event's UID, and
blocks of those events the calendar no longer gives. Pure, so a dry run previews
exactly what a real import stores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from focus_app.calendars.reading import ImportResult
from focus_app.core.model import Block

FILE_CALENDAR = "file"
"""The ``source_calendar`` of blocks imported from a file. UIDs are globally unique
(RFC 5545), so one name for every file import lets the same calendar, exported again
under another file name, update its blocks."""


@dataclass
class ImportPlan:
    """What applying an :class:`ImportResult` would do to the stored blocks.

    Attributes:
        new: Blocks to add.
        updated: Blocks whose event is already stored and changed (carrying the stored id).
        unchanged: Blocks already stored exactly so (nothing to write).
        removed: Stored blocks of events in the file that the file no longer gives
            (e.g. one part of an event that got shorter).
        skipped: One line per event not imported, saying why.
        problems: Compromises worth telling.
    """

    new: list[Block] = field(default_factory=list)
    updated: list[Block] = field(default_factory=list)
    unchanged: list[Block] = field(default_factory=list)
    removed: list[Block] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def blocks(self) -> list[Block]:
        """Every block the calendar gives, stored already or not."""
        return [*self.new, *self.updated, *self.unchanged]

    def kinds(self) -> dict[str, int]:
        """How many blocks of each kind the calendar gives."""
        counts = Counter(block.kind.value for block in self.blocks)
        return dict(sorted(counts.items()))

    def date_range(self) -> tuple[date | None, date | None]:
        """The first and last date the blocks cover; the last is ``None`` when a block
        repeats without end (or there are no blocks)."""
        firsts: list[date] = []
        lasts: list[date] = []
        open_ended = False
        for block in self.blocks:
            rec = block.recurrence
            if rec is None:
                assert block.on_date is not None
                firsts.append(block.on_date)
                lasts.append(block.on_date)
                continue
            if rec.starts is not None:
                firsts.append(rec.starts)
            if rec.until is None:
                open_ended = True
            else:
                lasts.append(rec.until)
        first = min(firsts) if firsts else None
        last = None if open_ended or not lasts else max(lasts)
        return first, last


def _bases(key: str) -> list[str]:
    """``key`` and every prefix before a ``#``: the UIDs a stored key may belong to."""
    return [key] + [key[:i] for i, ch in enumerate(key) if ch == "#"]


def plan_import(
    result: ImportResult, existing: Sequence[Block], calendar: str = FILE_CALENDAR
) -> ImportPlan:
    """Match an import against the stored blocks by (calendar, event key).

    Args:
        result: What :func:`~focus_app.calendars.import_ics` read.
        existing: The stored blocks (any calendar; others are ignored).
        calendar: The ``source_calendar`` the import belongs to.
    """
    plan = ImportPlan(skipped=list(result.skipped), problems=list(result.problems))
    stored = {
        b.source_uid: b
        for b in existing
        if b.source_calendar == calendar and b.source_uid is not None
    }
    used: set[str] = set()
    for block in result.blocks:
        key = block.source_uid or "no-uid"
        unique, n = key, 1
        while unique in used:  # two events whose keys collide still get a block each
            n += 1
            unique = f"{key}#dup{n}"
        used.add(unique)
        block = replace(block, id=None, source_uid=unique, source_calendar=calendar)
        old = stored.get(unique)
        if old is None:
            plan.new.append(block)
        elif replace(old, id=None) == block:
            plan.unchanged.append(old)
        else:
            plan.updated.append(replace(block, id=old.id))
    for key, old in stored.items():
        if key not in used and any(base in result.uids for base in _bases(key)):
            plan.removed.append(old)
    return plan
