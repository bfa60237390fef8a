"""Other people's limits (issue 11, item 7): a contact's published calendar, read from a
real .ics file or over real HTTP on 127.0.0.1 through the calendar refresh machinery,
gives the directory "next available …" and points referrals to that window.

The clock is Thursday 2026-11-26 10:00 in Berlin (UTC+1).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from focus_app import cli
from focus_app.clock import FakeClock
from focus_app.commands import Commands, Pending
from focus_app.engine import Engine
from tests.calendars.http_calendar import CalendarHost, calendar, serve_calendar, vevent
from tests.ui.ui_engine import clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]

# Dana's week (weekly events, UTC): meetings 09:00-17:00 local every Thursday, so today
# is full; Friday free of meetings.
THURSDAY_MEETINGS = vevent("thu@dana", "20261126T080000Z", "20261126T160000Z", "Meetings")
# Sam marks office hours: Wednesdays 14:00-16:00 local.
OFFICE_HOURS = vevent(
    "office@sam", "20261202T130000Z", "20261202T150000Z", "Office hours",
    "CATEGORIES:Available\r\n",
)


def ok(commands: Commands, cmd: str, **request: Any) -> Any:
    answer = commands.handle({"cmd": cmd, **request})
    assert answer["ok"], answer
    return answer["result"]


@pytest.fixture
def started(engine: Engine) -> tuple[Commands, list[Pending]]:
    commands = Commands(engine)
    runs: list[Pending] = []
    commands.run_in_background = runs.append
    return commands, runs


@pytest.fixture
def host() -> Iterator[CalendarHost]:
    with serve_calendar("/dana.ics") as served:
        served.text = calendar(THURSDAY_MEETINGS)
        yield served


def directory(commands: Commands) -> dict[str, str | None]:
    return {c["name"]: c["availability"] for c in ok(commands, "referral.list")}


def test_a_calendar_of_meetings_gives_the_first_free_working_hours(
    started: tuple[Commands, list[Pending]], host: CalendarHost
) -> None:
    commands, runs = started
    ok(commands, "referral.add", name="Dana", contact="dana@example.org", calendar=host.url)
    assert directory(commands) == {"Dana": "calendar not read yet"}
    [run] = runs  # adding it started the first read at once, in the background
    assert run.run_inline()["ok"]
    assert host.requests == 1
    assert directory(commands) == {"Dana": "next available Fri 09:00"}


def test_marked_office_hours_are_the_window_read_from_a_file(
    started: tuple[Commands, list[Pending]], tmp_path: Path
) -> None:
    commands, runs = started
    ics = tmp_path / "sam.ics"
    ics.write_text(calendar(OFFICE_HOURS), encoding="utf-8")
    ok(commands, "referral.add", name="Sam", contact="sam@example.org", calendar=str(ics))
    assert runs.pop().run_inline()["ok"]
    [entry] = ok(commands, "referral.list")
    assert entry["availability"] == "next available Wed 14:00"
    assert entry["calendar"] == str(ics)


def test_referring_suggests_their_window_instead_of_now(
    started: tuple[Commands, list[Pending]], tmp_path: Path
) -> None:
    commands, runs = started
    ics = tmp_path / "sam.ics"
    ics.write_text(calendar(OFFICE_HOURS), encoding="utf-8")
    ok(commands, "referral.add", name="Sam", contact="sam@example.org", calendar=str(ics))
    assert runs.pop().run_inline()["ok"]
    asked = ok(commands, "ask", what="Review the deck", **{"from": "Kim"})
    referred = ok(commands, "request.refer", id=asked["id"], to="Sam", tone="short")
    assert referred["reply"] == (
        "Hi Kim, Sam (free from Wed 2 Dec at 14:00) can help better with this: "
        "sam@example.org."
    )


def test_a_contact_without_a_calendar_is_referred_by_name_alone(
    started: tuple[Commands, list[Pending]],
) -> None:
    commands, runs = started
    ok(commands, "referral.add", name="Ana", contact="ana@example.org")
    assert runs == []  # nothing to read
    assert directory(commands) == {"Ana": None}
    asked = ok(commands, "ask", what="Review the deck", **{"from": "Kim"})
    referred = ok(commands, "request.refer", id=asked["id"], to="Ana", tone="short")
    assert referred["reply"] == "Hi Kim, Ana can help better with this: ana@example.org."


def test_the_calendar_refreshes_with_the_others_and_a_change_moves_the_window(
    started: tuple[Commands, list[Pending]], host: CalendarHost, engine: Engine,
    clock: FakeClock,
) -> None:
    commands, runs = started
    ok(commands, "referral.add", name="Dana", calendar=host.url)
    assert runs.pop().run_inline()["ok"]
    friday = vevent("fri@dana", "20261127T080000Z", "20261127T160000Z", "Offsite")
    host.text = calendar(THURSDAY_MEETINGS, friday)
    due = engine.calendar_refresh_at()  # type: ignore[misc]
    assert due == clock.now() + timedelta(hours=1)  # the default refresh, like calendars
    clock.advance(timedelta(hours=1))
    engine.reconcile()  # the engine's one wake-up starts the refresh
    assert runs.pop().run_inline()["ok"]
    assert directory(commands) == {"Dana": "next available Mon 09:00"}


def test_an_unreachable_calendar_keeps_what_was_known_and_says_why(
    started: tuple[Commands, list[Pending]], host: CalendarHost, engine: Engine,
    clock: FakeClock,
) -> None:
    commands, runs = started
    ok(commands, "referral.add", name="Dana", calendar=host.url)
    assert runs.pop().run_inline()["ok"]
    host.status = 500
    clock.advance(timedelta(hours=1))
    engine.reconcile()
    assert runs.pop().run_inline()["ok"]
    text = directory(commands)["Dana"]
    assert text is not None and text.startswith("next available Fri 09:00; last read failed:")
    assert "HTTP 500" in text


def test_edit_sets_and_removes_the_calendar(
    started: tuple[Commands, list[Pending]], host: CalendarHost
) -> None:
    commands, runs = started
    ok(commands, "referral.add", name="Dana", contact="dana@example.org")
    edited = ok(commands, "referral.edit", name="dana", calendar=host.url)
    assert edited["calendar"] == host.url and edited["contact"] == "dana@example.org"
    assert runs.pop().run_inline()["ok"]
    assert directory(commands) == {"Dana": "next available Fri 09:00"}
    ok(commands, "referral.edit", name="Dana", calendar="")
    assert directory(commands) == {"Dana": None}


@pytest.mark.parametrize(
    ("request_args", "said"),
    [
        ({"name": "Dana", "calendar": "dana.ics"}, "calendar: 'dana.ics' is neither"),
        ({"name": "Dana", "calendar": "https://"}, "calendar: 'https://' has no host"),
    ],
)
def test_a_bad_calendar_address_is_refused_and_nothing_is_stored(
    started: tuple[Commands, list[Pending]], request_args: dict[str, str], said: str
) -> None:
    commands, _ = started
    answer = commands.handle({"cmd": "referral.add", **request_args})
    assert answer["ok"] is False and answer["error"].startswith(said)
    assert ok(commands, "referral.list") == []


def test_editing_someone_unknown_says_how_to_add_them(
    started: tuple[Commands, list[Pending]],
) -> None:
    commands, _ = started
    answer = commands.handle({"cmd": "referral.edit", "name": "Kim", "calendar": ""})
    assert answer["ok"] is False and "no one called 'Kim'" in answer["error"]


def test_the_command_line_sends_the_calendar_as_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = cli.build_parser().parse_args(
        ["referral", "add", "Dana", "--contact", "d@x.org", "--calendar", "dana.ics"]
    )
    assert cli._boundary_request(args) == ("referral.add", {
        "name": "Dana", "contact": "d@x.org", "topics": "", "notes": "",
        "calendar": str(tmp_path / "dana.ics"),
    })
    args = cli.build_parser().parse_args(
        ["referral", "edit", "Dana", "--calendar", "https://x.example/d.ics"]
    )
    assert cli._boundary_request(args) == (
        "referral.edit", {"name": "Dana", "calendar": "https://x.example/d.ics"}
    )
