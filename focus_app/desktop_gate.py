"""Every program's notifications through the gate, and the desktop's do-not-disturb in step.

Three parts meet here (DESIGN.md, "How data flows"):

* the **watcher** catches what other programs send to the notification server; each
  caught notification becomes a ``Notification`` (its program, sender rule, display name
  and icon from the Programs list and the program's ``.desktop`` file) and goes through
  ``Engine.ingest_many`` like a ``focus-app send``, in batches (a flood of 1,000 a second
  costs one transaction per event-loop turn, not one per notification);
* the **do-not-disturb controller** follows the mode: on while the mode holds
  notifications, so the server keeps what arrives out of sight; given back when the
  mode flows again, on quit, and by the guardian process after a crash;
* the **server** still has its own copy of everything caught. What the gate held or
  muted is closed there as soon as the server's id is known, so nothing is replayed as
  a flood when do-not-disturb ends: the digest covers it and the inbox keeps it. What the
  gate let through while do-not-disturb is on is shown again by the app, under the
  program's own name and icon, with one line saying why it broke through (on a server
  that hides critical notifications too, dunst, do-not-disturb is lifted while it shows).

When the user switches do-not-disturb off in the desktop during a block, the app does not
fight: the engine pauses until the block ends and says so.

Everything runs on the GUI thread; the D-Bus sockets are watched by ``QSocketNotifier``s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

from focus_app.core.model import Mode, Outcome, Urgency
from focus_app.core.programs import CaughtNotification, SenderRule, default_sender_rule
from focus_app.core.programs import to_notification as caught_to_notification
from focus_app.desktop.applications import DesktopEntries
from focus_app.desktop.dnd.controller import DndController
from focus_app.desktop.watcher import RESHOW_HINT, NotificationWatcher
from focus_app.engine import Engine, Ingested

log = logging.getLogger(__name__)

HOLDING = (Mode.FOCUS, Mode.OFF)
"""Modes in which the desktop's do-not-disturb is on."""

BREAKTHROUGH_SHOWN_MS = 10_000
"""How long do-not-disturb stays lifted for a breakthrough on a server that hides
critical notifications too (dunst); then the re-shown notification is closed and
do-not-disturb comes back (closing first: re-pausing dunst would put it back in its queue)."""

SERVER_ID_WAIT_MS = 150
"""How long a breakthrough waits for the server's id of the original before it is shown
anyway (the server normally answers within a millisecond)."""

_PENDING_LIMIT = 4096


class ServerPort:
    """What the gate needs from the notification server beyond ``notify``."""

    def close_notification(self, server_id: int) -> None:  # pragma: no cover - protocol
        raise NotImplementedError


@dataclass
class _Tracked:
    """A caught notification between the engine's decision and the server's id."""

    ingested: Ingested | None = None
    caught: CaughtNotification | None = None
    server_id: int = 0
    reshown: bool = False


