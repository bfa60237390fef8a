"""``DesktopGate`` between a real engine (FakeClock, real SQLite) and in-memory desktop parts.

The watcher is left out: caught notifications are built by hand and handed to
``on_caught`` / ``on_server_id`` exactly as ``WatcherBridge`` does. The do-not-disturb
driver is ``MemoryDnd`` (a server that shows criticals during do-not-disturb, or a
dunst-like one that does not), the guardian ``MemoryGuardian``, the notification server
``MemoryNotifier``. The real servers are in ``tests/e2e/test_desktop_gate_servers_e2e.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

import focus_app.desktop_gate as desktop_gate
from focus_app.app import desktop_problems
from focus_app.clock import FakeClock
from focus_app.core.model import Mode, Rule, RuleAction, RuleMatch, Urgency
from focus_app.core.programs import CaughtNotification
from focus_app.desktop.applications import DesktopEntries
from focus_app.desktop.dnd.base import MemoryDnd
from focus_app.desktop.dnd.controller import DndController
from focus_app.desktop.dnd.detect import NoServer
from focus_app.desktop.dnd.guardian import MemoryGuardian
from focus_app.desktop.notifier import MemoryNotifier, SentNotification
from focus_app.desktop.watcher import REFUSED_PREFIX, RESHOW_HINT
from focus_app.desktop_gate import TURN_BATCH, DesktopGate, GatedNotifier, start_desktop_gate
from focus_app.engine import Engine
from focus_app.status_text import desktop_gate_text
from tests.desktop.buses import STRICT_POLICY, PrivateBus
from tests.ui.ui_engine import clock, engine

__all__ = ["clock", "engine"]  # fixtures used by name

_serials = itertools.count(100)


@pytest.fixture
def memory() -> MemoryNotifier:
    """The notification server: records what the app shows and closes there."""
    return MemoryNotifier()


@pytest.fixture
def notifier(memory: MemoryNotifier) -> GatedNotifier:
    """The engine's notifier (``tests.ui.ui_engine.engine`` is built with it)."""
    return GatedNotifier(memory)


@pytest.fixture
def make_gate(
    engine: Engine, notifier: GatedNotifier, tmp_path: Path
) -> Iterator[Callable[..., DesktopGate]]:
    made: list[DesktopGate] = []

    def make(
        dnd: DndController | None = None,
        *,
        redetect: Callable[[], DndController] | None = None,
    ) -> DesktopGate:
        controller = dnd if dnd is not None else DndController(MemoryDnd(), MemoryGuardian())
        # No .desktop files: display names come from the app name (nothing of the host's).
        entries = DesktopEntries(data_home=tmp_path / "data", data_dirs=[], language="en")
        gate = DesktopGate(engine, notifier, None, controller, entries=entries, redetect=redetect)
        made.append(gate)
        return gate

    yield make
    for gate in made:
        gate.shutdown()


def caught(
    clock: FakeClock,
    summary: str = "Bob",
    body: str = "quick question?",
    *,
    app_name: str = "Chatty",
    interface: str = "freedesktop",
    urgency: Urgency = Urgency.NORMAL,
    desktop_entry: str = "",
    app_icon: str = "",
    caller: str = ":1.42",
) -> CaughtNotification:
    """A caught notification as the watcher would report it (a fresh serial each)."""
    return CaughtNotification(
        interface=interface,
        app_name=app_name,
        desktop_entry=desktop_entry,
        app_icon=app_icon,
        summary=summary,
        body=body,
        urgency=urgency,
        category="im.received",
        replaces_id=0,
        caller=caller,
        serial=next(_serials),
        gtk_id="" if interface == "freedesktop" else "msg-1",
        received_at=clock.now(),
    )


def _focus(engine: Engine) -> None:
    engine.start_override(Mode.FOCUS, timedelta(minutes=25))


