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
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

from focus_app.core.model import Mode, Outcome, Urgency
from focus_app.core.ports import DeliveryResult
from focus_app.core.programs import CaughtNotification, SenderRule, default_sender_rule
from focus_app.core.programs import to_notification as caught_to_notification
from focus_app.desktop.applications import DesktopEntries
from focus_app.desktop.dnd.controller import DndController
from focus_app.desktop.dnd.detect import detect
from focus_app.desktop.dnd.guardian import GuardianProcess
from focus_app.desktop.qt_watcher import WatcherBridge
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

TURN_BATCH = 64
"""Most caught notifications read, and most decided, in one event-loop turn.

Reading and deciding cost ~0.3 ms a notification together (parse, sender rule, gate,
SQLite insert), so a turn stays near 20 ms and ``status``, the windows and the tray are
served between turns even when a flood arrives faster than the app keeps up (with 512 a
turn, turns of 150-400 ms were measured on a busy 2-core machine). The transaction
per turn keeps the rate well above the issue's 2,000 a second (docs/benchmarks.md)."""


class GatedNotifier:
    """The engine's notifier, aware of the desktop's do-not-disturb.

    Whatever the app shows while do-not-disturb is on is a breakthrough (the gate let it
    through focus, or it is the app's own heads-up): on a server that still shows
    critical notifications during do-not-disturb it goes out as critical, on one that
    hides them too (dunst) do-not-disturb is lifted while it shows. Everything else, and
    everything while do-not-disturb is off, passes through unchanged.

    Args:
        notifier: The real notifier (``DBusNotifier`` or a fake).
    """

    def __init__(self, notifier: Any) -> None:
        self._notifier = notifier
        self.gate: DesktopGate | None = None
        """Set by ``DesktopGate``; until then ``notify`` passes straight through."""

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
        """Show one notification, past do-not-disturb when it is on."""
        gate = self.gate
        if gate is not None:
            urgency = gate.before_show(urgency)
        result: DeliveryResult = self._notifier.notify(
            title,
            body,
            urgency=urgency,
            actions=actions,
            replaces_id=replaces_id,
            app_name=app_name,
            app_icon=app_icon,
            extra_hints=extra_hints,
        )
        if gate is not None:
            gate.after_show(result)
        return result

    def close_notification(self, server_id: int) -> None:
        """Close a notification at the server (ours or a caught one)."""
        close = getattr(self._notifier, "close_notification", None)
        if close is not None:
            close(server_id)


@dataclass
class _Tracked:
    """A caught notification between the engine's decision and the server's id."""

    ingested: Ingested | None = None
    caught: CaughtNotification | None = None
    server_id: int = 0
    reshown: bool = False
    settled: bool = False


