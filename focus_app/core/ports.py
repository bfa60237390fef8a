"""Interfaces the core and the engine depend on; adapters and fakes implement them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

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

    ``ok=False`` is a *definite* failure: no bus, no notification server, or an error
    reply. Only then may the caller show the item again later. A server that has not
    answered yet is not a failed one (it may show the notification late): the result is
    ``ok`` with a ``token``, and a :class:`DeliveryReport` with that token follows only if
    the server then answers with an error (or with the id, for actions). A server that
    never answers counts as having shown it: nothing is ever shown twice.

    Attributes:
        ok: The notification server accepted it, or has not refused it yet (``token``).
        server_id: The server's id for it (for actions and replacing), 0 if none (yet).
        error: One line saying why delivery failed, empty when ``ok``.
        refused: The server answered with an error about this notification (it was
            there, but will not show this one); retrying it unchanged will not help.
        token: Non-zero while the server's answer is outstanding: the key of the
            :class:`DeliveryReport` that may follow.
    """

    ok: bool
    server_id: int = 0
    error: str = ""
    refused: bool = False
    token: int = 0


@dataclass(frozen=True)
class DeliveryReport:
    """The late answer to a ``notify`` whose result carried a ``token``.

    Attributes:
        token: The ``DeliveryResult.token`` this answers.
        result: What the server finally said (``ok`` with its id, or a definite failure).
    """

    token: int
    result: DeliveryResult


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
        app_name: str | None = None,
        app_icon: str | None = None,
        extra_hints: dict[str, Any] | None = None,
    ) -> DeliveryResult:
        """Show one notification without blocking for long.

        Args:
            title: The summary, plain text.
            body: The body, plain text.
            urgency: How urgent.
            actions: (key, label) pairs.
            replaces_id: A server id to replace in place, or 0.
            app_name: Show it under this application name instead of the app's own
                (re-showing another program's notification under its own name).
            app_icon: Likewise for the icon (a theme name or an absolute path).
            extra_hints: More hints, as the notifier's transport expects them (D-Bus:
                name to ``(signature, value)``); they never replace ``urgency``.
        """
        ...
