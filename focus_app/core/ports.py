"""Interfaces the core and the engine depend on; adapters and fakes implement them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from focus_app.core.model import Urgency


class Clock(Protocol):
    """Where time comes from. The core never reads a global clock."""

    def now(self) -> datetime:
        """The current instant, aware, in the local time zone."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never jumps (for clock-change checks)."""
        ...


@dataclass(frozen=True)
class DeliveryResult:
    """What happened when a notification was handed to the desktop.

    Attributes:
        ok: The notification server accepted it.
        server_id: The server's id for it (for actions and replacing), 0 if none.
        error: One line saying why delivery failed, empty when ``ok``.
    """

    ok: bool
    server_id: int = 0
    error: str = ""


class Notifier(Protocol):
    """Shows notifications on the desktop. Text is plain: implementations escape markup."""

    def notify(
        self,
        title: str,
        body: str,
        *,
        urgency: Urgency = Urgency.NORMAL,
        actions: tuple[tuple[str, str], ...] = (),
        replaces_id: int = 0,
    ) -> DeliveryResult:
        """Show one notification; ``actions`` are (key, label) pairs."""
        ...
