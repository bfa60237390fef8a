"""A real digest's "Open inbox", picked in dunst, opens exactly that digest's items.

Everything is real: the app with its tray (trayer) under Xvfb, dunst 1.9 on a private
session bus, another program's notifications (``notify-send``, caught by the app) and the
command line's ``send``. The action is picked in dunst's own context menu
(``DesktopSession.invoke_action``), so dunst emits ``ActionInvoked`` as it does for a
person; what the window then shows is read back with ``focus-app window --json`` (its
page and the notification ids it lists), not from pixels.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.app_process import AppProcess, cli, cli_json
from tests.e2e.gate_support import held, wait
from tests.e2e.harness import DesktopSession

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

APP = "Focus & Boundaries"
OPEN_INBOX = "open-inbox"


@pytest.fixture
def app(desktop: DesktopSession, tmp_path: Path) -> Iterator[AppProcess]:
    """The app with its tray; two pop-ups a minute while available, then a summary."""
    settings = Path(desktop.env["XDG_CONFIG_HOME"]) / "focus-app" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    # Repeats from one sender would escalate; this is about what each digest holds.
    settings.write_text("[gate]\nrepeat_escalation_minutes = 0\npacing_per_minute = 2\n")
    app = AppProcess(desktop.env, log=tmp_path / "focus-app.log")
    try:
        app.wait_ready()
        wait("the desktop gate to drive dunst", lambda: _status(desktop)["dnd"] == "dunst")
        yield app
    finally:
        app.stop()


def _status(desktop: DesktopSession) -> dict[str, Any]:
    result: dict[str, Any] = cli_json(desktop.env, "status")
    return result


def _window(desktop: DesktopSession) -> dict[str, Any]:
    result: dict[str, Any] = cli_json(desktop.env, "window")
    return result


def _send(desktop: DesktopSession, title: str, sender: str) -> dict[str, Any]:
    """``focus-app send``; returns its decision (``id``, ``decision``, ``reason``)."""
    result: dict[str, Any] = cli_json(desktop.env, "send", title, "--sender", sender)
    return result


def _notify_send(desktop: DesktopSession, sender: str, body: str) -> None:
    """Another program's notification (Slack, as libnotify sends it); the app catches it."""
    subprocess.run(
        ["notify-send", "-a", "Slack", sender, body], env=desktop.env, check=True, timeout=10
    )


def _focus_block(desktop: DesktopSession, titles: list[str], caught: str) -> list[int]:
    """Focus, send ``titles`` and one caught notification; return the ids held for it."""
    before = {int(item["id"]) for item in held(desktop.env)}
    assert cli(desktop.env, "focus", "25m").returncode == 0
    ids = [_send(desktop, title, "Bob")["id"] for title in titles]
    _notify_send(desktop, caught, f"a word from {caught}")

    def caught_held() -> list[int]:
        return [
            int(item["id"])
            for item in held(desktop.env)
            if item["source"] == "Slack" and item["sender"] == caught
        ]

    wait(f"{caught}'s notification to be caught and held", caught_held)
    now_held = {int(item["id"]) for item in held(desktop.env)}
    assert set(ids) | set(caught_held()) == now_held - before
    return [*ids, *caught_held()]


def _our_popups(desktop: DesktopSession, summary_end: str, count: int) -> list[dict[str, Any]]:
    """Wait for ``count`` of the app's pop-ups whose summary ends with ``summary_end``."""

    def found() -> list[dict[str, Any]]:
        return [
            n
            for n in desktop.dunst_notifications()
            if n.get("appname") == APP
            and n.get("summary", "").endswith(summary_end)
            and OPEN_INBOX in n["actions"]
        ]

    wait(f"{count} pop-up(s) '… {summary_end}' in dunst", lambda: len(found()) >= count)
    return found()


def _open_from_dunst(desktop: DesktopSession, popup: dict[str, Any]) -> dict[str, Any]:
    """Pick "Open inbox" on ``popup`` in dunst; return the window once it shows a digest."""
    shown_before = _window(desktop).get("digest")
    desktop.invoke_action(int(popup["id"]), OPEN_INBOX)

    def opened() -> dict[str, Any] | None:
        state = _window(desktop)
        fresh = state["digest"] is not None and state["digest"] != shown_before
        return state if state["open"] and fresh else None

    wait(f"the window to show the items of '{popup['summary']}'", lambda: bool(opened()))
    state = opened()
    assert state is not None
    return state


# Pop-ups stay until picked: a loaded machine must not let one time out mid-test.
STAYING = {"with_tray": True, "dunst_config": "[urgency_normal]\n    timeout = 0\n"}


@pytest.mark.parametrize("desktop", [STAYING], indirect=True)
def test_open_inbox_picked_in_dunst_shows_exactly_the_digests_items(
    desktop: DesktopSession, app: AppProcess
) -> None:
    assert _window(desktop) == {
        "ui": True, "open": False, "page": None, "digest": None, "items": [], "more": False,
    }, "with a tray no window exists until something needs it"

    # An earlier digest: its items must not show up under a later one.
    earlier = _focus_block(desktop, ["standup notes"], "Eve")
    assert cli(desktop.env, "resume").returncode == 0
    _our_popups(desktop, "held while you focused", 1)

    # Available, two pop-ups a minute: the rest waits for a pacing summary.
    sent = [_send(desktop, f"build {n}", "CI") for n in range(5)]
    paced = [s["id"] for s in sent if s["decision"] == "held" and "pacing" in s["reason"]]
    assert len(paced) >= 2, sent
    # The digest under test: what a focus block held, released (as the summary) by resume.
    focused = _focus_block(desktop, ["review the plan", "lunch?"], "Carol")
    assert cli(desktop.env, "resume").returncode == 0
    digest = _our_popups(desktop, "held while you focused", 2)[-1]
    summary = _our_popups(desktop, "more notifications", 1)[-1]
    assert digest["summary"] == f"{len(focused)} held while you focused", digest
    assert summary["summary"] == f"{len(paced)} more notifications", summary
    # Sent after both: seen and kept, but in neither.
    later = _send(desktop, "after the digest", "Dan")["id"]

    state = _open_from_dunst(desktop, digest)

    assert state["page"] == "history"
    assert sorted(state["items"]) == sorted(focused), state
    assert not state["more"]
    statuses = {item["id"]: item["status"] for item in cli_json(desktop.env, "history")}
    assert {statuses[i] for i in focused} == {"released"}, "released ones are listed"
    assert not set(state["items"]) & {*earlier, *paced, later}

    # The pacing summary's "Open inbox" works the same way.
    state = _open_from_dunst(desktop, summary)

    assert state["page"] == "history"
    assert sorted(state["items"]) == sorted(paced), state
    assert not set(state["items"]) & {*earlier, *focused, later}
