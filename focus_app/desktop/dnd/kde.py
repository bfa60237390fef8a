"""KDE Plasma: ``org.freedesktop.Notifications.Inhibit`` / ``UnInhibit``.

Plasma's notification server takes an inhibition from any client (``Inhibit`` returns a
cookie) and ends it on ``UnInhibit(cookie)`` or when the client's connection leaves the
bus. That last part is the give-back after a crash: the kernel closes the dead app's
socket, the bus announces the name gone, Plasma drops the inhibition, so no guardian is
needed (``guardian_spec`` is ``None``). The connection that inhibited must therefore stay
open for the whole block; this driver keeps it.

``is_on`` reads Plasma's ``Inhibited`` property (true for any inhibition, the user's own
do-not-disturb included) where the server has it, else whether we hold a cookie.
Plasma shows critical notifications during do-not-disturb by default.
"""

from __future__ import annotations

from collections.abc import Mapping

from jeepney import DBusAddress, MatchRule

from focus_app.desktop.dnd.base import DndDriver, probed
from focus_app.desktop.dnd.bus import PROPERTIES, BusLink, error_name
from focus_app.desktop.notifier import DESKTOP_ENTRY, NOTIFICATIONS

NAME = "kde-plasma"
SERVER_NAMES = ("Plasma",)
"""What Plasma's notification server answers to ``GetServerInformation``."""

REASON = "Focus block: notifications are held until it ends"


class KdeDnd:
    """``DndDriver`` for KDE Plasma through ``Inhibit``.

    Args:
        bus: ``"SESSION"`` or a D-Bus address.
        timeout_s: Upper bound for each call.
    """

    name = NAME
    shows_critical = True

    def __init__(self, bus: str = "SESSION", *, timeout_s: float = 2.0) -> None:
        match = MatchRule(
            type="signal",
            interface=PROPERTIES,
            member="PropertiesChanged",
            path=NOTIFICATIONS.object_path,
        )
        match.add_arg_condition(0, NOTIFICATIONS.interface)
        self._link = BusLink(
            bus, "the Plasma notification server", match=match, timeout_s=timeout_s
        )
        self._cookie: int | None = None

    @property
    def cookie(self) -> int | None:
        """The inhibition this driver holds, if any."""
        return self._cookie

    def is_on(self) -> bool:
        """``Inhibited`` if the server has it, else whether we hold an inhibition."""
        props = DBusAddress(NOTIFICATIONS.object_path, NOTIFICATIONS.bus_name, PROPERTIES)
        reply = self._link.call(props, "Get", "ss", (NOTIFICATIONS.interface, "Inhibited"))
        if error_name(reply):
            return self._cookie is not None
        return bool(reply.body[0][1])

    def set_on(self, on: bool) -> None:
        """Inhibit (keeping the connection open) or give our inhibition back."""
        if on and self._cookie is None:
            (cookie,) = self._link.checked(
                NOTIFICATIONS, "Inhibit", "ssa{sv}", (DESKTOP_ENTRY, REASON, {})
            )
            self._cookie = int(cookie)
        elif not on and self._cookie is not None:
            cookie, self._cookie = self._cookie, None
            self._link.checked(NOTIFICATIONS, "UnInhibit", "u", (cookie,))

    def fileno(self) -> int | None:
        """The connection's socket (``PropertiesChanged`` of ``Inhibited`` arrives there)."""
        return self._link.fileno()

    def dispatch_pending(self) -> bool:
        """``True`` if ``Inhibited`` changed, or our connection (and inhibition) was lost."""
        had_connection = self._link.fileno() is not None
        changed = any(
            "Inhibited" in msg.body[1] or "Inhibited" in msg.body[2]
            for msg in self._link.take_signals()
        )
        if had_connection and self._link.fileno() is None and self._cookie is not None:
            self._cookie = None  # the server ended the inhibition with the connection
            changed = True
        return changed

    def close(self) -> None:
        """Close the connection, which also ends an inhibition still held."""
        self._cookie = None
        self._link.close()

    def guardian_spec(self) -> dict[str, str] | None:
        """``None``: Plasma ends the inhibition itself when this process leaves the bus."""
        return None


def open_driver(bus: str) -> DndDriver:
    """Connect to the Plasma notification server on ``bus``; raise ``DndError``."""
    return probed(KdeDnd(bus))


def driver_from_spec(spec: Mapping[str, str]) -> DndDriver:
    """A new connection, for symmetry; its inhibitions end when it closes."""
    return KdeDnd(spec.get("bus", "SESSION"))
