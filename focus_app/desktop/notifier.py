"""Desktop notifications: the freedesktop D-Bus notifier and an in-memory fake.

``DBusNotifier`` talks to ``org.freedesktop.Notifications`` with jeepney's blocking API
(PySide6's QtDBus cannot marshal ``uint32`` from Python). It never raises for delivery
problems: a missing bus or server becomes ``DeliveryResult(ok=False, error=...)`` and the
next call tries again, because the gate must keep working on a desktop without a
notification server.

Action clicks come back as ``ActionInvoked`` signals on the same connection. To receive
them on the Qt GUI thread without threads or polling, a notifier is an ``ActionSource``:
it exposes the connection's socket (``fileno``) for a ``QSocketNotifier`` and drains what
arrived with ``dispatch_pending``. ``focus_app.desktop.qt_notifier.NotifierBridge`` is the glue.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

# jeepney ships no type information; its few names used here are wrapped in typed methods.
from jeepney import (
    DBusAddress,
    HeaderFields,
    MatchRule,
    Message,
    MessageType,
    new_method_call,
)
from jeepney.io.blocking import (
    DBusConnection,
    open_dbus_connection,
)

from focus_app.core.model import Urgency
from focus_app.core.ports import DeliveryResult
from focus_app.desktop.dbus_signals import read_available, socket_fd, subscribe, take_signals

APP_NAME = "Focus & Boundaries"
APP_ICON = "focus-app"
DESKTOP_ENTRY = "focus-app"

NOTIFICATIONS = DBusAddress(
    "/org/freedesktop/Notifications",
    bus_name="org.freedesktop.Notifications",
    interface="org.freedesktop.Notifications",
)

_URGENCY_BYTE = {Urgency.LOW: 0, Urgency.NORMAL: 1, Urgency.CRITICAL: 2}
_SERVICE_UNKNOWN = "org.freedesktop.DBus.Error.ServiceUnknown"
_NO_REPLY = "org.freedesktop.DBus.Error.NoReply"

Wakeup = Callable[[], None]


class ActionSource(Protocol):
    """Something that delivers notification action clicks to the GUI thread.

    The contract that lets ``NotifierBridge`` stay free of threads and timers: whenever
    the source's socket changes (connect, reconnect, disconnect) or actions were queued
    outside a socket read (during a blocking call, or by a fake), it calls the wakeup
    callback; the bridge then re-reads ``fileno`` and calls ``dispatch_pending``.
    """

    def fileno(self) -> int | None:
        """The socket to watch for readability, or ``None`` while disconnected."""
        ...

    def dispatch_pending(self) -> list[tuple[int, str]]:
        """Read what is available without blocking; ``(server_id, action_key)`` pairs."""
        ...

    def set_wakeup(self, callback: Wakeup | None) -> None:
        """Register the one callback told about socket changes and queued actions."""
        ...


def escape_markup(text: str) -> str:
    """Escape ``& < >`` so a markup-rendering server shows ``text`` literally.

    Quotes are left alone: they are harmless outside attributes, and some servers only
    decode the three basic entities.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def one_line(text: str) -> str:
    """Collapse whitespace and newlines: ``DeliveryResult.error`` is a single line."""
    return " ".join(text.split())


