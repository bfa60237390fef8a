"""The real ``focus-app --headless`` on a private bus with a real dunst."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from focus_app.ipc_client import Client
from tests.e2e.app_process import AppProcess, cli, cli_json, socket_path
from tests.e2e.harness import DesktopSession

pytestmark = pytest.mark.e2e


@pytest.fixture
def engine(desktop: DesktopSession, tmp_path: Path) -> Iterator[AppProcess]:
    app = AppProcess(desktop.env, "--headless", log=tmp_path / "focus-app.log")
    try:
        app.wait_ready()
        yield app
    finally:
        app.stop()


def _focus_block_covering_now(env: dict[str, str]) -> None:
    now = datetime.now()
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end = (now + timedelta(hours=2)).strftime("%H:%M")
    done = cli(env, "block", "add", "--kind", "focus", "--days", "daily",
               "--start", start, "--end", end, "--title", "Deep work")
    assert done.returncode == 0, done.stderr


def _write_settings(env: dict[str, str], text: str) -> None:
    path = Path(env["XDG_CONFIG_HOME"]) / "focus-app" / "settings.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _quiet_for(desktop: DesktopSession, seconds: float) -> list[dict[str, object]]:
    time.sleep(seconds)
    return desktop.dunst_notifications()


def test_focus_block_holds_normal_lets_critical_through_and_available_sends_one_digest(
    desktop: DesktopSession, engine: AppProcess
) -> None:
    env = desktop.env
    _focus_block_covering_now(env)
    assert cli_json(env, "status")["mode"] == "focus"
    # Alice twice within 3 minutes would escalate (like phones do); this test is about holding.
    _write_settings(env, "[gate]\nrepeat_escalation_minutes = 0\n")
    engine.stop()
    engine = AppProcess(env, "--headless", log=engine.log)
    engine.wait_ready()

    for sender in ("Alice", "Alice", "Bob"):
        answer = cli_json(env, "send", f"ping from {sender}", "--sender", sender)
        assert answer["decision"] == "held", answer
        assert "Deep work" in answer["reason"]
        assert answer["release_at"] is not None
    assert _quiet_for(desktop, 1.5) == [], "dunst must receive nothing while focus holds"

    answer = cli_json(env, "send", "Server down", "--sender", "Carol", "--urgency", "critical")
    assert answer["decision"] == "delivered", answer
    shown = desktop.wait_for_notifications(1)
    assert shown[0]["summary"] == "Server down"
    assert shown[0]["urgency"].lower() == "critical"

    done = cli(env, "available", "30m")
    assert done.returncode == 0, done.stderr
    shown = desktop.wait_for_notifications(2)
    digest = shown[1]
    assert "3" in digest["summary"], digest
    assert "2 from Alice" in digest["body"] and "1 from Bob" in digest["body"], digest
    assert _quiet_for(desktop, 1.0)[2:] == [], "the held items arrive as one digest, not a flood"
    assert cli_json(env, "held") == []
    assert cli_json(env, "status")["mode"] == "available"
    engine.stop()


def test_two_hundred_held_survive_kill_9(desktop: DesktopSession, tmp_path: Path) -> None:
    env = desktop.env
    app = AppProcess(env, "--headless", log=tmp_path / "first.log")
    try:
        app.wait_ready()
        _focus_block_covering_now(env)
        with Client(socket_path(env)) as client:
            for i in range(200):
                answer = client.call("send", title=f"note {i}", sender=f"sender {i}")
                assert answer["decision"] == "held"
        app.kill9()
    finally:
        app.stop()

    again = AppProcess(env, "--headless", log=tmp_path / "second.log")
    try:
        again.wait_ready()
        held = cli_json(env, "held")
        assert sorted(item["title"] for item in held) == sorted(f"note {i}" for i in range(200))
    finally:
        again.stop()


def test_commands_without_engine_exit_3_and_send_is_queued_then_decided(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = desktop.env
    done = cli(env, "status")
    assert done.returncode == 3
    assert "not running" in done.stderr and "focus-app --headless" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

    done = cli(env, "send", "while away", "--sender", "Dana", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decision"] == "queued"

    app = AppProcess(env, "--headless", log=tmp_path / "app.log")
    try:
        app.wait_ready()
        # Default mode outside blocks is "available": the queued item is decided and shown.
        shown = desktop.wait_for_notifications(1)
        assert shown[0]["summary"] == "while away"
    finally:
        app.stop()


def test_second_headless_instance_refuses_to_start(
    desktop: DesktopSession, engine: AppProcess
) -> None:
    done = cli(desktop.env, "--headless", timeout=20)
    assert done.returncode != 0
    assert "already running" in done.stderr


def test_socket_is_private_to_the_user(desktop: DesktopSession, engine: AppProcess) -> None:
    mode = os.stat(socket_path(desktop.env)).st_mode & 0o777
    assert mode == 0o600


def test_bad_input_gets_one_line_errors_and_the_engine_keeps_serving(
    desktop: DesktopSession, engine: AppProcess
) -> None:
    env = desktop.env
    add = ("block", "add", "--kind", "focus")
    cases = [
        (2, *add, "--days", "mon", "--start", "25:00", "--end", "26:00"),
        (2, *add, "--days", "fun", "--start", "09:00", "--end", "10:00"),
        (2, *add, "--days", "mon", "--start", "09:00", "--end", "09:00"),
        (2, "focus", "ten minutes"),
        (2, "pause", "--until", "7pm"),
        (1, "release", "99999"),
        (1, "block", "remove", "4242"),
    ]
    for status, *args in cases:
        done = cli(env, *args)
        assert done.returncode == status, (args, done.stdout, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, (args, done.stderr)
        assert "Traceback" not in done.stderr
    with Client(socket_path(env)) as client:
        assert client.raw(b"{not json\n")["ok"] is False
        assert client.raw(b'{"cmd": "launch-rockets"}\n')["ok"] is False
        assert client.raw(b'{"cmd": "send", "title": 42}\n')["ok"] is False
        assert client.raw(b"[1, 2]\n")["ok"] is False
        answer = client.raw(b'{"cmd": "send", "title": "' + b"x" * 70_000 + b'"}\n')
        assert answer["ok"] is False and "64 KiB" in answer["error"]
        assert client.call("ping") == "pong"
    assert cli(env, "status").returncode == 0


def test_every_documented_exit_status_is_the_one_the_readme_gives(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = desktop.env
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert (
        "Exit status: 0 done, 1 refused (the message says why), 2 bad usage, 3 not running"
        in " ".join(readme.split())
    )
    assert cli(env, "focus", "25m").returncode == 3, "not running"
    app = AppProcess(env, "--headless", log=tmp_path / "app.log")
    try:
        app.wait_ready()
        assert cli(env, "focus", "25m").returncode == 0, "done"
        assert cli(env, "block", "remove", "4242").returncode == 1, "refused"
        for bad in (("focus", "banana"), ("pause", "--until", "25:00"), ("frobnicate",),
                    ("block", "add", "--kind", "focus", "--days", "mon",
                     "--start", "11:00", "--end", "10:00")):
            done = cli(env, *bad)
            assert done.returncode == 2, (bad, done.stderr)
            assert done.stderr.count("\n") == 1 and done.stderr.startswith("focus-app: ")
        overnight = cli(env, "block", "add", "--kind", "off", "--days", "mon",
                        "--start", "11:00", "--end", "10:00", "--overnight")
        assert overnight.returncode == 0, overnight.stderr
        assert "(ends the next day)" in overnight.stdout
        assert cli_json(env, "status")["mode"] == "focus", "no bad value reached the engine"
    finally:
        app.stop()


def test_headless_says_in_one_line_that_it_runs_and_where_its_socket_is(
    desktop: DesktopSession, engine: AppProcess
) -> None:
    lines = engine.log.read_text().splitlines()
    said = [line for line in lines if "running headless" in line]
    assert len(said) == 1, lines
    assert str(socket_path(desktop.env)) in said[0] and "focus-app status" in said[0]


@pytest.mark.parametrize("desktop", [{"with_dunst": False}], indirect=True)
def test_without_a_notification_server_the_engine_keeps_running_and_keeps_the_item(
    desktop: DesktopSession, engine: AppProcess
) -> None:
    env = desktop.env
    answer = cli_json(env, "send", "nobody listening", "--sender", "Erin")
    assert answer["decision"] == "held"
    assert "delivery failed" in answer["reason"]
    held = cli_json(env, "held")
    assert [item["title"] for item in held] == ["nobody listening"]
    assert cli(env, "status").returncode == 0
