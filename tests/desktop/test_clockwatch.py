"""The clock and time-zone watch: a real timerfd, a real clock set, real inotify.

``TFD_TIMER_CANCEL_ON_SET`` fires only on a real change of ``CLOCK_REALTIME``, which no
namespace isolates (time namespaces cover only the monotonic and boot clocks). The tests
set the wall clock to itself plus 10 microseconds (``nudge_wall_clock``): the kernel
treats any ``clock_settime`` that changes the wall-to-monotonic offset as a set, and 10
us forward disturbs nothing on the machine (never backwards, so no process sees time
run back). That needs ``CAP_SYS_TIME`` (root here); elsewhere those tests are skipped.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock, SystemClock
from focus_app.desktop.clockwatch import ClockSetTimer, ClockWatch

_CLOCK_REALTIME = 0
ZONEINFO = Path("/usr/share/zoneinfo")


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def nudge_wall_clock() -> None:
    """Set the wall clock 10 us ahead of itself: a real set, harmless; skip if not allowed."""
    libc = ctypes.CDLL(None, use_errno=True)
    now = _Timespec()
    assert libc.clock_gettime(_CLOCK_REALTIME, ctypes.byref(now)) == 0
    now.tv_nsec += 10_000
    if now.tv_nsec >= 1_000_000_000:
        now.tv_sec, now.tv_nsec = now.tv_sec + 1, now.tv_nsec - 1_000_000_000
    if libc.clock_settime(_CLOCK_REALTIME, ctypes.byref(now)) != 0:
        err = ctypes.get_errno()
        if err == errno.EPERM:
            pytest.skip("setting the wall clock needs CAP_SYS_TIME (run as root)")
        raise OSError(err, os.strerror(err))


def readable(fd: int, timeout_s: float) -> bool:
    return bool(select.select([fd], [], [], timeout_s)[0])


linux_only = pytest.mark.skipif(sys.platform != "linux", reason="timerfd is Linux only")


@linux_only
def test_timer_is_quiet_while_the_clock_is_left_alone() -> None:
    timer = ClockSetTimer()
    fd = timer.fileno()
    assert fd is not None
    assert not readable(fd, 0.3)
    assert timer.clock_was_set() is False
    timer.close()
    assert timer.fileno() is None


@linux_only
def test_a_clock_set_makes_the_timer_readable_once_and_it_rearms_for_the_next() -> None:
    timer = ClockSetTimer()
    fd = timer.fileno()
    assert fd is not None
    try:
        for _ in range(2):  # the second set is seen too: re-armed after the first
            nudge_wall_clock()
            assert readable(fd, 2.0)
            assert timer.clock_was_set() is True
            assert not readable(fd, 0.0), "quiet again after reading the change"
            assert timer.clock_was_set() is False
    finally:
        timer.close()


@linux_only
def test_clock_watch_emits_clock_changed_on_a_real_clock_set(qtbot: QtBot) -> None:
    watch = ClockWatch(SystemClock(), zone_files=())
    assert watch.uses_timerfd
    try:
        with qtbot.waitSignal(watch.clock_changed, timeout=2000):
            nudge_wall_clock()
        with qtbot.waitSignal(watch.clock_changed, timeout=2000):
            nudge_wall_clock()
    finally:
        watch.close()


@linux_only
def test_a_closed_clock_watch_stays_silent(qtbot: QtBot) -> None:
    watch = ClockWatch(SystemClock(), zone_files=())
    watch.close()
    with qtbot.assertNotEmitted(watch.clock_changed, wait=300):
        nudge_wall_clock()


def test_without_timerfd_a_backstop_notices_a_clock_jump(qtbot: QtBot) -> None:
    clock = FakeClock(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    watch = ClockWatch(clock, zone_files=(), use_timerfd=False, backstop_ms=20)
    assert not watch.uses_timerfd
    try:
        with qtbot.assertNotEmitted(watch.clock_changed, wait=100):
            clock.advance(timedelta(seconds=1))  # both clocks move: not a jump
        with qtbot.waitSignal(watch.clock_changed, timeout=2000):
            clock.jump(timedelta(hours=2))  # a suspend: only the wall clock moved
    finally:
        watch.close()


@pytest.fixture
def zone_dir(tmp_path: Path) -> Path:
    if not (ZONEINFO / "Europe" / "Berlin").exists():
        pytest.skip("no system zoneinfo")
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "localtime").symlink_to(ZONEINFO / "Europe" / "Berlin")
    (folder / "timezone").write_text("Europe/Berlin\n")
    return folder


def replace_link(link: Path, target: Path) -> None:
    """What ``timedatectl set-timezone`` does: a new link renamed over the old one."""
    new = link.with_name(link.name + ".new")
    new.symlink_to(target)
    os.replace(new, link)


def test_timezone_changed_fires_when_the_localtime_link_is_replaced(
    qtbot: QtBot, zone_dir: Path
) -> None:
    files = (zone_dir / "localtime", zone_dir / "timezone")
    watch = ClockWatch(SystemClock(), zone_files=files)
    try:
        with qtbot.waitSignal(watch.timezone_changed, timeout=3000):
            replace_link(files[0], ZONEINFO / "Asia" / "Tokyo")
        with qtbot.waitSignal(watch.timezone_changed, timeout=3000):  # still watched
            replace_link(files[0], ZONEINFO / "America" / "New_York")
    finally:
        watch.close()


def test_timezone_changed_fires_when_the_timezone_file_is_rewritten(
    qtbot: QtBot, zone_dir: Path
) -> None:
    files = (zone_dir / "localtime", zone_dir / "timezone")
    watch = ClockWatch(SystemClock(), zone_files=files)
    try:
        with qtbot.waitSignal(watch.timezone_changed, timeout=3000):
            files[1].write_text("Asia/Tokyo\n")
    finally:
        watch.close()


def test_other_files_in_the_folder_and_an_identical_relink_are_not_a_zone_change(
    qtbot: QtBot, zone_dir: Path
) -> None:
    files = (zone_dir / "localtime", zone_dir / "timezone")
    watch = ClockWatch(SystemClock(), zone_files=files)
    try:
        with qtbot.assertNotEmitted(watch.timezone_changed, wait=500):
            (zone_dir / "hostname").write_text("elsewhere\n")
            replace_link(files[0], ZONEINFO / "Europe" / "Berlin")  # same zone again
        # ... and the watch still works after those events.
        with qtbot.waitSignal(watch.timezone_changed, timeout=3000):
            replace_link(files[0], ZONEINFO / "Asia" / "Tokyo")
    finally:
        watch.close()


def test_zone_files_that_do_not_exist_yet_are_noticed_when_created(
    qtbot: QtBot, tmp_path: Path
) -> None:
    if not (ZONEINFO / "Asia" / "Tokyo").exists():
        pytest.skip("no system zoneinfo")
    link = tmp_path / "localtime"
    watch = ClockWatch(SystemClock(), zone_files=(link,))
    try:
        with qtbot.waitSignal(watch.timezone_changed, timeout=3000):
            link.symlink_to(ZONEINFO / "Asia" / "Tokyo")
    finally:
        watch.close()
