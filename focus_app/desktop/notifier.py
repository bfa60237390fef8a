"""Desktop notifications: the freedesktop D-Bus notifier and an in-memory fake.

``DBusNotifier`` talks to ``org.freedesktop.Notifications`` with jeepney's blocking API
(PySide6's QtDBus cannot marshal ``uint32`` from Python). It never raises for delivery
problems: a missing bus or server becomes ``DeliveryResult(ok=False, error=...)`` and the
next call tries again, because the gate must keep working on a desktop without a
notification server.

A slow server is not a failed one. ``Notify`` is sent without waiting for its reply
beyond a short grace (``reply_wait_s``, 50 ms: a healthy server and the bus's own
``ServiceUnknown`` answer well within it), so a stalled server never blocks the GUI
thread. A reply that comes later is matched by its serial on the same socket the
``QSocketNotifier`` already watches for ``ActionInvoked`` (``dispatch_pending``); an
error reply then becomes a ``DeliveryReport`` for the caller to act on, and a server
that never answers counts as having shown the notification (the caller marked it shown
before sending), so nothing is shown twice. ``NameOwnerChanged`` for the notification
service is watched too: a server that (re)appears is reported at once
(``take_server_appeared``), so failed deliveries are retried without waiting.

Action clicks come back as ``ActionInvoked`` signals on the same connection. To receive
them on the Qt GUI thread without threads or polling, a notifier is an ``ActionSource``:
it exposes the connection's socket (``fileno``) for a ``QSocketNotifier`` and drains what
arrived with ``dispatch_pending``. ``focus_app.desktop.qt_notifier.NotifierBridge`` is the glue.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

# jeepney ships no type information; its few names used here are wrapped in typed methods.
from jeepney import (
    DBusAddress,
    HeaderFields,
    MatchRule,
    Message,
    MessageFlag,
    MessageType,
    new_method_call,
)
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import (
    DBusConnection,
    open_dbus_connection,
)

from focus_app.core.model import Urgency
from focus_app.core.ports import DeliveryReport, DeliveryResult
from focus_app.core.text import clean_text
from focus_app.desktop.dbus_signals import socket_fd, take_signals
from focus_app.faults import fault_point

log = logging.getLogger(__name__)

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
_NAME_HAS_NO_OWNER = "org.freedesktop.DBus.Error.NameHasNoOwner"
_SERVER_ABSENT = (_SERVICE_UNKNOWN, _NAME_HAS_NO_OWNER)
MAX_TITLE = 1024
MAX_BODY = 16 * 1024
"""What is sent at most (the text is cleaned and cut again here: items stored before
text was cleaned at the door must not break a digest)."""

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

    def take_reports(self) -> list[DeliveryReport]:
        """Late answers to ``notify`` calls that returned a ``token``, oldest first."""
        ...

    def take_server_appeared(self) -> bool:
        """Whether a notification server appeared on the bus since the last call."""
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
        timeout_s: Upper bound for connecting, and how long a late reply to ``Notify`` is
            still matched (after that the call counts as shown).
        reply_wait_s: How long ``notify`` waits for the reply before it returns a
            pending (``token``) result; the GUI thread blocks at most this long.
    """

    def __init__(
        self,
        *,
        bus: str = "SESSION",
        app_name: str = APP_NAME,
        app_icon: str = APP_ICON,
        desktop_entry: str = DESKTOP_ENTRY,
        timeout_s: float = 2.0,
        reply_wait_s: float = 0.05,
    ) -> None:
        self._bus = bus
        self._app_name = app_name
        self._app_icon = app_icon
        self._desktop_entry = desktop_entry
        self._timeout_s = timeout_s
        self._reply_wait_s = reply_wait_s
        self._conn: DBusConnection | None = None
        # Notify calls sent whose reply has not come: serial -> when we stop caring.
        self._awaiting: dict[int, float] = {}
        self._reports: list[DeliveryReport] = []
        self._server_appeared = False
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
        app_name: str | None = None,
        app_icon: str | None = None,
        extra_hints: dict[str, Any] | None = None,
    ) -> DeliveryResult:
        """Show one notification; never raises for bus or server trouble, never blocks long.

        Args:
            title: The summary, plain text (cleaned of control characters, cut).
            body: The body, plain text (cleaned, cut, escaped before sending).
            urgency: Sent as the ``urgency`` hint byte (0 low, 1 normal, 2 critical).
            actions: ``(key, label)`` pairs; a click comes back as ``(server_id, key)``
                from ``dispatch_pending``.
            replaces_id: A server id to replace in place, or 0 for a new notification.
            app_name: Another application name to show it under (default: ours).
            app_icon: Another icon (default: ours).
            extra_hints: More hints, name to ``(signature, value)``, e.g.
                ``{"image-path": ("s", "/path.png")}``; ``urgency`` is always ours.

        Returns:
            ``ok`` with the server's id; ``ok`` with a ``token`` when the server has not
            answered within ``reply_wait_s`` (a ``DeliveryReport`` follows only if it
            answers later); or ``ok=False`` with a one-line reason (definite failure).
        """
        error = self._ensure_connected()
        if error:
            return DeliveryResult(ok=False, error=error)
        flat_actions = [part for pair in actions for part in pair]
        hints: dict[str, Any] = dict(extra_hints or {})
        if app_name is None:
            hints["desktop-entry"] = ("s", self._desktop_entry)
        hints["urgency"] = ("y", _URGENCY_BYTE[urgency])
        message = new_method_call(
            NOTIFICATIONS,
            "Notify",
            "susssasa{sv}i",
            (
                clean_text(app_name if app_name is not None else self._app_name, 256,
                           one_line=True),
                replaces_id,
                clean_text(app_icon if app_icon is not None else self._app_icon, 4096,
                           one_line=True),
                clean_text(title, MAX_TITLE, one_line=True),
                escape_markup(clean_text(body, MAX_BODY)),
                flat_actions,
                hints,
                -1,
            ),
        )
        assert self._conn is not None
        serial = next(self._conn.outgoing_serial)
        try:
            self._conn.send(message, serial=serial)
        except (OSError, ValueError) as exc:
            self._disconnect()
            self._wake()
            return DeliveryResult(
                ok=False, error=one_line(f"lost the D-Bus session bus connection: {exc}")
            )
        self._awaiting[serial] = time.monotonic() + self._timeout_s
        fault_point("during-notify")
        try:
            reply = self._wait_for(serial, self._reply_wait_s)
        finally:
            self._wake()
        if reply is None:
            return DeliveryResult(ok=True, token=serial)
        return reply

    def take_reports(self) -> list[DeliveryReport]:
        """Late answers to earlier ``notify`` calls (matched by ``token``), oldest first."""
        reports, self._reports = self._reports, []
        return reports

    def take_server_appeared(self) -> bool:
        """Whether a notification server took the bus name since the last call."""
        appeared, self._server_appeared = self._server_appeared, False
        return appeared

    @property
    def awaiting(self) -> int:
        """How many ``Notify`` replies are outstanding (tests, the log)."""
        return len(self._awaiting)

    def fileno(self) -> int | None:
        """The connection's socket, to watch with a ``QSocketNotifier``; ``None`` if none."""
        return socket_fd(self._conn)

    def dispatch_pending(self) -> list[tuple[int, str]]:
        """Read every message available now, without blocking; return the action clicks.

        Late replies to ``Notify`` become reports (``take_reports``); ``NotificationClosed``,
        replies nobody waits for and anything else are dropped. A broken connection is
        closed here, so the next ``notify`` reconnects.
        """
        if self._conn is not None and not self._read_available():
            self._disconnect()
            self._wake()
        self._expire_awaiting()
        clicks: list[tuple[int, str]] = []
        for msg in take_signals(self._signals, "ActionInvoked"):
            server_id, key = msg.body
            clicks.append((int(server_id), str(key)))
        return clicks

    def set_wakeup(self, callback: Wakeup | None) -> None:
        """Register the callback told about socket changes and queued signals."""
        self._wakeup = callback

    def close_notification(self, server_id: int) -> None:
        """Ask the server to close notification ``server_id`` (ours or a caught one).

        Fire and forget (no reply is awaited, the GUI thread never waits): a caught
        notification the gate held is taken out of the server's queue this way, so ending
        do-not-disturb does not replay it; an id the server no longer knows is harmless.
        """
        if not 0 < server_id < 2**32 or self._ensure_connected():
            return
        message = new_method_call(NOTIFICATIONS, "CloseNotification", "u", (server_id,))
        message.header.flags |= MessageFlag.no_reply_expected
        assert self._conn is not None
        try:
            self._conn.send(message)
        except (OSError, ValueError):
            self._disconnect()
            self._wake()

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
        owner_changes = MatchRule(
            type="signal",
            sender="org.freedesktop.DBus",
            interface="org.freedesktop.DBus",
            member="NameOwnerChanged",
        )
        owner_changes.add_arg_condition(0, NOTIFICATIONS.bus_name)
        rules = (
            MatchRule(
                type="signal",
                interface=NOTIFICATIONS.interface,
                path=NOTIFICATIONS.object_path,
            ),
            owner_changes,
        )
        for rule in rules:
            try:
                reply = conn.send_and_get_reply(message_bus.AddMatch(rule),
                                                timeout=self._timeout_s)
            except (OSError, TimeoutError, ValueError) as exc:
                conn.close()
                return one_line(f"cannot subscribe to notification actions on D-Bus: {exc}")
            if reply.header.message_type is MessageType.error:
                conn.close()
                return one_line(
                    f"D-Bus refused the subscription to notification actions: {reply.body}"
                )
        self._conn = conn
        self._wake()
        return ""

    def _wait_for(self, serial: int, wait_s: float) -> DeliveryResult | None:
        """Read messages for up to ``wait_s``; the result of ``serial`` if its reply came.

        Everything else read meanwhile is filed (actions, late replies of other calls,
        NameOwnerChanged). A connection that breaks while the call is out is no definite
        failure (the server may have shown it): it counts as shown.
        """
        deadline = time.monotonic() + wait_s
        while self._conn is not None and serial in self._awaiting:
            remaining = deadline - time.monotonic()
            try:
                msg = self._conn.receive(timeout=max(remaining, 0.0))
            except TimeoutError:
                return None
            except (OSError, ValueError) as exc:
                log.warning("the D-Bus connection broke while Notify was out: %s", exc)
                self._disconnect()
                return DeliveryResult(ok=True)
            result = self._file(msg, wanted=serial)
            if result is not None:
                return result
        return None

    def _read_available(self) -> bool:
        """File every message available now, without blocking; ``False`` if it broke."""
        assert self._conn is not None
        try:
            while True:
                self._file(self._conn.receive(timeout=0))
        except TimeoutError:
            return True
        except (OSError, ValueError):
            return False

    def _file(self, msg: Message, wanted: int = 0) -> DeliveryResult | None:
        """Sort one incoming message; return the result of call ``wanted`` if it is that."""
        header = msg.header
        reply_to = header.fields.get(HeaderFields.reply_serial)
        if reply_to is not None:
            if self._awaiting.pop(reply_to, None) is None:
                return None  # a reply nobody waits for any more
            result = self._result_of(msg)
            if reply_to == wanted:
                return result
            self._reports.append(DeliveryReport(token=int(reply_to), result=result))
            return None
        if header.message_type is MessageType.signal:
            member = header.fields.get(HeaderFields.member)
            if member == "NameOwnerChanged":
                name, _old, new = msg.body
                if name == NOTIFICATIONS.bus_name and new:
                    self._server_appeared = True
            elif header.fields.get(HeaderFields.interface) == NOTIFICATIONS.interface:
                self._signals.append(msg)
        return None

    def _result_of(self, reply: Message) -> DeliveryResult:
        if reply.header.message_type is not MessageType.error:
            return DeliveryResult(ok=True, server_id=int(reply.body[0]) if reply.body else 0)
        name = str(reply.header.fields.get(HeaderFields.error_name, ""))
        if name == _NO_REPLY:
            # The bus gave up waiting for the server: it may still show it. Not definite.
            log.warning("the notification server did not answer Notify; counted as shown")
            return DeliveryResult(ok=True)
        return DeliveryResult(
            ok=False, error=self._describe_error(reply), refused=name not in _SERVER_ABSENT
        )

    def _expire_awaiting(self) -> None:
        """Stop waiting for replies older than ``timeout_s``: those count as shown."""
        now = time.monotonic()
        expired = [serial for serial, until in self._awaiting.items() if until <= now]
        for serial in expired:
            del self._awaiting[serial]
            log.warning(
                "the notification server did not answer within %g s; counted as shown",
                self._timeout_s,
            )

    def _describe_error(self, reply: Message) -> str:
        name = str(reply.header.fields.get(HeaderFields.error_name, "unknown error"))
        if name in _SERVER_ABSENT:
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
        self._awaiting.clear()  # their replies can no longer come: counted as shown
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
    app_name: str | None = None
    app_icon: str | None = None
    extra_hints: dict[str, Any] | None = None


