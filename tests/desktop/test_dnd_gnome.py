"""GNOME's do-not-disturb (``show-banners``) through the real ``gsettings`` and a real
``dconf-service`` on a private bus. GNOME Shell itself cannot run here: a jeepney
stand-in (``StandInServer``) answers ``GetServerInformation`` as "gnome-shell", which is
all detection asks of it."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator

import pytest

from focus_app.desktop.dnd.controller import DndController
from focus_app.desktop.dnd.detect import detect
from focus_app.desktop.dnd.gnome import GnomeDnd
from focus_app.desktop.dnd.guardian import MemoryGuardian
from tests.desktop.dnd_support import (
    DCONF_SERVICE,
    StandInServer,
    child_env,
    daemon,
    process_gone,
    start_child_app,
    stop_process,
    wait_readable,
    wait_until,
)
from tests.e2e import conftest as e2e_fixtures
from tests.e2e.harness import DesktopSession

desktop = e2e_fixtures.desktop

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("desktop", [{"with_dunst": False}], indirect=True),
]


@pytest.fixture
def gnome(desktop: DesktopSession, monkeypatch: pytest.MonkeyPatch) -> Iterator[DesktopSession]:
    """dconf-service and the "gnome-shell" stand-in on the private bus.

    This process's environment gets the session's dconf places too, so the drivers made
    here (which run ``gsettings`` with the process's environment) see the same database.
    """
    desktop.env["GSETTINGS_BACKEND"] = "dconf"
    for name in (
        "GSETTINGS_BACKEND",
        "XDG_CONFIG_HOME",
        "XDG_RUNTIME_DIR",
        "DBUS_SESSION_BUS_ADDRESS",
    ):
        monkeypatch.setenv(name, desktop.env[name])
    with daemon([DCONF_SERVICE], desktop.env):
        wait_until("dconf-service on the bus", lambda: desktop.name_has_owner("ca.desrt.dconf"))
        server = StandInServer(desktop.bus_address, "gnome-shell")
        try:
            yield desktop
        finally:
            server.stop()


def gsettings(desktop: DesktopSession, *args: str) -> str:
    done = subprocess.run(
        ["gsettings", *args],
        env=desktop.env,
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return done.stdout.strip()


def banners(desktop: DesktopSession) -> str:
    return gsettings(desktop, "get", "org.gnome.desktop.notifications", "show-banners")


def test_detect_finds_gnome_shell_by_its_server_name(gnome: DesktopSession) -> None:
    found = detect(gnome.bus_address)
    assert isinstance(found, GnomeDnd) and found.shows_critical
    found.close()


def test_block_switches_banners_off_and_its_end_back_on(gnome: DesktopSession) -> None:
    driver = GnomeDnd(gnome.bus_address)
    controller = DndController(driver, MemoryGuardian())
    assert banners(gnome) == "true"
    controller.want(True)
    assert banners(gnome) == "false" and driver.is_on()
    controller.want(False)
    assert banners(gnome) == "true"
    driver.close()


def test_users_own_banners_off_stays_off_after_the_block(gnome: DesktopSession) -> None:
    gsettings(gnome, "set", "org.gnome.desktop.notifications", "show-banners", "false")
    driver = GnomeDnd(gnome.bus_address)
    controller = DndController(driver, MemoryGuardian())
    controller.want(True)
    controller.want(False)
    assert banners(gnome) == "false"
    driver.close()


def test_user_switching_banners_on_during_the_block_releases_it(gnome: DesktopSession) -> None:
    driver = GnomeDnd(gnome.bus_address)
    controller = DndController(driver, MemoryGuardian())
    fd = controller.fileno()  # subscribed to dconf's Notify before the block
    controller.want(True)
    assert controller.dispatch_pending() is False  # our own write is not the user's
    gsettings(gnome, "set", "org.gnome.desktop.notifications", "show-banners", "true")
    wait_readable(fd)
    wait_until("the user's change to be seen", controller.dispatch_pending)
    assert controller.user_released
    driver.close()


def test_kill_9_of_the_app_switches_banners_back_on_within_5_seconds(
    gnome: DesktopSession,
) -> None:
    app, (status, engaged, guardian_pid) = start_child_app(
        "gnome-shell", gnome.bus_address, child_env(gnome.env)
    )
    try:
        assert (status, engaged) == ("gnome-shell", "True")
        assert banners(gnome) == "false"
        os.kill(app.pid, signal.SIGKILL)
        app.wait(timeout=5)
        took = wait_until("banners back on", lambda: banners(gnome) == "true", timeout=5)
        print(f"GNOME banners back {took:.2f} s after kill -9 of the app")
        wait_until("the guardian to exit", lambda: process_gone(int(guardian_pid)))
    finally:
        stop_process(app)
        app.communicate(timeout=5)
