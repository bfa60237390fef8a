"""What the week window edits, and how: the block repository port and the controller.

The week view never touches the engine directly. It talks to a
:class:`CalendarController`, which turns gestures ("move this occurrence to Tuesday
10:00") into block changes, runs every change as an undoable ``QUndoCommand`` and
tells the view to redraw through one ``changed`` signal. The controller reaches the
blocks through :class:`BlockRepository`, a deliberately small port: the engine
implements it over its store, tests use :class:`InMemoryBlockRepository`.

Expanding blocks into occurrences is the core ``Schedule``'s job (recurrence,
exceptions, daylight-saving days); the controller only caches the schedule so the
view can ask for one week at a time without rebuilding it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from focus_app.core.model import Block, BlockException, Occurrence, Override, Recurrence
from focus_app.core.schedule import Overlap, Schedule

MAX_BLOCK_SPAN = timedelta(hours=24)
"""A block spans less than a day (``start == end`` is refused by :class:`Block`)."""


class Scope(enum.Enum):
    """Which occurrences of a recurring block an edit applies to."""

    THIS = "this"
    """Only the occurrence the user touched: recorded as a :class:`BlockException`."""
    ALL = "all"
    """Every occurrence: the block itself changes."""


class BlockRepository(Protocol):
    """Where the calendar's blocks live (the engine over its store, or a fake).

    Contract for implementers:
        * ``add_block`` assigns an id when ``block.id`` is ``None``. When the id is set
          (undo re-creating a block it removed) the repository should keep that id; the
          controller copes if it cannot, but keeping it keeps references stable.
        * ``update_block`` replaces the block with the same id and returns the stored
          value; ``remove_block`` of an unknown id is a no-op.
        * After a change made through this port the repository need not signal anything:
          the controller emits ``changed`` itself. Changes from elsewhere (command line,
          IPC, another window) are announced by calling :meth:`CalendarController.refresh`.
    """

    def blocks(self) -> list[Block]:
        """Every block, recurring and one-off, with its exceptions."""
        ...

    def add_block(self, block: Block) -> Block:
        """Store a new block and return it with its id."""
        ...

    def update_block(self, block: Block) -> Block:
        """Replace the stored block with the same id; return the stored value."""
        ...

    def remove_block(self, block_id: int) -> None:
        """Delete a block with all its exceptions."""
        ...

    def override(self) -> Override | None:
        """The manual override in force (or planned), if any, drawn on top of the week."""
        ...

    def tz(self) -> tzinfo:
        """The time zone block wall-clock times are interpreted in."""
        ...


class InMemoryBlockRepository:
    """A repository in a dict, for tests and for trying the window without an engine."""

    def __init__(
        self,
        tz: tzinfo,
        blocks: list[Block] | None = None,
        override: Override | None = None,
    ) -> None:
        self._tz = tz
        self._blocks: dict[int, Block] = {}
        self._next_id = 1
        self._override = override
        for block in blocks or []:
            self.add_block(block)

    def blocks(self) -> list[Block]:
        return list(self._blocks.values())

    def get(self, block_id: int) -> Block | None:
        """The block with this id, or ``None`` (tests use it to check the store)."""
        return self._blocks.get(block_id)

    def add_block(self, block: Block) -> Block:
        if block.id is None or block.id in self._blocks:
            block = replace(block, id=self._next_id)
        assert block.id is not None
        self._next_id = max(self._next_id, block.id + 1)
        self._blocks[block.id] = block
        return block

    def update_block(self, block: Block) -> Block:
        if block.id is None or block.id not in self._blocks:
            raise KeyError(f"no block with id {block.id}")
        self._blocks[block.id] = block
        return block

    def remove_block(self, block_id: int) -> None:
        self._blocks.pop(block_id, None)

    def override(self) -> Override | None:
        return self._override

    def set_override(self, override: Override | None) -> None:
        """Set or clear the override (the caller then calls ``controller.refresh()``)."""
        self._override = override

    def tz(self) -> tzinfo:
        return self._tz


class _BlockChange(QUndoCommand):
    """Replace one block by another: create (None → b), edit (a → b), delete (a → None).

    Every calendar edit is one of these, so undo and redo are the same two-line swap and
    cannot drift from what the gesture did.
    """

    def __init__(
        self, controller: CalendarController, text: str, before: Block | None, after: Block | None
    ) -> None:
        super().__init__(text)
        self._controller = controller
        self._before = before
        self._after = after

    def redo(self) -> None:
        self._after = self._controller._apply(self._before, self._after)

    def undo(self) -> None:
        self._before = self._controller._apply(self._after, self._before)


class CalendarController(QObject):
    """The week window's single entry point for reading and editing blocks.

    Every edit is pushed onto :attr:`undo_stack` and emits :attr:`changed` once applied
    (also on undo and redo). Gestures on a recurring block carry a :class:`Scope`:
    ``THIS`` records a :class:`BlockException` (a move or a skip of that one date),
    ``ALL`` changes the block's own time and weekdays.

    Signals:
        changed: The blocks or the override changed; views re-read what they show.
    """

    changed = Signal()

    def __init__(self, repo: BlockRepository, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._repo = repo
        self.undo_stack = QUndoStack(self)
        """Undo history of calendar edits; a toolbar may bind actions to it."""
        self._schedule: Schedule | None = None
        # Undo may re-create a block under a new id when the repository cannot keep it;
        # commands keep speaking of the old id, this maps it to the live one.
        self._id_alias: dict[int, int] = {}

    # ----------------------------------------------------------------- reading
    @property
    def repository(self) -> BlockRepository:
        """The repository this controller edits."""
        return self._repo

    def tz(self) -> tzinfo:
        """The time zone of block wall-clock times."""
        return self._repo.tz()

    def blocks(self) -> list[Block]:
        """Every block, as the repository has them now."""
        return self._repo.blocks()

    def block(self, block_id: int) -> Block | None:
        """The live block with this id (following undo re-creations), or ``None``."""
        block_id = self._resolve(block_id)
        return next((b for b in self._repo.blocks() if b.id == block_id), None)

    def override(self) -> Override | None:
        """The override to draw on top of the week, if any."""
        return self._repo.override()

    def occurrences(self, start: datetime, end: datetime) -> list[Occurrence]:
        """Occurrences overlapping ``[start, end)``, sorted; the schedule is cached."""
        if self._schedule is None:
            self._schedule = Schedule(self._repo.blocks(), tz=self._repo.tz())
        return self._schedule.occurrences(start, end)

    def overlaps(self, start: datetime, end: datetime) -> list[Overlap]:
        """Where blocks of different kinds overlap in ``[start, end)``, and which applies."""
        if self._schedule is None:
            self._schedule = Schedule(self._repo.blocks(), tz=self._repo.tz())
        return self._schedule.overlaps(start, end)

    def overlaps_of(self, candidate: Block, start: datetime, end: datetime) -> list[Overlap]:
        """The overlaps ``candidate`` would take part in within ``[start, end)`` if saved.

        ``candidate`` replaces the stored block with its id (an edit), or is added (a new
        block, ``id=None``). Asked before a block is drawn over another, and by the editor.
        """
        others = [b for b in self._repo.blocks() if candidate.id is None or b.id != candidate.id]
        schedule = Schedule([*others, candidate], tz=self._repo.tz())
        return [
            o
            for o in schedule.overlaps(start, end)
            if o.applies is candidate or any(b is candidate for b in o.overruled)
        ]

    def overlap_notes(self, candidate: Block, around: date, limit: int = 3) -> list[str]:
        """One line per overlap of ``candidate`` in the two weeks from the Monday of ``around``.

        A weekly block overlapping the same weekly block every week is said once.
        """
        tz = self._repo.tz()
        monday = around - timedelta(days=around.weekday())
        start = datetime.combine(monday, datetime.min.time()).replace(tzinfo=tz)
        lines: list[str] = []
        seen: set[tuple[object, ...]] = set()
        for overlap in self.overlaps_of(candidate, start, start + timedelta(days=14)):
            local = overlap.start.astimezone(tz)
            key = (
                local.weekday(),
                local.time(),
                overlap.end.astimezone(tz).time(),
                overlap.applies.display_title,
                tuple(b.display_title for b in overlap.overruled),
            )
            if key in seen:
                continue
            seen.add(key)
            lines.append(describe_overlap(overlap, tz))
        if len(lines) > limit:
            lines = [*lines[:limit], f"and {len(lines) - limit} more"]
        return lines

    def refresh(self) -> None:
        """Re-read everything: call when the engine reports changes made elsewhere."""
        self._schedule = None
        self.changed.emit()

    # ----------------------------------------------------------------- editing
    def create_block(self, block: Block) -> Block:
        """Add a new block (undoable) and return it with its id."""
        command = _BlockChange(self, "Create block", None, replace(block, id=None))
        self.undo_stack.push(command)
        created = command._after
        assert created is not None
        return created

    def update_block(self, block: Block, text: str = "Edit block") -> None:
        """Replace a block by an edited version with the same id (undoable)."""
        if block.id is None:
            raise ValueError("update_block needs a block with an id")
        before = self.block(block.id)
        if before is None:
            raise KeyError(f"no block with id {block.id}")
        block = replace(block, id=before.id)
        if before == block:
            return
        self.undo_stack.push(_BlockChange(self, text, before, block))

    def remove_block(self, block_id: int) -> None:
        """Delete a block with all its occurrences (undoable)."""
        before = self.block(block_id)
        if before is None:
            return
        self.undo_stack.push(_BlockChange(self, "Delete block", before, None))

    def move_occurrence(
        self, occurrence: Occurrence, new_start: datetime, new_end: datetime, scope: Scope
    ) -> None:
        """Move or resize one occurrence, or (``Scope.ALL``) the whole block.

        Args:
            occurrence: The occurrence the user dragged.
            new_start: Its new start, a naive wall-clock datetime in :meth:`tz`.
            new_end: Its new end, naive wall-clock, after ``new_start`` and less than a
                day later.
            scope: For recurring blocks, ``THIS`` records an exception for the
                occurrence's date; ``ALL`` shifts the block's times, and its weekdays by
                as many days as the occurrence moved. One-off blocks ignore the scope.

        Raises:
            ValueError: ``new_end`` is not after ``new_start`` or a day or more later.
        """
        if new_start.tzinfo is not None or new_end.tzinfo is not None:
            raise ValueError("new_start and new_end are naive wall-clock datetimes")
        if not timedelta(0) < new_end - new_start < MAX_BLOCK_SPAN:
            raise ValueError("an occurrence must end after it starts and last less than a day")
        block = self._live(occurrence.block)
        if block is None:
            return
        if block.recurrence is None:
            after = replace(
                block, on_date=new_start.date(), start=new_start.time(), end=new_end.time()
            )
        elif scope is Scope.ALL:
            days = (new_start.date() - self.local_start(occurrence).date()).days
            after = _shift_recurring(block, days, new_start, new_end)
        else:
            original = self.original_date(occurrence)
            slot_start = datetime.combine(original, block.start)
            slot_end = datetime.combine(original, block.end)
            if slot_end <= slot_start:
                slot_end += timedelta(days=1)
            others = tuple(e for e in block.exceptions if e.original_date != original)
            if (new_start, new_end) == (slot_start, slot_end):
                after = replace(block, exceptions=others)  # back in its own slot
            else:
                moved = BlockException(original, moved_start=new_start, moved_end=new_end)
                after = replace(block, exceptions=(*others, moved))
        if after != block:
            self.undo_stack.push(_BlockChange(self, "Move block", block, after))

    def delete_occurrence(self, occurrence: Occurrence, scope: Scope) -> None:
        """Delete one occurrence (a skip exception) or, with ``Scope.ALL``, the block.

        One-off blocks are removed whatever the scope: they have only one occurrence.
        """
        block = self._live(occurrence.block)
        if block is None or block.id is None:
            return
        if block.recurrence is None or scope is Scope.ALL:
            self.remove_block(block.id)
            return
        original = self.original_date(occurrence)
        others = tuple(e for e in block.exceptions if e.original_date != original)
        after = replace(block, exceptions=(*others, BlockException(original)))
        self.undo_stack.push(_BlockChange(self, "Skip occurrence", block, after))

    # ----------------------------------------------------------------- helpers
    def local_start(self, occurrence: Occurrence) -> datetime:
        """The occurrence's start as a naive wall-clock datetime in :meth:`tz`."""
        return occurrence.start.astimezone(self.tz()).replace(tzinfo=None)

    def local_end(self, occurrence: Occurrence) -> datetime:
        """The occurrence's end as a naive wall-clock datetime in :meth:`tz`."""
        return occurrence.end.astimezone(self.tz()).replace(tzinfo=None)

    def original_date(self, occurrence: Occurrence) -> date:
        """The date an occurrence belongs to in its series (its exception key).

        A moved occurrence is found by its exception's new start; any other starts on
        its own date.
        """
        local = self.local_start(occurrence)
        for exc in occurrence.block.exceptions:
            if exc.moved_start is not None and exc.moved_start == local:
                return exc.original_date
        return local.date()

    def _live(self, block: Block) -> Block | None:
        return None if block.id is None else self.block(block.id)

    def _resolve(self, block_id: int) -> int:
        while block_id in self._id_alias:
            block_id = self._id_alias[block_id]
        return block_id

    def _apply(self, before: Block | None, after: Block | None) -> Block | None:
        """Turn ``before`` into ``after`` in the repository; return the stored ``after``."""
        stored: Block | None = None
        if after is None:
            assert before is not None and before.id is not None
            self._repo.remove_block(self._resolve(before.id))
        elif before is None:
            wanted = after.id
            stored = self._repo.add_block(after)
            if wanted is not None and stored.id is not None and stored.id != wanted:
                self._id_alias[wanted] = stored.id
        else:
            assert after.id is not None
            stored = self._repo.update_block(replace(after, id=self._resolve(after.id)))
        self._schedule = None
        self.changed.emit()
        return stored


