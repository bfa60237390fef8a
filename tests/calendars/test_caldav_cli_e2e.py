"""``focus-app calendar …`` for a CalDAV calendar end to end: the real app (headless, no
session bus, so no Secret Service: the password is kept in memory and it says so) and a
real Radicale. Add, password, sync, list, remove; a wrong password and the server down
each give one line on stderr and exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import focus_app
from tests.calendars.radicale_server import PASSWORD, USER, RadicaleServer, radicale
from tests.e2e.app_process import AppProcess

__all__ = ["radicale"]
SOURCE_ROOT = str(Path(focus_app.__file__).resolve().parent.parent)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XDG_", "DBUS_")) and k != "PYTHONPATH"}
    env.update(
        {f"XDG_{name}": str(tmp_path / name.lower()) for name in
         ("DATA_HOME", "CONFIG_HOME", "STATE_HOME", "CACHE_HOME", "RUNTIME_DIR")},
        HOME=str(tmp_path), PYTHONPATH=SOURCE_ROOT, QT_QPA_PLATFORM="offscreen",
        FOCUS_APP_NO_DESKTOP_GATE="1", TZ="UTC",
    )
    (tmp_path / "runtime_dir").mkdir(mode=0o700)
    started = AppProcess(env, "--headless", log=tmp_path / "focus-app.log")
    try:
        started.wait_ready()
        yield env
    finally:
        started.stop()


def focus_app_cli(
    env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "focus_app", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.e2e
@pytest.mark.slow
def test_add_password_sync_list_remove_a_caldav_calendar_from_the_command_line(
    app: dict[str, str], radicale: RadicaleServer
) -> None:
    url = radicale.calendar_url("cli")
    block = focus_app_cli(app, "block", "add", "--kind", "available", "--days", "mon",
                          "--start", "09:00", "--end", "10:00", "--title", "Office hour")
    assert block.returncode == 0, block.stderr
    added = focus_app_cli(app, "calendar", "add", url, "--caldav", "--user", USER, "--publish")
    assert added.returncode == 0, added.stderr
    assert "c1" in added.stdout and "calendar password c1 --password-stdin" in added.stdout
    given = focus_app_cli(app, "calendar", "password", "c1", "--password-stdin",
                          stdin=PASSWORD + "\n")
    assert given.returncode == 0, given.stderr
    assert "kept in memory until the app quits" in given.stdout
    synced = focus_app_cli(app, "calendar", "sync", "c1")
    assert synced.returncode == 0, synced.stderr
    assert "synced: 1 change(s)" in synced.stdout
    listed = json.loads(focus_app_cli(app, "calendar", "list", "--json").stdout)
    assert [(c["ref"], c["caldav"], c["error"]) for c in listed] == [("c1", "publish", "")]
    assert "password" not in json.dumps(listed).lower()
    removed = focus_app_cli(app, "calendar", "remove", "c1")
    assert removed.returncode == 0 and "Unlinked c1" in removed.stdout
    assert json.loads(focus_app_cli(app, "calendar", "list", "--json").stdout) == []


@pytest.mark.e2e
@pytest.mark.slow
def test_a_wrong_password_and_the_server_down_each_give_one_line_and_exit_1(
    app: dict[str, str], radicale: RadicaleServer
) -> None:
    url = radicale.calendar_url("bad")
    assert focus_app_cli(app, "calendar", "add", url, "--caldav", "--user", USER,
                         "--password-stdin", stdin="wrong\n").returncode == 0
    wrong = focus_app_cli(app, "calendar", "sync")
    assert wrong.returncode == 1
    assert len(wrong.stderr.strip().splitlines()) == 1, wrong.stderr
    assert "password" in wrong.stderr.lower()
    assert focus_app_cli(app, "calendar", "password", "c1", "--password-stdin",
                         stdin=PASSWORD + "\n").returncode == 0
    radicale.stop()
    down = focus_app_cli(app, "calendar", "sync", "c1")
    assert down.returncode == 1
    assert len(down.stderr.strip().splitlines()) == 1, down.stderr
