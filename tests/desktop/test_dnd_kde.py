"""KDE Plasma's ``Inhibit``/``UnInhibit``. Plasma cannot run here: a jeepney stand-in
(``StandInServer(inhibit=True)``) implements that interface on a private bus, including
Plasma's rule that a client's inhibitions end when it leaves the bus."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from focus_app.desktop.dnd.controller import DndController
from focus_app.desktop.dnd.detect import detect
from focus_app.desktop.dnd.guardian import MemoryGuardian
from focus_app.desktop.dnd.kde import KdeDnd
from tests.desktop.dnd_support import (
    StandInServer,
    child_env,
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
def plasma(desktop: DesktopSession) -> Iterator[StandInServer]:
    server = StandInServer(desktop.bus_address, "Plasma", inhibit=True)
    yield server
    server.stop()


def test_detect_finds_plasma_by_its_server_name(
    desktop: DesktopSession, plasma: StandInServer
) -> None:
    found = detect(desktop.bus_address)
    assert isinstance(found, KdeDnd) and found.guardian_spec() is None
    found.close()


def test_block_inhibits_and_its_end_uninhibits(
    desktop: DesktopSession, plasma: StandInServer
) -> None:
    driver = KdeDnd(desktop.bus_address)
    guardian = MemoryGuardian()
    controller = DndController(driver, guardian)
    controller.want(True)
    assert plasma.inhibited and driver.is_on() and driver.cookie in plasma.inhibitions
    assert guardian.messages == []  # the server gives it back by itself
    controller.want(False)
    assert not plasma.inhibited and not driver.is_on()
    driver.close()


def test_user_ending_the_inhibition_during_the_block_releases_it(
    desktop: DesktopSession, plasma: StandInServer
) -> None:
    driver = KdeDnd(desktop.bus_address)
    controller = DndController(driver, MemoryGuardian())
    controller.want(True)
    plasma.user_clears_inhibitions()
    wait_readable(controller.fileno())
    wait_until("the change to be seen", controller.dispatch_pending)
    assert controller.user_released and not plasma.inhibited
    driver.close()


def test_kill_9_of_the_app_ends_its_inhibition_at_the_server_within_5_seconds(
    desktop: DesktopSession, plasma: StandInServer
) -> None:
    app, (status, engaged, guardian_pid) = start_child_app(
        "kde-plasma", desktop.bus_address, child_env(desktop.env)
    )
    try:
        assert (status, engaged, guardian_pid) == ("kde-plasma", "True", "None")
        assert plasma.inhibited
        os.kill(app.pid, signal.SIGKILL)
        app.wait(timeout=5)
        took = wait_until("the inhibition to end", lambda: not plasma.inhibited, timeout=5)
        print(f"Plasma stand-in saw the app's name vanish {took:.2f} s after kill -9")
    finally:
        stop_process(app)
        app.communicate(timeout=5)
