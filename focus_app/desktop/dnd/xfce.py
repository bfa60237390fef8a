"""xfce4-notifyd: the xfconf property ``/do-not-disturb`` of channel ``xfce4-notifyd``.

Set through xfconfd's own D-Bus interface (``org.xfce.Xfconf``), exactly what the
notification settings dialog and ``xfconf-query`` do; xfce4-notifyd follows the property.
xfce4-notifyd still shows critical notifications while do-not-disturb is on.
A property that was never set reads as off. ``PropertyChanged`` announces changes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from jeepney import DBusAddress, MatchRule, Message

from focus_app.desktop.dnd.base import DndDriver, DndError, probed
from focus_app.desktop.dnd.bus import BusLink, error_name

NAME = "xfce4-notifyd"
SERVER_NAMES = ("Xfce Notify Daemon",)
"""What xfce4-notifyd answers to ``GetServerInformation`` (checked on 0.7.3)."""

XFCONF = DBusAddress("/org/xfce/Xfconf", bus_name="org.xfce.Xfconf", interface="org.xfce.Xfconf")
CHANNEL = "xfce4-notifyd"
PROPERTY = "/do-not-disturb"
_NOT_FOUND = "org.xfce.Xfconf.Error.PropertyNotFound"
ANNOUNCE_TIMEOUT_S = 1.0
"""How long ``set_on`` waits for xfconfd's ``PropertyChanged`` (it takes milliseconds)."""

log = logging.getLogger(__name__)


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
        """Write the property and wait (briefly) until xfconfd has announced it.

        xfconfd answers ``SetProperty`` before it emits ``PropertyChanged`` (from an idle
        callback), and xfce4-notifyd only follows the signal: a digest sent right after
        switching do-not-disturb off could reach the server while it still drops
        everything into its log. Once the signal is here, xfce4-notifyd has it queued
        ahead of the digest (checked on xfconfd 4.18: the reply comes first, the
        signal about 0.1 ms later, also when the value did not change).
        """
        self._link.checked(XFCONF, "SetProperty", "ssv", (CHANNEL, PROPERTY, ("b", on)))

        def announced(msg: Message) -> bool:
            body = msg.body
            return (
                len(body) >= 3 and tuple(body[:2]) == (CHANNEL, PROPERTY) and (body[2] == ("b", on))
            )

        if not self._link.await_signal(announced, ANNOUNCE_TIMEOUT_S):
            log.debug(
                "xfconfd did not announce %s=%s within %g s", PROPERTY, on, ANNOUNCE_TIMEOUT_S
            )

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
