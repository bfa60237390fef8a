"""Calendar files taken from the test suites of ``recurring-ical-events`` and
``icalendar`` (real exports of Google, Exchange and Thunderbird; origin and licence in
tests/data/ics/README.md): our import, expanded by our schedule, must give the
occurrences ``recurring-ical-events`` gives for the same file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from focus_app.calendars import ImportOptions, import_ics
from focus_app.core.model import BlockKind
from focus_app.core.schedule import Schedule

DATA = Path(__file__).parent.parent / "data" / "ics"
BERLIN = ZoneInfo("Europe/Berlin")
Spans = list[tuple[datetime, datetime]]

# file, first day of the 120 days compared, occurrences recurring-ical-events gives
REAL_FILES = [
    ("rie_google_x_wr_timezone.ics", date(2021, 12, 20), 2),
    ("icalendar_google_x_location.ics", date(2016, 10, 24), 82),
    ("rie_exchange_2010.ics", date(2020, 4, 20), 2),
    ("rie_thunderbird_sequence.ics", date(2025, 4, 21), 5),
    ("rie_thunderbird_moved.ics", date(2019, 3, 1), 7),
    ("rie_deleted_modification.ics", date(2024, 7, 22), 5),
    ("rie_modified_then_deleted.ics", date(2024, 6, 24), 2),
    ("rie_shortened_series.ics", date(2024, 6, 24), 2),
]


def _instant(value: date | datetime) -> datetime:
    """recurring-ical-events gives dates for all-day and naive times for floating events;
    the import reads both in the person's zone."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=BERLIN)
    return value.astimezone(UTC)


def _merged(spans: Spans) -> Spans:
    """Touching spans joined: the import cuts events longer than a day at midnight."""
    out: Spans = []
    for start, end in sorted(spans):
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


@pytest.mark.parametrize(("name", "first", "count"), REAL_FILES)
def test_a_real_export_gives_the_occurrences_recurring_ical_events_gives(
    name: str, first: date, count: int
) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    lo = datetime.combine(first, time(), BERLIN)
    hi = lo + timedelta(days=120)
    theirs = _merged([
        (_instant(e.start), _instant(e.end))
        for e in recurring_ical_events.of(icalendar.Calendar.from_ical(text)).between(lo, hi)
    ])
    result = import_ics(text, BERLIN, ImportOptions(kind=BlockKind.FOCUS))
    assert result.skipped == []
    ours = _merged([
        (o.start.astimezone(UTC), o.end.astimezone(UTC))
        for o in Schedule(result.blocks, tz=BERLIN).occurrences(lo, hi)
    ])
    assert len(theirs) == count
    assert ours == theirs


@pytest.mark.parametrize(
    ("name", "deleted"),
    [
        # Thunderbird: an occurrence changed, then deleted (the series gains an EXDATE).
        ("rie_deleted_modification.ics", date(2024, 8, 19)),
        ("rie_modified_then_deleted.ics", date(2024, 7, 15)),
        # The series was cut short (new UNTIL, higher SEQUENCE) after one was changed.
        ("rie_shortened_series.ics", date(2024, 7, 29)),
    ],
)
def test_a_changed_occurrence_that_was_later_deleted_does_not_come_back(
    name: str, deleted: date
) -> None:
    # Used to import the changed occurrence anyway: a deleted week of focus came back.
    text = (DATA / name).read_text(encoding="utf-8")
    blocks = import_ics(text, BERLIN, ImportOptions(kind=BlockKind.FOCUS)).blocks
    day = datetime.combine(deleted, time(), BERLIN)
    schedule = Schedule(blocks, tz=BERLIN)
    assert list(schedule.occurrences(day, day + timedelta(days=1))) == []


def _weekly(dtstart: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:w\r\n"
        f"DTSTAMP:20250101T000000Z\r\nDTSTART{dtstart}\r\nDURATION:PT1H\r\n"
        "RRULE:FREQ=WEEKLY\r\nCATEGORIES:focus\r\nSUMMARY:Sync\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.mark.parametrize(
    ("dtstart", "noted"),
    [
        (";TZID=America/New_York:20250106T090000", "America/New_York"),
        (":20250106T090000Z", "UTC"),
        (";TZID=Europe/Paris:20250106T090000", None),  # same clock changes as Berlin
        (";TZID=Europe/Berlin:20250106T090000", None),
        (":20250106T090000", None),  # floating: the person's own wall clock
    ],
)
def test_a_series_in_a_zone_that_changes_clocks_on_other_dates_says_it_will_be_an_hour_off(
    dtstart: str, noted: str | None
) -> None:
    # rie's rdate.ics (UTC) and issue_48_dst.ics (Chicago) were an hour off for weeks
    # each year against recurring-ical-events, without a word.
    result = import_ics(_weekly(dtstart), BERLIN)
    notes = [p for p in result.problems if "an hour off" in p]
    if noted is None:
        assert notes == []
    else:
        assert notes == [
            f"repeating events in {noted} keep the time of their first occurrence in your "
            f"zone, so some weeks they are an hour off: {noted} and your zone change clocks "
            "on different dates"
        ]