class DesktopGate(QObject):
    """Connects the watcher, the do-not-disturb controller and the engine.

    Args:
        engine: The engine (decides, stores, emits ``state_changed``); its notifier must
            be ``notifier``, so what it shows during do-not-disturb gets past it.
        notifier: The engine's ``GatedNotifier``: shows breakthroughs again and closes the
            server's copies of held notifications.
        watcher: A started ``NotificationWatcher``, available or refused (its ``problem``
            goes into ``status``), or ``None``: only the DND part runs.
        dnd: The controller for the detected server.
        entries: Desktop entry look-ups for display names and icons.
        redetect: Makes a new controller for the server found now; tried when a block
            starts while no server could be driven.
        parent: The usual QObject parent.
    """

    def __init__(
        self,
        engine: Engine,
        notifier: GatedNotifier,
        watcher: NotificationWatcher | None,
        dnd: DndController,
        *,
        entries: DesktopEntries | None = None,
        redetect: Callable[[], DndController] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._redetect = redetect
        self._engine = engine
        self._notifier = notifier
        self._watcher = watcher
        self._dnd = dnd
        self._entries = entries if entries is not None else DesktopEntries()
        self._batch: list[CaughtNotification] = []
        self._tracked: dict[tuple[str, int], _Tracked] = {}
        self._flush_soon = _single_shot(self, 0, self._flush)
        self._lift_end = _single_shot(self, BREAKTHROUGH_SHOWN_MS, self._end_lift)
        self._shown_while_lifted: list[int] = []
        self._dnd_notifier: QSocketNotifier | None = None
        self._dnd_fd: int | None = None
        notifier.gate = self
        engine.desktop_status = self.status
        engine.state_changed.connect(self.follow_mode)
        self.follow_mode()

    @property
    def dnd(self) -> DndController:
        return self._dnd

    # ----------------------------------------------------------------- status

    def status(self) -> dict[str, object]:
        """For ``status --json``: whose do-not-disturb is driven, and whether we catch."""
        watcher = self._watcher
        if watcher is None:
            catching = "off"
        elif watcher.available:
            catching = watcher.method or "on"
        else:
            catching = f"unavailable: {watcher.problem}"
        return {"dnd": self._dnd.status, "catching": catching}

    # ----------------------------------------------------------------- showing past DND

    def before_show(self, urgency: Urgency) -> Urgency:
        """The app is about to show something: get it past do-not-disturb if it is on.

        Only while the mode holds. A digest sent as a window opens is no breakthrough:
        the engine sends it before it announces the new mode, so do-not-disturb is
        switched off here first. Otherwise xfce4-notifyd would drop the digest into its
        log unseen, swaync file it silently and GNOME keep it out of the banners (only
        dunst queues it and shows it once unpaused).
        """
        if not (self._dnd.engaged or self._lift_end.isActive()):
            return urgency
        if self._engine.state().mode not in HOLDING:
            self.follow_mode()
            return urgency
        driver = self._dnd.driver
        if driver is not None and driver.shows_critical:
            return Urgency.CRITICAL  # what passes this server's do-not-disturb
        if self._lift_end.isActive() or self._dnd.lift_for_breakthrough():
            self._lift_end.start()  # (re)start: stays lifted while breakthroughs show
        return urgency

    def after_show(self, result: DeliveryResult) -> None:
        """Remember what was shown while do-not-disturb is lifted, to close it after."""
        if self._lift_end.isActive() and result.ok and result.server_id:
            self._shown_while_lifted.append(result.server_id)

    def _end_lift(self) -> None:
        # Closed first: re-pausing dunst would put what still shows back in its queue.
        for server_id in self._shown_while_lifted:
            self._notifier.close_notification(server_id)
        self._shown_while_lifted.clear()
        self._dnd.restore_after_breakthrough()

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
        batch, self._batch = self._batch[:TURN_BATCH], self._batch[TURN_BATCH:]
        if self._batch:
            self._flush_soon.start()  # the rest after the loop has served everything else
        if not batch:
            return
        if self._dnd.fileno() is None and self._dnd.check():
            # A server that announces no changes (mako): the user's switch is read when
            # it matters, as notifications arrive (no polling), and this batch is then
            # decided under the pause.
            self._user_released()
        notifications = []
        rules: dict[str, SenderRule] = {}  # one look-up and one upsert per program and batch
        for caught in batch:
            key = caught.program_key
            info = self._entries.lookup(caught.desktop_entry or caught.app_name)
            display = info.name if info is not None else ""
            icon = caught.app_icon or (info.icon if info is not None else "")
            rule = rules.get(key)
            if rule is None:
                program = self._engine.note_program_seen(
                    key, display or caught.app_name or key, icon, caught.received_at
                )
                rule = rules[key] = _sender_rule(program.sender_rule, key, caught.app_name)
            n = caught_to_notification(caught, rule, display_name=display)
            notifications.append(
                replace(
                    n, program=key, origin="caught", app_icon=icon, category=caught.category
                )
            )
        results = self._engine.ingest_many(notifications)
        for caught, result in zip(batch, results, strict=True):
            if caught.interface != "freedesktop":
                # gtk/portal notifications have no server id we could close; GNOME's own
                # do-not-disturb keeps them out of sight.
                if result.decision.outcome is Outcome.DELIVERED:
                    self._reshow(_Tracked(result, caught))
                continue
            tracked = self._tracked.setdefault((caught.caller, caught.serial), _Tracked())
            tracked.ingested, tracked.caught = result, caught
            if tracked.server_id or result.decision.outcome is not Outcome.DELIVERED:
                self._settle(tracked)
            elif self._dnd.engaged:
                # Shown as soon as the server's id is known (the original is closed
                # first), or after a short wait if the reply never comes.
                QTimer.singleShot(SERVER_ID_WAIT_MS, lambda t=tracked: self._settle(t))
        self._bound_tracked()

    def _settle(self, tracked: _Tracked) -> None:
        """Act on a decision once the server's id is known (or waited for long enough)."""
        result = tracked.ingested
        if result is None or tracked.settled:
            return
        outcome = result.decision.outcome
        if tracked.server_id:
            tracked.settled = True
            self._engine.store.set_server_id(result.id, tracked.server_id)
            if tracked.caught is not None:
                self._tracked.pop((tracked.caught.caller, tracked.caught.serial), None)
        if outcome is Outcome.DELIVERED:
            if self._dnd.engaged or self._lift_end.isActive():
                if tracked.server_id:
                    self._notifier.close_notification(tracked.server_id)
                self._reshow(tracked)
        elif tracked.server_id:
            # Held or muted: out of the server's queue for good (the digest covers it).
            self._notifier.close_notification(tracked.server_id)

    def _reshow(self, tracked: _Tracked) -> None:
        """Show a breakthrough that the desktop's do-not-disturb keeps out of sight."""
        if tracked.reshown or tracked.ingested is None or tracked.caught is None:
            return
        tracked.reshown = True
        caught, result = tracked.caught, tracked.ingested
        n = result.notification
        why = _why_line(result.decision.reason)
        hints: dict[str, Any] = {RESHOW_HINT: ("b", True)}
        if caught.desktop_entry:
            hints["desktop-entry"] = ("s", caught.desktop_entry)
        self._notifier.notify(
            caught.summary or n.title,
            f"{caught.body}\n{why}" if caught.body else why,
            urgency=n.urgency,
            app_name=caught.app_name or n.source,
            app_icon=n.app_icon,
            extra_hints=hints,
        )

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
            self._shown_while_lifted.clear()
        if holding and self._dnd.driver is None and self._redetect is not None:
            # No server (or an unknown one) when the app started; one may be there now
            # (the app often starts before the desktop's notification daemon).
            found = self._redetect()
            if found.driver is not None:
                self._dnd.close()
                self._dnd = found
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
            "Do-not-disturb was switched off on the desktop: paused until "
            f"{until.astimezone(self._engine.tz):%H:%M}, when the schedule takes over again."
        )

    def shutdown(self) -> None:
        """Give the user's do-not-disturb back and stop watching (on quit)."""
        while self._batch:
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


