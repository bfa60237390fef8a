"""Following a CalDAV calendar that needs a log-in (issue 12, item 3) through the command
layer, against a real Radicale on 127.0.0.1 and a real SQLite file: its meetings become
busy time of the chosen kind and focus-time events focus blocks; an event changed on the
server changes its block; a refresh that changes nothing reads one PROPFIND and writes
nothing; a wrong password, a server that is down and an address that is no calendar
each say so in one line and remove no block; the password never reaches the database,
its WAL or the settings."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import caldav
import pytest

from focus_app.calendars.following import Following
from focus_app.calendars.subscriptions import FetchedEvents, caldav_name, fetch_caldav
from focus_app.clock import FakeClock
from focus_app.commands import Commands, Pending
from focus_app.core.subscriptions import RETRY_AFTER, Subscription
from focus_app.desktop.secrets import IN_MEMORY_NOTE, subscription_key
from focus_app.engine import Engine
from focus_app.store import Store
from tests.calendars.radicale_server import PASSWORD, USER, RadicaleServer, radicale
from tests.calendars.test_caldav import run
from tests.calendars.test_caldav_commands import commands
from tests.ui.ui_engine import START

__all__ = ["commands", "radicale"]  # fixtures used by name


def event(uid: str, start: str, end: str, title: str, extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Work//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
        f"SUMMARY:{title}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


STANDUP = event("standup@work", "20261130T080000Z", "20261130T083000Z", "Standup")
PLANNING = event("planning@work", "20261201T130000Z", "20261201T140000Z", "Planning")
FOCUS_TIME = event("focus@work", "20261202T070000Z", "20261202T090000Z", "Focus time",
                   "X-GOOGLE-EVENT-TYPE:focusTime\r\n")


class WorkCalendar:
    """The colleague's side: a calendar on the Radicale, edited with ``caldav``."""

    def __init__(self, server: RadicaleServer, name: str = "work") -> None:
        self.url = server.calendar_url(name)
        self._client = caldav.DAVClient(url=self.url, username=USER, password=PASSWORD)
        self._calendar = self._client.calendar(url=self.url)

    def put(self, text: str) -> None:
        self._calendar.save_event(text)

    def delete(self, uid: str) -> None:
        self._calendar.event_by_uid(uid).delete()

    def close(self) -> None:
        self._client.close()


@pytest.fixture
def work(radicale: RadicaleServer) -> Iterator[WorkCalendar]:
    made = WorkCalendar(radicale)
    for text in (STANDUP, PLANNING, FOCUS_TIME):
        made.put(text)
    yield made
    made.close()


def ok(cmds: Commands, cmd: str, **request: Any) -> Any:
    answer = cmds.handle({"cmd": cmd, **request})
    assert answer["ok"], answer
    return answer["result"]


def follow(cmds: Commands, url: str, **request: Any) -> Any:
    return ok(cmds, "calendar.add", caldav=True, mode="follow", source=url, user=USER,
              **{"password": PASSWORD, **request})


def followed(engine: Engine) -> dict[str, str]:
    return {b.title: b.kind.value for b in engine.blocks() if b.source_calendar == "sub:1"}


def writes(engine: Engine) -> list[str]:
    """Every write transaction the store starts from now on (a list that grows)."""
    seen: list[str] = []
    engine.store.connection.set_trace_callback(
        lambda sql: seen.append(sql) if sql.startswith("BEGIN") else None
    )
    return seen


def test_meetings_of_a_caldav_calendar_become_busy_time_and_focus_time_focus_blocks(
    commands: tuple[Commands, Engine, FakeClock], work: WorkCalendar
) -> None:
    cmds, engine, _clock = commands
    added = follow(cmds, work.url, busy="available")
    assert (added["id"], added["name"], added["user"]) == (1, "work (alice at 127.0.0.1)", USER)
    assert added["password"] == IN_MEMORY_NOTE and "caldav" not in added
    [synced] = ok(cmds, "calendar.sync")
    assert (synced["error"], synced["changed"], synced["blocks"]) == ("", 3, 3)
    assert followed(engine) == {
        "Standup": "available", "Planning": "available", "Focus time": "focus",
    }
    # Berlin wall-clock (the engine's zone): 08:00Z on Monday is 09:00.
    standup = next(b for b in engine.blocks() if b.title == "Standup")
    assert (standup.start.isoformat(), standup.end.isoformat()) == ("09:00:00", "09:30:00")
    [listed] = ok(cmds, "calendar.list")
    assert (listed["user"], listed["busy_kind"], listed["blocks"]) == (USER, "available", 3)


