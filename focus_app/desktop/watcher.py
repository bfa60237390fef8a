"""Catching the notifications other programs send, on the D-Bus session bus.

Only ``focus-app send`` goes through the gate by itself; a chat program calls the
desktop's notification service directly. The watcher listens to those calls:

- ``org.freedesktop.Notifications.Notify`` (libnotify, ``notify-send``, Electron, Qt),
- ``org.gtk.Notifications.AddNotification`` (GApplication programs on GNOME),
- ``org.freedesktop.portal.Notification.AddNotification`` (Flatpak programs),

and the notification server's replies, so the server's id of each caught ``Notify`` is
known (``ServerIdKnown``) and the caller can close or replace it there.

How it listens: a connection of its own becomes a *monitor*
(``org.freedesktop.DBus.Monitoring.BecomeMonitor``, dbus-daemon 1.10+ and dbus-broker),
which receives copies of the matching messages and can no longer send anything. Where
that is refused, the older way: ``AddMatch`` rules with ``eavesdrop='true'``. A bus may
accept those rules and still deliver nothing (eavesdropping is a policy decision taken
per message), so the watcher sends itself a probe ``Notify`` and only trusts
eavesdropping once the probe came back. When both are refused the watcher is not
``available`` and ``problem`` says so in one line; nothing raises. A second, ordinary
connection does the talking (the probe; asking the bus which process a portal caller is).

Why not jeepney's reader: at 1,000 notifications a second every message counts. The
watcher reads the socket itself and parses only what it needs: the header fields, then
the strings and hints it keeps; every other value (actions, ``image-data`` and other
binary hints, icons) is skipped by its length without being copied. Reading is
non-blocking and capped per call (``max_batch``), so one flood never holds the GUI
thread for long and memory stays bounded by one socket read plus one message.

No loops: messages from the app's own connections (``ignore_senders``, unique names),
``Notify`` calls carrying the ``x-focus-app-reshow`` hint, and any whose
``desktop-entry`` hint is the app's own are never caught.
"""

from __future__ import annotations

import select
import socket
import struct
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

# jeepney ships no type information; its few names used here are wrapped in typed code.
from jeepney import DBusAddress, HeaderFields, Message, MessageFlag, MessageType, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection

from focus_app.core.model import Urgency
from focus_app.core.ports import Clock
from focus_app.core.programs import (
    APP_NAME_LIMIT,
    BODY_LIMIT,
    SUMMARY_LIMIT,
    CaughtNotification,
    strip_markup,
)
from focus_app.core.text import clean_text
from focus_app.desktop.notifier import DESKTOP_ENTRY, one_line

__all__ = [
    "REFUSED_PREFIX",
    "RESHOW_HINT",
    "Caught",
    "CaughtNotification",
    "NotificationWatcher",
    "ServerIdKnown",
    "WatchEvent",
]

RESHOW_HINT = "x-focus-app-reshow"
"""A ``Notify`` hint the app puts on notifications it shows again; never caught."""
REFUSED_PREFIX = "cannot watch other programs' notifications"
"""How every ``problem`` line starts."""

FREEDESKTOP = "org.freedesktop.Notifications"
GTK = "org.gtk.Notifications"
PORTAL = "org.freedesktop.portal.Notification"

_RULES = (
    f"type='method_call',interface='{FREEDESKTOP}',member='Notify'",
    f"type='method_call',interface='{GTK}',member='AddNotification'",
    f"type='method_call',interface='{PORTAL}',member='AddNotification'",
    f"type='method_return',sender='{FREEDESKTOP}'",
    f"type='error',sender='{FREEDESKTOP}'",
)
_MONITORING = DBusAddress(
    "/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus.Monitoring"
)
_BUS = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")

_READ_CHUNK = 256 * 1024
_MAX_MESSAGE = 256 * 1024 * 1024  # above the D-Bus limit (128 MiB): the stream is broken
_DECODE_LIMIT = 4 * BODY_LIMIT  # BODY_LIMIT characters are at most 4 bytes each in UTF-8
_MAX_PENDING_REPLIES = 4096
_MAX_CALLERS = 1024
_TEXT_LIMIT = 1024

_METHOD_CALL, _METHOD_RETURN, _ERROR = 1, 2, 3
# Header field codes (D-Bus specification, "Header Fields").
_F_INTERFACE = 2
_F_REPLY_SERIAL = 5
_F_DESTINATION = 6
_F_SENDER = 7
_F_SIGNATURE = 8