def _priority_for(engine: Engine, source: str) -> None:
    engine.add_rule(Rule(RuleMatch(source=source), RuleAction.PRIORITY, name=f"{source} pages"))


def _decided(qtbot: QtBot, engine: Engine, count: int) -> None:
    """Wait for the gate's zero-delay batch to reach the engine (``count`` stored)."""

    def stored() -> bool:
        (n,) = engine.store.connection.execute("SELECT count(*) FROM notifications").fetchone()
        return bool(n >= count)

    qtbot.waitUntil(stored, timeout=2000)


def _reshown(memory: MemoryNotifier) -> list[SentNotification]:
    return [s for s in memory.sent if s.extra_hints and RESHOW_HINT in s.extra_hints]


# ------------------------------------------------------------------ held and muted


@pytest.mark.parametrize("id_first", [False, True], ids=["decision-first", "server-id-first"])
def test_held_notification_is_closed_at_the_server_once_its_id_is_known(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    memory: MemoryNotifier,
    make_gate: Callable[..., DesktopGate],
    id_first: bool,
) -> None:
    gate = make_gate()
    _focus(engine)
    c = caught(clock)
    if id_first:
        gate.on_server_id(c.caller, c.serial, 77)
    gate.on_caught(c)
    _decided(qtbot, engine, 1)
    assert memory.closed == ([77] if id_first else [])
    if not id_first:
        gate.on_server_id(c.caller, c.serial, 77)
    assert memory.closed == [77]
    (held,) = engine.held()
    assert held.notification.source == "Chatty"
    assert engine.store.server_id(held.notification.id) == 77
    assert memory.sent == []  # nothing shown


def test_muted_notification_is_closed_at_the_server(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    memory: MemoryNotifier,
    make_gate: Callable[..., DesktopGate],
) -> None:
    engine.add_rule(Rule(RuleMatch(source="Spammy"), RuleAction.MUTE, name="no spam"))
    gate = make_gate()  # available: muting needs no focus block
    c = caught(clock, app_name="Spammy")
    gate.on_caught(c)
    _decided(qtbot, engine, 1)
    gate.on_server_id(c.caller, c.serial, 5)
    assert memory.closed == [5]
    assert engine.held() == [] and memory.sent == []


# ------------------------------------------------------------------ breakthroughs


@pytest.mark.parametrize("id_first", [False, True], ids=["decision-first", "server-id-first"])
def test_breakthrough_under_do_not_disturb_is_reshown_as_critical_and_the_original_closed(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    memory: MemoryNotifier,
    make_gate: Callable[..., DesktopGate],
    id_first: bool,
) -> None:
    driver = MemoryDnd(shows_critical=True)
    gate = make_gate(DndController(driver, MemoryGuardian()))
    _priority_for(engine, "Pager")
    _focus(engine)
    assert driver.on and gate.dnd.engaged
    c = caught(
        clock,
        "Alice",
        "the server is down",
        app_name="Pager",
        desktop_entry="org.example.Pager",
        app_icon="pager-icon",
    )
    if id_first:
        gate.on_server_id(c.caller, c.serial, 41)
    gate.on_caught(c)
    if not id_first:
        _decided(qtbot, engine, 1)
        assert _reshown(memory) == []  # waits for the server's id to close the original
        gate.on_server_id(c.caller, c.serial, 41)
    qtbot.waitUntil(lambda: len(_reshown(memory)) == 1, timeout=2000)

    (shown,) = _reshown(memory)
    assert memory.closed == [41]
    assert shown.urgency is Urgency.CRITICAL
    assert (shown.title, shown.app_name, shown.app_icon) == ("Alice", "Pager", "pager-icon")
    assert shown.body.startswith("the server is down\n— Let through by Focus & Boundaries: ")
    assert "Pager pages" in shown.body
    assert shown.extra_hints is not None
    assert shown.extra_hints["desktop-entry"] == ("s", "org.example.Pager")
    assert driver.on and driver.calls == [True]  # do-not-disturb never lifted


