"""One jeepney connection per driver: calls that raise ``DndError``, and change signals.

The dunst, xfconf, GNOME (dconf) and KDE drivers all talk D-Bus the same way: a blocking
connection opened lazily and again after a failure, every call bounded by a timeout, error
replies turned into one line, and optionally one signal match whose arrivals mean "the
state may have changed" (read without blocking through ``fileno``/``dispatch_pending``,
the pattern of ``focus_app.desktop.dbus_signals``).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from typing import Any

# jeepney ships no type information; its few names used here are wrapped in typed methods.
from jeepney import DBusAddress, HeaderFields, MatchRule, Message, MessageType, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection

from focus_app.desktop.dbus_signals import read_available, socket_fd, subscribe
from focus_app.desktop.dnd.base import DndError
from focus_app.desktop.notifier import one_line  # DndError messages are one line too

PROPERTIES = "org.freedesktop.DBus.Properties"
BUS_DAEMON = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
SERVICE_UNKNOWN = "org.freedesktop.DBus.Error.ServiceUnknown"


def resolve_bus(bus: str) -> str:
    """The bus address a guardian process should use: ``SESSION`` made concrete if possible."""
    if bus == "SESSION":
        return os.environ.get("DBUS_SESSION_BUS_ADDRESS", bus)
    return bus


def error_name(reply: Message) -> str:
    """The D-Bus error name of an error reply (``""`` for other messages)."""
    if reply.header.message_type is not MessageType.error:
        return ""
    return str(reply.header.fields.get(HeaderFields.error_name, "unknown error"))


class BusLink:
    """A lazily (re)opened connection to ``bus`` for one driver.

    Args:
        bus: ``"SESSION"`` or a D-Bus address (tests use private buses).
        what: Names the server in error messages ("dunst", "xfconf").
        match: A signal match whose arrivals ``dispatch_pending`` reports, or ``None``.
        timeout_s: Upper bound for connecting and for each call.
    """

    def __init__(
        self, bus: str, what: str, *, match: MatchRule | None = None, timeout_s: float = 2.0
    ) -> None:
        self.bus = bus
        self._what = what
        self._match = match
        self._timeout_s = timeout_s
        self._conn: DBusConnection | None = None
        self._signals: deque[Message] = deque(maxlen=256)

    def connection(self) -> DBusConnection:
        """The open connection, connecting (and subscribing) first if needed."""
        if self._conn is not None:
            return self._conn
        try:
            conn = open_dbus_connection(self.bus, auth_timeout=self._timeout_s)
        except KeyError:
            raise DndError(
                "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set); "
                "do-not-disturb cannot be driven"
            ) from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise DndError(one_line(f"cannot connect to the D-Bus session bus: {exc}")) from None
        if self._match is not None:
            try:
                reply = subscribe(conn, self._match, self._signals, self._timeout_s)
            except (OSError, TimeoutError, ValueError) as exc:
                conn.close()
                raise DndError(one_line(f"cannot watch {self._what} on D-Bus: {exc}")) from None
            if error_name(reply):
                conn.close()
                raise DndError(one_line(f"D-Bus refused to watch {self._what}: {reply.body}"))
        self._conn = conn
        return conn

    def call(
        self,
        address: DBusAddress,
        method: str,
        signature: str | None = None,
        body: tuple[Any, ...] = (),
    ) -> Message:
        """Call ``method`` and return the reply (error replies too); raise ``DndError``
        when the bus or the call fails outright."""
        conn = self.connection()
        message = new_method_call(address, method, signature, body)
        try:
            reply: Message = conn.send_and_get_reply(message, timeout=self._timeout_s)
        except TimeoutError:
            self.close()
            raise DndError(
                f"{self._what} did not answer within {self._timeout_s:g} s; try again"
            ) from None
        except (OSError, ValueError) as exc:
            self.close()
            raise DndError(one_line(f"lost the D-Bus connection to {self._what}: {exc}")) from None
        return reply

    def checked(
        self,
        address: DBusAddress,
        method: str,
        signature: str | None = None,
        body: tuple[Any, ...] = (),
    ) -> tuple[Any, ...]:
        """Like ``call`` but an error reply raises ``DndError``; returns the reply body."""
        reply = self.call(address, method, signature, body)
        name = error_name(reply)
        if name == SERVICE_UNKNOWN:
            raise DndError(f"{self._what} is not running on the session bus; start it, then retry")
        if name:
            detail = f": {reply.body[0]}" if reply.body and isinstance(reply.body[0], str) else ""
            raise DndError(one_line(f"{self._what} refused {method} ({name}{detail})"))
        return tuple(reply.body)

    def get_property(self, address: DBusAddress, interface: str, name: str) -> Any:
        """Read one property through ``org.freedesktop.DBus.Properties.Get``."""
        props = DBusAddress(address.object_path, address.bus_name, PROPERTIES)
        (variant,) = self.checked(props, "Get", "ss", (interface, name))
        return variant[1]

    def set_property(
        self, address: DBusAddress, interface: str, name: str, signature: str, value: Any
    ) -> None:
        """Write one property through ``org.freedesktop.DBus.Properties.Set``."""
        props = DBusAddress(address.object_path, address.bus_name, PROPERTIES)
        self.checked(props, "Set", "ssv", (interface, name, (signature, value)))

    def owner_pid(self, name: str) -> int:
        """The process id behind the bus name ``name`` (to read that server's config)."""
        (unique,) = self.checked(BUS_DAEMON, "GetNameOwner", "s", (name,))
        (pid,) = self.checked(BUS_DAEMON, "GetConnectionUnixProcessID", "s", (unique,))
        return int(pid)

    def fileno(self) -> int | None:
        """The socket to watch for change signals; ``None`` while disconnected."""
        return socket_fd(self._conn)

    def take_signals(self) -> list[Message]:
        """Read what is available without blocking; return the matching signals.

        A broken connection is closed here; the next call reconnects.
        """
        if self._conn is not None and not read_available(self._conn):
            self.close()
        taken = list(self._signals)
        self._signals.clear()
        return taken

    def await_signal(self, matches: Callable[[Message], bool], timeout_s: float) -> bool:
        """Read until a signal that ``matches`` arrives (``True``) or ``timeout_s`` passes.

        Signals queued before this call do not count; everything read stays queued for
        ``take_signals``. The bus hands a signal to all its listeners at once, so once it
        is here, every other listener has it queued before anything this app sends next.
        """
        conn = self._conn
        if conn is None:
            return False
        known = {id(msg): msg for msg in self._signals}  # kept alive: ids stay unique
        deadline = time.monotonic() + timeout_s
        while True:
            if any(id(msg) not in known and matches(msg) for msg in self._signals):
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                conn.recv_messages(timeout=left)
            except TimeoutError:
                return False
            except (OSError, ValueError):
                self.close()
                return False

    def close(self) -> None:
        """Close the connection (idempotent)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
