"""swaync (SwayNotificationCenter) do-not-disturb through its own D-Bus interface.

swaync 0.7 serves ``org.erikreider.swaync.cc`` on ``/org/erikreider/swaync/cc`` (what
``swaync-client --get-dnd/--dnd-on/--dnd-off`` call): ``GetDnd() -> b``,
``SetDnd(b)``, and a ``Subscribe(u count, b dnd, b cc_open)`` signal on every change,
also when the user flips do-not-disturb in the control center. While do-not-disturb is
on, swaync files new notifications in its control center without a popup, except
critical ones, which pop up by design (SwayNotificationCenter issue 198).
"""

from __future__ import annotations

from collections.abc import Mapping

from jeepney import DBusAddress, HeaderFields, MatchRule

from focus_app.desktop.dnd.base import DndError, probed
from focus_app.desktop.dnd.bus import BusLink, resolve_bus

NAME = "swaync"
SERVER_NAME = "SwayNotificationCenter"
"""What swaync answers as the name in ``GetServerInformation``."""

CONTROL_CENTER = DBusAddress(
    "/org/erikreider/swaync/cc", "org.erikreider.swaync.cc", "org.erikreider.swaync.cc"
)


class SwayncDnd:
    """The ``DndDriver`` for swaync, and a change source (its ``Subscribe`` signal).

    Args:
        bus: ``"SESSION"`` or a D-Bus address.
        timeout_s: Upper bound for connecting and for each call.
    """

    name = NAME
    shows_critical = True

    def __init__(self, bus: str = "SESSION", *, timeout_s: float = 2.0) -> None:
        self._bus = bus
        self._link = BusLink(
            bus,
            NAME,
            match=MatchRule(
                type="signal",
                interface=CONTROL_CENTER.interface,
                path=CONTROL_CENTER.object_path,
            ),
            timeout_s=timeout_s,
        )
        self._last: bool | None = None

    def is_on(self) -> bool:
        """swaync's do-not-disturb now (``GetDnd``)."""
        (on,) = self._call("GetDnd", None, ())
        self._last = bool(on)
        return self._last

    def set_on(self, on: bool) -> None:
        """Switch swaync's do-not-disturb (``SetDnd``) and check that it stuck.

        swaync 0.7 keeps the state in GSettings (``org.erikreider.swaync dnd-state``):
        where dconf cannot write, ``SetDnd`` succeeds and changes nothing, so the state
        is read back rather than trusted.
        """
        self._call("SetDnd", "b", (on,))
        if self.is_on() != on:
            raise DndError(
                f"swaync did not keep do-not-disturb {'on' if on else 'off'}: it stores it "
                "with GSettings, so check that dconf works (gsettings set "
                "org.erikreider.swaync dnd-state true)"
            )

    def close(self) -> None:
        """Close the bus connection (idempotent); a later call reconnects."""
        self._link.close()

    def guardian_spec(self) -> dict[str, str] | None:
        """swaync keeps its state after we die: a guardian must switch it back."""
        return {"driver": NAME, "bus": resolve_bus(self._bus)}

    def fileno(self) -> int | None:
        """The connection's socket (for a ``QSocketNotifier``), ``None`` while disconnected."""
        return self._link.fileno()

    def dispatch_pending(self) -> bool:
        """Read what arrived; ``True`` when a ``Subscribe`` signal changed the dnd flag
        (or the connection broke, so the state must be read again)."""
        connected = self._link.fileno() is not None
        signals = self._link.take_signals()
        if connected and self._link.fileno() is None:
            return True
        changed = False
        for msg in signals:
            if msg.header.fields.get(HeaderFields.member) != "Subscribe":
                continue
            dnd = bool(msg.body[1])
            if dnd != self._last:
                changed = True
            self._last = dnd
        return changed

    def _call(
        self, method: str, signature: str | None, body: tuple[object, ...]
    ) -> tuple[object, ...]:
        try:
            return self._link.checked(CONTROL_CENTER, method, signature, body)
        except DndError:
            self.close()  # the next call starts afresh (swaync restarted, bus came back)
            raise


def open_driver(bus: str = "SESSION") -> SwayncDnd:
    """Connect to swaync on ``bus``; raise ``DndError`` when it is not there."""
    return probed(SwayncDnd(bus))


def driver_from_spec(spec: Mapping[str, str]) -> SwayncDnd:
    """Rebuild the driver from ``guardian_spec`` (in the guardian process)."""
    return SwayncDnd(spec.get("bus", "SESSION"))
