"""The running app's wake-up wiring: the clock watch and the second look at the queue."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import pytest
from pytestqt.qtbot import QtBot

from focus_app.app import Runtime, start_runtime
from focus_app.core.model import Notification
from focus_app.desktop.instance import acquire
from focus_app.paths import database_path
from focus_app.store import Store
from tests.desktop.test_clockwatch import nudge_wall_clock


@pytest.fixture
def runtime(
    qapp: object, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    # No session or system bus: the notifier connects lazily, logind is simply absent.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    lock = acquire()
    assert lock is not None
    started = start_runtime(lock)
    try:
        yield started
    finally:
        started.shutdown()
        lock.release()


def test_a_send_queued_just_after_start_is_decided_by_the_second_look(
    qtbot: QtBot, runtime: Runtime
) -> None:
    # A CLI that found no socket a moment before listen() commits its row after start().
    cli_store, _ = Store.open(database_path())
    try:
        cli_store.add_queued(
            Notification(title="raced the socket", received_at=datetime.now().astimezone())
        )
    finally:
        cli_store.close()
    assert [n.title for n in runtime.store.take_queued()] == ["raced the socket"]
    # The second look comes with the scheduler's deferred start (wakeup.py).
    qtbot.waitUntil(lambda: runtime.store.take_queued() == [], timeout=5000)
    seen = runtime.store.history(datetime(2000, 1, 1).astimezone(), datetime.now().astimezone())
    assert "raced the socket" in str(seen)


def test_a_wall_clock_set_reconciles_the_running_engine(
    qtbot: QtBot, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    assert runtime.clock_watch.uses_timerfd
    with caplog.at_level(logging.INFO, logger="focus_app.wakeup"):
        nudge_wall_clock()
        qtbot.waitUntil(
            lambda: "waking now: the wall clock changed" in caplog.text, timeout=2000
        )