def test_an_event_changed_on_the_server_changes_its_block_and_a_deleted_one_goes(
    commands: tuple[Commands, Engine, FakeClock], work: WorkCalendar
) -> None:
    cmds, engine, _clock = commands
    follow(cmds, work.url)
    ok(cmds, "calendar.sync")
    ids = {b.title: b.id for b in engine.blocks()}
    work.put(STANDUP.replace("T083000Z", "T084500Z"))
    work.delete("planning@work")
    seen = writes(engine)
    [synced] = ok(cmds, "calendar.sync")
    assert (synced["error"], synced["changed"]) == ("", 2)
    assert len(seen) == 1  # one transaction
    after = {b.title: (b.id, b.end.isoformat()) for b in engine.blocks()}
    assert after == {"Standup": (ids["Standup"], "09:45:00"),
                     "Focus time": (ids["Focus time"], "10:00:00")}


def test_a_refresh_of_an_unchanged_calendar_reads_its_tag_only_and_writes_nothing(
    commands: tuple[Commands, Engine, FakeClock], work: WorkCalendar
) -> None:
    cmds, engine, _clock = commands
    follow(cmds, work.url)
    ok(cmds, "calendar.sync")
    seen = writes(engine)
    before = engine.store.connection.total_changes
    [again] = ok(cmds, "calendar.sync")
    assert (again["error"], again["changed"]) == ("", 0)
    assert seen == [] and engine.store.connection.total_changes == before
    sub = Subscription(source=work.url, user=USER, id=1)
    first = fetch_caldav(sub, PASSWORD)
    assert first.texts is not None and len(first.texts) == 3 and first.etag
    assert fetch_caldav(sub, PASSWORD, first.etag) == FetchedEvents(None, first.etag)


def test_a_wrong_password_says_so_in_one_line_removes_no_block_and_a_new_one_mends_it(
    commands: tuple[Commands, Engine, FakeClock], work: WorkCalendar
) -> None:
    cmds, engine, clock = commands
    follow(cmds, work.url)
    ok(cmds, "calendar.sync")
    kept = engine.blocks()
    ok(cmds, "calendar.password", id=1, password="not it")
    work.put(STANDUP.replace("Standup", "Daily"))  # a change it cannot see meanwhile
    [failed] = ok(cmds, "calendar.sync")
    assert failed["error"] == (
        "127.0.0.1 refused the password of 'alice': give it again with "
        "'focus-app calendar password 1 --password-stdin'; the blocks stay as they were"
    )
    assert engine.blocks() == kept
    assert engine.calendar_refresh_at is not None
    assert engine.calendar_refresh_at() == clock.now() + RETRY_AFTER  # retried soon
    assert ok(cmds, "calendar.list")[0]["error"] == failed["error"]
    given = ok(cmds, "calendar.password", id=1, password=PASSWORD)
    assert given["password"] == IN_MEMORY_NOTE
    # Giving the password makes it due at once instead of after the back-off.
    assert engine.calendar_refresh_at() == START
    [mended] = ok(cmds, "calendar.sync")
    assert mended["error"] == "" and "Daily" in followed(engine)


def test_no_password_server_down_and_no_calendar_each_say_so_and_remove_nothing(
    commands: tuple[Commands, Engine, FakeClock], work: WorkCalendar, radicale: RadicaleServer
) -> None:
    cmds, engine, _clock = commands
    added = ok(cmds, "calendar.add", caldav=True, mode="follow", source=work.url, user=USER)
    assert added["password"] == ""
    [failed] = ok(cmds, "calendar.sync")
    assert failed["error"] == (
        f"no password known for 'alice' at {work.url}: give it with "
        "'focus-app calendar password 1 --password-stdin'"
    )
    ok(cmds, "calendar.password", id=1, password=PASSWORD)
    ok(cmds, "calendar.sync")
    kept = engine.blocks()
    assert len(kept) == 3
    # An account's address answers an empty event list: following it would remove all.
    account = radicale.url + USER + "/"
    follow(cmds, account)
    [_, not_calendar] = ok(cmds, "calendar.sync")
    assert not_calendar["error"] == (
        f"{account} is not a calendar (an account or a folder?): give the address of one "
        "calendar, as its CalDAV settings show it"
    )
    radicale.stop()
    try:
        [down, _] = ok(cmds, "calendar.sync")
    finally:
        radicale.start()
    assert down["error"].startswith("cannot reach 127.0.0.1 (ConnectionError)")
    assert "nothing is lost" in down["error"] and "\n" not in down["error"]
    assert engine.blocks() == kept
    work.put(PLANNING.replace("Planning", "Planning (moved)"))
    [back, _] = ok(cmds, "calendar.sync")
    assert back["error"] == "" and "Planning (moved)" in followed(engine)


def test_the_password_is_kept_under_its_own_key_never_in_the_database_wal_or_settings(
    commands: tuple[Commands, Engine, FakeClock], work: WorkCalendar, tmp_path: Path
) -> None:
    cmds, engine, _clock = commands
    follow(cmds, work.url)
    ok(cmds, "calendar.sync")
    assert cmds.passwords is not None
    assert cmds.passwords.lookup(subscription_key(1)) == PASSWORD
    assert cmds.passwords.lookup(1) is None  # a CalDAV link c1's key: not this calendar's
    engine.store.connection.execute("SELECT 1")  # the WAL is still there, not checkpointed
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]  # database, WAL, XDG folders
    assert any(p.name.startswith("focus.sqlite3") for p in stored)
    for path in stored:
        assert PASSWORD.encode() not in path.read_bytes(), path
    assert ok(cmds, "calendar.remove", id=1) == {"removed": 1, "blocks": 3}
    assert cmds.passwords.lookup(subscription_key(1)) is None


