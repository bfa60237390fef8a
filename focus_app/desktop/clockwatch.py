"""Noticing wall-clock and time-zone changes without waking up while nothing changes.

Blocks are wall-clock times (DESIGN.md), so the engine must reconcile when the wall clock
is set, jumps after a resume, or the system time zone changes. Polling for that (a timer
comparing clocks once a minute) would wake an idle tray app forever; the kernel can tell
us instead:

* **Clock set or jumped**: a Linux ``timerfd`` on ``CLOCK_REALTIME`` armed with
  ``TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET`` at an instant far in the future. It never
  expires, but every discontinuous change of the wall clock (``clock_settime``, a stepping
  NTP client, the jump over a suspend on resume) makes a read fail with ``ECANCELED``;
  a ``QSocketNotifier`` watches it, so there are no wake-ups at all in between. Python
  3.11 has no ``os.timerfd_create`` (3.13 has), hence ``ctypes`` on libc.
  Where there is no timerfd (not Linux), a slow backstop timer compares the wall clock
  with the monotonic clock instead (``ClockJumpDetector``): one wake-up per
  ``FALLBACK_BACKSTOP_MS``.
* **Time zone changed**: ``/etc/localtime`` (and Debian's ``/etc/timezone``) watched with
  a ``QFileSystemWatcher`` (inotify). Tools replace the link rather than write through it,
  which a watch on the file alone misses, so the folders are watched too; any event in
  them compares what the files say now with what they said before, and only a difference
  is reported. ``TZ`` cannot change under a running process, so it needs no watching.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QSocketNotifier, QTimer, Signal

from focus_app.core.ports import Clock
from focus_app.desktop.sleepwatch import ClockJumpDetector

log = logging.getLogger(__name__)

ZONE_FILES = (Path("/etc/localtime"), Path("/etc/timezone"))
"""Where the system time zone is configured on Linux."""

FALLBACK_BACKSTOP_MS = 60_000
"""How often the clocks are compared where there is no timerfd."""

_CLOCK_REALTIME = 0
_TFD_TIMER_ABSTIME = 1
_TFD_TIMER_CANCEL_ON_SET = 2
_FAR_AHEAD_S = 100 * 365 * 86_400  # armed, never expected to expire


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


class ClockSetTimer:
    """A timerfd that becomes readable when the wall clock is set; no Qt here.

    Raises:
        OSError: There is no timerfd with ``TFD_TIMER_CANCEL_ON_SET`` here (not Linux,
            or a kernel older than 3.0); callers fall back to polling.
    """

    def __init__(self) -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            self._create = libc.timerfd_create
            self._settime = libc.timerfd_settime
        except (AttributeError, OSError) as exc:
            raise OSError(errno.ENOSYS, f"no timerfd on this system: {exc}") from None
        self._create.argtypes = [ctypes.c_int, ctypes.c_int]
        self._create.restype = ctypes.c_int
        self._settime.argtypes = [
            ctypes.c_int, ctypes.c_int, ctypes.POINTER(_Itimerspec), ctypes.c_void_p
        ]
        self._settime.restype = ctypes.c_int
        fd = self._create(_CLOCK_REALTIME, os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            err = ctypes.get_errno()
            raise OSError(err, f"timerfd_create failed: {os.strerror(err)}")
        self._fd: int | None = fd
        try:
            self.arm()
        except OSError:
            self.close()
            raise

    def fileno(self) -> int | None:
        """The descriptor to watch for reading; ``None`` once closed."""
        return self._fd

    def arm(self) -> None:
        """(Re-)arm far in the future, cancelled by the next change of the wall clock.

        Arming records the current relation of wall and monotonic clock; the kernel
        compares against it, so re-arming after each change makes the next one count.
        """
        if self._fd is None:
            return
        limit = 2 ** (8 * ctypes.sizeof(ctypes.c_long) - 1) - 1
        far = min(int(time.time()) + _FAR_AHEAD_S, limit)
        when = _Itimerspec(_Timespec(0, 0), _Timespec(far, 0))
        flags = _TFD_TIMER_ABSTIME | _TFD_TIMER_CANCEL_ON_SET
        if self._settime(self._fd, flags, ctypes.byref(when), None) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"timerfd_settime failed: {os.strerror(err)}")

    def clock_was_set(self) -> bool:
        """Read what is pending: whether the wall clock was set since the last call.

        Re-arms after a change (and after the improbable expiry, a century on), so the
        descriptor is quiet again afterwards.
        """
        if self._fd is None:
            return False
        try:
            os.read(self._fd, 8)
        except BlockingIOError:
            return False  # a spurious wake-up: nothing happened
        except OSError as exc:
            if exc.errno != errno.ECANCELED:
                raise
            self.arm()
            return True
        self.arm()  # expired: keep watching
        return False

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def _zone_snapshot(files: Sequence[Path]) -> tuple[str, ...]:
    """What the zone files say now: a link's target, a file's text, or "" when unreadable."""
    out = []
    for path in files:
        try:
            out.append(os.readlink(path) if path.is_symlink() else path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError):
            out.append("")
    return tuple(out)


class ClockWatch(QObject):
    """Qt glue: ``clock_changed()`` when the wall clock is set or jumps, ``timezone_changed()``
    when the system time zone files change; both on the GUI thread, no wake-ups otherwise.

    Args:
        clock: For the fallback's clock comparison (only used without a timerfd).
        zone_files: The files naming the system time zone; tests point it elsewhere.
        use_timerfd: ``False`` forces the polling fallback (tests of the fallback).
        backstop_ms: The fallback's polling interval.
        parent: The usual QObject parent.
    """

    clock_changed = Signal()
    timezone_changed = Signal()

    def __init__(
        self,
        clock: Clock,
        *,
        zone_files: Sequence[Path] = ZONE_FILES,
        use_timerfd: bool = True,
        backstop_ms: int = FALLBACK_BACKSTOP_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._timer: ClockSetTimer | None = None
        self._notifier: QSocketNotifier | None = None
        self._backstop: QTimer | None = None
        self._jumps: ClockJumpDetector | None = None
        if use_timerfd and sys.platform.startswith("linux"):
            try:
                self._timer = ClockSetTimer()
            except OSError as exc:
                log.info("watching the clock by polling: %s", exc)
        fd = self._timer.fileno() if self._timer is not None else None
        if fd is not None:
            self._notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(self._on_timer)
        else:
            self._jumps = ClockJumpDetector(clock)
            self._backstop = QTimer(self)
            self._backstop.setInterval(backstop_ms)
            self._backstop.timeout.connect(self._on_backstop)
            self._backstop.start()

        self._zone_files = tuple(zone_files)
        self._zone = _zone_snapshot(self._zone_files)
        self._fs = QFileSystemWatcher(self)
        self._fs.fileChanged.connect(self._on_zone_event)
        self._fs.directoryChanged.connect(self._on_zone_event)
        self._watch_zone_files()

    @property
    def uses_timerfd(self) -> bool:
        """Whether clock changes come from the kernel (else: polled every minute)."""
        return self._notifier is not None

    def close(self) -> None:
        """Stop watching; no signal fires afterwards."""
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._timer is not None:
            self._timer.close()
            self._timer = None
        if self._backstop is not None:
            self._backstop.stop()
        watched = self._fs.files() + self._fs.directories()
        if watched:
            self._fs.removePaths(watched)

    def _on_timer(self) -> None:
        if self._timer is not None and self._timer.clock_was_set():
            log.info("the wall clock was set (or jumped on resume)")
            self.clock_changed.emit()

    def _on_backstop(self) -> None:
        if self._jumps is not None and self._jumps.check():
            log.info("the wall clock jumped")
            self.clock_changed.emit()

    def _watch_zone_files(self) -> None:
        """Watch each existing zone file and its folder (a replaced file drops its watch)."""
        wanted = {str(p) for p in self._zone_files if p.exists() or p.is_symlink()}
        wanted |= {str(p.parent) for p in self._zone_files if p.parent.is_dir()}
        missing = sorted(wanted - set(self._fs.files()) - set(self._fs.directories()))
        if missing:
            self._fs.addPaths(missing)

    def _on_zone_event(self, _path: str) -> None:
        self._watch_zone_files()
        zone = _zone_snapshot(self._zone_files)
        if zone != self._zone:
            self._zone = zone
            log.info("the system time zone files changed")
            self.timezone_changed.emit()
