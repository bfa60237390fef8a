"""The do-not-disturb port: one small driver per notification server behind one Protocol.

While the mode holds notifications, the app switches the desktop's own do-not-disturb on,
so whatever other programs send to the server stays out of sight; the engine keeps the
held items. Every server has its own documented switch (dunst's ``paused`` property,
xfconf's ``/do-not-disturb``, GNOME's ``show-banners`` key, KDE's ``Inhibit``), so each
gets a driver of a few dozen lines and the rest of the app sees only ``DndDriver``.

Plug-in contract for a driver module (see ``registry.py``): it defines a class that
satisfies ``DndDriver`` plus two module-level functions,
``open_driver(bus: str) -> DndDriver`` (connect to the server on ``bus``, raise
``DndError``) and ``driver_from_spec(spec: Mapping[str, str]) -> DndDriver`` (rebuild a
driver from what ``guardian_spec`` returned, in the guardian process).
"""

from __future__ import annotations

from typing import Protocol, TypeVar, runtime_checkable


class DndError(Exception):
    """The server's do-not-disturb could not be read or switched; the message is one line."""


class DndDriver(Protocol):
    """One notification server's do-not-disturb switch.

    Attributes:
        name: The driver's name, also shown in ``status --json`` (``"dunst"``,
            ``"xfce4-notifyd"``, ``"gnome-shell"``, ``"kde-plasma"``, ``"swaync"``, ``"mako"``).
        shows_critical: Whether the server still shows critical notifications while its
            do-not-disturb is on. When it does not (dunst 1.9 queues criticals too), the
            controller lifts do-not-disturb while a breakthrough shows.
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
        """How a separate process rebuilds this driver to give the state back after a crash.

        ``None`` when the server gives it back by itself (KDE ends an inhibition when its
        caller leaves the bus). Otherwise a flat ``str`` mapping with at least ``"driver"``
        (the registry name) that the driver module's ``driver_from_spec`` accepts.
        """
        ...


@runtime_checkable
class DndChangeSource(Protocol):
    """Optional: a driver whose server announces do-not-disturb changes.

    Watch ``fileno`` with a ``QSocketNotifier`` (re-read it after every
    ``dispatch_pending``: a reconnect changes it) and call ``dispatch_pending`` when it is
    readable; it returns ``True`` when the do-not-disturb state may have changed.
    """

    def fileno(self) -> int | None:
        """The socket to watch, or ``None`` while disconnected."""
        ...

    def dispatch_pending(self) -> bool:
        """Read what arrived without blocking; ``True`` if the state may have changed."""
        ...


class MemoryDnd:
    """An in-memory ``DndDriver`` (and change source) for tests and headless runs.

    ``user_sets`` simulates the user flipping the switch in the desktop's own UI: the state
    changes and the next ``dispatch_pending`` reports it. ``fail_with`` makes every call
    fail like an unreachable server. ``calls`` records each ``set_on`` in order.
    """

    def __init__(self, *, name: str = "memory", shows_critical: bool = True) -> None:
        self.name = name
        self.shows_critical = shows_critical
        self.on = False
        self.fail_with = ""
        self.calls: list[bool] = []
        self.closed = False
        self._changed = False

    def is_on(self) -> bool:
        """The simulated state."""
        self._check()
        return self.on

    def set_on(self, on: bool) -> None:
        """Record the call and switch the simulated state."""
        self._check()
        self.calls.append(on)
        self.on = on

    def user_sets(self, on: bool) -> None:
        """The user flips do-not-disturb outside the app."""
        self.on = on
        self._changed = True

    def fileno(self) -> int | None:
        """No socket: callers poll ``dispatch_pending`` after ``user_sets``."""
        return None

    def dispatch_pending(self) -> bool:
        """``True`` once after each ``user_sets``."""
        changed, self._changed = self._changed, False
        return changed

    def close(self) -> None:
        """Mark the driver closed."""
        self.closed = True

    def guardian_spec(self) -> dict[str, str] | None:
        """A memory driver cannot be rebuilt in another process."""
        return None

    def _check(self) -> None:
        if self.fail_with:
            raise DndError(self.fail_with)


_Driver = TypeVar("_Driver", bound=DndDriver)


def probed(driver: _Driver) -> _Driver:
    """``driver`` once it has read its server's state, or closed and the error raised.

    What every driver module's ``open_driver`` promises: the returned driver works (it
    connected, and subscribed where it watches changes, before the first change can
    happen); a failed one leaves no connection behind.
    """
    try:
        driver.is_on()
    except BaseException:
        driver.close()
        raise
    return driver
