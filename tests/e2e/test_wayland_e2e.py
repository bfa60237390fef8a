"""The real ``focus-app`` on Wayland: headless sway, its tray in swaybar, swaync or mako.

swaybar hosts StatusNotifierItems; a click on the icon is swaybar calling the item's
``Activate`` / ``ContextMenu`` over D-Bus, which is what these tests do (headless sway
has no pointer to click with).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jeepney import DBusAddress

from tests.e2e.app_process import AppProcess, cli, cli_json
from tests.e2e.wayland import WaylandSession, wait_for, wayland_missing_programs

pytestmark = pytest.mark.e2e

APP_ID = "io.github.focus_boundaries.FocusApp"


@pytest.fixture(params=["swaync", "mako"])
def wayland(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WaylandSession]:
    missing = wayland_missing_programs(request.param)
    if missing:
        pytest.fail(f"Wayland e2e tests need {', '.join(missing)} on PATH", pytrace=False)
    failures_before = request.session.testsfailed
    with WaylandSession(server=request.param) as session:
        yield session
        if request.session.testsfailed > failures_before:
            try:
                print(f"screenshot: {session.screenshot(tmp_path / 'failure.png')}")
            except Exception as exc:  # a missing screenshot must not hide the real failure
                print(f"could not take a screenshot: {exc}")


@pytest.fixture
def app(wayland: WaylandSession, tmp_path: Path) -> Iterator[AppProcess]:
    started = AppProcess(wayland.env, log=tmp_path / "focus-app.log")
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


def our_tray_item(wayland: WaylandSession, app: AppProcess) -> str | None:
    """The registered StatusNotifierItem whose bus connection belongs to the app."""
    for item in wayland.registered_tray_items():
        service = item.split("/", 1)[0]
        if wayland.name_owner_pid(service) == app.proc.pid:
            return item
    return None


def app_windows(wayland: WaylandSession, app: AppProcess) -> list[dict[str, Any]]:
    """sway's views of the app (by process id), from ``swaymsg -t get_tree``."""

    def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield node
        for child in node.get("nodes", []) + node.get("floating_nodes", []):
            yield from walk(child)

    tree = json.loads(wayland.swaymsg("-t", "get_tree"))
    return [node for node in walk(tree) if node.get("pid") == app.proc.pid]


def click_icon(wayland: WaylandSession, item: str, method: str) -> None:
    """What swaybar does on a click: button 1 is ``Activate``, button 3 ``ContextMenu``."""
    service, path = item.split("/", 1)
    wayland.call(
        DBusAddress(f"/{path}", service, "org.kde.StatusNotifierItem"), method, "ii", (1270, 10)
    )


def test_app_answers_status_and_its_icon_is_in_swaybar(
    wayland: WaylandSession, app: AppProcess
) -> None:
    assert cli_json(wayland.env, "status")["mode"] in ("available", "focus", "off", "paused")
    wait_for("the app's StatusNotifierItem in swaybar", lambda: our_tray_item(wayland, app))
    assert app_windows(wayland, app) == [], "with a tray the window stays closed at start"
    assert "no system tray found" not in app.log.read_text()


def test_send_reaches_the_server_and_focus_holds_the_next_one(
    wayland: WaylandSession, app: AppProcess
) -> None:
    assert wayland.server_notifications() == []
    sent = cli_json(wayland.env, "send", "Build finished", "--body", "all green")
    assert sent["decision"] == "delivered"
    shown = wait_for("the notification at the server", wayland.server_notifications)
    assert len(shown) == 1
    if wayland.server == "mako":
        assert shown[0]["summary"] == "Build finished"
        assert shown[0]["app-name"] == "Focus & Boundaries"

    assert cli(wayland.env, "focus", "25m").returncode == 0
    held = cli_json(wayland.env, "send", "Lunch?", "--sender", "Bob")
    assert held["decision"] == "held"
    assert cli_json(wayland.env, "status")["held"] == 1
    assert len(wayland.server_notifications()) == 1, "a held notification never reaches it"


def test_window_opens_on_a_second_start_and_on_a_click_in_swaybar(
    wayland: WaylandSession, app: AppProcess
) -> None:
    item = wait_for("the app's tray item", lambda: our_tray_item(wayland, app))
    second = cli(wayland.env)
    assert second.returncode == 0, second.stderr
    windows = wait_for("the main window in sway's tree", lambda: app_windows(wayland, app))
    assert windows[0]["app_id"] == APP_ID
    assert windows[0]["name"] == "Focus & Boundaries"
    assert windows[0]["rect"]["width"] > 200

    wayland.swaymsg(f"[pid={app.proc.pid}] kill")  # the compositor closes it: to the tray
    wait_for("the window to close", lambda: not app_windows(wayland, app))
    assert app.proc.poll() is None, "closing the window keeps the tray app running"

    click_icon(wayland, item, "Activate")
    wait_for("the window after a left click in swaybar", lambda: app_windows(wayland, app))


def test_right_click_in_swaybar_reaches_the_quick_actions(
    wayland: WaylandSession, app: AppProcess
) -> None:
    # swaybar 1.7 has no D-Bus menus: on Wayland the window with the Today page opens.
    item = wait_for("the app's tray item", lambda: our_tray_item(wayland, app))
    click_icon(wayland, item, "ContextMenu")
    wait_for("the window after a right click in swaybar", lambda: app_windows(wayland, app))
    assert "Failed to create" not in app.log.read_text()
