"""A running but stopped (``kill -STOP``) app is still the one instance."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.app_process import AppProcess, cli, socket_path
from tests.e2e.harness import DesktopSession

pytestmark = pytest.mark.e2e


def test_a_stopped_app_keeps_its_socket_and_a_second_start_refuses(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = desktop.env
    app = AppProcess(env, "--headless", log=tmp_path / "first.log")
    try:
        app.wait_ready()
        sock = socket_path(env)
        before = sock.lstat()
        app.proc.send_signal(signal.SIGSTOP)
        try:
            done = cli(env, "--headless", timeout=30)
            assert done.returncode == 1, done.stderr
            assert "already running" in done.stderr and f"pid {app.proc.pid}" in done.stderr
            assert "Traceback" not in done.stderr

            done = cli(env, timeout=30)  # a tray start asks it to show itself: no answer
            assert done.returncode == 1, done.stderr
            assert f"already running but not answering (pid {app.proc.pid}?)" in done.stderr

            done = cli(env, "status", timeout=30)  # one clear line, not a 30 s hang
            assert done.returncode == 1, done.stderr
            assert "running but did not answer within 10 s" in done.stderr
            assert len(done.stderr.strip().splitlines()) == 1

            after = sock.lstat()
            assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        finally:
            app.proc.send_signal(signal.SIGCONT)
        assert cli(env, "status").returncode == 0  # the first app serves on, undisturbed
    finally:
        app.stop()