def test_the_user_name_survives_a_restart_and_goes_with_the_calendar(
    commands: tuple[Commands, Engine, FakeClock], tmp_path: Path
) -> None:
    cmds, engine, _clock = commands
    follow(cmds, "https://dav.example.org/bob/work/", busy="off")
    ok(cmds, "calendar.add", source="https://example.org/team.ics")
    reopened, _ = Store.open(tmp_path / "focus.sqlite3")
    try:
        assert [(s.user, s.is_caldav) for s in reopened.list_subscriptions()] == [
            (USER, True), ("", False),
        ]
    finally:
        reopened.close()
    ok(cmds, "calendar.remove", id=1)
    rows = engine.store.connection.execute("SELECT * FROM subscription_logins").fetchall()
    assert rows == []


def test_the_scheduled_refresh_waits_for_the_password_then_runs_at_once(
    commands: tuple[Commands, Engine, FakeClock], work: WorkCalendar
) -> None:
    cmds, engine, _clock = commands
    started: list[Pending] = []
    cmds.run_in_background = started.append
    answer = cmds.serve({"cmd": "calendar.add", "caldav": True, "mode": "follow",
                         "source": work.url, "user": USER, "password": PASSWORD})
    assert isinstance(answer, Pending)
    # The add made the calendar due; without its password its refresh would fail.
    assert started == []
    assert answer.run_inline()["ok"]
    assert len(started) == 1
    [summary] = started[0].run_inline()["result"]
    assert summary["error"] == "" and len(followed(engine)) == 3


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        ({"source": "/home/bob/work.ics"}, "a CalDAV calendar is an http(s):// address"),
        ({"user": ""}, "a CalDAV calendar needs --user NAME"),
        ({"busy": "meeting"}, "unknown kind 'meeting'"),
        ({"every_minutes": 1}, "refresh every 5 minutes"),
    ],
)
def test_bad_caldav_follows_are_refused_with_what_would_be_right(
    commands: tuple[Commands, Engine, FakeClock], request_: dict[str, Any], error: str
) -> None:
    cmds, _engine, _clock = commands
    request = {"cmd": "calendar.add", "caldav": True, "mode": "follow",
               "source": "https://dav.example.org/bob/work/", "user": "bob", **request_}
    answer = cmds.handle(request)
    assert not answer["ok"] and error in answer["error"]


def test_a_following_without_a_password_keeper_says_no_password_is_known(
    commands: tuple[Commands, Engine, FakeClock],
) -> None:
    _cmds, engine, _clock = commands
    following = Following(engine)
    following.add(Subscription(source="https://dav.example.org/bob/work/", user="bob"))
    [summary] = run(following.refresh_steps())
    assert summary["error"].startswith("no password known for 'bob'")


def test_caldav_names_say_which_calendar_of_whom_where() -> None:
    assert caldav_name("https://dav.example.org/bob/work/", "bob") == (
        "work (bob at dav.example.org)"
    )
    assert caldav_name("https://dav.example.org/", "bob") == "bob at dav.example.org"


def test_the_command_line_follows_a_caldav_calendar_with_the_password_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from focus_app import cli

    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    args = cli.build_parser().parse_args([
        "calendar", "add", "https://dav.example.org/bob/work/", "--caldav", "--follow",
        "--user", "bob", "--password-stdin", "--busy", "available", "--every", "30m",
    ])
    assert cli._mixed_calendar_options(args) is None
    assert cli._calendar_request(args) == {
        "caldav": True, "mode": "follow", "source": "https://dav.example.org/bob/work/",
        "user": "bob", "busy": "available", "every_minutes": 30, "name": "",
        "password": "s3cret",
    }
    for mixed in (["--follow"], ["--caldav", "--follow", "--publish"]):
        args = cli.build_parser().parse_args(["calendar", "add", "https://x.example/", *mixed])
        assert cli._mixed_calendar_options(args)
    row = {"id": 1, "name": "work (bob at dav.example.org)", "user": "bob",
           "source": "https://dav.example.org/bob/work/", "busy_kind": "off",
           "every_minutes": 60, "blocks": 3, "checked_at": None, "ok_at": None,
           "error": "", "changed": 0, "next_refresh": "2026-11-26T10:00:00+01:00"}
    cli._print_result("calendar.list", argparse.Namespace(json=False), [row])
    assert "(CalDAV, bob, 3 block(s), busy time: off" in capsys.readouterr().out
    cli._print_result("calendar.add", argparse.Namespace(json=False),
                      {**row, "password": ""})
    assert "focus-app calendar password 1 --password-stdin" in capsys.readouterr().out
