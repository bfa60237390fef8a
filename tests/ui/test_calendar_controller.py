"""CalendarController: every edit is undoable, scopes map to exceptions or block changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from focus_app.core.model import Block, BlockException, BlockKind, Occurrence, Recurrence
from focus_app.ui.calendar_model import CalendarController, InMemoryBlockRepository, Scope

TZ = ZoneInfo("Europe/Berlin")
MONDAY = date(2025, 3, 10)
WORKDAYS = frozenset(range(5))


def week(controller: CalendarController) -> list[Occurrence]:
    start = datetime(2025, 3, 10, tzinfo=TZ)
    return controller.occurrences(start, datetime(2025, 3, 17, tzinfo=TZ))


def occurrence_on(controller: CalendarController, day: date) -> Occurrence:
    return next(o for o in week(controller) if o.start.date() == day)


@pytest.fixture
def repo() -> InMemoryBlockRepository:
    return InMemoryBlockRepository(TZ)


@pytest.fixture
def controller(qtbot: QtBot, repo: InMemoryBlockRepository) -> CalendarController:
    return CalendarController(repo)


def recurring(repo: InMemoryBlockRepository) -> Block:
    return repo.add_block(
        Block(BlockKind.FOCUS, time(9), time(10), "Deep work", Recurrence(WORKDAYS))
    )


def test_create_is_undoable_and_redo_keeps_the_id(
    controller: CalendarController, repo: InMemoryBlockRepository, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(controller.changed):
        created = controller.create_block(Block(BlockKind.OFF, time(12), time(13), on_date=MONDAY))
    assert created.id is not None and repo.get(created.id) == created
    controller.undo_stack.undo()
    assert repo.blocks() == []
    controller.undo_stack.redo()
    assert repo.blocks() == [created]


def test_move_this_occurrence_records_a_moved_exception_and_keeps_the_block(
    controller: CalendarController, repo: InMemoryBlockRepository
) -> None:
    block = recurring(repo)
    wednesday = occurrence_on(controller, date(2025, 3, 12))
    controller.move_occurrence(
        wednesday, datetime(2025, 3, 13, 14), datetime(2025, 3, 13, 15), Scope.THIS
    )
    stored = repo.get(block.id or 0)
    assert stored is not None
    assert (stored.start, stored.end, stored.recurrence) == (time(9), time(10), block.recurrence)
    assert stored.exceptions == (
        BlockException(date(2025, 3, 12), datetime(2025, 3, 13, 14), datetime(2025, 3, 13, 15)),
    )
    starts = [o.start.replace(tzinfo=None) for o in week(controller)]
    assert datetime(2025, 3, 12, 9) not in starts and datetime(2025, 3, 13, 14) in starts


def test_moving_a_moved_occurrence_replaces_its_exception_and_back_home_drops_it(
    controller: CalendarController, repo: InMemoryBlockRepository
) -> None:
    block = recurring(repo)
    occ = occurrence_on(controller, date(2025, 3, 12))
    controller.move_occurrence(
        occ, datetime(2025, 3, 12, 11), datetime(2025, 3, 12, 12), Scope.THIS
    )
    moved = next(o for o in week(controller) if o.start.hour == 11)
    controller.move_occurrence(
        moved, datetime(2025, 3, 12, 13), datetime(2025, 3, 12, 14), Scope.THIS
    )
    stored = repo.get(block.id or 0)
    assert stored is not None and len(stored.exceptions) == 1
    assert stored.exceptions[0].moved_start == datetime(2025, 3, 12, 13)
    moved = next(o for o in week(controller) if o.start.hour == 13)
    controller.move_occurrence(
        moved, datetime(2025, 3, 12, 9), datetime(2025, 3, 12, 10), Scope.THIS
    )
    stored = repo.get(block.id or 0)
    assert stored is not None and stored.exceptions == ()


def test_move_all_shifts_times_weekdays_and_existing_exceptions(
    controller: CalendarController, repo: InMemoryBlockRepository
) -> None:
    block = repo.add_block(
        Block(
            BlockKind.FOCUS,
            time(9),
            time(10),
            recurrence=Recurrence(frozenset({0, 2})),
            exceptions=(BlockException(date(2025, 3, 17)),),
        )
    )
    monday = occurrence_on(controller, MONDAY)
    controller.move_occurrence(
        monday, datetime(2025, 3, 11, 10, 30), datetime(2025, 3, 11, 11, 30), Scope.ALL
    )
    stored = repo.get(block.id or 0)
    assert stored is not None and stored.recurrence is not None
    assert stored.recurrence.weekdays == frozenset({1, 3})
    assert (stored.start, stored.end) == (time(10, 30), time(11, 30))
    assert stored.exceptions == (BlockException(date(2025, 3, 18)),)
    controller.undo_stack.undo()
    assert repo.get(block.id or 0) == block


def test_one_off_move_changes_date_and_times_whatever_the_scope(
    controller: CalendarController, repo: InMemoryBlockRepository
) -> None:
    block = repo.add_block(Block(BlockKind.AVAILABLE, time(14), time(15), on_date=MONDAY))
    occ = occurrence_on(controller, MONDAY)
    controller.move_occurrence(occ, datetime(2025, 3, 14, 23), datetime(2025, 3, 15, 1), Scope.THIS)
    stored = repo.get(block.id or 0)
    assert stored is not None
    assert (stored.on_date, stored.start, stored.end) == (date(2025, 3, 14), time(23), time(1))


def test_move_refuses_empty_or_day_long_spans(
    controller: CalendarController, repo: InMemoryBlockRepository
) -> None:
    recurring(repo)
    occ = occurrence_on(controller, MONDAY)
    with pytest.raises(ValueError, match="less than a day"):
        controller.move_occurrence(
            occ, datetime(2025, 3, 10, 9), datetime(2025, 3, 10, 9), Scope.ALL
        )
    with pytest.raises(ValueError, match="less than a day"):
        controller.move_occurrence(
            occ, datetime(2025, 3, 10, 9), datetime(2025, 3, 11, 9), Scope.ALL
        )
    assert controller.undo_stack.count() == 0


def test_delete_this_occurrence_skips_it_and_delete_all_removes_the_block(
    controller: CalendarController, repo: InMemoryBlockRepository
) -> None:
    block = recurring(repo)
    controller.delete_occurrence(occurrence_on(controller, MONDAY), Scope.THIS)
    stored = repo.get(block.id or 0)
    assert stored is not None and stored.exceptions == (BlockException(MONDAY),)
    assert len(week(controller)) == 4
    controller.delete_occurrence(occurrence_on(controller, date(2025, 3, 11)), Scope.ALL)
    assert repo.blocks() == [] and week(controller) == []
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert repo.blocks() == [block]


def test_edit_then_undo_restores_and_redo_reapplies(
    controller: CalendarController, repo: InMemoryBlockRepository
) -> None:
    block = recurring(repo)
    controller.update_block(replace(block, title="Writing", kind=BlockKind.OFF))
    assert repo.get(block.id or 0) == replace(block, title="Writing", kind=BlockKind.OFF)
    controller.undo_stack.undo()
    assert repo.get(block.id or 0) == block
    controller.undo_stack.redo()
    assert repo.get(block.id or 0) == replace(block, title="Writing", kind=BlockKind.OFF)


def test_refresh_rereads_changes_made_outside_the_controller(
    controller: CalendarController, repo: InMemoryBlockRepository, qtbot: QtBot
) -> None:
    assert week(controller) == []
    recurring(repo)
    with qtbot.waitSignal(controller.changed):
        controller.refresh()
    assert len(week(controller)) == 5


class RenumberingRepository(InMemoryBlockRepository):
    """A store that never reuses ids (like an AUTOINCREMENT table)."""

    def add_block(self, block: Block) -> Block:
        return super().add_block(replace(block, id=None))


def test_undo_of_a_delete_follows_a_new_id_through_later_redos(qtbot: QtBot) -> None:
    tz: tzinfo = TZ
    repo = RenumberingRepository(tz)
    controller = CalendarController(repo)
    created = controller.create_block(Block(BlockKind.FOCUS, time(9), time(10), on_date=MONDAY))
    occ = occurrence_on(controller, MONDAY)
    controller.move_occurrence(occ, datetime(2025, 3, 10, 11), datetime(2025, 3, 10, 12), Scope.ALL)
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert repo.blocks() == []
    controller.undo_stack.redo()
    controller.undo_stack.redo()
    [stored] = repo.blocks()
    assert stored.id != created.id and stored.start == time(11)
