"""The ``calendar`` commands driving CalDAV links (issue 12, items 4-5) against a real
Radicale: add with a password, list beside subscriptions, sync, the scheduled sync as an
engine wake-up candidate, remove; and the memory-only password path (no Secret Service)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from focus_app.clock import FakeClock
from focus_app.commands import Commands, Pending
from focus_app.core.model import Block, BlockKind, Recurrence
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.desktop.secrets import IN_MEMORY_NOTE, Passwords
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store
from tests.calendars.radicale_server import PASSWORD, USER, RadicaleServer, radicale
from tests.calendars.test_caldav import server_blocks
from tests.ui.ui_engine import START

__all__ = ["radicale"]


@pytest.fixture
def commands(qapp: object, tmp_path: Path) -> Iterator[tuple[Commands, Engine, FakeClock]]:
    clock = FakeClock(START)
    store, _ = Store.open(tmp_path / "focus.sqlite3")
    engine = Engine(store, Settings(timezone="Europe/Berlin"), MemoryNotifier(), clock)
    engine.start()
    cmds = Commands(engine)
    cmds.passwords = Passwords(None)  # no Secret Service: the memory path
    yield cmds, engine, clock
    engine.shutdown()
    store.close()


def ok(commands: Commands, **request: Any) -> Any:
    answer = commands.handle(request)
    assert answer["ok"], answer
    return answer["result"]


def test_add_with_password_lists_as_c1_syncs_the_blocks_and_remove_unlinks(
    commands: tuple[Commands, Engine, FakeClock], radicale: RadicaleServer
) -> None:
    cmds, engine, _clock = commands
    url = radicale.calendar_url("work")
    engine.add_block(Block(kind=BlockKind.AVAILABLE, start=time(9), end=time(10),
                           title="Office hour", recurrence=Recurrence(frozenset({1}))))
    added = ok(cmds, cmd="calendar.add", caldav=True, source=url, user=USER,
               mode="publish", password=PASSWORD)
    assert (added["ref"], added["caldav"], added["password"]) == ("c1", "publish", IN_MEMORY_NOTE)
    listed = ok(cmds, cmd="calendar.list")
    assert [c["ref"] for c in listed] == ["c1"]
    synced = ok(cmds, cmd="calendar.sync", ids=["c1"])
    assert synced[0]["error"] == "" and synced[0]["changed"] == 1
    assert [b.title for b in server_blocks(url).values()] == ["Office hour"]
    assert ok(cmds, cmd="calendar.remove", id="c1")["removed"] == "c1"
    assert ok(cmds, cmd="calendar.list") == []
    assert cmds.passwords is not None and cmds.passwords.lookup(1) is None


def test_a_link_without_password_syncs_to_one_line_naming_the_password_command(
    commands: tuple[Commands, Engine, FakeClock], radicale: RadicaleServer
) -> None:
    cmds, _engine, _clock = commands
    ok(cmds, cmd="calendar.add", caldav=True, source=radicale.calendar_url("a"), user=USER)
    synced = ok(cmds, cmd="calendar.sync")
    # The id the command takes: "password 1" was refused as no CalDAV calendar.
    assert "focus-app calendar password c1 --password-stdin" in synced[0]["error"]
    assert "\n" not in synced[0]["error"]
    ok(cmds, cmd="calendar.password", id="c1", password=PASSWORD)
    assert ok(cmds, cmd="calendar.sync")[0]["error"] == ""


def test_unknown_ids_and_bad_requests_are_refused_in_one_line(
    commands: tuple[Commands, Engine, FakeClock],
) -> None:
    cmds, _engine, _clock = commands
    for request in (
        {"cmd": "calendar.sync", "ids": ["c7"]},
        {"cmd": "calendar.remove", "id": "c7"},
        {"cmd": "calendar.remove", "id": "x"},
        {"cmd": "calendar.password", "id": "c7", "password": "p"},
        {"cmd": "calendar.add", "caldav": True, "source": "ftp://x", "user": "u"},
        {"cmd": "calendar.add", "caldav": True, "source": "https://x/cal/", "user": ""},
    ):
        answer = cmds.handle(request)
        assert not answer["ok"] and "\n" not in answer["error"], request


def test_a_link_joins_the_wake_up_candidates_and_its_due_sync_runs_in_the_background(
    commands: tuple[Commands, Engine, FakeClock], radicale: RadicaleServer
) -> None:
    cmds, engine, clock = commands
    ran: list[Pending] = []
    cmds.run_in_background = ran.append
    ok(cmds, cmd="calendar.add", caldav=True, source=radicale.calendar_url("b"), user=USER,
       password=PASSWORD)
    assert engine.calendar_refresh_at is not None
    assert engine.calendar_refresh_at() == START  # never synced: due at once
    assert len(ran) == 1  # adding it re-planned the wake-up, which found it due
    answer = ran[0].run_inline()
    assert answer["ok"] and answer["result"][0]["error"] == ""
    assert engine.calendar_refresh_at() == clock.now() + timedelta(minutes=15)


def test_a_block_edit_is_noted_through_blocks_changed(
    commands: tuple[Commands, Engine, FakeClock],
) -> None:
    cmds, engine, clock = commands
    links = cmds.caldav()
    block = engine.add_block(Block(kind=BlockKind.FOCUS, start=time(9), end=time(10),
                                   title="Deep", recurrence=Recurrence(frozenset({1}))))
    assert block.id is not None and links._edited_at.get(block.id) == clock.now()
