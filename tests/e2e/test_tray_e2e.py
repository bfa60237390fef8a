"""The real ``focus-app`` on a throwaway X desktop: with a tray (trayer) and without one."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.app_process import AppProcess, cli, cli_json
from tests.e2e.harness import DesktopSession

pytestmark = pytest.mark.e2e

WINDOW_NAME = "Focus & Boundaries"


def run(env: dict[str, str], *argv: str) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=20)
    return done.stdout


def wait_for(what: str, check: Callable[[], object], timeout: float = 10.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def tray_icon_window(env: dict[str, str]) -> int | None:
    """The icon's X window: a small window of class ``focus-app`` inside trayer's panel.

    Qt embeds the icon with XEmbed, so it shows in ``xwininfo -tree`` as a child of a
    trayer socket window, named like the app and at most 64 px square.
    """
    tree = run(env, "xwininfo", "-root", "-tree")
    for match in re.finditer(
        r'(0x[0-9a-f]+) "[^"]*": \("[^"]*" "focus-app"\)\s+(\d+)x(\d+)\+', tree
    ):
        wid, width, height = match.group(1), int(match.group(2)), int(match.group(3))
        if 8 <= width <= 64 and 8 <= height <= 64:
            return int(wid, 16)
    return None


def visible_main_windows(env: dict[str, str]) -> list[int]:
    out = run(env, "xdotool", "search", "--onlyvisible", "--name", f"^{WINDOW_NAME}$")
    ids = [int(line) for line in out.split()]
    # The tray icon carries the same name; the main window is the big one.
    return [wid for wid in ids if window_size(env, wid)[0] > 200]


def window_size(env: dict[str, str], wid: int) -> tuple[int, int]:
    out = run(env, "xdotool", "getwindowgeometry", str(wid))
    match = re.search(r"Geometry: (\d+)x(\d+)", out)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


@pytest.fixture
def tray_app(desktop: DesktopSession, tmp_path: Path) -> Iterator[AppProcess]:
    app = AppProcess(desktop.env, log=tmp_path / "focus-app.log")
    try:
        app.wait_ready()
        yield app
    finally:
        app.stop()


@pytest.mark.parametrize("desktop", [{"with_tray": True}], indirect=True)
def test_right_click_tray_menu_focus_25_starts_a_25_minute_focus(
    desktop: DesktopSession, tray_app: AppProcess, tmp_path: Path
) -> None:
    env = desktop.env
    icon = wait_for("the tray icon inside trayer", lambda: tray_icon_window(env))
    assert visible_main_windows(env) == [], "with a tray the window stays closed at start"
    assert cli_json(env, "status")["source"] == "default"

    run(env, "xdotool", "mousemove", "--window", str(icon), "10", "10", "click", "3")
    time.sleep(0.7)  # the menu pops up; keys go to it (it grabs the keyboard)
    run(env, "xdotool", "key", "f")  # &Focus now ▸
    time.sleep(0.5)
    desktop.screenshot(tmp_path / "tray-menu.png")
    started = datetime.now().astimezone()
    run(env, "xdotool", "key", "2")  # &25 min

    status = wait_for(
        "focus-app status to report the focus override",
        lambda: (s := cli_json(env, "status"))["source"] == "override" and s,
    )
    assert isinstance(status, dict)
    assert status["mode"] == "focus"
    until = datetime.fromisoformat(status["until"])
    assert abs(until - (started + timedelta(minutes=25))) < timedelta(seconds=30)
    assert status["next_transition"] == status["until"]


@pytest.mark.parametrize("desktop", [{"with_tray": True}], indirect=True)
def test_left_click_and_a_second_start_open_the_window(
    desktop: DesktopSession, tray_app: AppProcess, tmp_path: Path
) -> None:
    env = desktop.env
    icon = wait_for("the tray icon inside trayer", lambda: tray_icon_window(env))
    second = cli(env)  # `focus-app` with no arguments, while one runs
    assert second.returncode == 0, second.stderr
    assert "already running" in second.stdout
    wait_for("the main window after a second start", lambda: visible_main_windows(env))

    wid = visible_main_windows(env)[0]
    run(env, "xdotool", "key", "--window", str(wid), "ctrl+w")  # closes to the tray
    wait_for("the window to close", lambda: not visible_main_windows(env))
    assert tray_app.proc.poll() is None, "closing the window keeps the app running"

    run(env, "xdotool", "mousemove", "--window", str(icon), "10", "10", "click", "1")
    wait_for("the main window after a left click", lambda: visible_main_windows(env))
    time.sleep(0.5)
    desktop.screenshot(tmp_path / "main-window.png")


@pytest.mark.parametrize("desktop", [{"with_tray": False}], indirect=True)
def test_without_a_tray_the_window_opens_says_why_and_a_second_start_raises_it(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = desktop.env
    log = tmp_path / "focus-app.log"
    app = AppProcess(env, log=log)
    try:
        app.wait_ready()
        windows = wait_for("the main window", lambda: visible_main_windows(env))
        assert isinstance(windows, list) and len(windows) == 1
        assert "no system tray found" in log.read_text()
        time.sleep(0.5)
        desktop.screenshot(tmp_path / "no-tray.png")

        second = cli(env)
        assert second.returncode == 0, second.stderr
        assert "already running; showing its window" in second.stdout
        assert visible_main_windows(env) == windows
        assert app.proc.poll() is None

        # Without a tray, closing the window is quitting.
        run(env, "xdotool", "key", "--window", str(windows[0]), "ctrl+w")
        app.proc.wait(10)
        assert app.proc.returncode == 0
        assert cli(env, "status").returncode == 3
    finally:
        app.stop()


@pytest.mark.slow
@pytest.mark.parametrize("desktop", [{"with_tray": True}], indirect=True)
def test_the_real_app_greets_a_first_start_once_and_skipping_keeps_it_away(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = desktop.env
    guide_name = f"^Welcome to {WINDOW_NAME}$"

    def guides() -> list[int]:
        out = run(env, "xdotool", "search", "--onlyvisible", "--name", guide_name)
        return [int(line) for line in out.split()]

    app = AppProcess(env, log=tmp_path / "first.log", first_run=True)
    try:
        app.wait_ready()
        [guide] = wait_for("the welcome guide", guides)  # type: ignore[misc]
        assert visible_main_windows(env) == [], "the guide, not the window, greets"
        run(env, "xdotool", "key", "--window", str(guide), "Escape")  # Skip
        wait_for("the guide to close", lambda: not guides())
    finally:
        app.stop()
    again = AppProcess(env, log=tmp_path / "second.log", first_run=True)
    try:
        again.wait_ready()
        wait_for("the tray icon", lambda: tray_icon_window(env))
        time.sleep(1.0)
        assert guides() == [], "never shown again once skipped"
    finally:
        again.stop()