def _sender_rule(chosen: str, key: str, app_name: str) -> SenderRule:
    """The user's sender rule for a program (Settings → Programs), else its default."""
    try:
        return SenderRule(chosen) if chosen else default_sender_rule(key, app_name)
    except ValueError:
        return default_sender_rule(key, app_name)


def _why_line(reason: str) -> str:
    """The one line saying why a breakthrough got through ("delivered: Bob is on …")."""
    text = reason.split(": ", 1)[1] if reason.startswith("delivered: ") else reason
    return f"— Let through by Focus & Boundaries: {text}"


def _single_shot(parent: QObject, ms: int, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(ms)
    timer.timeout.connect(slot)
    return timer


@dataclass
class DesktopParts:
    """What ``start_desktop_gate`` made (kept alive by the runtime)."""

    gate: DesktopGate
    watcher: NotificationWatcher
    bridge: WatcherBridge | None


def start_desktop_gate(
    engine: Engine,
    notifier: GatedNotifier,
    *,
    bus: str = "SESSION",
    guardian_log: Path | None = None,
) -> DesktopParts:
    """Start catching other programs' notifications and driving the desktop's DND.

    Nothing here stops the app: a bus that refuses monitoring, an unknown notification
    server or no server at all each become one line (logged, in ``status --json`` and in
    the window) and the app keeps gating what arrives through ``send``.

    Args:
        engine: The engine, built with ``notifier``.
        notifier: The engine's ``GatedNotifier``.
        bus: ``"SESSION"`` or a D-Bus address.
        guardian_log: Where the guardian process writes its error lines.
    """
    watcher = NotificationWatcher(engine.clock, bus=bus, max_batch=TURN_BATCH)
    watcher.start()
    if not watcher.available:
        log.warning("%s", watcher.problem)

    def make_controller() -> DndController:
        return DndController(detect(bus), GuardianProcess(log_path=guardian_log))

    controller = make_controller()
    status = controller.status
    if controller.driver is None:
        log.warning("do-not-disturb: %s; held notifications may still pop up", status)
    else:
        log.info("do-not-disturb driver: %s", status)
    gate = DesktopGate(
        engine,
        notifier,
        watcher,  # even when refused: ``status`` then says why nothing is caught
        controller,
        redetect=make_controller,
    )
    bridge = None
    if watcher.available:
        bridge = WatcherBridge(watcher, gate)
        bridge.caught.connect(gate.on_caught)
        bridge.server_id_known.connect(gate.on_server_id)
        bridge.stopped.connect(lambda problem: log.warning("%s", problem))
        log.info("catching other programs' notifications (%s)", watcher.method)
    return DesktopParts(gate, watcher, bridge)
