"""xfce4-notifyd's do-not-disturb (xfconf ``/do-not-disturb``): real xfconfd and
xfce4-notifyd on a private bus under Xvfb (started by hand: the bus has no activation)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator

import pytest
from jeepney import new_method_call  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

from focus_app.desktop.dnd.controller import DndController
from focus_app.desktop.dnd.detect import detect
from focus_app.desktop.dnd.guardian import MemoryGuardian
from focus_app.desktop.dnd.xfce import XfceDnd
from focus_app.desktop.notifier import NOTIFICATIONS
from tests.desktop.dnd_support import (
    XFCE4_NOTIFYD,
    XFCONFD,
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
def xfce(desktop: DesktopSession) -> Iterator[DesktopSession]:
    """xfconfd, then xfce4-notifyd owning org.freedesktop.Notifications."""
    with daemon([XFCONFD], desktop.env):
        wait_until("xfconfd on the bus", lambda: desktop.name_has_owner("org.xfce.Xfconf"))
        with daemon([XFCE4_NOTIFYD], desktop.env):
            wait_until(
                "xfce4-notifyd on the bus",
                lambda: desktop.name_has_owner("org.freedesktop.Notifications"),
            )
            yield desktop


def xfconf_dnd(desktop: DesktopSession) -> str:
    done = subprocess.run(
        ["xfconf-query", "-c", "xfce4-notifyd", "-p", "/do-not-disturb"],
        env=desktop.env,
        capture_output=True,
        text=True,
        timeout=10,
    )
    return done.stdout.strip() if done.returncode == 0 else "unset"


def set_xfconf_dnd(desktop: DesktopSession, value: str) -> None:
    subprocess.run(
        [
            "xfconf-query",
            "-c",
            "xfce4-notifyd",
            "-p",
            "/do-not-disturb",
            "-n",
            "-t",
            "bool",
            "-s",
            value,
        ],
        env=desktop.env,
        check=True,
        timeout=10,
    )


def notifyd_windows(desktop: DesktopSession) -> list[str]:
    done = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--class", "xfce4-notifyd"],
        env=desktop.env,
        capture_output=True,
        text=True,
        timeout=10,
    )
    return done.stdout.split()


def test_detect_finds_xfce4_notifyd_by_its_server_name(xfce: DesktopSession) -> None:
    found = detect(xfce.bus_address)
    assert isinstance(found, XfceDnd)
    found.close()


def test_block_sets_do_not_disturb_hides_normal_shows_critical_and_end_clears_it(
    xfce: DesktopSession,
) -> None:
    driver = XfceDnd(xfce.bus_address)
    controller = DndController(driver, MemoryGuardian())
    assert not driver.is_on()  # never set reads as off
    controller.want(True)
    assert xfconf_dnd(xfce) == "true"
    subprocess.run(["notify-send", "held"], env=xfce.env, check=True, timeout=10)
    subprocess.run(
        ["notify-send", "-u", "critical", "urgent"], env=xfce.env, check=True, timeout=10
    )
    # Shown in order: once the critical's popup is up, the normal one had its chance.
    wait_until("the critical popup", lambda: len(notifyd_windows(xfce)) >= 1)
    assert len(notifyd_windows(xfce)) == 1
    assert driver.shows_critical is True

    controller.want(False)
    assert xfconf_dnd(xfce) == "false"
    driver.close()


def test_users_own_do_not_disturb_stays_on_after_the_block(xfce: DesktopSession) -> None:
    set_xfconf_dnd(xfce, "true")
    driver = XfceDnd(xfce.bus_address)
    controller = DndController(driver, MemoryGuardian())
    controller.want(True)
    controller.want(False)
    assert xfconf_dnd(xfce) == "true"
    driver.close()


def test_user_clearing_do_not_disturb_during_the_block_releases_it(xfce: DesktopSession) -> None:
    driver = XfceDnd(xfce.bus_address)
    controller = DndController(driver, MemoryGuardian())
    controller.want(True)
    set_xfconf_dnd(xfce, "false")
    wait_readable(controller.fileno())
    assert controller.dispatch_pending() is True and controller.user_released
    controller.want(False)
    assert xfconf_dnd(xfce) == "false"
    driver.close()


def test_kill_9_of_the_app_gives_do_not_disturb_back_within_5_seconds(
    xfce: DesktopSession,
) -> None:
    app, (status, engaged, guardian_pid) = start_child_app(
        "xfce4-notifyd", xfce.bus_address, child_env(xfce.env)
    )
    try:
        assert (status, engaged) == ("xfce4-notifyd", "True")
        assert xfconf_dnd(xfce) == "true"
        os.kill(app.pid, signal.SIGKILL)
        app.wait(timeout=5)
        took = wait_until("do-not-disturb off", lambda: xfconf_dnd(xfce) == "false", timeout=5)
        print(f"xfce do-not-disturb back {took:.2f} s after kill -9 of the app")
        wait_until("the guardian to exit", lambda: process_gone(int(guardian_pid)))
    finally:
        stop_process(app)
        app.communicate(timeout=5)


def test_a_notification_sent_right_after_do_not_disturb_goes_off_is_shown(
    xfce: DesktopSession,
) -> None:
    """The digest case: xfconfd replies to ``SetProperty`` before it announces the change,
    so ``set_on`` returns only once the announcement is out (xfce4-notifyd then has it
    queued ahead of whatever is sent next). Without that, a notification sent at once
    could land in xfce4-notifyd's log unseen: a race, which made the digest scenario of
    ``test_desktop_gate_servers_e2e`` miss about one run in ten, so it is run 20 times."""
    driver = XfceDnd(xfce.bus_address)
    with open_dbus_connection(xfce.bus_address) as sender:
        for round_ in range(20):
            driver.set_on(True)
            driver.set_on(False)
            notify = new_method_call(
                NOTIFICATIONS, "Notify", "susssasa{sv}i",
                ("Focus & Boundaries", 0, "", f"digest {round_}", "", [], {}, -1),
            )  # fmt: skip
            reply = sender.send_and_get_reply(notify, timeout=5)
            (server_id,) = reply.body
            wait_until(f"digest {round_} on screen", lambda: len(notifyd_windows(xfce)) == 1)
            sender.send_and_get_reply(
                new_method_call(NOTIFICATIONS, "CloseNotification", "u", (server_id,)), timeout=5
            )
            wait_until("the popup closed", lambda: not notifyd_windows(xfce))
    driver.close()
