"""Real-world style calendar files (tests/data/ics): the blocks each must give, and the
bugs of issue 12 each pinned by a file or a small calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from focus_app.calendars import ImportOptions, import_ics, plan_import
from focus_app.core.model import Block, BlockException, BlockKind, Recurrence
from focus_app.core.schedule import Schedule

DATA = Path(__file__).parent.parent / "data" / "ics"
BERLIN = ZoneInfo("Europe/Berlin")


def read(name: str, options: ImportOptions | None = None) -> tuple[list[Block], list[str]]:
    result = import_ics((DATA / name).read_text(encoding="utf-8"), BERLIN, options)
    return result.blocks, result.skipped


def brief(blocks: list[Block]) -> list[tuple[str, str, str, str, str]]:
    """kind, title, start-end, date or weekdays, key: what a person checks."""
    out = []
    for b in blocks:
        rec = b.recurrence
        when = (
            str(b.on_date) if rec is None else f"{sorted(rec.weekdays)} {rec.starts}..{rec.until}"
        )
        span = f"{b.start:%H:%M}-{b.end:%H:%M}"
        out.append((b.kind.value, b.title, span, when, b.source_uid or ""))
    return out


def test_outlook_windows_and_custom_tzids_map_to_real_zones_and_the_latest_sequence_wins() -> None:
    blocks, skipped = read("outlook_windows_tzids.ics")
    assert brief(blocks) == [
        # 09:00-12:00 Eastern (SEQUENCE 2, not the 09:00-11:00 of SEQUENCE 0) = 15-18 Berlin
        ("focus", "Deep work (Outlook)", "15:00-18:00", "[0, 3] 2025-01-06..2025-03-31",
         "040000008200E00074C5B7101A82E00800000000A1B2C3D4"),
        # 14:00 in the file's own "(UTC-03:00) Brasília" zone = 18:00 Berlin
        ("available", "Office hours São Paulo", "18:00-19:00", "2025-01-08", "outlook-brasilia-1"),
        ("off", "Vacation", "00:00-12:00", "2025-01-20", "outlook-oof-1"),
        ("off", "Vacation", "12:00-00:00", "2025-01-20", "outlook-oof-1#1"),
    ]
    assert skipped == [
        "'Vendor call' on 2025-01-07 19:00: no kind: give it CATEGORIES focus, available or "
        "off, or choose one for such events with --kind"
    ]


def test_outlook_plain_meeting_takes_the_kind_chosen_for_the_import() -> None:
    blocks, skipped = read("outlook_windows_tzids.ics", ImportOptions(kind=BlockKind.OFF))
    assert ("off", "Vendor call", "19:00-19:30", "2025-01-07", "outlook-plain-1") in brief(blocks)
    assert skipped == []


def test_google_focus_time_out_of_office_rdate_and_lowercase_tzid() -> None:
    blocks, skipped = read("google_focus_time.ics")
    assert brief(blocks) == [
        ("focus", "Focus time", "10:00-12:00", "[0, 2] 2025-03-03..None", "focus-1@google.com"),
        ("off", "Out of office", "00:00-12:00", "2025-03-14", "ooo-1@google.com"),
        ("off", "Out of office", "12:00-00:00", "2025-03-14", "ooo-1@google.com#1"),
        # Europe/lisbon (wrong case) is Lisbon, not the user's zone; RDATE adds two more.
        ("available", "Team sync", "16:00-17:00", "2025-03-05", "sync-1@google.com"),
        ("available", "Team sync", "16:00-17:00", "2025-03-12", "sync-1@google.com#1"),
        ("available", "Team sync", "16:00-17:00", "2025-03-19", "sync-1@google.com#2"),
    ]
    assert skipped == [
        "'Home' on 2025-03-04: a workingLocation event, not time to block",
        # Floating 10:00 is in X-WR-TIMEZONE (Lisbon): 11:00 in Berlin.
        "'Standup' on 2025-03-06 11:00: no kind: give it CATEGORIES focus, available or off, "
        "or choose one for such events with --kind",
    ]


def test_thunderbird_out_of_range_events_are_refused_one_by_one_with_a_reason() -> None:
    blocks, skipped = read("thunderbird_edge_cases.ics")
    assert brief(blocks) == [
        ("off", "Evening off", "18:00-22:00", "[0, 1, 2, 3, 4, 5, 6] 2025-01-06..2025-01-10",
         "tb-1"),
    ]
    assert blocks[0].exceptions == (BlockException(date(2025, 1, 8)),)
    assert skipped == [
        "'Forever' on 2025-01-07 08:00: UNTIL 9999-12-31 is outside the supported dates "
        "1900-01-01 to 9000-12-31",
        "'Year one': DTSTART 0001-01-01 is outside the supported dates 1900-01-01 to "
        "9000-12-31",
        "'Endless' on 2025-01-07 09:00: lasts 99999999 days (DURATION): too long for a block "
        "(a pause fits better)",
        "'Rarely' on 2025-01-07 09:00: repeats every 1000000 weeks (INTERVAL): more than 520 "
        "weeks apart is no weekly block",
    ]


def test_apple_moved_occurrence_lands_on_its_new_day() -> None:
    blocks, skipped = read("apple_moved_occurrence.ics")
    assert skipped == []
    [writing] = blocks
    assert writing.recurrence == Recurrence(frozenset({0}), 2, starts=date(2025, 3, 24))
    assert writing.exceptions == (
        BlockException(date(2025, 4, 7), datetime(2025, 4, 8, 7, 30), datetime(2025, 4, 8, 9)),
    )


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.ics")))
def test_every_block_a_file_gives_can_be_scheduled(name: str) -> None:
    blocks, _ = read(name, ImportOptions(kind=BlockKind.FOCUS))
    schedule = Schedule(blocks, tz=BERLIN)
    assert schedule.skipped == ()
    start = datetime(2025, 1, 1, tzinfo=BERLIN)
    schedule.occurrences(start, start.replace(year=2026))


def test_rdate_gives_one_block_per_date() -> None:
    dates = ",".join(f"2025{m:02d}01T090000Z" for m in range(2, 13))
    text = (
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:r\r\nCATEGORIES:focus\r\n"
        "DTSTART:20250101T090000Z\r\nDTEND:20250101T100000Z\r\n"
        f"RDATE:{dates}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    blocks = import_ics(text, ZoneInfo("UTC")).blocks
    assert [b.on_date for b in blocks] == [date(2025, m, 1) for m in range(1, 13)]


# ---------------------------------------------------------------- re-import by UID


def test_reimporting_a_changed_calendar_updates_by_uid_instead_of_duplicating() -> None:
    text = (DATA / "google_focus_time.ics").read_text(encoding="utf-8")
    first = plan_import(import_ics(text, BERLIN), [])
    stored = [replace(b, id=i) for i, b in enumerate(first.new, start=1)]
    same = plan_import(import_ics(text, BERLIN), stored)
    assert (len(same.new), len(same.updated), len(same.unchanged), same.removed) == (0, 0, 6, [])
    changed = text.replace("SUMMARY:Focus time", "SUMMARY:Deep focus").replace(
        "RDATE;TZID=Europe/lisbon:20250312T150000,20250319T150000",
        "RDATE;TZID=Europe/lisbon:20250312T150000",
    )
    again = plan_import(import_ics(changed, BERLIN), stored)
    assert [(b.id, b.title) for b in again.updated] == [(1, "Deep focus")]
    assert again.new == []
    assert [b.source_uid for b in again.removed] == ["sync-1@google.com#2"]
    assert again.kinds() == {"available": 2, "focus": 1, "off": 2}
    assert again.date_range() == (date(2025, 3, 3), None)
