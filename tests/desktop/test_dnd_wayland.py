"""The swaync and mako do-not-disturb drivers against the real servers under headless sway."""

from __future__ import annotations

import os
import select
import signal
import subprocess
from collections.abc import Iterator

import pytest

from focus_app.desktop.dnd import mako, swaync
from focus_app.desktop.dnd.base import DndError
from focus_app.desktop.dnd.detect import server_information
from tests.desktop.dnd_support import (
    child_env,
    process_gone,
    start_child_app,
    stop_process,
    wait_until,
)
from tests.e2e.wayland import MAKO, WaylandSession, wayland_missing_programs

pytestmark = pytest.mark.e2e

DND = "[mode=do-not-disturb]\ninvisible=1\n"
CRITICAL = "[mode=do-not-disturb urgency=critical]\ninvisible=0\n"


def session(server: str | None, **options: str) -> Iterator[WaylandSession]:
    missing = wayland_missing_programs(server)
    if missing:
        pytest.fail(f"these tests need {', '.join(missing)} on PATH", pytrace=False)
    with WaylandSession(server=server, **options) as started:
        yield started


@pytest.fixture
def swaync_session() -> Iterator[WaylandSession]:
    yield from session("swaync")


@pytest.fixture
def mako_session() -> Iterator[WaylandSession]:
    yield from session("mako")


