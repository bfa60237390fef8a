"""Which driver drives which notification server; where new drivers plug in.

One line per driver: its name (also the guardian spec's ``"driver"``), the names its
server answers to ``GetServerInformation``, and the module that holds
``open_driver(bus)`` and ``driver_from_spec(spec)`` (the contract in ``base.py``).
Modules are imported only when their server is found, so detection stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast

from focus_app.desktop.dnd.base import DndDriver, DndError


@dataclass(frozen=True)
class DriverEntry:
    """One driver as detection and the guardian find it."""

    name: str
    server_names: tuple[str, ...]
    module: str

    def open(self, bus: str) -> DndDriver:
        """Connect to the server on ``bus``; raise ``DndError``."""
        opener = cast(Callable[[str], DndDriver], self._attr("open_driver"))
        return opener(bus)

    def from_spec(self, spec: Mapping[str, str]) -> DndDriver:
        """Rebuild a driver from its ``guardian_spec``."""
        loader = cast(Callable[[Mapping[str, str]], DndDriver], self._attr("driver_from_spec"))
        return loader(spec)

    def _attr(self, name: str) -> object:
        return getattr(importlib.import_module(self.module), name)


DRIVERS: tuple[DriverEntry, ...] = (
    DriverEntry("dunst", ("dunst",), "focus_app.desktop.dnd.dunst"),
    DriverEntry("xfce4-notifyd", ("Xfce Notify Daemon",), "focus_app.desktop.dnd.xfce"),
    DriverEntry("gnome-shell", ("gnome-shell",), "focus_app.desktop.dnd.gnome"),
    DriverEntry("kde-plasma", ("Plasma",), "focus_app.desktop.dnd.kde"),
    DriverEntry("swaync", ("SwayNotificationCenter",), "focus_app.desktop.dnd.swaync"),
    DriverEntry("mako", ("mako",), "focus_app.desktop.dnd.mako"),
)


def entry_for_server(server_name: str) -> DriverEntry | None:
    """The driver for a ``GetServerInformation`` name, or ``None`` if none drives it."""
    return next((e for e in DRIVERS if server_name in e.server_names), None)


def driver_from_spec(spec: Mapping[str, str]) -> DndDriver:
    """Rebuild the driver a ``guardian_spec`` names; raise ``DndError`` for an unknown one."""
    name = spec.get("driver", "")
    entry = next((e for e in DRIVERS if e.name == name), None)
    if entry is None:
        raise DndError(f"unknown do-not-disturb driver {name!r} in the guardian's instructions")
    return entry.from_spec(spec)
