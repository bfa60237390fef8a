"""The few D-Bus steps the swaync and mako drivers share, with errors made ``DndError``.

Each driver holds one jeepney blocking connection; every call is bounded by a timeout
so a wedged server never freezes the GUI thread for long, and every failure becomes a
one-line ``DndError`` that names the server and what to do.
"""

from __future__ import annotations

import os

from jeepney import DBusAddress, HeaderFields, Message, MessageType, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection

from focus_app.desktop.dnd.base import DndError
from focus_app.desktop.notifier import one_line

BUS_DAEMON = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
NOTIFICATIONS_NAME = "org.freedesktop.Notifications"


def resolve_bus(bus: str) -> str:
    """The bus address a guardian process should use: ``SESSION`` made concrete if possible."""
    if bus == "SESSION":
        return os.environ.get("DBUS_SESSION_BUS_ADDRESS", bus)
    return bus


def connect(bus: str, server: str, timeout_s: float) -> DBusConnection:
    """Open a connection to ``bus`` or raise ``DndError`` naming ``server``."""
    try:
        return open_dbus_connection(bus, auth_timeout=timeout_s)
    except KeyError:
        raise DndError(
            f"cannot reach {server}: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
        ) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise DndError(one_line(f"cannot reach {server}: D-Bus connection failed: {exc}")) from None


def call(
    conn: DBusConnection,
    address: DBusAddress,
    method: str,
    signature: str | None,
    body: tuple[object, ...],
    *,
    server: str,
    timeout_s: float,
) -> tuple[object, ...]:
    """One method call; an error reply, a timeout or a broken bus raises ``DndError``."""
    try:
        reply: Message = conn.send_and_get_reply(
            new_method_call(address, method, signature, body), timeout=timeout_s
        )
    except TimeoutError:
        raise DndError(f"{server} did not answer {method} within {timeout_s:g} s") from None
    except (OSError, ValueError) as exc:
        raise DndError(one_line(f"lost the D-Bus connection to {server}: {exc}")) from None
    if reply.header.message_type is MessageType.error:
        name = str(reply.header.fields.get(HeaderFields.error_name, "unknown error"))
        if name == "org.freedesktop.DBus.Error.ServiceUnknown":
            raise DndError(f"{server} is not running on the session bus; start it, then retry")
        detail = f": {reply.body[0]}" if reply.body and isinstance(reply.body[0], str) else ""
        raise DndError(one_line(f"{server} refused {method} ({name}{detail})"))
    return tuple(reply.body)


def server_information(conn: DBusConnection, timeout_s: float) -> tuple[str, str, str, str]:
    """``GetServerInformation`` of whoever owns the notification name: name, vendor, ..."""
    body = call(
        conn,
        DBusAddress("/org/freedesktop/Notifications", NOTIFICATIONS_NAME, NOTIFICATIONS_NAME),
        "GetServerInformation",
        None,
        (),
        server="the notification server",
        timeout_s=timeout_s,
    )
    name, vendor, version, spec = (str(part) for part in body)
    return name, vendor, version, spec


def owner_pid(conn: DBusConnection, name: str, timeout_s: float) -> int:
    """The process id behind the bus name ``name`` (to read the server's config)."""
    (unique,) = call(
        conn, BUS_DAEMON, "GetNameOwner", "s", (name,), server=name, timeout_s=timeout_s
    )
    (pid,) = call(
        conn,
        BUS_DAEMON,
        "GetConnectionUnixProcessID",
        "s",
        (unique,),
        server=name,
        timeout_s=timeout_s,
    )
    return int(str(pid))
