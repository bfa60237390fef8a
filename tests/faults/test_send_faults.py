"""The real program under faults: kill -9 at chosen points, a stalled or vanished
notification server, hostile socket clients, a clock set back.

``FOCUS_APP_FAULT=<point>`` (``focus_app.faults``) makes the app SIGKILL itself at a
deterministic instant; the promises checked here are "nothing stored twice, nothing
acknowledged lost, nothing shown twice, nothing blocks".
"""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from focus_app.ipc_client import Client
from tests.e2e.app_process import AppProcess, cli, cli_json, socket_path
from tests.e2e.conftest import desktop
from tests.e2e.harness import DesktopSession
from tests.faults.stalled_server import StalledServer

__all__ = ["desktop"]

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _database(env: dict[str, str]) -> Path:
    return Path(env["XDG_DATA_HOME"]) / "focus-app" / "focus-app.sqlite3"


def _stored_titles(env: dict[str, str]) -> list[str]:
    paths = list((Path(env["XDG_DATA_HOME"]) / "focus-app").glob("*.sqlite3"))
    assert len(paths) == 1, paths
    with sqlite3.connect(paths[0]) as db:
        return [row[0] for row in db.execute("SELECT title FROM notifications ORDER BY id")]


def _with_fault(env: dict[str, str], point: str) -> dict[str, str]:
    return {**env, "FOCUS_APP_FAULT": point}


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "focus-app.log"


def _start(env: dict[str, str], log: Path) -> AppProcess:
    app = AppProcess(env, "--headless", log=log)
    app.wait_ready()
    return app


# ------------------------------------------------------------------ kill -9 and sends


