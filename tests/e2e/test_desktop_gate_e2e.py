"""Every program's notifications through the gate: the real app, a real dunst, notify-send.

The other program is real (``notify-send`` from libnotify-bin, as Slack or Thunderbird would
call the server); so are the server (dunst 1.9 on a private session bus under Xvfb) and its
do-not-disturb (dunst's ``paused``, read back with ``dunstctl``). What dunst *shows* is read
from its own counters (``displayed``, ``waiting``), not from ``dunst -print``, which logs
every notification on receipt, shown or not.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.app_process import AppProcess, cli
from tests.e2e.gate_support import held, status
from tests.e2e.gate_support import wait as _wait
from tests.e2e.harness import DesktopSession

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def app(desktop: DesktopSession, tmp_path: Path) -> Iterator[AppProcess]:
    # Two messages from one sender within minutes would escalate; this is about holding.
    settings = Path(desktop.env["XDG_CONFIG_HOME"]) / "focus-app" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("[gate]\nrepeat_escalation_minutes = 0\n")
    app = AppProcess(desktop.env, "--headless", log=tmp_path / "focus-app.log")
    try:
        app.wait_ready()
        _wait("the desktop gate to drive dunst", lambda: _status(desktop)["dnd"] == "dunst")
        yield app
    finally:
        app.stop()


def _status(desktop: DesktopSession) -> dict[str, object]:
    return status(desktop.env)


def _paused(desktop: DesktopSession) -> bool:
    return desktop.dunstctl("is-paused").strip() == "true"


def _count(desktop: DesktopSession, which: str) -> int:
    return int(desktop.dunstctl("count", which).strip())


def _notify_send(desktop: DesktopSession, app_name: str, summary: str, body: str) -> None:
    subprocess.run(
        ["notify-send", "-a", app_name, summary, body],
        env=desktop.env,
        check=True,
        timeout=10,
    )


def _held(desktop: DesktopSession) -> list[dict[str, object]]:
    return held(desktop.env)


def test_other_programs_notification_is_held_during_focus_and_never_shown_by_the_server(
    desktop: DesktopSession, app: AppProcess
) -> None:
    assert not _paused(desktop)
    cli(desktop.env, "focus", "25m")
    _wait("dunst to be paused for the focus block", lambda: _paused(desktop))
    assert _status(desktop)["catching"] in ("monitor", "eavesdrop")

    _notify_send(desktop, "Slack", "Bob", "quick question?")

    _wait("the caught notification to be held", lambda: len(_held(desktop)) == 1)
    (item,) = _held(desktop)
    assert (item["source"], item["sender"], item["body"]) == ("Slack", "Bob", "quick question?")
    # Taken out of dunst's queue: nothing waits to pop up when do-not-disturb ends.
    _wait("dunst's queue to be empty", lambda: _count(desktop, "waiting") == 0)
    assert _count(desktop, "displayed") == 0
    assert _status(desktop)["problems"] == []


def test_a_breakthrough_shows_under_do_not_disturb_with_the_reason(
    desktop: DesktopSession, app: AppProcess
) -> None:
    done = cli(desktop.env, "rule", "add", "--sender", "Alice", "--action", "priority")
    assert done.returncode == 0, done.stderr
    cli(desktop.env, "focus", "25m")
    _wait("dunst to be paused for the focus block", lambda: _paused(desktop))

    _notify_send(desktop, "Slack", "Alice", "the server is down")

    # Shown again by the app under Slack's name, with one line saying why.
    def reshown() -> bool:
        return any(
            n.get("appname") == "Slack" and "Let through" in n.get("body", "")
            for n in desktop.dunst_notifications()
        )

    _wait("the breakthrough to be shown again", reshown)
    _wait("dunst to show it", lambda: _count(desktop, "displayed") == 1)
    assert _held(desktop) == []


def test_releasing_sends_one_digest_and_the_server_replays_nothing(
    desktop: DesktopSession, app: AppProcess
) -> None:
    cli(desktop.env, "focus", "25m")
    _wait("dunst to be paused for the focus block", lambda: _paused(desktop))
    for who in ("Bob", "Carol", "Dan"):
        _notify_send(desktop, "Slack", who, f"ping from {who}")
    _wait("three held", lambda: len(_held(desktop)) == 3)
    _wait("dunst's queue to be empty", lambda: _count(desktop, "waiting") == 0)
    before = len(desktop.dunst_notifications())

    cli(desktop.env, "resume")

    _wait("dunst to be unpaused", lambda: not _paused(desktop))
    _wait("the digest", lambda: len(desktop.dunst_notifications()) > before)
    time.sleep(1.0)
    after = desktop.dunst_notifications()[before:]
    assert len(after) == 1, after  # one digest, not three replayed popups
    assert after[0]["summary"] == "3 held while you focused", after[0]
    assert "Bob" in after[0]["body"] and "Dan" in after[0]["body"], after[0]
    assert _count(desktop, "displayed") == 1


def test_the_users_own_do_not_disturb_stays_on_after_the_block(
    desktop: DesktopSession, app: AppProcess
) -> None:
    desktop.dunstctl("set-paused", "true")
    cli(desktop.env, "focus", "25m")
    time.sleep(0.5)
    cli(desktop.env, "resume")
    time.sleep(0.5)
    assert _paused(desktop)


def test_switching_do_not_disturb_off_during_a_block_pauses_instead_of_fighting(
    desktop: DesktopSession, app: AppProcess
) -> None:
    cli(desktop.env, "focus", "25m")
    _wait("dunst to be paused for the focus block", lambda: _paused(desktop))

    desktop.dunstctl("set-paused", "false")

    _wait("the app to pause", lambda: _status(desktop)["mode"] == "paused")
    time.sleep(0.5)
    assert not _paused(desktop)


def test_after_kill_9_the_users_do_not_disturb_state_is_back_within_5_s(
    desktop: DesktopSession, app: AppProcess
) -> None:
    cli(desktop.env, "focus", "25m")
    _wait("dunst to be paused for the focus block", lambda: _paused(desktop))

    app.kill9()
    killed = time.monotonic()

    _wait("dunst to be unpaused", lambda: not _paused(desktop), timeout=5.0)
    assert time.monotonic() - killed < 5.0
