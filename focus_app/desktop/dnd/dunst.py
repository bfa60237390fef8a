"""dunst: the ``paused`` property of ``org.dunstproject.cmd0`` (what ``dunstctl set-paused`` sets).

Measured on dunst 1.9: while paused every new notification waits, critical ones too, so
``shows_critical`` is ``False``; unpausing shows everything that waited at once. The
property emits ``PropertiesChanged``, so a user's ``dunstctl set-paused false`` during a
block is seen at once.
"""

from __future__ import annotations

from collections.abc import Mapping

from jeepney import DBusAddress, MatchRule

from focus_app.desktop.dnd.base import DndDriver, probed
from focus_app.desktop.dnd.bus import PROPERTIES, BusLink

NAME = "dunst"
SERVER_NAMES = ("dunst",)
"""What dunst answers to ``GetServerInformation`` (checked on 1.9.0)."""

DUNST = DBusAddress(
    "/org/freedesktop/Notifications",
    bus_name="org.freedesktop.Notifications",
    interface="org.dunstproject.cmd0",
)


class DunstDnd:
    """``DndDriver`` for dunst over D-Bus.

    Args:
        bus: ``"SESSION"`` or a D-Bus address.
        timeout_s: Upper bound for each call.
    """

    name = NAME
    shows_critical = False

    def __init__(self, bus: str = "SESSION", *, timeout_s: float = 2.0) -> None:
        match = MatchRule(
            type="signal",
            interface=PROPERTIES,
            member="PropertiesChanged",
            path=DUNST.object_path,
        )
        match.add_arg_condition(0, DUNST.interface)
        self._link = BusLink(bus, "dunst", match=match, timeout_s=timeout_s)

    def is_on(self) -> bool:
        """Whether dunst is paused."""
        return bool(self._link.get_property(DUNST, DUNST.interface, "paused"))

    def set_on(self, on: bool) -> None:
        """Pause or unpause dunst."""
        self._link.set_property(DUNST, DUNST.interface, "paused", "b", on)

    def counts(self) -> tuple[int, int]:
        """``(displayed, waiting)`` notifications right now, for tests and diagnostics."""
        displayed = int(self._link.get_property(DUNST, DUNST.interface, "displayedLength"))
        waiting = int(self._link.get_property(DUNST, DUNST.interface, "waitingLength"))
        return displayed, waiting

    def fileno(self) -> int | None:
        """The connection's socket (``PropertiesChanged`` arrives there)."""
        return self._link.fileno()

    def dispatch_pending(self) -> bool:
        """``True`` if dunst announced a change of ``paused``."""
        return any(
            "paused" in msg.body[1] or "paused" in msg.body[2] for msg in self._link.take_signals()
        )

    def close(self) -> None:
        """Close the connection."""
        self._link.close()

    def guardian_spec(self) -> dict[str, str] | None:
        """Enough for the guardian to unpause dunst on the same bus."""
        return {"driver": NAME, "bus": self._link.bus}


def open_driver(bus: str) -> DndDriver:
    """Connect to dunst on ``bus`` (checks the property is there); raise ``DndError``."""
    return probed(DunstDnd(bus))


def driver_from_spec(spec: Mapping[str, str]) -> DndDriver:
    """Rebuild the driver in the guardian process."""
    return DunstDnd(spec.get("bus", "SESSION"))