def test_eight_senders_and_a_kill_after_commit_store_each_notification_exactly_once(
    desktop: DesktopSession, log: Path
) -> None:
    env = desktop.env
    app = _start(env, log)
    assert cli(env, "focus", "1h").returncode == 0
    app.stop()
    app = _start(_with_fault(env, "after-commit-before-answer"), log)
    senders = [
        subprocess.Popen(
            [sys.executable, "-m", "focus_app", "send", f"n{i}", "--sender", f"s{i}"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(8)
    ]
    try:
        done = [(p.wait(30), *p.communicate()) for p in senders]
        app.proc.wait(10)  # it killed itself after committing the first batch
        assert app.proc.returncode == -9
    finally:
        app.stop()
    assert [code for code, _, _ in done] == [0] * 8, done  # every send acknowledged
    titles = _stored_titles(env)
    assert sorted(titles) == [f"n{i}" for i in range(8)], titles  # none twice, none lost
    app = _start(env, log)
    try:
        held = cli_json(env, "held")
        assert sorted(h["title"] for h in held) == [f"n{i}" for i in range(8)]
    finally:
        app.stop()


def test_a_kill_during_notify_does_not_show_the_digest_again(
    desktop: DesktopSession, log: Path
) -> None:
    env = desktop.env
    app = _start(env, log)
    assert cli(env, "focus", "1h").returncode == 0
    for i in range(3):
        assert cli(env, "send", f"n{i}", "--sender", f"s{i}").returncode == 0
    app.stop()
    app = _start(_with_fault(env, "during-notify"), log)
    try:
        cli(env, "release")
        app.proc.wait(10)
        assert app.proc.returncode == -9
    finally:
        app.stop()
    app = _start(env, log)
    try:
        time.sleep(1.0)
        assert cli_json(env, "held") == []  # a crash during Notify counts as shown
        done = cli(env, "release")
        assert "Released 0" in done.stdout
        digests = [n for n in desktop.dunst_notifications() if "held" in n["summary"]]
        assert len(digests) <= 1
    finally:
        app.stop()


# ------------------------------------------------------------------ slow and absent servers


@pytest.mark.parametrize("desktop", [{"with_dunst": False}], indirect=True)
@pytest.mark.parametrize("delay", [3.0, None], ids=["answers-after-3s", "never-answers"])
def test_a_stalled_notification_server_blocks_nothing_and_shows_the_digest_once(
    desktop: DesktopSession, log: Path, delay: float | None
) -> None:
    env = desktop.env
    server = StalledServer(desktop.bus_address, delay)
    app = _start(env, log)
    try:
        assert cli(env, "focus", "1h").returncode == 0
        for i in range(3):
            assert cli(env, "send", f"n{i}", "--sender", f"s{i}").returncode == 0
        started = time.monotonic()
        done = cli(env, "release")
        took = time.monotonic() - started
        assert done.returncode == 0 and "Released 3" in done.stdout, done
        assert took < 2.0, took  # the release did not wait for the server
        started = time.monotonic()
        assert cli(env, "status").returncode == 0
        assert time.monotonic() - started < 2.0
        time.sleep(6.0)  # past the server's answer and the notifier's 2 s patience
        assert len(server.calls) == 1, server.calls  # shown once, never resent
        assert cli_json(env, "status")["held"] == 0
    finally:
        app.stop()
        server.close()


@pytest.mark.parametrize("desktop", [{"with_dunst": False}], indirect=True)
def test_a_failed_critical_is_shown_as_soon_as_a_server_appears(
    desktop: DesktopSession, log: Path
) -> None:
    env = desktop.env
    app = _start(env, log)
    try:
        assert cli(env, "focus", "1h").returncode == 0
        cli(env, "send", "fire", "--urgency", "critical")
        assert cli_json(env, "status")["held"] == 1  # no server: kept
        desktop.start_dunst()
        shown = desktop.wait_for_notifications(1, timeout=10)
        assert [n["summary"] for n in shown] == ["fire"]  # not 5 minutes later
    finally:
        app.stop()


# ------------------------------------------------------------------ hostile clients


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_client_that_never_reads_answers_keeps_the_app_small(
    desktop: DesktopSession, log: Path
) -> None:
    env = desktop.env
    app = _start(env, log)
    try:
        assert cli(env, "focus", "1h").returncode == 0
        with Client(socket_path(env)) as client:
            for i in range(50):  # so that every "held" answer is ~400 kB
                client.call("send", title=f"n{i}", body="x" * 8000)
        before = _rss_kib(app.proc.pid)
        hog = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        hog.connect(str(socket_path(env)))
        hog.settimeout(0.05)
        frame = b'{"cmd":"held"}\n' * 100
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                hog.send(frame)
        grown = _rss_kib(app.proc.pid) - before
        assert grown < 60 * 1024, f"grew {grown} KiB"
        assert cli(env, "status").returncode == 0
        hog.close()
    finally:
        app.stop()


def test_eleven_hundred_idle_connections_under_a_1024_fd_limit_leave_status_answering(
    desktop: DesktopSession, log: Path, tmp_path: Path
) -> None:
    env = desktop.env
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 1300:
        pytest.fail(f"this test needs 1300 file descriptors; the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    out = log.open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "focus_app", "--headless"], env=env,
                            stdout=out, stderr=subprocess.STDOUT, preexec_fn=limit)
    idle: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 20
        while cli(env, "status").returncode != 0:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        for _ in range(1100):
            # Blocking connects: each waits for room in the backlog, as real clients do
            # (a non-blocking one gives up at once, and the app never runs out of fds).
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(socket_path(env)))
            idle.append(s)
        time.sleep(1.0)
        cpu_before = _cpu_seconds(proc.pid)
        time.sleep(2.0)
        busy = _cpu_seconds(proc.pid) - cpu_before
        assert busy < 1.0, f"{busy:.2f} s of CPU in 2 s while idle connections wait"
        started = time.monotonic()
        done = cli(env, "status")
        assert done.returncode == 0, done.stderr
        assert time.monotonic() - started < 5.0
    finally:
        for s in idle:
            s.close()
        proc.terminate()
        proc.wait(10)
        out.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ clock set back


LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


def test_items_held_before_the_clock_was_set_back_go_out_when_available(
    desktop: DesktopSession, log: Path, tmp_path: Path
) -> None:
    if not LIBFAKETIME.exists():
        pytest.fail(f"needs libfaketime at {LIBFAKETIME} (Debian: apt install libfaketime)")
    env = desktop.env
    app = _start(env, log)
    assert cli(env, "focus", "3h").returncode == 0
    assert cli(env, "send", "held in focus", "--sender", "Alice").returncode == 0
    app.stop()
    # The clock goes back 2.5 h: the focus period and the item's release time lie ahead.
    timefile = tmp_path / "faketime.rc"
    timefile.write_text("-150m\n")
    faked = {**env, "LD_PRELOAD": str(LIBFAKETIME), "FAKETIME_TIMESTAMP_FILE": str(timefile),
             "FAKETIME_NO_CACHE": "1", "DONT_FAKE_MONOTONIC": "1"}
    app = _start(faked, log)
    try:
        done = cli(faked, "available", "30m")
        assert done.returncode == 0, done.stderr
        assert cli_json(faked, "status")["held"] == 0
        shown = desktop.wait_for_notifications(1, timeout=10)
        assert [n["summary"] for n in shown] == ["held in focus"]
    finally:
        app.stop()
