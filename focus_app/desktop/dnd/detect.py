"""Find the session's notification server and the driver for its do-not-disturb.

``GetServerInformation`` names the server (``dunst``, ``Xfce Notify Daemon``,
``gnome-shell``, ``Plasma``, ...); the registry maps that name to a driver. A server no
driver handles is reported as ``Unsupported`` by its name, and no server at all as
``NoServer``: the app then says so plainly in ``status`` instead of pretending.
"""

from __future__ import annotations

from dataclasses import dataclass

from focus_app.desktop.dnd.base import DndDriver, DndError
from focus_app.desktop.dnd.bus import BusLink, error_name
from focus_app.desktop.dnd.registry import entry_for_server
from focus_app.desktop.notifier import NOTIFICATIONS, one_line


@dataclass(frozen=True)
class ServerInfo:
    """The first three fields of ``GetServerInformation``."""

    name: str
    vendor: str
    version: str


@dataclass(frozen=True)
class Unsupported:
    """A notification server runs but no driver can switch its do-not-disturb.

    ``reason`` is set when a driver exists but could not connect (a missing ``gsettings``,
    xfconfd not running).
    """

    server: str
    reason: str = ""

    @property
    def status(self) -> str:
        """``"unsupported: <server>"`` for ``status --json``."""
        return f"unsupported: {self.server}"


@dataclass(frozen=True)
class NoServer:
    """No notification server (or no session bus) to ask."""

    reason: str

    @property
    def status(self) -> str:
        """``"none: no notification server"`` for ``status --json``."""
        return "none: no notification server"


Detection = DndDriver | Unsupported | NoServer


def server_information(bus: str = "SESSION", *, timeout_s: float = 2.0) -> ServerInfo:
    """Ask the server on ``bus`` who it is; raise ``DndError`` when nobody answers."""
    link = BusLink(bus, "the notification server", timeout_s=timeout_s)
    try:
        reply = link.call(NOTIFICATIONS, "GetServerInformation")
    finally:
        link.close()
    name = error_name(reply)
    if name:
        raise DndError(one_line(f"no notification server answered on the session bus ({name})"))
    server, vendor, version = (str(part) for part in reply.body[:3])
    return ServerInfo(server, vendor, version)


def detect(bus: str = "SESSION", *, timeout_s: float = 2.0) -> Detection:
    """The driver for the running server, or why there is none.

    Args:
        bus: ``"SESSION"`` or a D-Bus address.
        timeout_s: Upper bound for each D-Bus call.
    """
    try:
        info = server_information(bus, timeout_s=timeout_s)
    except DndError as exc:
        return NoServer(str(exc))
    entry = entry_for_server(info.name)
    if entry is None:
        return Unsupported(info.name)
    try:
        return entry.open(bus)
    except DndError as exc:
        return Unsupported(info.name, reason=str(exc))
