"""Suspend/resume detection: the clock-jump check and logind's PrepareForSleep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jeepney import DBusAddress, new_method_call, new_signal  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.desktop.sleepwatch import LOGIND, ClockJumpDetector, LogindSleepSource, SleepWatch
from tests.e2e import conftest as e2e_fixtures
from tests.e2e.harness import DesktopSession

desktop = e2e_fixtures.desktop  # the e2e fixture, shared with this folder

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def test_normal_passing_time_is_not_a_jump(clock: FakeClock) -> None:
    detector = ClockJumpDetector(clock)
    clock.advance(timedelta(hours=3))
    assert detector.check() is False


def test_time_spent_suspended_is_a_jump_reported_once(clock: FakeClock) -> None:
    detector = ClockJumpDetector(clock)
    clock.advance(timedelta(minutes=1))
    clock.jump(timedelta(hours=2))
    assert detector.check() is True
    clock.advance(timedelta(minutes=1))
    assert detector.check() is False


def test_a_clock_set_backwards_is_a_jump(clock: FakeClock) -> None:
    detector = ClockJumpDetector(clock)
    clock.jump(timedelta(minutes=-10))
    assert detector.check() is True


@pytest.mark.parametrize(("seconds", "jumped"), [(4.9, False), (5.0, False), (5.1, True)])
def test_differences_up_to_the_threshold_are_noise(
    clock: FakeClock, seconds: float, jumped: bool
) -> None:
    detector = ClockJumpDetector(clock, threshold_s=5.0)
    clock.jump(timedelta(seconds=seconds))
    assert detector.check() is jumped


def test_the_threshold_is_configurable(clock: FakeClock) -> None:
    detector = ClockJumpDetector(clock, threshold_s=60)
    clock.jump(timedelta(seconds=30))
    assert detector.check() is False


def test_without_a_system_bus_the_watch_is_quietly_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, qtbot: QtBot
) -> None:
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no-system-bus")
    watch = SleepWatch()
    assert watch.available is False
    watch.close()


def test_on_this_machine_the_default_watch_never_raises(qtbot: QtBot) -> None:
    watch = SleepWatch()  # logind may or may not be there; either way no exception
    assert watch.available in (True, False)
    watch.close()


@pytest.mark.e2e
def test_a_bus_without_logind_is_unavailable(desktop: DesktopSession) -> None:
    source = LogindSleepSource(bus=desktop.bus_address)
    assert source.available is False
    assert source.fileno() is None and source.dispatch_pending() == []


@pytest.mark.e2e
def test_prepare_for_sleep_becomes_suspending_and_resumed(
    desktop: DesktopSession,
    qtbot: QtBot,
) -> None:
    bus = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
    with open_dbus_connection(desktop.bus_address) as fake_logind:
        fake_logind.send_and_get_reply(
            new_method_call(bus, "RequestName", "su", (LOGIND.bus_name, 0)), timeout=2
        )
        watch = SleepWatch(LogindSleepSource(bus=desktop.bus_address))
        assert watch.available

        with qtbot.waitSignal(watch.suspending, timeout=3000):
            fake_logind.send(new_signal(LOGIND, "PrepareForSleep", "b", (True,)))
        with qtbot.waitSignal(watch.resumed, timeout=3000):
            fake_logind.send(new_signal(LOGIND, "PrepareForSleep", "b", (False,)))
        watch.close()