class DesktopGate(QObject):
    """Connects the watcher, the do-not-disturb controller and the engine.

    Args:
        engine: The engine (decides, stores, emits ``state_changed``).
        notifier: Shows breakthroughs again (``notify`` with ``app_name``/``app_icon``/
            ``extra_hints``) and closes the server's copies (``close_notification``).
        watcher: A started ``NotificationWatcher`` (or ``None``: only the DND part runs).
        dnd: The controller for the detected server.
        entries: Desktop entry look-ups for display names and icons.
        parent: The usual QObject parent.
    """

    def __init__(
        self,
        engine: Engine,
        notifier: object,
        watcher: NotificationWatcher | None,
        dnd: DndController,
        *,
        entries: DesktopEntries | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._notifier = notifier
        self._watcher = watcher
        self._dnd = dnd
        self._entries = entries if entries is not None else DesktopEntries()
        self._batch: list[CaughtNotification] = []
        self._tracked: dict[tuple[str, int], _Tracked] = {}
        self._flush_soon = _single_shot(self, 0, self._flush)
        self._lift_end = _single_shot(self, BREAKTHROUGH_SHOWN_MS, self._end_lift)
        self._reshown_ids: list[int] = []
        self._dnd_notifier: QSocketNotifier | None = None
        self._dnd_fd: int | None = None
        engine.state_changed.connect(self.follow_mode)
        self._watch_dnd()
        self.follow_mode()

    # ----------------------------------------------------------------- status

    def status(self) -> dict[str, object]:
        """For ``status --json``: which server's do-not-disturb is driven, and the watcher."""
        watcher = self._watcher
        if watcher is None:
            catching = "off"
        elif watcher.available:
            catching = watcher.method or "on"
        else:
            catching = f"unavailable: {watcher.problem}"
        return {"dnd": self._dnd.status, "catching": catching}

    # ----------------------------------------------------------------- caught

    def on_caught(self, caught: CaughtNotification) -> None:
        """A program sent a notification: decide it with the others of this turn."""
        self._batch.append(caught)
        if not self._flush_soon.isActive():
            self._flush_soon.start()

    def on_server_id(self, caller: str, serial: int, server_id: int) -> None:
        """The server answered a caught ``Notify`` with its id."""
        tracked = self._tracked.setdefault((caller, serial), _Tracked())
        tracked.server_id = server_id
        if tracked.ingested is not None:
            self._settle(tracked)
        self._bound_tracked()

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        notifications = []
        seen: set[str] = set()
        for caught in batch:
            key = caught.program_key
            info = self._entries.lookup(caught.desktop_entry or caught.app_name)
            display = info.name if info is not None else ""
            icon = caught.app_icon or (info.icon if info is not None else "")
            if key not in seen:
                seen.add(key)
                self._engine.note_program_seen(
                    key, display or caught.app_name or key, icon, caught.received_at
                )
            rule = self._sender_rule(key, caught.app_name)
            n = caught_to_notification(caught, rule, display_name=display)
            notifications.append(
                replace(
                    n, program=key, origin="caught", app_icon=icon, category=caught.category
                )
            )
        results = self._engine.ingest_many(notifications, deliver=False)
        for caught, result in zip(batch, results, strict=True):
            if caught.interface != "freedesktop":
                # gtk/portal notifications have no server id we can close; GNOME's own
                # do-not-disturb keeps them out of sight.
                if result.decision.outcome is Outcome.DELIVERED:
                    self._maybe_reshow(_Tracked(result, caught))
                continue
            tracked = self._tracked.setdefault((caught.caller, caught.serial), _Tracked())
            tracked.ingested, tracked.caught = result, caught
            if tracked.server_id or result.decision.outcome is not Outcome.DELIVERED:
                self._settle(tracked)
            else:
                # Shown as soon as the server's id is known (to close the original first),
                # or after a short wait if the reply never comes.
                QTimer.singleShot(SERVER_ID_WAIT_MS, lambda t=tracked: self._settle(t))
        self._bound_tracked()

    def _sender_rule(self, key: str, app_name: str) -> SenderRule:
        program = self._engine.program(key)
        if program is not None and program.sender_rule:
            try:
                return SenderRule(program.sender_rule)
            except ValueError:
                pass
        return default_sender_rule(key, app_name)

    def _settle(self, tracked: _Tracked) -> None:
        """Act on a decision once the server's id is known (or waited for long enough)."""
        result = tracked.ingested
        if result is None or tracked.reshown:
            return
        outcome = result.decision.outcome
        if tracked.server_id:
            self._engine.store.set_server_id(result.id, tracked.server_id)
        if outcome is Outcome.DELIVERED:
            if tracked.server_id and self._dnd.engaged:
                self._close(tracked.server_id)
            self._maybe_reshow(tracked)
        elif tracked.server_id:
            # Held or muted: out of the server's queue for good (the digest covers it).
            self._close(tracked.server_id)
        if tracked.caught is not None and tracked.server_id:
            self._tracked.pop((tracked.caught.caller, tracked.caught.serial), None)

    def _maybe_reshow(self, tracked: _Tracked) -> None:
        """Show a breakthrough that the desktop's do-not-disturb would keep out of sight."""
        if tracked.reshown or tracked.ingested is None or tracked.caught is None:
            return
        tracked.reshown = True
        if not self._dnd.engaged and not self._dnd_lifted():
            return  # the server shows it by itself
        caught, result = tracked.caught, tracked.ingested
        n = result.notification
        driver = self._dnd.driver
        urgency = n.urgency
        if driver is not None and driver.shows_critical:
            urgency = Urgency.CRITICAL  # what passes this server's do-not-disturb
        elif self._dnd.lift_for_breakthrough() or self._dnd_lifted():
            self._lift_end.start()
        why = _why_line(result.decision.reason)
        body = f"{caught.body}\n{why}" if caught.body else why
        notify: Callable[..., object] = self._notifier.notify  # type: ignore[attr-defined]
        answer = notify(
            caught.summary or n.title,
            body,
            urgency=urgency,
            app_name=caught.app_name or n.source,
            app_icon=n.app_icon,
            extra_hints={RESHOW_HINT: ("b", True), "desktop-entry": ("s", caught.desktop_entry)}
            if caught.desktop_entry
            else {RESHOW_HINT: ("b", True)},
        )
        server_id = int(getattr(answer, "server_id", 0) or 0)
        if server_id and self._dnd_lifted():
            self._reshown_ids.append(server_id)

    def _dnd_lifted(self) -> bool:
        return self._lift_end.isActive()

    def _end_lift(self) -> None:
        for server_id in self._reshown_ids:
            self._close(server_id)
        self._reshown_ids.clear()
        self._dnd.restore_after_breakthrough()

    def _close(self, server_id: int) -> None:
        close = getattr(self._notifier, "close_notification", None)
        if close is not None:
            close(server_id)

    def _bound_tracked(self) -> None:
        while len(self._tracked) > _PENDING_LIMIT:
            del self._tracked[next(iter(self._tracked))]

    # ----------------------------------------------------------------- do-not-disturb

    def follow_mode(self) -> None:
        """Do-not-disturb on while the mode holds notifications, off when they flow."""
        state = self._engine.state()
        holding = state.mode in HOLDING
        if not holding and self._lift_end.isActive():
            self._lift_end.stop()
            self._reshown_ids.clear()
        self._dnd.want(holding)
        if holding and self._dnd.check():
            self._user_released()
        self._watch_dnd()

    def _watch_dnd(self) -> None:
        fd = self._dnd.fileno()
        if fd == self._dnd_fd:
            return
        if self._dnd_notifier is not None:
            self._dnd_notifier.setEnabled(False)
            self._dnd_notifier.deleteLater()
            self._dnd_notifier = None
        self._dnd_fd = fd
        if fd is not None:
            self._dnd_notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            self._dnd_notifier.activated.connect(self._dnd_changed)

    def _dnd_changed(self, *_: object) -> None:
        if self._dnd.dispatch_pending():
            self._user_released()
        self._watch_dnd()

    def _user_released(self) -> None:
        """The user switched do-not-disturb off during a block: pause until it ends."""
        state = self._engine.state()
        if state.mode not in HOLDING or state.until is None:
            return
        until = state.until
        self._engine.override_until(
            Mode.PAUSED, until, reason="do-not-disturb switched off on the desktop"
        )
        self._engine.problem.emit(
            f"Do-not-disturb was switched off on the desktop: paused until {_hhmm(until)}, "
            "when the schedule takes over again."
        )

    def shutdown(self) -> None:
        """Give the user's do-not-disturb back and stop watching (on quit)."""
        self._flush()
        if self._lift_end.isActive():
            self._lift_end.stop()
            self._end_lift()
        self._dnd.close()
        if self._dnd_notifier is not None:
            self._dnd_notifier.setEnabled(False)
            self._dnd_notifier = None
        if self._watcher is not None:
            self._watcher.close()


def _why_line(reason: str) -> str:
    """The one line saying why a breakthrough got through ("delivered: Bob is on …")."""
    text = reason.split(": ", 1)[1] if reason.startswith("delivered: ") else reason
    return f"— Let through by Focus & Boundaries: {text}"


def _hhmm(t: datetime) -> str:
    return f"{t:%H:%M}"


def _single_shot(parent: QObject, ms: int, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(ms)
    timer.timeout.connect(slot)
    return timer
