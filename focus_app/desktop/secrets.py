"""Passwords of CalDAV links and followed CalDAV calendars: the desktop's Secret Service
where present, else memory.

The Secret Service (``org.freedesktop.secrets``: GNOME Keyring, KeePassXC, KWallet's
bridge) is talked to over jeepney's blocking API on a connection of its own per call, so
a lookup can run on the worker thread that syncs (the GUI thread never waits on it). The
session uses the "plain" algorithm: the bus is the user's own, and the service keeps the
password encrypted at rest. Without a service (a bare window manager, a test bus) the
password is kept in memory until the app quits, and the answer says so in one line. It
is never written to the settings file or the database.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

# jeepney ships no type information; its few names used here are wrapped in typed methods.
from jeepney import DBusAddress, Message, MessageType, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.secrets"
SERVICE = DBusAddress(
    "/org/freedesktop/secrets", bus_name=BUS_NAME, interface="org.freedesktop.Secret.Service"
)
COLLECTION_IFACE = "org.freedesktop.Secret.Collection"
ITEM_IFACE = "org.freedesktop.Secret.Item"
APPLICATION = "focus-app"
TIMEOUT_S = 5.0
IN_MEMORY_NOTE = (
    "no Secret Service on this desktop: the password is kept in memory until the app quits "
    "(give it again after a restart)"
)


Key = int | str
"""Whose password: a CalDAV link's id (``3``), or a prefixed id of something else that
logs in (``"s3"``: followed calendar 3, see :func:`subscription_key`)."""


class SecretServiceError(Exception):
    """The Secret Service is absent or refused (one line, why)."""


def subscription_key(subscription_id: int) -> str:
    """The key of a followed CalDAV calendar's password: its own prefix, so it never
    meets a link's item of the same number."""
    return f"s{subscription_id}"


def attributes(link_id: Key) -> dict[str, str]:
    """The attributes an item of ours carries (what a lookup searches by)."""
    return {"application": APPLICATION, "link": str(link_id)}


def _ref(key: Key) -> str:
    """How logs name the calendar: ``c3`` for a link, the key itself otherwise."""
    return f"c{key}" if isinstance(key, int) else key


class SecretService:
    """The few Secret Service calls the app needs, each on its own connection.

    Args:
        bus: ``"SESSION"`` or a D-Bus address (tests give their private bus).
    """

    def __init__(self, bus: str = "SESSION") -> None:
        self._bus = bus

    def store(self, link_id: Key, label: str, password: str) -> None:
        """Create (or replace) the item of ``link_id`` in the default collection.

        Raises:
            SecretServiceError: No service, no default collection, or it asked for a prompt.
        """
        with self._connect() as conn:
            session = self._open_session(conn)
            collection = self._call(conn, SERVICE, "ReadAlias", "s", ("default",))[0]
            if collection == "/":
                raise SecretServiceError("the Secret Service has no default collection")
            properties = {
                f"{ITEM_IFACE}.Label": ("s", label),
                f"{ITEM_IFACE}.Attributes": ("a{ss}", attributes(link_id)),
            }
            secret = (session, b"", password.encode(), "text/plain; charset=utf8")
            address = DBusAddress(collection, bus_name=BUS_NAME, interface=COLLECTION_IFACE)
            _item, prompt = self._call(
                conn, address, "CreateItem", "a{sv}(oayays)b", (properties, secret, True)
            )
            if prompt != "/":
                raise SecretServiceError("the Secret Service's collection is locked")

    def lookup(self, link_id: Key) -> str | None:
        """The password of ``link_id``, or ``None`` when the service has none (or is locked).

        Raises:
            SecretServiceError: No service.
        """
        with self._connect() as conn:
            unlocked, _locked = self._call(
                conn, SERVICE, "SearchItems", "a{ss}", (attributes(link_id),)
            )
            if not unlocked:
                return None
            session = self._open_session(conn)
            found = self._call(conn, SERVICE, "GetSecrets", "aoo", (unlocked[:1], session))[0]
            for _session, _params, value, _type in found.values():
                return bytes(value).decode()
            return None

    def delete(self, link_id: Key) -> None:
        """Remove the items of ``link_id`` (none: nothing happens)."""
        with self._connect() as conn:
            unlocked, _locked = self._call(
                conn, SERVICE, "SearchItems", "a{ss}", (attributes(link_id),)
            )
            for path in unlocked:
                item = DBusAddress(path, bus_name=BUS_NAME, interface=ITEM_IFACE)
                self._call(conn, item, "Delete", "", ())

    def _connect(self) -> DBusConnection:
        try:
            conn: DBusConnection = open_dbus_connection(self._bus, auth_timeout=TIMEOUT_S)
        except (OSError, KeyError, ValueError) as exc:  # no bus address, or none listening
            raise SecretServiceError(f"no session bus ({exc})") from None
        return conn

    def _open_session(self, conn: DBusConnection) -> str:
        _output, session = self._call(conn, SERVICE, "OpenSession", "sv", ("plain", ("s", "")))
        return str(session)

    def _call(
        self, conn: DBusConnection, address: DBusAddress, method: str, signature: str,
        body: tuple[Any, ...],
    ) -> tuple[Any, ...]:
        message = new_method_call(address, method, signature or None, body)
        try:
            reply: Message = conn.send_and_get_reply(message, timeout=TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise SecretServiceError(f"the Secret Service did not answer ({exc})") from None
        if reply.header.message_type is MessageType.error:
            name = reply.header.fields.get(4, "error")  # HeaderFields.error_name
            raise SecretServiceError(f"the Secret Service refused {method}: {name}")
        body_out: tuple[Any, ...] = reply.body
        return body_out


class Passwords:
    """The links' passwords for this session: Secret Service first, memory without one.

    Thread-safe: ``lookup`` runs on the sync worker, ``store`` on the GUI thread.

    Args:
        service: The Secret Service to use; ``None``: memory only.
    """

    def __init__(self, service: SecretService | None) -> None:
        self._service = service
        self._memory: dict[Key, str] = {}
        self._lock = threading.Lock()

    def store(self, link_id: Key, label: str, password: str) -> str:
        """Keep the password of ``link_id``; returns where, one line for the person."""
        if self._service is not None:
            try:
                self._service.store(link_id, label, password)
            except SecretServiceError as exc:
                log.warning(
                    "password of calendar %s: %s; %s", _ref(link_id), exc, IN_MEMORY_NOTE
                )
            else:
                with self._lock:
                    self._memory.pop(link_id, None)
                return "stored in the desktop's Secret Service"
        with self._lock:
            self._memory[link_id] = password
        return IN_MEMORY_NOTE

    def lookup(self, link_id: Key) -> str | None:
        """The password of ``link_id``, or ``None`` when none is known."""
        with self._lock:
            if link_id in self._memory:
                return self._memory[link_id]
        if self._service is None:
            return None
        try:
            return self._service.lookup(link_id)
        except SecretServiceError as exc:
            log.info("password of calendar %s: %s", _ref(link_id), exc)
            return None

    def forget(self, link_id: Key) -> None:
        """Drop the password of ``link_id`` (the link was removed)."""
        with self._lock:
            self._memory.pop(link_id, None)
        if self._service is not None:
            try:
                self._service.delete(link_id)
            except SecretServiceError as exc:
                log.info("password of calendar %s not removed: %s", _ref(link_id), exc)
