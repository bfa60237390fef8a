"""``focus-app calendar …`` for a CalDAV calendar end to end: the real app (headless, no
session bus, so no Secret Service: the password is kept in memory and it says so) and a
real Radicale. Add, password, sync, list, remove; a wrong password and the server down
each give one line on stderr and exit 1. A calendar followed with ``--caldav --follow``
is read by the app's own schedule once its password is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import caldav
import pytest

import focus_app
from tests.calendars.radicale_server import PASSWORD, USER, RadicaleServer, radicale
from tests.calendars.test_caldav_follow import STANDUP
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


def _calendars_when(env: dict[str, str], done: Any) -> list[dict[str, Any]]:
    """``calendar list --json`` once ``done(listed)`` holds (the app refreshes on its own
    schedule, in the background); at most 30 s."""
    deadline = time.monotonic() + 30
    while True:
        listed: list[dict[str, Any]] = json.loads(
            focus_app_cli(env, "calendar", "list", "--json").stdout
        )
        if done(listed) or time.monotonic() > deadline:
            return listed
        time.sleep(0.2)


@pytest.mark.e2e
@pytest.mark.slow
def test_a_caldav_calendar_followed_from_the_command_line_is_read_on_schedule(
    app: dict[str, str], radicale: RadicaleServer
) -> None:
    url = radicale.calendar_url("work")
    with caldav.DAVClient(url=url, username=USER, password=PASSWORD) as client:
        client.calendar(url=url).save_event(STANDUP)
    added = focus_app_cli(app, "calendar", "add", url, "--caldav", "--follow", "--user", USER,
                          "--password-stdin", "--busy", "available", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "Following #1 work (alice at 127.0.0.1)" in added.stdout
    assert "Password of #1: no Secret Service" in added.stdout
    # The app's own scheduled refresh reads it once the password is kept (no sync asked).
    [listed] = _calendars_when(app, lambda rows: rows and rows[0]["blocks"] == 1)
    assert (listed["user"], listed["blocks"], listed["error"]) == (USER, 1, "")
    blocks = json.loads(focus_app_cli(app, "block", "list", "--json").stdout)
    assert [(b["title"], b["kind"]) for b in blocks] == [("Standup", "available")]

    assert focus_app_cli(app, "calendar", "password", "1", "--password-stdin",
                         stdin="wrong\n").returncode == 0
    [failed] = _calendars_when(app, lambda rows: rows and rows[0]["error"])
    assert failed["error"].startswith("127.0.0.1 refused the password of 'alice'")
    assert failed["blocks"] == 1  # nothing removed
    shown = focus_app_cli(app, "calendar", "list")
    assert shown.returncode == 0
    assert shown.stderr.strip().splitlines() == [f"focus-app: #1 work (alice at 127.0.0.1): "
                                                 f"{failed['error']}"]
