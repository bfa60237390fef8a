"""WatcherBridge: caught notifications reach Qt signals through the event loop."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]
from pytestqt.qtbot import QtBot

from focus_app.clock import FakeClock
from focus_app.core.programs import CaughtNotification
from focus_app.desktop.qt_watcher import WatcherBridge
from focus_app.desktop.watcher import NotificationWatcher
from tests.desktop.buses import PrivateBus, StandInService, notify_call
from tests.e2e import conftest as e2e_fixtures
from tests.e2e.harness import DesktopSession

desktop = e2e_fixtures.desktop  # the e2e fixture, shared with this folder

pytestmark = pytest.mark.e2e

T0 = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def test_a_caught_notification_and_its_server_id_arrive_as_signals(
    qtbot: QtBot, desktop: DesktopSession
) -> None:
    watcher = NotificationWatcher(FakeClock(T0), bus=desktop.bus_address)
    assert watcher.start(), watcher.problem
    bridge = WatcherBridge(watcher)
    caught: list[CaughtNotification] = []
    ids: list[tuple[str, int, int]] = []
    bridge.caught.connect(caught.append)
    bridge.server_id_known.connect(lambda c, s, i: ids.append((c, s, i)))
    try:
        with open_dbus_connection(desktop.bus_address) as conn:
            reply = conn.send_and_get_reply(notify_call("Slack", "Bob", "hi"), timeout=5)
        qtbot.waitUntil(lambda: bool(ids), timeout=5000)
    finally:
        bridge.close()
        watcher.close()

    assert [c.summary for c in caught] == ["Bob"]
    assert ids == [(caught[0].caller, caught[0].serial, int(reply.body[0]))]


def test_more_than_one_batch_is_read_on_without_new_socket_activity(qtbot: QtBot) -> None:
    with PrivateBus() as bus:
        server = StandInService(bus.address, ("org.freedesktop.Notifications",))
        watcher = NotificationWatcher(FakeClock(T0), bus=bus.address, max_batch=2)
        assert watcher.start(), watcher.problem
        bridge = WatcherBridge(watcher)
        caught: list[CaughtNotification] = []
        bridge.caught.connect(caught.append)
        try:
            with open_dbus_connection(bus.address) as conn:
                for i in range(9):
                    conn.send(notify_call("Burst", f"n{i}", "", no_reply=True))
                # One round trip: all nine are routed before it answers.
                conn.send_and_get_reply(notify_call("Burst", "n9", ""), timeout=5)
            qtbot.waitUntil(lambda: len(caught) == 10, timeout=5000)
        finally:
            bridge.close()
            watcher.close()
            server.close()

    assert [c.summary for c in caught] == [f"n{i}" for i in range(10)]


def test_a_lost_bus_stops_the_bridge_with_the_watchers_problem(qtbot: QtBot) -> None:
    with PrivateBus() as bus:
        watcher = NotificationWatcher(FakeClock(T0), bus=bus.address)
        assert watcher.start(), watcher.problem
        bridge = WatcherBridge(watcher)
        assert bridge.watching
        with qtbot.waitSignal(bridge.stopped, timeout=5000) as stopped:
            bus.__exit__(None, None, None)  # the bus goes away under the watcher

    assert not bridge.watching
    assert "lost the session bus connection" in stopped.args[0]
    bridge.close()