_URGENCY = {0: Urgency.LOW, 1: Urgency.NORMAL, 2: Urgency.CRITICAL}
_GTK_PRIORITY = {
    "low": (Urgency.LOW, False),
    "normal": (Urgency.NORMAL, False),
    "high": (Urgency.NORMAL, True),
    "urgent": (Urgency.CRITICAL, True),
}


@dataclass(frozen=True)
class Caught:
    """A program sent a notification; ``notification`` is what was caught."""

    notification: CaughtNotification


@dataclass(frozen=True)
class ServerIdKnown:
    """The notification server answered a caught ``Notify`` with its id.

    ``(caller, serial)`` are those of the ``CaughtNotification`` it belongs to.
    """

    caller: str
    serial: int
    server_id: int


WatchEvent = Caught | ServerIdKnown


class _Malformed(Exception):
    """A message's body does not match its signature (the bus should never pass one)."""


class NotificationWatcher:
    """Catches other programs' notifications on a D-Bus bus.

    Call ``start`` once; then watch ``fileno()`` for readability (``WatcherBridge`` does
    this with a ``QSocketNotifier``) and call ``dispatch_pending``. When ``has_pending``
    is true after a call, the batch cap was hit: call again soon (from the event loop),
    even if the socket is quiet.

    Args:
        clock: Gives ``received_at`` (aware).
        bus: ``"SESSION"`` or a D-Bus address (tests use private buses).
        ignore_senders: Unique bus names of the app's own connections; their messages
            are never caught. Add the notifier's ``unique_name`` after it (re)connects.
        timeout_s: Upper bound for connecting and for each setup call.
        max_batch: Most messages handled by one ``dispatch_pending``.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        bus: str = "SESSION",
        ignore_senders: set[str] | None = None,
        timeout_s: float = 2.0,
        max_batch: int = 512,
    ) -> None:
        self.ignore_senders: set[str] = ignore_senders if ignore_senders is not None else set()
        self.available = False
        self.problem = ""
        self.method = ""
        """``"monitor"`` or ``"eavesdrop"`` once started, else empty."""
        self.malformed = 0
        """Messages dropped because their body did not match their signature."""
        self._clock = clock
        self._bus = bus
        self._timeout_s = timeout_s
        self._max_batch = max_batch
        self._listener: DBusConnection | None = None
        self._talker: DBusConnection | None = None
        self._sock: socket.socket | None = None
        self._buf = bytearray()
        self._pos = 0
        self._more = False
        self._backlog: list[WatchEvent] = []
        self._pending: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._callers: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._probe_sender = ""
        self._probe_seen = False

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> bool:
        """Connect and start listening; return ``available``.

        Never raises for bus trouble: a missing bus or a refusal sets ``problem``.
        """
        self.close()
        try:
            self._talker = open_dbus_connection(self._bus, auth_timeout=self._timeout_s)
            self._listener = open_dbus_connection(self._bus, auth_timeout=self._timeout_s)
            self._probe_sender = str(self._talker.unique_name)
            monitor_error = self._become_monitor()
            if not monitor_error:
                self.method = "monitor"
                self._take_socket()
            else:
                eavesdrop_error = self._eavesdrop()
                if eavesdrop_error:
                    return self._refused(
                        f"{REFUSED_PREFIX}: the session bus refuses monitoring "
                        f"({monitor_error}) and eavesdropping ({eavesdrop_error}); "
                        "only notifications sent with focus-app send are gated"
                    )
                self.method = "eavesdrop"
        except KeyError:
            return self._refused(
                f"{REFUSED_PREFIX}: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
            )
        except (OSError, RuntimeError, ValueError, TimeoutError) as exc:
            return self._refused(f"{REFUSED_PREFIX}: the session bus failed: {exc}")
        self.available = True
        self.problem = ""
        return True

    def close(self) -> None:
        """Close both connections (idempotent)."""
        self._sock = None
        for conn in (self._listener, self._talker):
            if conn is not None:
                conn.close()
        self._listener = self._talker = None
        self._buf = bytearray()
        self._pos = 0
        self._more = False
        self.available = False
        self.method = ""

    def fileno(self) -> int | None:
        """The listening socket, to watch for readability; ``None`` when not listening."""
        return self._sock.fileno() if self._sock is not None else None

    @property
    def has_pending(self) -> bool:
        """The last ``dispatch_pending`` stopped at ``max_batch``: more may be waiting."""
        return self._more or bool(self._backlog)

    # -- reading ------------------------------------------------------------------------

    def dispatch_pending(self) -> list[WatchEvent]:
        """Read and parse what arrived, without blocking; at most ``max_batch`` messages.

        A lost connection makes the watcher unavailable with a ``problem`` line.
        """
        events, self._backlog = self._backlog, []
        self._read(events, self._max_batch)
        return events

    def _read(self, events: list[WatchEvent], max_messages: int) -> None:
        handled = 0
        while self._sock is not None and handled < max_messages:
            size = self._next_size()
            if size is None:
                if not self._fill():
                    break
                continue
            self._handle(self._pos, size, events)
            self._pos += size
            handled += 1
        self._more = self._sock is not None and handled >= max_messages
        if self._pos:
            del self._buf[: self._pos]
            self._pos = 0

    def _fill(self) -> bool:
        assert self._sock is not None
        try:
            data = self._sock.recv(_READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as exc:
            self._lost(str(exc))
            return False
        if not data:
            self._lost("the bus closed the connection")
            return False
        self._buf += data
        return True

    def _next_size(self) -> int | None:
        buf, pos = self._buf, self._pos
        if len(buf) - pos < 16:
            return None
        endian = _endian(buf[pos])
        if endian is None:
            self._lost("unexpected data on the monitor connection")
            return None
        body_len, _serial, fields_len = struct.unpack_from(endian + "III", buf, pos + 4)
        size = _align8(16 + fields_len) + body_len
        if size > _MAX_MESSAGE:
            self._lost("an oversized message on the monitor connection")
            return None
        return size if len(buf) - pos >= size else None

    def _lost(self, why: str) -> None:
        self.close()
        self.problem = one_line(
            f"{REFUSED_PREFIX} any more: lost the session bus connection ({why}); "
            "restart the app to catch them again"
        )

    # -- parsing ------------------------------------------------------------------------

    def _handle(self, start: int, size: int, events: list[WatchEvent]) -> None:
        buf = self._buf
        endian = _endian(buf[start])
        assert endian is not None
        kind = buf[start + 1]
        if kind not in (_METHOD_CALL, _METHOD_RETURN, _ERROR):
            return
        serial, fields_len = struct.unpack_from(endian + "II", buf, start + 8)
        reader = _Reader(buf, start, start + size, endian)
        try:
            fields = reader.header_fields(start + 16 + fields_len)
            if kind == _METHOD_CALL:
                self._handle_call(reader, fields, serial, events)
            else:
                self._handle_reply(reader, fields, kind, events)
        except (_Malformed, struct.error, IndexError, UnicodeDecodeError):
            self.malformed += 1

    def _handle_reply(
        self, reader: _Reader, fields: dict[int, object], kind: int, events: list[WatchEvent]
    ) -> None:
        destination = fields.get(_F_DESTINATION)
        reply_serial = fields.get(_F_REPLY_SERIAL)
        if not isinstance(destination, str) or not isinstance(reply_serial, int):
            return
        key = (destination, reply_serial)
        if key not in self._pending:
            return
        del self._pending[key]
        if kind == _METHOD_RETURN and fields.get(_F_SIGNATURE) == "u":
            events.append(ServerIdKnown(key[0], key[1], reader.u32()))

    def _handle_call(
        self, reader: _Reader, fields: dict[int, object], serial: int, events: list[WatchEvent]
    ) -> None:
        sender = str(fields.get(_F_SENDER, ""))
        if sender == self._probe_sender:
            self._probe_seen = True
            return
        if sender in self.ignore_senders:
            return
        interface = fields.get(_F_INTERFACE)
        signature = fields.get(_F_SIGNATURE)
        if interface == FREEDESKTOP and signature == "susssasa{sv}i":
            caught = self._parse_notify(reader, sender, serial)
            if caught is not None:
                self._expect_reply(sender, serial)
                events.append(Caught(caught))
        elif interface == GTK and signature == "ssa{sv}":
            app_id = reader.clean(APP_NAME_LIMIT)
            events.append(Caught(self._parse_gtk(reader, "gtk", app_id, app_id, sender, serial)))
        elif interface == PORTAL and signature == "sa{sv}":
            entry, name = self._portal_caller(sender)
            events.append(Caught(self._parse_gtk(reader, "portal", entry, name, sender, serial)))

    def _parse_notify(self, r: _Reader, sender: str, serial: int) -> CaughtNotification | None:
        app_name = r.clean(APP_NAME_LIMIT)
        replaces_id = r.u32()
        app_icon = r.clean(_TEXT_LIMIT)
        summary = r.clean(SUMMARY_LIMIT)
        body, more = r.long_text(_DECODE_LIMIT)
        r.skip("as")
        hints = r.hints({"urgency", "category", "desktop-entry", RESHOW_HINT})
        if RESHOW_HINT in hints:
            return None
        entry = _hint_text(hints, "desktop-entry", APP_NAME_LIMIT).removesuffix(".desktop")
        if entry == DESKTOP_ENTRY:
            return None
        urgency_value = hints.get("urgency")
        urgency = _URGENCY.get(urgency_value, Urgency.NORMAL) if isinstance(
            urgency_value, int) else Urgency.NORMAL
        return CaughtNotification(
            interface="freedesktop",
            app_name=app_name,
            desktop_entry=entry,
            app_icon=app_icon,
            summary=summary,
            body=clean_text(strip_markup(body), BODY_LIMIT, more_bytes=more),
            urgency=urgency,
            category=_hint_text(hints, "category", APP_NAME_LIMIT),
            replaces_id=replaces_id,
            caller=sender,
            serial=serial,
            gtk_id="",
            received_at=self._clock.now(),
        )

    def _parse_gtk(
        self, r: _Reader, interface: str, entry: str, app_name: str, sender: str, serial: int
    ) -> CaughtNotification:
        gtk_id = r.clean(APP_NAME_LIMIT)
        fields = r.hints({"title", "body", "markup-body", "priority", "category", "icon"})
        body = _hint_text(fields, "markup-body", BODY_LIMIT, one_line=False, markup=True)
        if not body:
            body = _hint_text(fields, "body", BODY_LIMIT, one_line=False)
        priority = _hint_text(fields, "priority", 32)
        urgency, time_sensitive = _GTK_PRIORITY.get(priority, (Urgency.NORMAL, False))
        return CaughtNotification(
            interface=interface,
            app_name=clean_text(app_name, APP_NAME_LIMIT, one_line=True),
            desktop_entry=clean_text(entry, APP_NAME_LIMIT, one_line=True).removesuffix(
                ".desktop"
            ),
            app_icon=_hint_text(fields, "icon", _TEXT_LIMIT),
            summary=_hint_text(fields, "title", SUMMARY_LIMIT),
            body=body,
            urgency=urgency,
            category=_hint_text(fields, "category", APP_NAME_LIMIT),
            replaces_id=0,
            caller=sender,
            serial=serial,
            gtk_id=gtk_id,
            received_at=self._clock.now(),
            time_sensitive=time_sensitive,
        )

    def _expect_reply(self, caller: str, serial: int) -> None:
        self._pending[(caller, serial)] = None
        if len(self._pending) > _MAX_PENDING_REPLIES:
            self._pending.popitem(last=False)

    def _portal_caller(self, caller: str) -> tuple[str, str]:
        """``(desktop entry, app name)`` of a portal caller: its Flatpak id, or its command.

        The portal's ``AddNotification`` does not name the program (the portal knows it
        from the caller's sandbox), so the bus is asked for the caller's process and
        ``/proc/PID/root/.flatpak-info`` read; cached per caller.
        """
        if caller in self._callers:
            return self._callers[caller]
        identity = ("", "")
        pid = self._caller_pid(caller)
        if pid:
            identity = (_flatpak_app_id(pid), _command_name(pid))
        self._callers[caller] = identity
        if len(self._callers) > _MAX_CALLERS:
            self._callers.popitem(last=False)
        return identity

    def _caller_pid(self, caller: str) -> int:
        if self._talker is None:
            return 0
        message = new_method_call(_BUS, "GetConnectionUnixProcessID", "s", (caller,))
        try:
            reply = self._talker.send_and_get_reply(message, timeout=min(self._timeout_s, 0.5))
        except (OSError, TimeoutError, ValueError):
            return 0
        if reply.header.message_type is not MessageType.method_return:
            return 0
        return int(reply.body[0])

    # -- setup --------------------------------------------------------------------------

    def _become_monitor(self) -> str:
        """Turn the listener into a monitor; return ``""`` or the bus's refusal."""
        assert self._listener is not None
        reply = self._listener.send_and_get_reply(
            new_method_call(_MONITORING, "BecomeMonitor", "asu", (list(_RULES), 0)),
            timeout=self._timeout_s,
        )
        if reply.header.message_type is MessageType.error:
            return _error_name(reply)
        return ""

    def _eavesdrop(self) -> str:
        """Listen with eavesdropping match rules; return ``""`` or why it does not work."""
        assert self._listener is not None and self._talker is not None
        for rule in _RULES:
            reply = self._listener.send_and_get_reply(
                message_bus.AddMatch(rule + ",eavesdrop='true'"), timeout=self._timeout_s
            )
            if reply.header.message_type is MessageType.error:
                return _error_name(reply)
        self._take_socket()
        # The probe: a Notify from the talker to itself, which only an eavesdropper sees.
        probe = new_method_call(
            DBusAddress(
                "/org/freedesktop/Notifications", bus_name=self._probe_sender,
                interface=FREEDESKTOP,
            ),
            "Notify",
            "susssasa{sv}i",
            ("focus-app probe", 0, "", "probe", "", [], {}, 0),
        )
        probe.header.flags |= MessageFlag.no_reply_expected
        self._probe_seen = False
        self._talker.send(probe)
        events: list[WatchEvent] = []
        deadline = time.monotonic() + self._timeout_s
        while not self._probe_seen and self._sock is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            select.select([self._sock], [], [], left)
            self._read(events, 1_000_000)
        self._backlog.extend(events)
        _drain(self._talker)
        if not self._probe_seen:
            self._sock = None
            return "AddMatch eavesdrop='true' accepted but nothing delivered"
        return ""

    def _take_socket(self) -> None:
        """Read the listener's socket ourselves from now on (see the module docstring)."""
        assert self._listener is not None
        # Bytes jeepney already read past the last reply are the first messages to parse.
        leftover = self._listener.parser.buf
        pending = leftover.bytes_buffered
        self._buf = bytearray(leftover.read(pending) if pending else b"")
        self._pos = 0
        sock: socket.socket = self._listener.sock
        sock.setblocking(False)
        self._sock = sock

    def _refused(self, problem: str) -> bool:
        self.close()
        self.problem = one_line(problem)
        return False