def test_breakthrough_without_a_server_reply_is_reshown_after_the_wait(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    memory: MemoryNotifier,
    make_gate: Callable[..., DesktopGate],
) -> None:
    gate = make_gate()
    _priority_for(engine, "Pager")
    _focus(engine)
    gate.on_caught(caught(clock, "Alice", app_name="Pager"))  # the server never answers
    _decided(qtbot, engine, 1)
    assert _reshown(memory) == []
    qtbot.waitUntil(lambda: len(_reshown(memory)) == 1, timeout=2000)
    assert memory.closed == []  # no id: nothing to close


def test_on_a_server_that_hides_criticals_dnd_is_lifted_while_the_breakthrough_shows(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    memory: MemoryNotifier,
    make_gate: Callable[..., DesktopGate],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(desktop_gate, "BREAKTHROUGH_SHOWN_MS", 200)
    dunst_like = MemoryDnd(name="dunst", shows_critical=False)
    gate = make_gate(DndController(dunst_like, MemoryGuardian()))
    _priority_for(engine, "Pager")
    _focus(engine)
    c = caught(clock, "Alice", "the server is down", app_name="Pager")
    gate.on_server_id(c.caller, c.serial, 9)
    gate.on_caught(c)
    qtbot.waitUntil(lambda: len(_reshown(memory)) == 1, timeout=2000)

    (shown,) = _reshown(memory)
    assert shown.urgency is Urgency.NORMAL  # dunst queues criticals too: lifting is the way
    assert memory.closed == [9]  # the original, closed before lifting
    assert dunst_like.calls == [True, False] and not dunst_like.on
    qtbot.waitUntil(lambda: dunst_like.on, timeout=2000)
    # The re-shown one closed first (re-pausing dunst would queue it again), then back on.
    assert memory.closed == [9, shown.result.server_id]
    assert dunst_like.calls == [True, False, True] and gate.dnd.engaged


def test_delivered_while_not_in_do_not_disturb_is_not_reshown_or_closed(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    memory: MemoryNotifier,
    make_gate: Callable[..., DesktopGate],
) -> None:
    driver = MemoryDnd()
    gate = make_gate(DndController(driver, MemoryGuardian()))
    c = caught(clock)
    gate.on_caught(c)
    gate.on_server_id(c.caller, c.serial, 3)
    _decided(qtbot, engine, 1)
    qtbot.wait(desktop_gate.SERVER_ID_WAIT_MS + 50)
    assert memory.sent == [] and memory.closed == []
    assert driver.calls == []


def test_gtk_breakthrough_is_reshown_and_gtk_held_one_needs_no_close(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    memory: MemoryNotifier,
    make_gate: Callable[..., DesktopGate],
) -> None:
    gate = make_gate()
    _priority_for(engine, "Pager")
    _focus(engine)
    gate.on_caught(caught(clock, "Carol", app_name="Chatty", interface="gtk"))
    gate.on_caught(caught(clock, "Alice", app_name="Pager", interface="gtk"))
    qtbot.waitUntil(lambda: len(_reshown(memory)) == 1, timeout=2000)
    assert _reshown(memory)[0].title == "Alice"
    assert [h.notification.source for h in engine.held()] == ["Chatty"]
    assert memory.closed == []  # org.gtk.Notifications gives no server id to close


def test_digest_sent_as_the_window_opens_is_not_critical_and_follows_dnd_off(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    memory: MemoryNotifier,
    make_gate: Callable[..., DesktopGate],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    driver = MemoryDnd()
    gate = make_gate(DndController(driver, MemoryGuardian()))
    _focus(engine)
    for who in ("Bob", "Carol"):
        gate.on_caught(caught(clock, who))
    _decided(qtbot, engine, 2)
    assert len(engine.held()) == 2
    dnd_when_shown: list[bool] = []
    show = memory.notify

    def spying(*args: Any, **kwargs: Any) -> Any:
        dnd_when_shown.append(driver.on)
        return show(*args, **kwargs)

    monkeypatch.setattr(memory, "notify", spying)

    engine.resume_schedule()

    (digest,) = memory.sent
    assert digest.title == "2 held while you focused"
    assert digest.urgency is Urgency.NORMAL
    # Off before it is shown: xfce4-notifyd, swaync and GNOME would otherwise hide it.
    assert dnd_when_shown == [False]
    assert not driver.on and driver.calls == [True, False]


# ------------------------------------------------------------------ the user's switch


def test_user_switching_dnd_off_pauses_the_engine_until_the_blocks_end(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    make_gate: Callable[..., DesktopGate],
) -> None:
    driver = MemoryDnd()
    guardian = MemoryGuardian()
    gate = make_gate(DndController(driver, guardian))
    _focus(engine)
    until = engine.state().until
    problems: list[str] = []
    engine.problem.connect(problems.append)

    driver.user_sets(False)
    gate._dnd_changed()  # what the QSocketNotifier on the driver's socket calls

    state = engine.state()
    assert state.mode is Mode.PAUSED and state.until == until
    assert state.override is not None
    assert state.override.reason == "do-not-disturb switched off on the desktop"
    assert problems == [
        "Do-not-disturb was switched off on the desktop: paused until 10:25, "
        "when the schedule takes over again."
    ]
    assert not driver.on and driver.calls == [True]  # not switched on again
    assert not guardian.armed


def test_on_a_server_without_change_signals_the_next_caught_notification_notices_dnd_off(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    make_gate: Callable[..., DesktopGate],
) -> None:
    # mako announces no mode changes: the user's switch is read when the next
    # notification arrives, and that one is already decided under the pause.
    driver = MemoryDnd(name="mako")  # no socket to watch, like mako
    gate = make_gate(DndController(driver, MemoryGuardian()))
    _focus(engine)
    problems: list[str] = []
    engine.problem.connect(problems.append)
    driver.user_sets(False)

    gate.on_caught(caught(clock, "Bob", "are you there?"))
    _decided(qtbot, engine, 1)

    assert engine.state().mode is Mode.PAUSED
    assert problems and problems[0].startswith("Do-not-disturb was switched off on the desktop")
    assert engine.held() == []  # delivered: the user wants to see them now
    assert driver.calls == [True]  # not switched on again


def test_users_own_dnd_is_left_on_after_the_block(
    engine: Engine, make_gate: Callable[..., DesktopGate]
) -> None:
    driver = MemoryDnd()
    driver.on = True
    make_gate(DndController(driver, MemoryGuardian()))
    _focus(engine)
    engine.resume_schedule()
    assert driver.on and driver.calls == []


def test_no_server_at_start_then_one_appears_is_driven_from_the_next_block(
    engine: Engine, make_gate: Callable[..., DesktopGate]
) -> None:
    appeared: list[MemoryDnd] = []

    def redetect() -> DndController:
        if not appeared:
            return DndController(NoServer("nobody owns org.freedesktop.Notifications"))
        return DndController(appeared[0], MemoryGuardian())

    gate = make_gate(DndController(NoServer("no server yet")), redetect=redetect)
    assert gate.status()["dnd"] == "none: no notification server"
    _focus(engine)  # still none: nothing to drive, nothing breaks
    assert gate.dnd.driver is None
    engine.resume_schedule()

    appeared.append(MemoryDnd(name="late-server"))
    _focus(engine)

    assert gate.dnd.driver is appeared[0] and appeared[0].on
    assert gate.status() == {"dnd": "late-server", "catching": "off"}
    assert engine.status()["dnd"] == "late-server"


def test_status_names_the_driver_its_last_error_and_whether_it_catches(
    engine: Engine, make_gate: Callable[..., DesktopGate]
) -> None:
    driver = MemoryDnd(name="dunst")
    gate = make_gate(DndController(driver, MemoryGuardian()))
    assert gate.status() == {"dnd": "dunst", "catching": "off"}
    driver.fail_with = "dunst did not answer on the session bus"
    _focus(engine)
    status = engine.status()
    assert status["dnd"] == "dunst: dunst did not answer on the session bus"
    assert status["catching"] == "off"


def test_a_bus_refusing_monitoring_is_said_in_status_the_window_and_the_tray(
    engine: Engine, notifier: GatedNotifier
) -> None:
    # A real dbus-daemon with a sandbox-like policy: no monitoring, no eavesdropping.
    with PrivateBus(STRICT_POLICY) as bus:
        parts = start_desktop_gate(engine, notifier, bus=bus.address)
        try:
            status = engine.status()
            assert str(status["catching"]).startswith(f"unavailable: {REFUSED_PREFIX}")
            assert "refuses monitoring" in str(status["catching"])
            lines = desktop_problems(status)
            (line,) = [line for line in lines if "not gated" in line]
            assert line.count("focus-app send") == 1, "said once, in one plain line"
            assert "other programs' notifications not caught" in desktop_gate_text(status)
            # No notification server on that bus either: said, never pretended.
            assert status["dnd"] == "none: no notification server"
            assert any("Do-not-disturb cannot be driven here" in line for line in lines)
            assert desktop_gate_text(status).startswith("Do-not-disturb not driven (none: ")
        finally:
            parts.gate.shutdown()


def test_a_caught_notification_takes_its_programs_name_and_icon_from_the_desktop_file(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    make_gate: Callable[..., DesktopGate],
    tmp_path: Path,
) -> None:
    applications = tmp_path / "data" / "applications"  # make_gate's data_home
    applications.mkdir(parents=True)
    (applications / "org.example.Chatty.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Chatty Chat\nIcon=chatty-icon\nExec=chatty\n"
    )
    gate = make_gate()
    _focus(engine)
    gate.on_caught(caught(clock, desktop_entry="org.example.Chatty", app_icon=""))
    _decided(qtbot, engine, 1)

    (program,) = engine.programs()
    assert (program.key, program.display_name, program.icon) == (
        "org.example.chatty", "Chatty Chat", "chatty-icon"  # keys are folded
    )
    (held,) = engine.held()
    assert (held.notification.source, held.notification.app_icon) == ("Chatty Chat", "chatty-icon")


# ------------------------------------------------------------------ batches


def test_a_burst_of_500_caught_is_decided_in_batches_of_one_transaction_each(
    qtbot: QtBot,
    engine: Engine,
    clock: FakeClock,
    memory: MemoryNotifier,
    make_gate: Callable[..., DesktopGate],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = make_gate()
    _focus(engine)
    calls: list[int] = []
    real_ingest_many = engine.ingest_many

    def counting(notifications: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(notifications))
        return real_ingest_many(notifications, *args, **kwargs)

    monkeypatch.setattr(engine, "ingest_many", counting)
    writes: list[str] = []
    engine.store.connection.set_trace_callback(
        lambda sql: writes.append(sql) if sql.startswith("BEGIN") else None
    )
    try:
        for i in range(500):
            gate.on_caught(caught(clock, f"Person {i}", f"message {i}"))
        _decided(qtbot, engine, 500)
    finally:
        engine.store.connection.set_trace_callback(None)
    # At most TURN_BATCH per event-loop turn (a flood never holds the GUI thread long), each
    # batch one transaction for its decisions plus one noting the program seen.
    batches = -(-500 // TURN_BATCH)
    assert calls == [TURN_BATCH] * (batches - 1) + [500 - TURN_BATCH * (batches - 1)]
    assert len(writes) == 2 * batches, writes
    assert len(engine.held()) == 500 and memory.sent == []
