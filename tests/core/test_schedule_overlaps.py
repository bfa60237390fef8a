"""Schedule.overlaps: where blocks of different kinds overlap, which one applies there."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from focus_app.core.model import Block, BlockKind, Recurrence
from focus_app.core.schedule import Schedule

BERLIN = ZoneInfo("Europe/Berlin")
THU = date(2026, 12, 3)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def office_hours() -> Block:
    return Block(
        BlockKind.AVAILABLE,
        time(14),
        time(15),
        "Office hours",
        recurrence=Recurrence(frozenset({3})),
    )


def report() -> Block:
    return Block(BlockKind.FOCUS, time(14, 30), time(16), "Report", on_date=THU)


def test_focus_over_available_applies_where_they_overlap_and_names_the_overruled_block() -> None:
    schedule = Schedule([office_hours(), report()], tz=BERLIN)
    found = schedule.overlaps(at(THU, 0), at(THU, 23))
    assert len(found) == 1
    overlap = found[0]
    assert (overlap.start, overlap.end) == (at(THU, 14, 30), at(THU, 15))
    assert overlap.applies.title == "Report"
    assert [b.title for b in overlap.overruled] == ["Office hours"]
    assert overlap.start.tzinfo is BERLIN


def test_off_applies_over_focus_whichever_is_listed_first() -> None:
    off = Block(BlockKind.OFF, time(15), time(17), "Doctor", on_date=THU)
    for blocks in ([off, report()], [report(), off]):
        (overlap,) = Schedule(blocks, tz=BERLIN).overlaps(at(THU, 0), at(THU, 23))
        assert overlap.applies.title == "Doctor"
        assert [b.title for b in overlap.overruled] == ["Report"]
        assert (overlap.start, overlap.end) == (at(THU, 15), at(THU, 16))


def test_blocks_of_one_kind_overlapping_are_not_an_overlap_worth_telling() -> None:
    other = Block(BlockKind.FOCUS, time(15), time(17), "More focus", on_date=THU)
    assert Schedule([report(), other], tz=BERLIN).overlaps(at(THU, 0), at(THU, 23)) == []


def test_three_blocks_give_one_stretch_per_set_of_blocks_and_merge_adjacent_equal_ones() -> None:
    long_available = Block(BlockKind.AVAILABLE, time(13), time(18), "Open door", on_date=THU)
    off = Block(BlockKind.OFF, time(15), time(16), "Doctor", on_date=THU)
    found = Schedule([long_available, report(), off], tz=BERLIN).overlaps(at(THU, 0), at(THU, 23))
    assert [(o.start.time(), o.end.time(), o.applies.title) for o in found] == [
        (time(14, 30), time(15), "Report"),
        (time(15), time(16), "Doctor"),
    ]
    assert [b.title for b in found[1].overruled] == ["Open door", "Report"]


def test_overlaps_are_clipped_to_the_asked_window() -> None:
    schedule = Schedule([office_hours(), report()], tz=BERLIN)
    (overlap,) = schedule.overlaps(at(THU, 14, 45), at(THU, 23))
    assert overlap.start == at(THU, 14, 45)
    assert schedule.overlaps(at(THU, 15), at(THU, 23)) == []


def test_overlaps_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        Schedule([report()], tz=BERLIN).overlaps(datetime(2026, 12, 3), at(THU, 23))
