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

from focus_app.calendars.caldav_sync import (
    CalDavError,
    Put,
    Server,
    block_event,
    read_event,
    remote_events,
)
from focus_app.calendars.linking import CalDavLinks
from focus_app.clock import FakeClock
from focus_app.commands import OffThread, Pending, Progress
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


def test_a_sync_that_changes_nothing_lists_etags_only_and_reads_just_the_changed_event(
    radicale: RadicaleServer, make_engine: Any
) -> None:
    url = radicale.calendar_url("mine")
    clock = FakeClock(START)
    a, b = make_engine("a", clock), make_engine("b", clock)
    links_a, link_a = linked(a, url, host="laptop")
    links_b, _ = linked(b, url, host="desktop")
    for title, hour in (("Deep work", 9), ("Writing", 14), ("Reading", 16)):
        a.add_block(weekly(BlockKind.FOCUS, title, hour, hour + 1))
    run(links_a.sync_steps())
    base = a.store.caldav_items(link_a.id or 0)
    server = Server(link_a, PASSWORD)
    try:
        unchanged = remote_events(server, base, BERLIN)
        assert len(unchanged) == 3
        assert all(e.unchanged and e.block is None for e in unchanged.values())

        run(links_b.sync_steps())
        on_b = next(blk for blk in b.blocks() if blk.title == "Writing")
        b.update_block(Block(**{**on_b.__dict__, "title": "Editing"}))
        run(links_b.sync_steps())
        after = remote_events(server, base, BERLIN)
    finally:
        server.close()
    read = [e for e in after.values() if not e.unchanged]
    assert [e.block.title for e in read if e.block] == ["Editing"]
    assert run(links_a.sync_steps())[0]["changed"] == 1  # the one pulled, nothing sent
    assert run(links_a.sync_steps())[0]["changed"] == 0


def test_read_event_skips_parsing_iana_vtimezones_but_keeps_a_custom_one() -> None:
    block = weekly(BlockKind.FOCUS, "Deep work", 9, 12)
    text = block_event(block, "u1@focus-app", BERLIN, stamp=START, host="laptop")
    assert "BEGIN:VTIMEZONE" in text
    read = read_event(text, "/x.ics", '"1"', BERLIN)
    assert read is not None and read[1].block is not None
    assert (read[0], read[1].block.start, read[1].host) == ("u1@focus-app", time(9), "laptop")
    custom = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        "BEGIN:VTIMEZONE\r\nTZID:Office Time\r\nBEGIN:STANDARD\r\n"
        "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n"
        "END:STANDARD\r\nEND:VTIMEZONE\r\n"
        "BEGIN:VEVENT\r\nUID:u2\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;TZID=Office Time:20260105T100000\r\n"
        "DTEND;TZID=Office Time:20260105T110000\r\nCATEGORIES:focus\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    read = read_event(custom, "/y.ics", '"2"', BERLIN)
    assert read is not None and read[1].block is not None
    assert read[1].block.start == time(8)  # 10:00 at +03:00 is 08:00 in Berlin (winter)


def test_parallel_writes_to_a_server_that_is_down_each_answer_one_line_and_raise_nothing(
    radicale: RadicaleServer,
) -> None:
    url = radicale.calendar_url("mine")
    radicale.stop()
    server = Server(CalDavLink(url=url, user=USER), PASSWORD)
    try:
        answers = server.put_many([Put(f"u{i}", "BEGIN:VCALENDAR") for i in range(6)])
    finally:
        server.close()
    assert len(answers) == 6
    assert all(isinstance(a, CalDavError) and str(a).startswith("cannot reach") for a in answers)


def test_a_push_says_how_many_events_it_has_written_while_it_runs(
    radicale: RadicaleServer, make_engine: Any
) -> None:
    # A first push of hundreds of events takes seconds (Radicale's own ~20 ms each): the
    # sync step reports how far it got, and a Pending driving it shows that as progress.
    url = radicale.calendar_url("progress")
    engine = make_engine("a", FakeClock(START))
    for hour in range(8, 20):
        engine.add_block(weekly(BlockKind.FOCUS, f"Block {hour}", hour, hour + 1))
    links, _ = linked(engine, url)
    pending = Pending(links.sync_steps())
    step = pending.advance()
    assert isinstance(step, OffThread) and step.progress is not None
    assert pending.progress == Progress(0, None)  # nothing known before it starts
    seen: list[Progress] = []
    real_put = Server.put

    def watched_put(self: Server, *args: Any, **kw: Any) -> Any:
        seen.append(pending.progress)  # read as the GUI thread would, mid-push
        return real_put(self, *args, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Server, "put", watched_put)
        outcome = step.call()
    assert pending.progress == Progress(12, 12)
    assert seen and all(p.total == 12 and 0 <= p.done < 12 for p in seen)
    assert pending.advance(outcome) is None and pending.answer is not None
    assert len(server_blocks(url)) == 12
