"""dunst's do-not-disturb (its ``paused`` property) driven for real, under Xvfb."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from focus_app.desktop.dnd.controller import DndController
from focus_app.desktop.dnd.detect import detect
from focus_app.desktop.dnd.dunst import DunstDnd
from focus_app.desktop.dnd.guardian import GuardianProcess, MemoryGuardian
from tests.desktop.dnd_support import (
    child_env,
    process_gone,
    start_child_app,
    stop_process,
    wait_readable,
    wait_until,
)
from tests.e2e import conftest as e2e_fixtures
from tests.e2e.harness import DesktopSession

desktop = e2e_fixtures.desktop

pytestmark = pytest.mark.e2e


@pytest.fixture
def driver(desktop: DesktopSession) -> Iterator[DunstDnd]:
    d = DunstDnd(desktop.bus_address)
    yield d
    d.close()


def paused(desktop: DesktopSession) -> bool:
    return desktop.dunstctl("is-paused").strip() == "true"


def ignores_sigint(pid: int) -> bool:
    """Whether ``pid`` has set SIGINT to ignored (it has finished starting up)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("SigIgn:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


def notify_send(desktop: DesktopSession, *args: str) -> None:
    subprocess.run(["notify-send", *args], env=desktop.env, check=True, timeout=10)


def test_detect_finds_dunst_by_its_server_name(desktop: DesktopSession) -> None:
    found = detect(desktop.bus_address)
    try:
        assert isinstance(found, DunstDnd)
        assert found.shows_critical is False
    finally:
        found.close()  # type: ignore[union-attr]


def test_block_pauses_dunst_holds_notifications_out_of_sight_and_end_unpauses(
    desktop: DesktopSession, driver: DunstDnd
) -> None:
    controller = DndController(driver, MemoryGuardian())
    controller.want(True)
    assert paused(desktop)
    notify_send(desktop, "held while focusing")
    wait_until("the notification to wait in dunst", lambda: driver.counts()[1] == 1)
    assert driver.counts() == (0, 1)  # displayed 0, waiting 1

    controller.want(False)
    assert not paused(desktop)


def test_critical_waits_too_while_paused_which_is_why_dunst_needs_a_lift(
    desktop: DesktopSession, driver: DunstDnd
) -> None:
    controller = DndController(driver, MemoryGuardian())
    controller.want(True)
    notify_send(desktop, "-u", "critical", "breakthrough")
    wait_until("the critical to wait", lambda: driver.counts()[1] == 1)
    assert driver.counts() == (0, 1)

    assert controller.lift_for_breakthrough()
    wait_until("the critical to show", lambda: driver.counts() == (1, 0))
    controller.restore_after_breakthrough()
    assert paused(desktop) and controller.engaged and not controller.user_released


def test_users_own_pause_before_the_block_stays_after_it(
    desktop: DesktopSession, driver: DunstDnd
) -> None:
    desktop.dunstctl("set-paused", "true")
    guardian = MemoryGuardian()
    controller = DndController(driver, guardian)
    controller.want(True)
    controller.want(False)
    assert paused(desktop)
    assert guardian.messages == []


def test_user_unpausing_during_the_block_releases_it_and_is_not_fought(
    desktop: DesktopSession, driver: DunstDnd
) -> None:
    controller = DndController(driver, MemoryGuardian())
    controller.want(True)
    assert controller.fileno() is not None
    desktop.dunstctl("set-paused", "false")
    wait_readable(controller.fileno())
    assert controller.dispatch_pending() is True
    assert controller.user_released
    time.sleep(0.3)  # nothing switches it back on behind the user's back
    assert not paused(desktop)
    controller.want(False)
    assert not paused(desktop)


def test_kill_9_of_the_app_gives_the_pause_back_within_5_seconds(
    desktop: DesktopSession,
) -> None:
    app, (status, engaged, guardian_pid) = start_child_app(
        "dunst", desktop.bus_address, child_env(desktop.env)
    )
    try:
        assert (status, engaged) == ("dunst", "True")
        assert paused(desktop)
        os.kill(app.pid, signal.SIGKILL)
        app.wait(timeout=5)
        took = wait_until("dunst to be unpaused", lambda: not paused(desktop), timeout=5)
        print(f"dunst unpaused {took:.2f} s after kill -9 of the app")
        wait_until("the guardian to exit", lambda: process_gone(int(guardian_pid)), timeout=5)
    finally:
        stop_process(app)
        app.communicate(timeout=5)


def test_clean_quit_unpauses_and_the_guardian_does_not_linger(desktop: DesktopSession) -> None:
    app, (_status, _engaged, guardian_pid) = start_child_app(
        "dunst", desktop.bus_address, child_env(desktop.env), then="quit"
    )
    try:
        out, _err = app.communicate(timeout=10)
        assert out.strip() == "closed" and app.returncode == 0
        assert not paused(desktop)
        assert process_gone(int(guardian_pid))  # close() waited for it
    finally:
        stop_process(app)


def test_guardian_ignores_ctrl_c_to_the_apps_process_group_and_restores_on_sigterm(
    desktop: DesktopSession, driver: DunstDnd
) -> None:
    guardian = GuardianProcess()
    controller = DndController(driver, guardian)
    controller.want(True)
    assert guardian.pid is not None
    assert os.getpgid(guardian.pid) != os.getpgid(0)  # its own session
    wait_until("the guardian to ignore SIGINT", lambda: ignores_sigint(guardian.pid))
    os.kill(guardian.pid, signal.SIGINT)
    time.sleep(0.3)
    assert not process_gone(guardian.pid) and paused(desktop)
    os.kill(guardian.pid, signal.SIGTERM)
    wait_until("dunst to be unpaused by the guardian", lambda: not paused(desktop))
    guardian.close()