class MemoryNotifier:
    """An in-memory ``Notifier`` and ``ActionSource`` for tests and headless runs.

    Records every call in ``sent``. Set ``fail_with`` to a message to make calls fail the
    way a missing server does; ``refuse`` (a predicate on the title and body) makes the
    server refuse those items. ``slow = True`` answers like a server that has not replied
    yet (a ``token``); ``answer_late`` then delivers its late answer as a report.
    ``invoke`` simulates a click: it is queued for ``dispatch_pending`` and the wakeup
    callback fires, so a ``NotifierBridge`` emits ``action_invoked`` exactly as it would
    for a real ``ActionInvoked`` signal; ``server_appears`` does the same for a server
    that comes (back) on the bus.
    """

    def __init__(self) -> None:
        self.sent: list[SentNotification] = []
        self.closed: list[int] = []
        self.fail_with = ""
        self.refuse: Callable[[str, str], bool] | None = None
        self.slow = False
        self._next_id = 1
        self._pending: list[tuple[int, str]] = []
        self._reports: list[DeliveryReport] = []
        self._appeared = False
        self._wakeup: Wakeup | None = None

    def notify(
        self,
        title: str,
        body: str,
        *,
        urgency: Urgency = Urgency.NORMAL,
        actions: tuple[tuple[str, str], ...] = (),
        replaces_id: int = 0,
        app_name: str | None = None,
        app_icon: str | None = None,
        extra_hints: dict[str, Any] | None = None,
    ) -> DeliveryResult:
        """Record the call; succeed with a fresh id (or ``replaces_id``) unless failing."""
        if self.fail_with:
            result = DeliveryResult(ok=False, error=self.fail_with)
        elif self.refuse is not None and self.refuse(title, body):
            result = DeliveryResult(
                ok=False, error="the notification server refused it", refused=True
            )
        elif self.slow:
            result = DeliveryResult(ok=True, token=self._next_id)
            self._next_id += 1
        elif replaces_id:
            result = DeliveryResult(ok=True, server_id=replaces_id)
        else:
            result = DeliveryResult(ok=True, server_id=self._next_id)
            self._next_id += 1
        self.sent.append(
            SentNotification(
                title, body, urgency, actions, replaces_id, result, app_name, app_icon,
                extra_hints,
            )
        )
        return result

    def answer_late(self, token: int, result: DeliveryResult) -> None:
        """Simulate the late answer to a ``slow`` call."""
        self._reports.append(DeliveryReport(token, result))
        if self._wakeup is not None:
            self._wakeup()

    def server_appears(self) -> None:
        """Simulate a notification server taking the bus name."""
        self._appeared = True
        if self._wakeup is not None:
            self._wakeup()

    def take_reports(self) -> list[DeliveryReport]:
        reports, self._reports = self._reports, []
        return reports

    def take_server_appeared(self) -> bool:
        appeared, self._appeared = self._appeared, False
        return appeared

    def close_notification(self, server_id: int) -> None:
        """Record the request in ``closed``."""
        self.closed.append(server_id)

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
