"""A real IpcServer with a real engine: every bad frame gets an answer, the server keeps serving.

The server runs on this thread's Qt event loop, so clients run in a worker thread (or a
``focus-app`` subprocess) while ``qtbot.waitUntil`` turns the loop.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import time
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pytestqt.qtbot import QtBot

from focus_app.clock import SystemClock
from focus_app.commands import Commands
from focus_app.core.model import Block, BlockKind, Recurrence
from focus_app.desktop import instance
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.ipc_client import Client
from focus_app.ipc_server import AlreadyRunning, IpcServer
from focus_app.paths import socket_path
from focus_app.settings import Settings
from focus_app.store import Store

T = TypeVar("T")


class Served:
    """The engine behind a listening server, and ways to talk to it from this thread."""

    def __init__(self, qtbot: QtBot, engine: Engine, path: Path) -> None:
        self.qtbot = qtbot
        self.engine = engine
        self.path = path
        self._pool = ThreadPoolExecutor(max_workers=1)

    def in_thread(self, call: Callable[[], T], timeout: float = 10.0) -> T:
        future: Future[T] = self._pool.submit(call)
        self.qtbot.waitUntil(future.done, timeout=int(timeout * 1000))
        return future.result()

    def raw(self, frame: bytes) -> dict[str, Any]:
        def ask() -> dict[str, Any]:
            with Client(self.path, timeout=5) as client:
                return client.raw(frame)

        return self.in_thread(ask)

    def request(self, **request: Any) -> dict[str, Any]:
        from focus_app.ipc_client import encode

        return self.raw(encode(request))

    def ping(self) -> None:
        assert self.request(cmd="ping") == {"ok": True, "result": "pong"}

    def cli(self, *args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run ``focus-app ARGS`` against this server (the environment carries the XDG dirs)."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "focus_app", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.qtbot.waitUntil(lambda: proc.poll() is not None, timeout=int(timeout * 1000))
        out, err = proc.communicate()
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


_servers: list[IpcServer] = []


@pytest.fixture
def served(qtbot: QtBot, tmp_path: Path) -> Iterator[Served]:
    lock = instance.acquire()
    assert lock is not None
    store, _ = Store.open(tmp_path / "db.sqlite3")
    # The real clock: these tests turn the event loop for seconds, long enough for
    # APScheduler to start, and a fake clock's past wake-ups would fire at once.
    engine = Engine(store, Settings(timezone="Europe/Berlin"), MemoryNotifier(), SystemClock())
    engine.start()
    commands = Commands(engine)
    server = IpcServer(socket_path(), commands.handle, commands.handle_sends, lock)
    server.listen()
    _servers.append(server)
    helper = Served(qtbot, engine, socket_path())
    yield helper
    _servers.remove(server)
    helper.close()
    server.close()
    engine.shutdown()
    store.close()
    lock.release()


def _refused(answer: dict[str, Any], *words: str) -> str:
    assert answer["ok"] is False, answer
    error = str(answer["error"])
    assert "\n" not in error
    for word in words:
        assert word in error, (word, error)
    return error


# ------------------------------------------------------------------ malformed frames


def test_deeply_nested_json_is_refused_with_an_answer(served: Served) -> None:
    _refused(served.raw(b"[" * 60_000 + b"\n"), "malformed JSON", "nested too deeply")
    served.ping()


def test_a_five_thousand_digit_number_is_refused_with_an_answer(served: Served) -> None:
    frame = b'{"cmd": "release", "ids": [' + b"7" * 5000 + b"]}\n"
    _refused(served.raw(frame), "malformed JSON", "digits")
    served.ping()


def test_a_lone_surrogate_command_name_still_gets_an_answer(served: Served) -> None:
    error = _refused(served.raw(b'{"cmd": "\\ud800"}\n'), "unknown command")
    assert "\ud800" in error  # sent escaped, so the answer is valid JSON
    served.ping()


@pytest.mark.parametrize("key", ["title", "body", "sender", "source"])
def test_a_lone_surrogate_in_a_send_is_replaced_and_the_send_kept(
    served: Served, key: str
) -> None:
    served.request(cmd="focus", duration="1h")
    frame = b'{"cmd": "send", "title": "ok", "%s": "a\\udc80b"}\n' % key.encode()
    answer = served.raw(frame)
    assert answer["ok"] is True, answer
    held = served.request(cmd="held")["result"]
    assert held[0][key] == "a\ufffdb"


def test_a_lone_surrogate_in_a_block_title_or_rule_keyword_is_refused(served: Served) -> None:
    block = (b'{"cmd": "block.add", "kind": "focus", "days": "mon", "start": "09:00", '
             b'"end": "10:00", "title": "\\ud83d"}\n')
    _refused(served.raw(block), '"title" is not valid UTF-8 text')
    rule = b'{"cmd": "rule.add", "action": "allow", "keywords": ["\\udfff"]}\n'
    _refused(served.raw(rule), '"keywords" is not valid UTF-8 text')
    served.ping()


# ------------------------------------------------------------------ numbers out of range


@pytest.mark.parametrize("duration", ["99999999999999999999", "9999999999h", "1h99999999999m"])
def test_an_enormous_duration_is_refused_not_an_overflow(served: Served, duration: str) -> None:
    _refused(served.request(cmd="focus", duration=duration), "bad duration", "at most 7 days")
    served.ping()


def test_a_superscript_digit_is_not_a_duration(served: Served) -> None:
    _refused(served.request(cmd="focus", duration="²"), "bad duration '²'", "25m")


@pytest.mark.parametrize("cmd", ["block.remove", "rule.remove"])
def test_an_id_beyond_sqlite_integers_is_refused_not_an_overflow(served: Served, cmd: str) -> None:
    _refused(served.request(cmd=cmd, id=2**64), '"id" is out of range')
    _refused(served.request(cmd=cmd, id=-(2**64)), '"id" is out of range')
    served.ping()


def test_huge_ids_and_positions_are_refused(served: Served) -> None:
    _refused(served.request(cmd="release", ids=[2**70]), '"ids" out of range')
    _refused(served.request(cmd="dismiss", ids=[2**70]), '"ids" out of range')
    answer = served.request(cmd="rule.add", action="allow", sender="x", position=2**70)
    _refused(answer, "position must be a whole number")
    served.ping()


# ------------------------------------------------------------------ control characters


def test_a_reason_with_a_newline_or_escape_is_refused(served: Served) -> None:
    _refused(served.request(cmd="focus", reason="a\nb"), '"reason" must be one line', "U+000A")
    _refused(served.request(cmd="pause", reason="\x1b[31mRED"), '"reason"', "U+001B")
    assert served.request(cmd="focus", reason="Deep work · 2h")["ok"] is True


def test_a_block_title_with_control_characters_is_refused(served: Served) -> None:
    answer = served.request(cmd="block.add", kind="focus", days="mon", start="09:00",
                            end="10:00", title="x\x1b]0;pwned\x07")
    _refused(answer, '"title" must be one line')


def test_notification_text_is_cleaned_at_the_door(served: Served) -> None:
    served.request(cmd="focus", duration="1h")
    title = "line one\nline two \x1b[31mRED\x1b[0m"
    answer = served.request(cmd="send", title=title, body="a\x00b\nc", sender="bad\x00sender")
    assert answer["ok"] is True, answer
    held = served.request(cmd="held")["result"]
    assert [(h["title"], h["body"], h["sender"]) for h in held] == [
        ("line one line two [31mRED[0m", "ab\nc", "badsender")
    ]


def test_a_title_of_only_control_characters_is_refused(served: Served) -> None:
    _refused(served.request(cmd="send", title="\x00\x1b"), "needs a title")


# ------------------------------------------------------------------ through the command line


def test_cli_argument_that_is_not_utf8_is_refused_on_the_socket_path(served: Served) -> None:
    done = served.cli("focus", "--reason", "caf\udce9")
    assert done.returncode == 2
    assert done.stderr == "focus-app: argument is not valid UTF-8: caf\\xe9; pass text in UTF-8\n"
    assert served.request(cmd="status")["result"]["source"] != "override"


def test_cli_reason_with_an_escape_sequence_is_one_safe_line(served: Served) -> None:
    done = served.cli("focus", "--reason", "a\nb \x1b[31mRED")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "\x1b" not in done.stderr
    assert '"reason" must be one line' in done.stderr


def test_cli_held_prints_titles_and_senders_without_their_escapes(served: Served) -> None:
    served.request(cmd="focus", duration="1h")
    served.request(cmd="send", title="hi \x1b[31mRED\nnext", sender="bot\x1b]0;x\x07")
    done = served.cli("held")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout and "RED next" in done.stdout
    faithful = served.cli("held", "--json")
    assert json.loads(faithful.stdout)[0]["title"] == "hi [31mRED next"  # cleaned at the door


@pytest.mark.parametrize(
    ("start", "end", "said"),
    [
        ("19:00", "07:00", "19:00–07:00 (ends the next day)."),
        ("10:00", "09:00", "10:00–09:00 (ends the next day)."),
        ("22:00", "24:00", "22:00–24:00."),
        ("09:00", "10:30", "09:00–10:30."),
    ],
)
def test_cli_block_add_says_when_a_block_ends_the_next_day(
    served: Served, start: str, end: str, said: str
) -> None:
    done = served.cli("block", "add", "--kind", "focus", "--days", "mon-fri",
                      "--start", start, "--end", end)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Added #") and done.stdout.endswith(f" {said}\n")


# ------------------------------------------------------------------ import / export


def _blocks(count: int) -> list[Block]:
    days = [frozenset({d}) for d in range(7)]
    return [
        Block(
            kind=BlockKind.FOCUS,
            start=time(6 + i % 12, 0),
            end=time(6 + i % 12, 45),
            title=f"Block number {i} with a title long enough to fill the calendar file",
            recurrence=Recurrence(weekdays=days[i % 7]),
        )
        for i in range(count)
    ]


def test_three_hundred_blocks_round_trip_through_the_cli(served: Served, tmp_path: Path) -> None:
    for block in _blocks(300):
        served.engine.add_block(block)
    before = served.request(cmd="block.list")["result"]
    target = tmp_path / "week.ics"

    done = served.cli("export", str(target))
    assert done.returncode == 0, done.stderr
    assert "Wrote 300 block(s)" in done.stdout
    assert target.stat().st_size > 64 * 1024  # over the frame limit: the old CLI failed here
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    for block in before:
        served.engine.remove_block(block["id"])
    done = served.cli("import", str(target))
    assert done.returncode == 0, done.stderr
    assert "Imported 300 new block(s)" in done.stdout

    def shape(blocks: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted((b["kind"], b["title"], b["start"], b["end"], b["days"]) for b in blocks)

    assert shape(served.request(cmd="block.list")["result"]) == shape(before)


def test_import_sends_a_path_relative_to_where_the_cli_runs(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served.engine.add_block(_blocks(1)[0])
    monkeypatch.chdir(tmp_path)
    assert served.cli("export", "one.ics").returncode == 0
    done = served.cli("import", "one.ics")
    assert done.returncode == 0, done.stderr
    assert "Imported 1 new block(s)" in done.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"\xff\xfe not utf-8", "is not UTF-8 text"),
        (b"hello, not a calendar", "not an iCalendar file"),
    ],
)
def test_import_of_a_bad_file_says_why_in_one_line(
    served: Served, tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "bad.ics"
    if content is not None:
        path.write_bytes(content)
    done = served.cli("import", str(path))
    assert done.returncode == 1
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_import_refuses_a_relative_path_and_a_directory(served: Served, tmp_path: Path) -> None:
    _refused(served.request(cmd="import", path="week.ics"), "must be an absolute path")
    _refused(served.request(cmd="import", path=str(tmp_path)), "not a regular file")


def test_import_still_accepts_ics_text_from_small_clients(served: Served) -> None:
    served.engine.add_block(_blocks(1)[0])
    ics = served.request(cmd="export")["result"]["ics"]
    answer = served.request(cmd="import", ics=ics)
    assert answer["ok"] is True and len(answer["result"]["added"]) == 1


def test_imported_titles_lose_their_control_characters(served: Served) -> None:
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        "UID:1@t\r\nDTSTART:20261126T090000\r\nDTEND:20261126T100000\r\n"
        "SUMMARY:two\\nlines \x1b[31mred\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    answer = served.request(cmd="import", ics=ics, kind="focus")
    assert answer["ok"] is True, answer
    assert answer["result"]["added"][0]["title"] == "two lines [31mred"


# ------------------------------------------------------------------ who may bind


def test_listen_without_the_instance_lock_leaves_the_socket_alone(
    served: Served, qtbot: QtBot
) -> None:
    before = served.path.stat()
    released = instance.InstanceLock(os.open(os.devnull, os.O_RDONLY), served.path)
    released.release()
    intruder = IpcServer(served.path, lambda r: {}, lambda rs: [], released)
    with pytest.raises(AlreadyRunning):
        intruder.listen()
    after = served.path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    served.ping()


# ------------------------------------------------------------------ limits (issue 8)


def test_a_client_that_never_reads_cannot_grow_the_servers_output_without_bound(
    served: Served, qtbot: QtBot
) -> None:
    import socket as _socket

    from focus_app.ipc_server import MAX_OUTBOX

    hog = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    hog.connect(str(served.path))
    hog.setblocking(False)
    frame = b'{"cmd":"status"}\n' * 2000
    sent = 0
    for _ in range(400):  # up to 13 MB of requests, far over the 1 MiB bound
        try:
            sent += hog.send(frame)
        except BlockingIOError:
            qtbot.wait(5)
    qtbot.wait(200)
    pending = [len(c.outbox) for c in _servers[0]._connections.values()]
    assert max(pending) <= MAX_OUTBOX + 64 * 1024, pending
    served.ping()  # others are still served
    hog.close()


def test_idle_connections_are_closed_and_the_timer_stops_when_none_are_left(
    served: Served, qtbot: QtBot
) -> None:
    import socket as _socket

    server = _servers[0]
    server.idle_timeout_s = 0.3
    idle = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    idle.connect(str(served.path))
    qtbot.waitUntil(lambda: server.connection_count == 1, timeout=2000)
    qtbot.waitUntil(lambda: server.connection_count == 0, timeout=3000)
    assert idle.recv(10) == b""  # closed by the server
    qtbot.waitUntil(lambda: not server._idle_timer.isActive(), timeout=1000)
    idle.close()


def test_at_the_cap_the_longest_idle_connection_makes_room_for_a_new_one(
    served: Served, qtbot: QtBot
) -> None:
    import socket as _socket

    server = _servers[0]
    server.max_connections = 2
    held = []
    for count in (1, 2):
        s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        s.connect(str(served.path))
        held.append(s)
        qtbot.waitUntil(lambda c=count: server.connection_count == c, timeout=2000)

    served.ping()  # a third connection is served...
    assert held[0].recv(10) == b""  # ...because the longest idle one was closed
    assert server.connection_count <= 2
    for s in held:
        s.close()
