"""xfce4-notifyd: the xfconf property ``/do-not-disturb`` of channel ``xfce4-notifyd``.

Set through xfconfd's own D-Bus interface (``org.xfce.Xfconf``), exactly what the
notification settings dialog and ``xfconf-query`` do; xfce4-notifyd follows the property.
xfce4-notifyd still shows critical notifications while do-not-disturb is on.
A property that was never set reads as off. ``PropertyChanged`` announces changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from jeepney import DBusAddress, MatchRule

from focus_app.desktop.dnd.base import DndDriver, DndError, probed
from focus_app.desktop.dnd.bus import BusLink, error_name

NAME = "xfce4-notifyd"
SERVER_NAMES = ("Xfce Notify Daemon",)
"""What xfce4-notifyd answers to ``GetServerInformation`` (checked on 0.7.3)."""

XFCONF = DBusAddress("/org/xfce/Xfconf", bus_name="org.xfce.Xfconf", interface="org.xfce.Xfconf")
CHANNEL = "xfce4-notifyd"
PROPERTY = "/do-not-disturb"
_NOT_FOUND = "org.xfce.Xfconf.Error.PropertyNotFound"


class XfceDnd:
    """``DndDriver`` for xfce4-notifyd through xfconfd.

    Args:
        bus: ``"SESSION"`` or a D-Bus address.
        timeout_s: Upper bound for each call.
    """

    name = NAME
    shows_critical = True

    def __init__(self, bus: str = "SESSION", *, timeout_s: float = 2.0) -> None:
        match = MatchRule(
            type="signal",
            interface=XFCONF.interface,
            path=XFCONF.object_path,
        )
        match.add_arg_condition(0, CHANNEL)
        self._link = BusLink(bus, "xfconf", match=match, timeout_s=timeout_s)

    def is_on(self) -> bool:
        """The property's value; unset means off."""
        reply = self._link.call(XFCONF, "GetProperty", "ss", (CHANNEL, PROPERTY))
        name = error_name(reply)
        if name == _NOT_FOUND:
            return False
        if name:
            raise DndError(f"xfconf refused to read {CHANNEL} {PROPERTY} ({name})")
        signature, value = reply.body[0]
        return signature == "b" and bool(value)

    def set_on(self, on: bool) -> None:
        """Write the property (xfce4-notifyd follows it)."""
        self._link.checked(XFCONF, "SetProperty", "ssv", (CHANNEL, PROPERTY, ("b", on)))

    def fileno(self) -> int | None:
        """The connection's socket (``PropertyChanged`` arrives there)."""
        return self._link.fileno()

    def dispatch_pending(self) -> bool:
        """``True`` if xfconf announced a change (or removal) of the property."""
        return any(
            len(msg.body) >= 2 and msg.body[1] == PROPERTY for msg in self._link.take_signals()
        )

    def close(self) -> None:
        """Close the connection."""
        self._link.close()

    def guardian_spec(self) -> dict[str, str] | None:
        """Enough for the guardian to write the property on the same bus."""
        return {"driver": NAME, "bus": self._link.bus}


def open_driver(bus: str) -> DndDriver:
    """Connect to xfconfd on ``bus``; raise ``DndError`` if it cannot be read."""
    return probed(XfceDnd(bus))


def driver_from_spec(spec: Mapping[str, str]) -> DndDriver:
    """Rebuild the driver in the guardian process."""
    return XfceDnd(spec.get("bus", "SESSION"))