class _Reader:
    """Reads D-Bus wire values from one message in a buffer, copying only what it keeps.

    Offsets are absolute in ``buf``; alignment is relative to the message start.
    """

    __slots__ = ("base", "buf", "end", "endian", "fmt_u32", "pos")

    def __init__(self, buf: bytearray, base: int, end: int, endian: str) -> None:
        self.buf = buf
        self.base = base
        self.end = end
        self.pos = base
        self.endian = endian
        self.fmt_u32 = struct.Struct(endian + "I")

    def header_fields(self, fields_end: int) -> dict[int, object]:
        """Parse the header field array; leave ``pos`` at the start of the body."""
        self.pos = self.base + 16
        fields: dict[int, object] = {}
        while self.pos < fields_end:
            self._align(8)
            code = self.buf[self.pos]
            self.pos += 1
            signature = self.signature()
            if signature in ("s", "o", "g"):
                fields[code] = self.signature() if signature == "g" else self.text(_MAX_MESSAGE)
            elif signature == "u":
                fields[code] = self.u32()
            else:
                self.skip(signature)
        self._align(8)
        return fields

    def u32(self) -> int:
        self._align(4)
        value: int = self.fmt_u32.unpack_from(self.buf, self.pos)[0]
        self.pos += 4
        self._check()
        return value

    def text(self, limit: int) -> str:
        """A string, decoded from at most ``4 * limit`` bytes (the rest is skipped)."""
        value, _more = self.long_text(4 * limit)
        return value

    def clean(self, limit: int) -> str:
        """A one-line string through ``clean_text``, cut at ``limit`` with a note."""
        value, more = self.long_text(4 * limit)
        return clean_text(value, limit, one_line=True, more_bytes=more)

    def long_text(self, decode_limit: int) -> tuple[str, int]:
        """A string decoded from at most ``decode_limit`` bytes, and the bytes left out."""
        length = self.u32()
        start = self.pos
        self.pos += length + 1
        self._check()
        if length <= decode_limit:
            return self.buf[start : start + length].decode("utf-8", "replace"), 0
        # Cut on a byte: a character split at the end is dropped, not garbled.
        head = self.buf[start : start + decode_limit].decode("utf-8", "ignore")
        return head, length - decode_limit

    def signature(self) -> str:
        length = self.buf[self.pos]
        value = self.buf[self.pos + 1 : self.pos + 1 + length].decode("ascii")
        self.pos += length + 2
        self._check()
        return value

    def hints(self, wanted: set[str]) -> dict[str, object]:
        """An ``a{sv}``: the wanted keys whose values are strings or integers.

        Strings come as ``(text, bytes left out)`` (see ``long_text``).
        """
        length = self.u32()
        self._align(8)
        stop = self.pos + length
        found: dict[str, object] = {}
        while self.pos < stop:
            self._align(8)
            key = self.text(256)
            signature = self.signature()
            if key in wanted:
                if signature in ("s", "o"):
                    found[key] = self.long_text(_DECODE_LIMIT)
                    continue
                if signature in _INTEGERS:
                    found[key] = self._integer(signature)
                    continue
                if key == RESHOW_HINT:
                    found[key] = True  # only its presence matters
            self.skip(signature)
        self.pos = stop
        self._check()
        return found

    def skip(self, signature: str) -> None:
        """Skip every complete type in ``signature``."""
        index = 0
        while index < len(signature):
            index = self._skip_one(signature, index)

    def _skip_one(self, sig: str, i: int) -> int:
        code = sig[i]
        size = _FIXED.get(code)
        if size is not None:
            self._align(size)
            self.pos += size
        elif code in "so":
            length = self.u32()  # moves pos: never ``self.pos += self.u32()``
            self.pos += length + 1
        elif code == "g":
            self.pos += self.buf[self.pos] + 2
        elif code == "v":
            self.skip(self.signature())
        elif code == "a":
            length = self.u32()
            self._align(_alignment(sig[i + 1]))
            self.pos += length
            self._check()
            return _type_end(sig, i + 1)
        elif code in "({":
            self._align(8)
            close = ")" if code == "(" else "}"
            i += 1
            while sig[i] != close:
                i = self._skip_one(sig, i)
        else:
            raise _Malformed(f"unknown type code {code!r}")
        self._check()
        return i + 1

    def _integer(self, code: str) -> int:
        size = _FIXED[code]
        self._align(size)
        value: int = struct.unpack_from(self.endian + _INTEGERS[code], self.buf, self.pos)[0]
        self.pos += size
        self._check()
        return value

    def _align(self, n: int) -> None:
        self.pos += -(self.pos - self.base) % n

    def _check(self) -> None:
        if self.pos > self.end:
            raise _Malformed("a value runs past the end of its message")


