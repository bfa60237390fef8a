"""The do-not-disturb port, as the Wayland drivers (swaync, mako) need it.

A stand-in written in parallel with ``base.py`` (the port's home, which another branch
adds with the dunst, xfce, GNOME and KDE drivers): same names and contract, so folding
this file into ``base.py`` at merge is deleting it and changing two imports.
"""

from __future__ import annotations

from typing import Protocol


class DndError(Exception):
    """The server's do-not-disturb could not be read or switched; the message is one line."""


class DndDriver(Protocol):
    """One notification server's do-not-disturb switch.

    Attributes:
        name: The driver's name (``"swaync"``, ``"mako"``, ...).
        shows_critical: Whether the server still shows critical notifications while its
            do-not-disturb is on.
    """

    name: str
    shows_critical: bool

    def is_on(self) -> bool:
        """The server's do-not-disturb state now; raises ``DndError``."""
        ...

    def set_on(self, on: bool) -> None:
        """Switch the server's do-not-disturb; raises ``DndError`` (one line) on failure."""
        ...

    def close(self) -> None:
        """Release the driver's connection (idempotent)."""
        ...

    def guardian_spec(self) -> dict[str, str] | None:
        """What a separate process needs to rebuild this driver (``"driver"`` at least)."""
        ...
