"""Following calendars (issue 12, item 3) through the command layer, with a real engine,
a real SQLite file and a real HTTP server on 127.0.0.1: meetings become busy time of the
chosen kind, focus-time events focus blocks; a refresh keeps the blocks in step, one
that changes nothing writes nothing, a server that is down loses nothing and is retried,
and the next refresh is a candidate of the engine's one wake-up."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from focus_app.clock import FakeClock
from focus_app.commands import Commands, Pending
from focus_app.core.subscriptions import RETRY_AFTER
from focus_app.engine import Engine
from tests.calendars.http_calendar import CalendarHost, calendar, serve_calendar, vevent
from tests.ui.ui_engine import clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]

STANDUP = vevent("standup@work", "20261130T080000Z", "20261130T083000Z", "Standup")
PLANNING = vevent("planning@work", "20261201T130000Z", "20261201T140000Z", "Planning")
FOCUS_TIME = vevent(
    "focus@work", "20261202T070000Z", "20261202T090000Z", "Focus time",
    "X-GOOGLE-EVENT-TYPE:focusTime\r\n",
)


@pytest.fixture
def host() -> Iterator[CalendarHost]:
    with serve_calendar() as served:
        served.text = calendar(STANDUP, PLANNING, FOCUS_TIME)
        yield served


def ok(commands: Commands, cmd: str, **request: Any) -> Any:
    answer = commands.handle({"cmd": cmd, **request})
    assert answer["ok"], answer
    return answer["result"]


def writes(engine: Engine) -> list[str]:
    """Every write transaction the store starts from now on (a list that grows)."""
    seen: list[str] = []
    engine.store.connection.set_trace_callback(
        lambda sql: seen.append(sql) if sql.startswith("BEGIN") else None
    )
    return seen


def sub_blocks(engine: Engine) -> dict[str, str]:
    return {b.title: b.kind.value for b in engine.blocks() if b.source_calendar == "sub:1"}


def test_meetings_become_busy_time_of_the_chosen_kind_and_focus_time_focus_blocks(
    engine: Engine, host: CalendarHost
) -> None:
    commands = Commands(engine)
    added = ok(commands, "calendar.add", source=host.url, busy="available")
    assert (added["id"], added["name"], added["busy_kind"]) == (1, "127.0.0.1", "available")
    [synced] = ok(commands, "calendar.sync")
    assert (synced["error"], synced["changed"], synced["blocks"]) == ("", 3, 3)
    assert sub_blocks(engine) == {
        "Standup": "available", "Planning": "available", "Focus time": "focus",
    }
    # Berlin wall-clock (the engine's zone): 08:00Z on Monday is 09:00.
    standup = next(b for b in engine.blocks() if b.title == "Standup")
    assert (standup.start.isoformat(), standup.end.isoformat()) == ("09:00:00", "09:30:00")


def test_a_refresh_that_changes_nothing_writes_nothing(engine: Engine, host: CalendarHost) -> None:
    commands = Commands(engine)
    ok(commands, "calendar.add", source=host.url)
    ok(commands, "calendar.sync")
    seen = writes(engine)
    before = engine.store.connection.total_changes
    ok(commands, "calendar.sync")  # 304 from the server
    host.text = host.text.replace("DTSTAMP:20261101T000000Z", "DTSTAMP:20261130T101010Z")
    [again] = ok(commands, "calendar.sync")  # a new text (Google stamps every download)
    assert again["error"] == "" and again["changed"] == 0
    assert seen == []
    assert engine.store.connection.total_changes == before
    assert host.requests == 3


def test_a_refresh_updates_moved_events_and_removes_deleted_ones_in_one_transaction(
    engine: Engine, host: CalendarHost
) -> None:
    commands = Commands(engine)
    ok(commands, "calendar.add", source=host.url)
    ok(commands, "calendar.sync")
    ids = {b.title: b.id for b in engine.blocks()}
    host.text = calendar(STANDUP.replace("T083000Z", "T084500Z"), FOCUS_TIME)
    seen = writes(engine)
    [synced] = ok(commands, "calendar.sync")
    assert synced["changed"] == 2 and len(seen) == 1
    after = {b.title: (b.id, b.end.isoformat()) for b in engine.blocks()}
    assert after == {"Standup": (ids["Standup"], "09:45:00"),
                     "Focus time": (ids["Focus time"], "10:00:00")}


def test_blocks_made_in_the_app_and_other_calendars_are_left_alone(
    engine: Engine, host: CalendarHost, tmp_path: Path
) -> None:
    commands = Commands(engine)
    mine = ok(commands, "block.add", kind="focus", days="fri", start="08:00", end="10:00")
    file_cal = tmp_path / "team.ics"
    file_cal.write_text(calendar(vevent("retro@team", "20261204T140000Z",
                                        "20261204T150000Z", "Retro")))
    ok(commands, "calendar.add", source=host.url)
    ok(commands, "calendar.add", source=str(file_cal), busy="off")
    ok(commands, "calendar.sync")
    host.text = calendar()
    ok(commands, "calendar.sync")
    assert {b.title for b in engine.blocks()} == {"", "Retro"}
    assert mine["id"] in {b.id for b in engine.blocks()}
    removed = ok(commands, "calendar.remove", id=2)
    assert removed == {"removed": 2, "blocks": 1}
    assert [b.id for b in engine.blocks()] == [mine["id"]]
    assert ok(commands, "calendar.list")[0]["blocks"] == 0


def test_a_server_that_is_down_loses_nothing_says_why_and_is_retried_soon(
    engine: Engine, host: CalendarHost, clock: FakeClock
) -> None:
    commands = Commands(engine)
    ok(commands, "calendar.add", source=host.url, every_minutes=120)
    ok(commands, "calendar.sync")
    kept = engine.blocks()
    host.status = 503
    [failed] = ok(commands, "calendar.sync")
    assert failed["error"].startswith("127.0.0.1 answered HTTP 503")
    assert "tried again later" in failed["error"]
    assert engine.blocks() == kept
    assert engine.calendar_refresh_at is not None
    assert engine.calendar_refresh_at() == clock.now() + RETRY_AFTER
    listed = ok(commands, "calendar.list")[0]
    assert listed["error"] == failed["error"] and listed["ok_at"] is not None


def test_an_address_with_no_server_gives_one_line_to_act_on(engine: Engine) -> None:
    commands = Commands(engine)
    ok(commands, "calendar.add", source="http://127.0.0.1:9/nothing.ics")
    [failed] = ok(commands, "calendar.sync")
    assert failed["error"].startswith("cannot reach 127.0.0.1:")
    assert "\n" not in failed["error"]


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        ({"source": "work.ics"}, "neither an http(s):// address nor an absolute path"),
        ({"source": ""}, "neither an http(s):// address nor an absolute path"),
        ({"source": "/tmp"}, "/tmp is a folder; give the .ics file to follow"),
        ({"source": "https://x.example/c.ics", "busy": "busy"}, "unknown kind 'busy'"),
        ({"source": "https://x.example/c.ics", "every_minutes": 1}, "refresh every 5 minutes"),
    ],
)
def test_bad_subscriptions_are_refused_with_what_would_be_right(
    engine: Engine, request_: dict[str, Any], error: str
) -> None:
    answer = Commands(engine).handle({"cmd": "calendar.add", **request_})
    assert not answer["ok"] and error in answer["error"]


def test_the_same_calendar_cannot_be_followed_twice(engine: Engine, host: CalendarHost) -> None:
    commands = Commands(engine)
    ok(commands, "calendar.add", source=host.url)
    answer = commands.handle({"cmd": "calendar.add", "source": host.url})
    assert answer == {
        "ok": False,
        "error": f"{host.url} is followed already; see 'focus-app calendar list'",
    }


def test_webcal_addresses_are_read_over_https(engine: Engine) -> None:
    added = ok(Commands(engine), "calendar.add", source="webcal://cal.example/u/basic.ics")
    assert added["source"] == "https://cal.example/u/basic.ics"


def test_refreshes_ride_on_the_engines_one_wakeup_and_run_when_due(
    engine: Engine, host: CalendarHost, clock: FakeClock
) -> None:
    commands = Commands(engine)
    started: list[Pending] = []
    commands.run_in_background = started.append
    assert engine.calendar_refresh_at is None  # nothing followed: no candidate at all
    ok(commands, "calendar.add", source=host.url, every_minutes=30)
    # Adding plans the first refresh at once (the reconcile it triggers starts it).
    assert len(started) == 1
    assert started[0].run_inline()["ok"]
    assert len(engine.blocks()) == 3
    due = clock.now() + timedelta(minutes=30)
    assert engine.calendar_refresh_at() == due  # type: ignore[misc]
    assert engine._wakeup.wake_at is not None and engine._wakeup.wake_at <= due
    clock.advance(timedelta(minutes=29))
    engine.reconcile()
    assert len(started) == 1
    clock.advance(timedelta(minutes=1))
    engine.reconcile()
    assert len(started) == 2


def test_the_command_line_sends_an_absolute_path_minutes_and_the_busy_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from focus_app import cli

    monkeypatch.chdir(tmp_path)
    args = cli.build_parser().parse_args(
        ["calendar", "add", "team.ics", "--busy", "available", "--every", "1h30m"]
    )
    assert cli._calendar_request(args) == {
        "source": str(tmp_path / "team.ics"), "busy": "available", "every_minutes": 90,
        "name": "",
    }
    args = cli.build_parser().parse_args(["calendar", "add", "https://x.example/c.ics"])
    assert cli._calendar_request(args)["source"] == "https://x.example/c.ics"
    with pytest.raises(SystemExit) as bad:
        cli.build_parser().parse_args(["calendar", "add", "x.ics", "--busy", "meeting"])
    assert bad.value.code == cli.EXIT_USAGE
    # Used to follow the current folder (the absolute path of "").
    for blank in ("", "  "):
        with pytest.raises(SystemExit) as bad:
            cli.build_parser().parse_args(["calendar", "add", blank])
        assert bad.value.code == cli.EXIT_USAGE


def test_calendar_list_shows_each_calendars_state_in_one_safe_line_or_two(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from focus_app import cli

    row = {"id": 1, "name": "work\x1b[2J", "source": "https://x.example/c.ics",
           "busy_kind": "off", "every_minutes": 60, "blocks": 3, "checked_at": None,
           "ok_at": None, "error": "", "changed": 0,
           "next_refresh": "2026-11-26T10:00:00+01:00"}
    failing = {**row, "id": 2, "error": "cannot reach x.example: refused; tried again later"}
    cli._print_result("calendar.list", argparse.Namespace(json=False), [row, failing])
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith("#1    work") and "\x1b" not in out
    assert "3 block(s), busy time: off, every 60 min" in out
    assert "not refreshed yet" in out
    assert err.count("\n") == 1 and "\x1b" not in err
    assert err.startswith("focus-app: #2 work") and "cannot reach x.example" in err
    cli._print_result("calendar.list", argparse.Namespace(json=False), [])
    assert "focus-app calendar add" in capsys.readouterr().out
