"""CalDAV (issue 12, item 4) against a real Radicale server on 127.0.0.1: publishing
availability, two engines with separate SQLite files syncing their blocks through one
calendar, conflicts kept as visible copies, the server down and a wrong password."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import caldav
import pytest

from focus_app.calendars.caldav_sync import read_event
from focus_app.calendars.linking import CalDavLinks
from focus_app.clock import FakeClock
from focus_app.commands import OffThread
from focus_app.core.model import Block, BlockKind, Recurrence
from focus_app.core.subscriptions import CalDavLink
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store
from tests.calendars.radicale_server import PASSWORD, USER, RadicaleServer, radicale
from tests.ui.ui_engine import BERLIN, START

__all__ = ["radicale"]


def run(steps: Generator[Any, Any, Any]) -> Any:
    """Drive long work on this thread (``OffThread`` calls run in place)."""
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = steps.throw(error) if error is not None else steps.send(value)
        except StopIteration as stop:
            return stop.value
        value, error = None, None
        if isinstance(step, OffThread):
            try:
                value = step.call()
            except Exception as exc:
                error = exc


@pytest.fixture
def make_engine(qapp: object, tmp_path: Path) -> Iterator[Any]:
    made: list[tuple[Engine, Store]] = []

    def make(name: str, clock: FakeClock) -> Engine:
        store, _ = Store.open(tmp_path / name / "focus.sqlite3")
        engine = Engine(store, Settings(timezone="Europe/Berlin"), MemoryNotifier(), clock)
        engine.start()
        made.append((engine, store))
        return engine

    yield make
    for engine, store in made:
        engine.shutdown()
        store.close()


def linked(engine: Engine, url: str, mode: str = "sync", password: str = PASSWORD,
           host: str = "", **kw: Any) -> tuple[CalDavLinks, CalDavLink]:
    links = CalDavLinks(engine, lambda _link: password, host=host or None)
    engine.blocks_changed.connect(links.note_edits)
    return links, links.add(CalDavLink(url=url, user=USER, mode=mode, **kw))


def weekly(kind: BlockKind, title: str, start: int, end: int) -> Block:
    return Block(kind=kind, start=time(start), end=time(end), title=title,
                 recurrence=Recurrence(weekdays=frozenset({0, 2})))


def server_blocks(url: str) -> dict[str, Block]:
    with caldav.DAVClient(url=url, username=USER, password=PASSWORD) as client:
        found = client.calendar(url=url).events()
        read = [read_event(str(e.data), str(e.url), "", BERLIN) for e in found]
    return {r[1].block.title: r[1].block for r in read if r and r[1].block}


def titles(engine: Engine) -> set[str]:
    return {b.title for b in engine.blocks()}


def test_publish_writes_exactly_the_availability_windows_and_updates_them_in_place(
    radicale: RadicaleServer, make_engine: Any
) -> None:
    url = radicale.calendar_url("public")
    engine = make_engine("a", FakeClock(START))
    office = engine.add_block(weekly(BlockKind.AVAILABLE, "Office hours", 14, 16))
    engine.add_block(weekly(BlockKind.FOCUS, "Deep work", 9, 12))
    links, link = linked(engine, url, mode="publish")
    run(links.sync_steps())
    assert set(server_blocks(url)) == {"Office hours"}
    assert server_blocks(url)["Office hours"].start == time(14)

    engine.update_block(Block(**{**office.__dict__, "start": time(13)}))
    run(links.sync_steps())
    published = server_blocks(url)
    assert set(published) == {"Office hours"} and published["Office hours"].start == time(13)

    links.remove(link.id or 0)
    links2, _ = linked(engine, url, mode="publish", focus_as_busy=True)
    run(links2.sync_steps())
    # the first link's event stays (forgotten, not deleted); focus shows as "Busy"
    busy = server_blocks(url)["Busy"]
    assert busy.kind is BlockKind.FOCUS and busy.start == time(9)


def test_a_block_added_on_one_machine_appears_on_the_other_and_a_removal_follows(
    radicale: RadicaleServer, make_engine: Any
) -> None:
    url = radicale.calendar_url("mine")
    clock = FakeClock(START)
    a, b = make_engine("a", clock), make_engine("b", clock)
    links_a, _ = linked(a, url, host="laptop")
    links_b, _ = linked(b, url, host="desktop")
    added = a.add_block(weekly(BlockKind.FOCUS, "Deep work", 9, 12))
    run(links_a.sync_steps())
    run(links_b.sync_steps())
    assert titles(b) == {"Deep work"}
    assert [blk.start for blk in b.blocks()] == [time(9)]

    a.remove_block(added.id or 0)
    run(links_a.sync_steps())
    run(links_b.sync_steps())
    assert titles(b) == set() and server_blocks(url) == {}


def test_an_edit_made_on_both_sides_keeps_the_later_and_a_conflict_copy_of_the_other(
    radicale: RadicaleServer, make_engine: Any
) -> None:
    url = radicale.calendar_url("mine")
    clock = FakeClock(START)
    a, b = make_engine("a", clock), make_engine("b", clock)
    links_a, _ = linked(a, url, host="laptop")
    links_b, _ = linked(b, url, host="desktop")
    a.add_block(weekly(BlockKind.FOCUS, "Deep work", 9, 12))
    run(links_a.sync_steps())
    run(links_b.sync_steps())

    on_b = b.blocks()[0]
    b.update_block(Block(**{**on_b.__dict__, "title": "Writing"}))  # earlier edit
    clock.advance(timedelta(minutes=5))
    on_a = a.blocks()[0]
    a.update_block(Block(**{**on_a.__dict__, "title": "Reading"}))  # later edit
    run(links_b.sync_steps())  # b's edit reaches the server first
    run(links_a.sync_steps())  # a's later edit wins; b's is kept as a copy
    run(links_b.sync_steps())
    expected = {"Reading", "Writing (conflict copy from desktop)"}
    assert titles(a) == expected
    assert titles(b) == expected
    assert set(server_blocks(url)) == expected


def test_server_down_says_so_in_one_line_loses_nothing_and_the_next_sync_sends_it(
    radicale: RadicaleServer, make_engine: Any
) -> None:
    url = radicale.calendar_url("mine")
    engine = make_engine("a", FakeClock(START))
    links, _ = linked(engine, url)
    engine.add_block(weekly(BlockKind.FOCUS, "Deep work", 9, 12))
    radicale.stop()
    summary = run(links.sync_steps())[0]
    assert summary["error"].startswith("cannot reach 127.0.0.1")
    assert "\n" not in summary["error"] and "tried again later" in summary["error"]
    assert titles(engine) == {"Deep work"}
    radicale.start()
    summary = run(links.sync_steps())[0]
    assert summary["error"] == ""
    assert set(server_blocks(url)) == {"Deep work"}


def test_a_wrong_password_says_so_in_one_line(
    radicale: RadicaleServer, make_engine: Any
) -> None:
    url = radicale.calendar_url("mine")
    engine = make_engine("a", FakeClock(START))
    links, _ = linked(engine, url, password="wrong")
    engine.add_block(weekly(BlockKind.FOCUS, "Deep work", 9, 12))
    error = run(links.sync_steps())[0]["error"]
    assert error.startswith("127.0.0.1 refused the password of 'alice'")
    assert "\n" not in error