def tool(s: WaylandSession, *argv: str) -> str:
    done = subprocess.run(argv, env=s.env, capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def server_name(s: WaylandSession) -> str:
    return server_information(s.bus_address).name


# ------------------------------------------------------------------ swaync


def test_swaync_names_itself_as_the_driver_expects(swaync_session: WaylandSession) -> None:
    assert server_name(swaync_session) == swaync.SERVER_NAME


def test_swaync_dnd_round_trips_and_swaync_client_sees_it(swaync_session: WaylandSession) -> None:
    driver = swaync.open_driver(swaync_session.bus_address)
    try:
        assert driver.is_on() is False
        driver.set_on(True)
        assert driver.is_on() is True
        assert tool(swaync_session, "swaync-client", "--get-dnd") == "true"
        driver.set_on(False)
        assert driver.is_on() is False
        assert tool(swaync_session, "swaync-client", "--get-dnd") == "false"
    finally:
        driver.close()
    assert driver.shows_critical is True


def test_swaync_reports_a_dnd_flip_the_user_made_in_swaync(swaync_session: WaylandSession) -> None:
    driver = swaync.open_driver(swaync_session.bus_address)
    try:
        assert driver.dispatch_pending() is False
        tool(swaync_session, "swaync-client", "--dnd-on")
        fd = driver.fileno()
        assert fd is not None
        assert select.select([fd], [], [], 5)[0], "no Subscribe signal within 5 s"
        assert driver.dispatch_pending() is True
        assert driver.is_on() is True
    finally:
        driver.close()


def test_swaync_guardian_spec_rebuilds_a_driver_that_gives_dnd_back(
    swaync_session: WaylandSession,
) -> None:
    driver = swaync.open_driver(swaync_session.bus_address)
    driver.set_on(True)
    spec = driver.guardian_spec()
    driver.close()
    assert spec == {"driver": "swaync", "bus": swaync_session.bus_address}
    guardian = swaync.driver_from_spec(spec)
    guardian.set_on(False)
    guardian.close()
    assert tool(swaync_session, "swaync-client", "--get-dnd") == "false"


def test_swaync_missing_is_one_clear_line() -> None:
    for s in session(None):
        with pytest.raises(DndError, match=r"^swaync is not running on the session bus; "):
            swaync.open_driver(s.bus_address)


# -------------------------------------------------------------------- mako


def test_mako_names_itself_mako(mako_session: WaylandSession) -> None:
    assert server_name(mako_session) == mako.SERVER_NAME


def test_mako_dnd_mode_round_trips_and_makoctl_sees_it(mako_session: WaylandSession) -> None:
    driver = mako.open_driver(mako_session.bus_address)
    try:
        assert driver.is_on() is False
        driver.set_on(True)
        assert driver.is_on() is True
        assert "do-not-disturb" in tool(mako_session, "makoctl", "mode").split("\n")
        driver.set_on(False)
        assert driver.is_on() is False
        assert tool(mako_session, "makoctl", "mode") == "default"
    finally:
        driver.close()
    assert driver.shows_critical is False, "the plain recipe hides criticals too"


def test_mako_dnd_keeps_the_users_other_modes(mako_session: WaylandSession) -> None:
    mako_session.call(MAKO, "SetModes", "as", (["default", "work"],))
    driver = mako.open_driver(mako_session.bus_address)
    driver.set_on(True)
    assert driver.modes() == ["default", "work", "do-not-disturb"]
    driver.set_on(False)
    assert driver.modes() == ["default", "work"]
    driver.close()


def test_mako_without_a_dnd_mode_in_its_config_is_unsupported_with_one_clear_line() -> None:
    for s in session("mako", mako_config="default-timeout=5000\n[urgency=low]\nborder-size=1\n"):
        with pytest.raises(DndError) as caught:
            mako.open_driver(s.bus_address)
        message = str(caught.value)
        assert "\n" not in message
        assert "add a [mode=do-not-disturb] section with invisible=1" in message
        assert str(s.root / "config" / "mako" / "config") in message


def test_mako_config_letting_criticals_through_makes_the_driver_say_so() -> None:
    config = DND + "\n" + CRITICAL
    for s in session("mako", mako_config=config):
        driver = mako.open_driver(s.bus_address)
        assert driver.shows_critical is True
        driver.close()


def test_kill_9_of_the_app_takes_makos_dnd_mode_off_within_5_seconds(
    mako_session: WaylandSession,
) -> None:
    # mako keeps its modes when the app dies: only the guardian process can give it back.
    mako_session.call(MAKO, "SetModes", "as", (["default", "work"],))
    app, (status, engaged, guardian_pid) = start_child_app(
        "mako", mako_session.bus_address, child_env(mako_session.env)
    )
    try:
        assert (status, engaged) == ("mako", "True")
        assert "do-not-disturb" in tool(mako_session, "makoctl", "mode").split("\n")
        os.kill(app.pid, signal.SIGKILL)
        app.wait(timeout=5)
        took = wait_until(
            "mako's do-not-disturb mode to be gone",
            lambda: "do-not-disturb" not in tool(mako_session, "makoctl", "mode").split("\n"),
            timeout=5,
        )
        print(f"mako's do-not-disturb mode gone {took:.2f} s after kill -9 of the app")
        assert tool(mako_session, "makoctl", "mode").split("\n") == ["default", "work"]
        wait_until("the guardian to exit", lambda: process_gone(int(guardian_pid)), timeout=5)
    finally:
        stop_process(app)
        app.communicate(timeout=5)


@pytest.mark.parametrize(
    ("config", "hides", "shows_critical"),
    [
        ("", False, False),
        ("[mode=do-not-disturb]\ninvisible=1\n", True, False),
        ('# quiet\n[mode="do-not-disturb"]\ninvisible=true\n', True, False),
        ("[mode=do-not-disturb]\ninvisible=0\n", False, False),
        ("[mode=do-not-disturb app-name=x]\ninvisible=1\n", False, False),
        ("[mode=away]\ninvisible=1\n", False, False),
        (
            DND + CRITICAL,
            True,
            True,
        ),
        (
            CRITICAL + DND,
            True,
            False,
        ),
    ],
)
def test_mako_config_reading_follows_section_order(
    config: str, hides: bool, shows_critical: bool
) -> None:
    assert mako.parse_dnd_support(config) == mako.DndModeSupport(hides, shows_critical)