_FIXED = {"y": 1, "b": 4, "n": 2, "q": 2, "i": 4, "u": 4, "h": 4, "x": 8, "t": 8, "d": 8}
_INTEGERS = {"y": "B", "n": "h", "q": "H", "i": "i", "u": "I", "x": "q", "t": "Q"}


def _hint_text(
    hints: dict[str, object], key: str, limit: int, *, one_line: bool = True,
    markup: bool = False,
) -> str:
    """A string hint through ``clean_text``; ``""`` when missing or not a string."""
    value = hints.get(key)
    if not isinstance(value, tuple):
        return ""
    text, more = value
    if markup:
        text = strip_markup(text)
    return clean_text(text, limit, one_line=one_line, more_bytes=more)


def _alignment(code: str) -> int:
    if code in _FIXED:
        return _FIXED[code]
    if code in "soa":
        return 4
    if code in "({":
        return 8
    return 1  # g, v


def _type_end(sig: str, i: int) -> int:
    """The index just after the complete type starting at ``sig[i]``."""
    code = sig[i]
    if code == "a":
        return _type_end(sig, i + 1)
    if code in "({":
        close = ")" if code == "(" else "}"
        i += 1
        while sig[i] != close:
            i = _type_end(sig, i)
        return i + 1
    return i + 1


def _endian(byte: int) -> str | None:
    return "<" if byte == ord("l") else ">" if byte == ord("B") else None


def _align8(n: int) -> int:
    return n + (-n % 8)


def _error_name(reply: Message) -> str:
    """The short name of a D-Bus error reply ("AccessDenied")."""
    name = str(reply.header.fields.get(HeaderFields.error_name, "unknown error"))
    return name.rsplit(".", 1)[-1]


def _drain(conn: DBusConnection) -> None:
    """Read and drop what a connection received (the probe arrives at the talker too)."""
    try:
        while True:
            conn.receive(timeout=0)
    except (TimeoutError, OSError, ValueError):
        pass


def _flatpak_app_id(pid: int) -> str:
    try:
        text = Path(f"/proc/{pid}/root/.flatpak-info").read_text(errors="replace")[:65536]
    except OSError:
        return ""
    in_application = False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            in_application = line == "[Application]"
        elif in_application and line.startswith("name="):
            return line.removeprefix("name=").strip()
    return ""


def _command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text(errors="replace").strip()
    except OSError:
        return ""

