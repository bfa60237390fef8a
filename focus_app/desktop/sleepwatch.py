"""Noticing suspend/resume and clock changes, so the engine reconciles promptly.

The engine is correct without this (it reconciles from the clock whenever it wakes),
but after a resume the next scheduled wake-up may be far away or already missed; a
``resumed`` signal lets it reconcile at once. Two sources:

* logind's ``PrepareForSleep(bool)`` on the system bus (``LogindSleepSource`` and its Qt
  glue ``SleepWatch``), where there is logind; elsewhere it is quietly unavailable.
* ``ClockJumpDetector``, a pure check comparing wall and monotonic clocks. On Linux the
  kernel reports clock changes and the jump over a suspend directly
  (``clockwatch.ClockWatch``); this check is that watch's polling fallback elsewhere.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime

from jeepney import (
    DBusAddress,
    MatchRule,
    Message,
    MessageType,
    new_method_call,
)
from jeepney.io.blocking import (
    DBusConnection,
    open_dbus_connection,
)
from PySide6.QtCore import QObject, QSocketNotifier, Signal

from focus_app.core.ports import Clock
from focus_app.desktop.dbus_signals import read_available, socket_fd, subscribe, take_signals

LOGIND = DBusAddress(
    "/org/freedesktop/login1",
    bus_name="org.freedesktop.login1",
    interface="org.freedesktop.login1.Manager",
)


class ClockJumpDetector:
    """Tells whether the wall clock moved differently from the monotonic clock.

    Between two checks both clocks normally advance by the same amount. A suspend
    (the monotonic clock stops, the wall clock does not) or a clock change makes them
    differ; beyond ``threshold_s`` that is reported once, and the next check starts
    from the new readings.

    Args:
        clock: Where both readings come from.
        threshold_s: Differences up to this many seconds are drift or scheduling noise.
    """

    def __init__(self, clock: Clock, threshold_s: float = 5.0) -> None:
        self._clock = clock
        self._threshold_s = threshold_s
        self._wall, self._mono = self._read()

    def check(self) -> bool:
        """Whether the clocks disagreed by more than the threshold since the last check."""
        wall, mono = self._read()
        wall_delta = (wall - self._wall).total_seconds()
        mono_delta = mono - self._mono
        self._wall, self._mono = wall, mono
        return abs(wall_delta - mono_delta) > self._threshold_s

    def _read(self) -> tuple[datetime, float]:
        return self._clock.now(), self._clock.monotonic()


class LogindSleepSource:
    """logind's ``PrepareForSleep`` signals, read without blocking (no Qt here).

    Connects once, at construction; any failure (no system bus, no logind, a slow bus)
    leaves it unavailable without raising, because suspend detection is a nicety.

    Args:
        bus: ``"SYSTEM"`` or a D-Bus address (tests point it at a private bus).
        timeout_s: Upper bound for connecting and each setup call.
    """

    def __init__(self, *, bus: str = "SYSTEM", timeout_s: float = 2.0) -> None:
        self._conn: DBusConnection | None = None
        self._signals: deque[Message] = deque(maxlen=64)
        try:
            conn = open_dbus_connection(bus, auth_timeout=timeout_s)
        except (KeyError, OSError, RuntimeError, ValueError, TimeoutError):
            return
        try:
            if self._subscribe(conn, timeout_s):
                self._conn = conn
                return
        except (OSError, TimeoutError, ValueError):
            pass
        conn.close()

    @property
    def available(self) -> bool:
        """Whether suspend/resume signals can arrive."""
        return self._conn is not None

    def fileno(self) -> int | None:
        """The connection's socket for a ``QSocketNotifier``; ``None`` if unavailable."""
        return socket_fd(self._conn)

    def dispatch_pending(self) -> list[bool]:
        """Read what is available now; each ``PrepareForSleep`` argument, oldest first.

        ``True`` means the machine is about to sleep, ``False`` that it woke up. A broken
        connection makes the source unavailable.
        """
        if self._conn is not None and not read_available(self._conn):
            self.close()
        return [
            bool(msg.body[0]) for msg in take_signals(self._signals, "PrepareForSleep") if msg.body
        ]

    def close(self) -> None:
        """Close the connection; the source becomes unavailable."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _subscribe(self, conn: DBusConnection, timeout_s: float) -> bool:
        bus = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
        owner = conn.send_and_get_reply(
            new_method_call(bus, "NameHasOwner", "s", (LOGIND.bus_name,)), timeout=timeout_s
        )
        if owner.header.message_type is MessageType.error or not owner.body[0]:
            return False
        rule = MatchRule(
            type="signal",
            interface=LOGIND.interface,
            member="PrepareForSleep",
            path=LOGIND.object_path,
        )
        reply = subscribe(conn, rule, self._signals, timeout_s)
        return reply.header.message_type is not MessageType.error


class SleepWatch(QObject):
    """Qt glue: ``suspending()`` before sleep and ``resumed()`` after, on the GUI thread.

    Watches the source's socket with a ``QSocketNotifier`` (no thread, no timer). When
    logind is not there, ``available`` is ``False`` and the signals never fire; the
    ``ClockWatch`` still notices the wall clock jumping over the suspend then.

    Args:
        source: Defaults to a ``LogindSleepSource`` on the system bus.
        parent: The usual QObject parent.
    """

    suspending = Signal()
    resumed = Signal()

    def __init__(
        self, source: LogindSleepSource | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._source = source if source is not None else LogindSleepSource()
        self._notifier: QSocketNotifier | None = None
        fd = self._source.fileno()
        if fd is not None:
            self._notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(self._drain)

    @property
    def available(self) -> bool:
        """Whether suspend/resume can be reported on this machine."""
        return self._notifier is not None and self._source.available

    def close(self) -> None:
        """Stop watching and close the bus connection."""
        self._stop_watching()
        self._source.close()

    def _drain(self) -> None:
        events = self._source.dispatch_pending()
        if not self._source.available:
            self._stop_watching()
        for going_to_sleep in events:
            (self.suspending if going_to_sleep else self.resumed).emit()

    def _stop_watching(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