class DBusNotifier:
    """The ``Notifier`` port over ``org.freedesktop.Notifications`` on a D-Bus bus.

    Connects lazily on the first ``notify`` and again after any failure, so a
    notification server (or session bus) that appears later is picked up. Every bus
    round trip is bounded by ``timeout_s`` so a wedged bus or server never freezes the
    GUI thread for long.

    Escaping: the body is escaped (servers render body markup; dunst even strips tags
    when it does not advertise ``body-markup``). The summary is sent as is: the spec
    defines it as plain text and servers escape it themselves (dunst formats it with
    markup off, GNOME Shell escapes it), so escaping it here would show ``&amp;`` to the
    user.

    Args:
        bus: ``"SESSION"``, ``"SYSTEM"`` or a D-Bus address (tests use private buses).
        app_name: Sent as the notification's application name.
        app_icon: An icon theme name or an absolute path to an icon file.
        desktop_entry: The ``desktop-entry`` hint, so servers can group and look up the app.
        timeout_s: Upper bound for connecting and for each call to the server.
    """

    def __init__(
        self,
        *,
        bus: str = "SESSION",
        app_name: str = APP_NAME,
        app_icon: str = APP_ICON,
        desktop_entry: str = DESKTOP_ENTRY,
        timeout_s: float = 2.0,
    ) -> None:
        self._bus = bus
        self._app_name = app_name
        self._app_icon = app_icon
        self._desktop_entry = desktop_entry
        self._timeout_s = timeout_s
        self._conn: DBusConnection | None = None
        # Signals received while waiting for a method reply land here (jeepney filters),
        # as do those read by dispatch_pending; nothing arriving mid-call is lost.
        self._signals: deque[Message] = deque(maxlen=1024)
        self._wakeup: Wakeup | None = None

    @property
    def connected(self) -> bool:
        """Whether a bus connection is open (not whether a server is running)."""
        return self._conn is not None

    @property
    def unique_name(self) -> str:
        """This connection's unique bus name (``:1.42``), ``""`` while disconnected.

        The notification watcher ignores messages from it, so the app never catches its
        own notifications. It changes on every reconnect.
        """
        return str(self._conn.unique_name) if self._conn is not None else ""

    def notify(
        self,
        title: str,
        body: str,
        *,
        urgency: Urgency = Urgency.NORMAL,
        actions: tuple[tuple[str, str], ...] = (),
        replaces_id: int = 0,
    ) -> DeliveryResult:
        """Show one notification; never raises for bus or server trouble.

        Args:
            title: The summary, plain text.
            body: The body, plain text (escaped before sending).
            urgency: Sent as the ``urgency`` hint byte (0 low, 1 normal, 2 critical).
            actions: ``(key, label)`` pairs; a click comes back as ``(server_id, key)``
                from ``dispatch_pending``.
            replaces_id: A server id to replace in place, or 0 for a new notification.

        Returns:
            ``ok`` with the server's id, or ``ok=False`` with a one-line reason.
        """
        error = self._ensure_connected()
        if error:
            return DeliveryResult(ok=False, error=error)
        flat_actions = [part for pair in actions for part in pair]
        hints = {
            "urgency": ("y", _URGENCY_BYTE[urgency]),
            "desktop-entry": ("s", self._desktop_entry),
        }
        message = new_method_call(
            NOTIFICATIONS,
            "Notify",
            "susssasa{sv}i",
            (
                self._app_name,
                replaces_id,
                self._app_icon,
                title,
                escape_markup(body),
                flat_actions,
                hints,
                -1,
            ),
        )
        try:
            reply = self._call(message)
        except TimeoutError:
            self._disconnect()
            return DeliveryResult(
                ok=False,
                error=f"the notification server did not answer within {self._timeout_s:g} s; "
                "will retry on the next notification",
            )
        except (OSError, ValueError) as exc:
            self._disconnect()
            return DeliveryResult(
                ok=False, error=one_line(f"lost the D-Bus session bus connection: {exc}")
            )
        finally:
            self._wake()
        if reply.header.message_type is MessageType.error:
            return DeliveryResult(ok=False, error=self._describe_error(reply))
        server_id = int(reply.body[0]) if reply.body else 0
        return DeliveryResult(ok=True, server_id=server_id)

    def fileno(self) -> int | None:
        """The connection's socket, to watch with a ``QSocketNotifier``; ``None`` if none."""
        return socket_fd(self._conn)

    def dispatch_pending(self) -> list[tuple[int, str]]:
        """Read every message available now, without blocking; return the action clicks.

        ``NotificationClosed``, stray replies (of calls that timed out) and anything else
        are dropped. A broken connection is closed here, so the next ``notify`` reconnects.
        """
        if self._conn is not None and not read_available(self._conn):
            self._disconnect()
            self._wake()
        clicks: list[tuple[int, str]] = []
        for msg in take_signals(self._signals, "ActionInvoked"):
            server_id, key = msg.body
            clicks.append((int(server_id), str(key)))
        return clicks

    def set_wakeup(self, callback: Wakeup | None) -> None:
        """Register the callback told about socket changes and queued signals."""
        self._wakeup = callback

    def close(self) -> None:
        """Close the bus connection (idempotent); a later ``notify`` reconnects."""
        if self._conn is not None:
            self._disconnect()
            self._wake()

    def _ensure_connected(self) -> str:
        """Open and subscribe a connection if there is none; return an error or ``""``."""
        if self._conn is not None:
            return ""
        try:
            conn = open_dbus_connection(self._bus, auth_timeout=self._timeout_s)
        except KeyError:
            return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set); notifications off"
        except (OSError, RuntimeError, ValueError) as exc:
            return one_line(f"cannot connect to the D-Bus session bus: {exc}")
        rule = MatchRule(
            type="signal",
            interface=NOTIFICATIONS.interface,
            path=NOTIFICATIONS.object_path,
        )
        try:
            reply = subscribe(conn, rule, self._signals, self._timeout_s)
        except (OSError, TimeoutError, ValueError) as exc:
            conn.close()
            return one_line(f"cannot subscribe to notification actions on D-Bus: {exc}")
        if reply.header.message_type is MessageType.error:
            conn.close()
            return one_line(f"D-Bus refused the subscription to notification actions: {reply.body}")
        self._conn = conn
        self._wake()
        return ""

    def _call(self, message: Message) -> Message:
        assert self._conn is not None
        return self._conn.send_and_get_reply(message, timeout=self._timeout_s)

    def _describe_error(self, reply: Message) -> str:
        name = str(reply.header.fields.get(HeaderFields.error_name, "unknown error"))
        if name == _SERVICE_UNKNOWN:
            return (
                "no notification server is running on the session bus; "
                "start one (e.g. dunst or mako) or log into a desktop that has one"
            )
        if name == _NO_REPLY:
            return "the notification server did not answer; will retry on the next notification"
        detail = f": {reply.body[0]}" if reply.body and isinstance(reply.body[0], str) else ""
        return one_line(f"the notification server refused the notification ({name}{detail})")

    def _disconnect(self) -> None:
        # fileno() must read None before the socket closes, so the bridge drops its
        # QSocketNotifier before the descriptor number can be reused.
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup()


