"""The VTIMEZONEs written to CalDAV servers (``vtimezones.yearly_zones``): yearly rules
where zoneinfo's transitions follow them, read right by vobject (Radicale's parser), so
the server answers time-range queries at the events' real times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import caldav
import pytest
import vobject

from focus_app.calendars.caldav_sync import block_event
from focus_app.calendars.vtimezones import yearly_zones
from focus_app.calendars.writing import export_ics
from focus_app.core.model import Block, BlockKind, Recurrence
from tests.calendars.radicale_server import PASSWORD, USER, RadicaleServer, radicale

__all__ = ["radicale"]

STAMP = datetime(2026, 11, 30, tzinfo=UTC)
_TIME_RANGE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name=\"VCALENDAR\">"
    '<C:comp-filter name="VEVENT"><C:time-range start="{start}" end="{end}"/>'
    "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
)


def tuesday_nine(block_id: int = 1) -> Block:
    return Block(kind=BlockKind.FOCUS, start=clock_time(9), end=clock_time(10), title="Deep work",
                 recurrence=Recurrence(weekdays=frozenset({1})), id=block_id)


def offset_changes(zone: ZoneInfo, first: int, last: int) -> list[datetime]:
    """Every instant zoneinfo's offset changes (to the hour), by an hourly scan."""
    changes = []
    at = datetime(first, 1, 1, tzinfo=UTC)
    before = at.astimezone(zone).utcoffset()
    while at.year <= last:
        at += timedelta(hours=1)
        now = at.astimezone(zone).utcoffset()
        if now != before:
            changes.append(at)
        before = now
    return changes


@pytest.mark.parametrize(
    "key",
    ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "Asia/Tehran",
     "America/Sao_Paulo", "Pacific/Chatham", "America/St_Johns"],
)
def test_the_written_vtimezone_as_vobject_reads_it_gives_zoneinfos_offsets(key: str) -> None:
    zone = ZoneInfo(key)
    # An exported .ics file carries the same form as what is sent to CalDAV servers.
    text = export_ics([tuesday_nine()], zone, now=STAMP)
    assert yearly_zones(text) == text
    assert "RDATE" not in text  # each of these zones gets the rule form
    # vobject keeps a zone's first definition per process: a name of its own
    own = text.replace(f"TZID:{key}", f"TZID:test {key}").replace(
        f"TZID={key}", f"TZID=test {key}")
    read = vobject.readOne(own).vevent.dtstart.value.tzinfo
    checks = [c + timedelta(minutes=m) for c in offset_changes(zone, 2001, 2037)
              for m in (-61, -1, 0, 59)]
    checks += [datetime(2001, 1, 1, 12, tzinfo=UTC) + timedelta(weeks=w) for w in range(0, 1924, 3)]
    wrong = [at for at in checks
             if at.astimezone(read).utcoffset() != at.astimezone(zone).utcoffset()]
    assert wrong == []


def test_a_zone_whose_transitions_follow_no_yearly_rule_keeps_icalendars_vtimezone() -> None:
    text = export_ics([tuesday_nine()], ZoneInfo("Africa/Casablanca"), now=STAMP)
    assert yearly_zones(text) == text  # Ramadan changes: no rule holds to 2037


def test_berlin_is_written_as_two_yearly_rules_from_the_year_before_its_first_use() -> None:
    text = block_event(tuesday_nine(), "u@focus-app", ZoneInfo("Europe/Berlin"), stamp=STAMP,
                       host="laptop")
    zone = re.search(r"BEGIN:VTIMEZONE.*END:VTIMEZONE\r\n", text, re.S)
    assert zone is not None
    assert zone.group(0) == (
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
        "BEGIN:DAYLIGHT\r\nDTSTART:20000326T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
        "TZNAME:CEST\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\n"
        "BEGIN:STANDARD\r\nDTSTART:20001029T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
        "TZNAME:CET\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"
    )


def test_radicale_finds_a_summer_occurrence_at_its_real_time_and_not_an_hour_later(
    radicale: RadicaleServer,
) -> None:
    """With icalendar's comma-separated RDATE lists, vobject took Berlin for UTC+1 all
    year: the Tuesday 09:00 block matched 08:15Z in July, and not 07:15Z."""
    url = radicale.calendar_url("mine")
    text = block_event(tuesday_nine(), "u@focus-app", ZoneInfo("Europe/Berlin"), stamp=STAMP,
                       host="laptop")
    with caldav.DAVClient(url=url, username=USER, password=PASSWORD) as client:
        put = client.put(url + "u@focus-app.ics", text, {"Content-Type": "text/calendar"})
        assert put.status == 201

        def matches(start: str, end: str) -> bool:
            answer = client.request(url, "REPORT", _TIME_RANGE.format(start=start, end=end),
                                    {"Content-Type": "application/xml", "Depth": "1"})
            assert answer.status == 207
            return "u%40focus-app.ics" in answer.raw or "u@focus-app.ics" in answer.raw

        assert matches("20260707T071500Z", "20260707T074500Z")  # 09:15 CEST
        assert not matches("20260707T081500Z", "20260707T084500Z")  # 10:15 CEST
        assert matches("20260113T081500Z", "20260113T084500Z")  # 09:15 CET


def test_a_zone_first_used_after_2037_or_before_1900_keeps_icalendars_vtimezone() -> None:
    zone = ZoneInfo("Europe/Berlin")
    for year in (1850, 2040):
        block = Block(kind=BlockKind.FOCUS, start=clock_time(9), end=clock_time(10),
                      title="Once", on_date=datetime(year, 7, 7).date(), id=1)
        text = export_ics([block], zone, now=STAMP)
        assert f"TZID=Europe/Berlin:{year}0707" in text
        assert yearly_zones(text) == text