def describe_overlap(overlap: Overlap, tz: tzinfo) -> str:
    """One sentence: when, which block applies, which has no effect there.

    Example: ``Thu 3 Dec 14:30–15:00: “Report” (focus) applies, not “Office hours”
    (available)``.
    """
    start = overlap.start.astimezone(tz)
    end = overlap.end.astimezone(tz)
    overruled = ", ".join(f"“{b.display_title}” ({b.kind.value})" for b in overlap.overruled)
    applies = overlap.applies
    return (
        f"{start:%a} {start.day} {start:%b %H:%M}–{end:%H:%M}: "
        f"“{applies.display_title}” ({applies.kind.value}) applies, not {overruled}"
    )


OVERLAP_RULE = (
    "Where blocks overlap, the more protective kind applies: off, then focus, then available."
)
"""The rule in one line, said wherever an overlap is shown."""


def _shift_recurring(block: Block, days: int, new_start: datetime, new_end: datetime) -> Block:
    """The recurring ``block`` moved to new times and ``days`` days later (weekdays wrap).

    Skips and moves keep pointing at the occurrences they changed: their original dates
    shift with the series.
    """
    recurrence = block.recurrence
    assert recurrence is not None
    if days:
        recurrence = Recurrence(
            weekdays=frozenset((d + days) % 7 for d in recurrence.weekdays),
            interval_weeks=recurrence.interval_weeks,
            starts=recurrence.starts,
            until=recurrence.until,
        )
    shift: Callable[[BlockException], BlockException] = lambda e: replace(  # noqa: E731
        e, original_date=e.original_date + timedelta(days=days)
    )
    return replace(
        block,
        start=new_start.time(),
        end=new_end.time(),
        recurrence=recurrence,
        exceptions=tuple(shift(e) for e in block.exceptions) if days else block.exceptions,
    )