@dataclass(frozen=True)
class SentNotification:
    """One ``notify`` call as ``MemoryNotifier`` recorded it (failed calls included)."""

    title: str
    body: str
    urgency: Urgency
    actions: tuple[tuple[str, str], ...]
    replaces_id: int
    result: DeliveryResult


class MemoryNotifier:
    """An in-memory ``Notifier`` and ``ActionSource`` for tests and headless runs.

    Records every call in ``sent``. Set ``fail_with`` to a message to make calls fail the
    way a missing server does. ``invoke`` simulates a click: it is queued for
    ``dispatch_pending`` and the wakeup callback fires, so a ``NotifierBridge`` emits
    ``action_invoked`` exactly as it would for a real ``ActionInvoked`` signal.
    """

    def __init__(self) -> None:
        self.sent: list[SentNotification] = []
        self.fail_with = ""
        self._next_id = 1
        self._pending: list[tuple[int, str]] = []
        self._wakeup: Wakeup | None = None

    def notify(
        self,
        title: str,
        body: str,
        *,
        urgency: Urgency = Urgency.NORMAL,
        actions: tuple[tuple[str, str], ...] = (),
        replaces_id: int = 0,
    ) -> DeliveryResult:
        """Record the call; succeed with a fresh id (or ``replaces_id``) unless failing."""
        if self.fail_with:
            result = DeliveryResult(ok=False, error=self.fail_with)
        elif replaces_id:
            result = DeliveryResult(ok=True, server_id=replaces_id)
        else:
            result = DeliveryResult(ok=True, server_id=self._next_id)
            self._next_id += 1
        self.sent.append(SentNotification(title, body, urgency, actions, replaces_id, result))
        return result

    def invoke(self, server_id: int, key: str) -> None:
        """Simulate the user clicking action ``key`` on notification ``server_id``."""
        self._pending.append((server_id, key))
        if self._wakeup is not None:
            self._wakeup()

    def fileno(self) -> int | None:
        """No socket: actions arrive through the wakeup callback only."""
        return None

    def dispatch_pending(self) -> list[tuple[int, str]]:
        """Return and forget the simulated clicks, oldest first."""
        pending, self._pending = self._pending, []
        return pending

    def set_wakeup(self, callback: Wakeup | None) -> None:
        """Register the callback ``invoke`` calls."""
        self._wakeup = callback
