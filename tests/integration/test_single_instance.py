"""One app per session: the instance lock decides, never a ping that may time out."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from focus_app.desktop import instance
from focus_app.paths import socket_path

HOLD_LOCK = (
    "import sys, time\n"
    "from focus_app.desktop import instance\n"
    "lock = instance.acquire()\n"
    "print('locked' if lock else 'busy', flush=True)\n"
    "time.sleep(120)\n"
)


@pytest.fixture
def lock_holder() -> Iterator[subprocess.Popen[str]]:
    """Another process holding the instance lock (as a running app does)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture
def silent_socket() -> Iterator[Path]:
    """A socket that accepts connections into its backlog and never answers (a busy app)."""
    path = socket_path()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(8)
    try:
        yield path
    finally:
        listener.close()


def _start(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "focus_app", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def _identity(path: Path) -> tuple[int, int]:
    st = path.lstat()
    return st.st_ino, st.st_mtime_ns


def test_the_lock_is_exclusive_and_names_its_holder() -> None:
    first = instance.acquire()
    assert first is not None and first.held
    try:
        assert instance.acquire() is None  # even from the same process
        assert instance.holder_pid() == os.getpid()
    finally:
        first.release()
    second = instance.acquire()
    assert second is not None
    second.release()


def test_the_lock_file_lives_in_the_private_runtime_dir() -> None:
    assert instance.lock_path().parent == socket_path().parent
    lock = instance.acquire()
    assert lock is not None
    try:
        assert instance.lock_path().stat().st_mode & 0o777 == 0o600
    finally:
        lock.release()


def test_second_headless_start_refuses_and_leaves_a_silent_socket_alone(
    lock_holder: subprocess.Popen[str], silent_socket: Path
) -> None:
    before = _identity(silent_socket)
    started = time.monotonic()
    done = _start("--headless")
    assert done.returncode == 1
    assert "already running" in done.stderr and f"pid {lock_holder.pid}" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert time.monotonic() - started < 10  # no waiting on the silent socket
    assert _identity(silent_socket) == before
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.connect(str(silent_socket))  # still the live one


def test_second_tray_start_says_the_running_app_is_not_answering(
    lock_holder: subprocess.Popen[str], silent_socket: Path
) -> None:
    before = _identity(silent_socket)
    done = _start()
    assert done.returncode == 1
    assert (
        f"focus-app is already running but not answering (pid {lock_holder.pid}?)"
        in done.stderr
    )
    assert len(done.stderr.strip().splitlines()) == 1
    assert _identity(silent_socket) == before


def test_second_headless_start_without_any_socket_still_refuses(
    lock_holder: subprocess.Popen[str],
) -> None:
    done = _start("--headless")
    assert done.returncode == 1 and "already running" in done.stderr
    assert not socket_path().exists()  # nothing was bound: only the lock holder may


def test_a_symlink_planted_as_the_lock_file_is_refused_and_its_target_kept(
    tmp_path: Path,
) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    instance.lock_path().symlink_to(victim)
    with pytest.raises(OSError, match="is a symlink; remove it"):
        instance.acquire()
    assert victim.read_text() == "precious\n"
    assert instance.holder_pid() is None  # not read through the link either


def test_is_held_tells_a_live_holder_from_a_free_lock(
    lock_holder: subprocess.Popen[str],
) -> None:
    assert instance.is_held()
    lock_holder.kill()
    lock_holder.wait(10)
    assert not instance.is_held()


def test_a_tray_start_waits_for_a_winner_that_starts_answering_late(
    lock_holder: subprocess.Popen[str],
) -> None:
    """The winner holds the lock but listens only after a while (it is still starting)."""
    path = socket_path()
    answer = (
        "import socket, sys, time\n"
        "time.sleep(2)\n"
        "s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)\n"
        "c, _ = s.accept(); c.recv(4096)\n"
        "c.sendall(b'{\"ok\": true, \"result\": null}\\n'); time.sleep(1)\n"
    )
    late = subprocess.Popen([sys.executable, "-c", answer, str(path)])
    try:
        done = _start()
    finally:
        late.kill()
        late.wait(10)
    assert done.returncode == 0, done.stderr
    assert "already running; showing its window" in done.stdout
