"""The D-Bus notifier against a real dunst on a private bus, and its in-memory fake."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jeepney import DBusAddress, new_method_call, new_signal  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]
from pytestqt.qtbot import QtBot

from focus_app.core.model import Urgency
from focus_app.core.ports import DeliveryResult, Notifier
from focus_app.desktop.notifier import NOTIFICATIONS, DBusNotifier, MemoryNotifier
from focus_app.desktop.qt_notifier import NotifierBridge
from tests.e2e import conftest as e2e_fixtures
from tests.e2e.harness import DesktopSession

desktop = e2e_fixtures.desktop  # the e2e fixture, shared with this folder

e2e = pytest.mark.e2e


@pytest.fixture
def notifier(desktop: DesktopSession) -> Iterator[DBusNotifier]:
    """A notifier on the desktop's private session bus."""
    n = DBusNotifier(bus=desktop.bus_address)
    yield n
    n.close()


def _emit_action_invoked(bus_address: str, server_id: int, key: str) -> None:
    """Emit ActionInvoked as a server would, then round-trip so the bus has routed it."""
    with open_dbus_connection(bus_address) as conn:
        conn.send(new_signal(NOTIFICATIONS, "ActionInvoked", "us", (server_id, key)))
        bus = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
        conn.send_and_get_reply(new_method_call(bus, "GetId"), timeout=2)


@e2e
def test_dunst_shows_summary_body_appname_and_urgency(
    desktop: DesktopSession,
    notifier: DBusNotifier,
) -> None:
    result = notifier.notify("Focus ended", "7 held while you focused", urgency=Urgency.CRITICAL)

    assert result.ok and result.server_id > 0 and result.error == ""
    [shown] = desktop.wait_for_notifications(1)
    assert shown["summary"] == "Focus ended"
    assert shown["body"] == "7 held while you focused"
    assert shown["appname"] == "Focus & Boundaries"
    assert shown["urgency"] == "CRITICAL"
    assert shown["desktop_entry"] == "focus-app"
    assert shown["id"] == str(result.server_id)


@e2e
@pytest.mark.parametrize(
    ("urgency", "printed"),
    [(Urgency.LOW, "LOW"), (Urgency.NORMAL, "NORMAL"), (Urgency.CRITICAL, "CRITICAL")],
)
def test_urgency_is_sent_as_the_hint_byte_dunst_understands(
    desktop: DesktopSession,
    notifier: DBusNotifier,
    urgency: Urgency,
    printed: str,
) -> None:
    assert notifier.notify("t", "b", urgency=urgency).ok
    assert desktop.wait_for_notifications(1)[0]["urgency"] == printed


@e2e
def test_markup_in_title_and_body_is_shown_literally(
    desktop: DesktopSession,
    notifier: DBusNotifier,
) -> None:
    text = "<b>x</b> & y"

    assert notifier.notify(text, text + "\nsecond line").ok

    [shown] = desktop.wait_for_notifications(1)
    # The summary is plain text by spec and dunst escapes it itself; the body is markup,
    # so the notifier escapes it. Either way the Pango markup dunst renders ("formatted",
    # format "<b>%s</b>\n%b") holds each text escaped exactly once: shown literally.
    assert shown["summary"] == text
    assert shown["body"] == "&lt;b&gt;x&lt;/b&gt; &amp; y\nsecond line"
    assert shown["formatted"] == (
        "<b>&lt;b&gt;x&lt;/b&gt; &amp; y</b>\n&lt;b&gt;x&lt;/b&gt; &amp; y\nsecond line"
    )


@e2e
@pytest.mark.parametrize("desktop", [{"with_dunst": False}], indirect=True)
def test_without_a_server_notify_fails_fast_with_one_line(
    desktop: DesktopSession,
    notifier: DBusNotifier,
) -> None:
    started = time.monotonic()
    result = notifier.notify("t", "b")

    assert time.monotonic() - started < 3
    assert not result.ok and result.server_id == 0
    assert "no notification server" in result.error
    assert "\n" not in result.error


@e2e
@pytest.mark.parametrize("desktop", [{"with_dunst": False}], indirect=True)
def test_a_server_started_later_gets_the_next_notification(
    desktop: DesktopSession,
    notifier: DBusNotifier,
) -> None:
    assert not notifier.notify("lost", "b").ok

    desktop.start_dunst()
    result = notifier.notify("found", "b")

    assert result.ok
    assert [n["summary"] for n in desktop.wait_for_notifications(1)] == ["found"]


def test_without_a_session_bus_notify_fails_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    result = DBusNotifier().notify("t", "b")
    assert result == DeliveryResult(ok=False, error=result.error)
    assert "DBUS_SESSION_BUS_ADDRESS" in result.error and "\n" not in result.error


def test_a_bus_address_nobody_listens_on_fails_and_retries_each_call(tmp_path: Path) -> None:
    n = DBusNotifier(bus=f"unix:path={tmp_path}/no-bus-here")
    first, second = n.notify("t", "b"), n.notify("t", "b")
    assert not first.ok and not second.ok
    assert "cannot connect to the D-Bus session bus" in first.error
    assert not n.connected and n.fileno() is None


@e2e
def test_dunstctl_action_reaches_the_bridge_as_a_qt_signal(
    desktop: DesktopSession,
    notifier: DBusNotifier,
    qtbot: QtBot,
) -> None:
    bridge = NotifierBridge(notifier)
    result = notifier.notify("Held: 3", "from Alice", actions=(("open-inbox", "Open inbox"),))
    assert result.ok and bridge.watching
    desktop.wait_for_notifications(1)

    # dunst 1.9: "action 0" runs the first displayed notification's only action.
    with qtbot.waitSignal(bridge.action_invoked, timeout=3000) as blocker:
        desktop.dunstctl("action", "0")

    assert blocker.args == [result.server_id, "open-inbox"]
    bridge.close()


@e2e
def test_clicking_the_notification_reaches_the_bridge(
    desktop: DesktopSession,
    notifier: DBusNotifier,
    qtbot: QtBot,
) -> None:
    bridge = NotifierBridge(notifier)
    result = notifier.notify("Held: 3", "from Alice", actions=(("snooze", "Snooze"),))
    assert result.ok
    desktop.wait_for_notifications(1)

    # The harness's dunstrc maps a left click to do_action.
    window = _dunst_window(desktop)
    with qtbot.waitSignal(bridge.action_invoked, timeout=3000) as blocker:
        subprocess.run(
            ["xdotool", "mousemove", "--window", window, "20", "10", "click", "1"],
            env=desktop.env,
            check=True,
            timeout=5,
        )

    assert blocker.args == [result.server_id, "snooze"]
    bridge.close()


def _dunst_window(session: DesktopSession) -> str:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--class", "Dunst"],
            env=session.env,
            capture_output=True,
            text=True,
            timeout=5,
        )
        if found.stdout.split():
            return found.stdout.split()[0]
        time.sleep(0.05)
    raise AssertionError("dunst's notification window did not appear")


@e2e
def test_an_action_arriving_during_a_notify_call_is_not_lost(
    desktop: DesktopSession,
    notifier: DBusNotifier,
    qtbot: QtBot,
) -> None:
    bridge = NotifierBridge(notifier)
    first = notifier.notify("first", "b", actions=(("open", "Open"),))
    assert first.ok

    # The signal sits unread in the socket; the next notify() reads past it while
    # waiting for its reply, so only jeepney's filter queue can keep it.
    _emit_action_invoked(desktop.bus_address, first.server_id, "open")
    with qtbot.waitSignal(bridge.action_invoked, timeout=3000) as blocker:
        assert notifier.notify("second", "b").ok

    assert blocker.args == [first.server_id, "open"]
    bridge.close()


@e2e
def test_the_bridge_follows_the_notifier_to_a_new_connection(
    desktop: DesktopSession,
    notifier: DBusNotifier,
    qtbot: QtBot,
) -> None:
    bridge = NotifierBridge(notifier)
    assert notifier.notify("one", "b").ok
    notifier.close()
    assert not bridge.watching

    second = notifier.notify("two", "b", actions=(("open", "Open"),))
    assert second.ok and bridge.watching
    with qtbot.waitSignal(bridge.action_invoked, timeout=3000) as blocker:
        _emit_action_invoked(desktop.bus_address, second.server_id, "open")

    assert blocker.args == [second.server_id, "open"]
    bridge.close()


@e2e
def test_notification_closed_and_other_signals_are_not_actions(
    desktop: DesktopSession,
    notifier: DBusNotifier,
) -> None:
    result = notifier.notify("t", "b")
    desktop.dunstctl("close-all")
    time.sleep(0.3)
    assert result.ok and notifier.dispatch_pending() == []


def test_memory_notifier_records_calls_and_satisfies_the_port() -> None:
    fake: Notifier = MemoryNotifier()
    first = fake.notify("a", "b", urgency=Urgency.LOW, actions=(("k", "Label"),))
    again = fake.notify("a2", "b2", replaces_id=first.server_id)

    assert first == DeliveryResult(ok=True, server_id=1)
    assert again.server_id == 1
    assert isinstance(fake, MemoryNotifier)
    assert [(s.title, s.body, s.urgency, s.actions) for s in fake.sent] == [
        ("a", "b", Urgency.LOW, (("k", "Label"),)),
        ("a2", "b2", Urgency.NORMAL, ()),
    ]


def test_memory_notifier_fails_when_told_to() -> None:
    fake = MemoryNotifier()
    fake.fail_with = "no notification server"

    result = fake.notify("a", "b")

    assert result == DeliveryResult(ok=False, error="no notification server")
    assert fake.sent[0].result == result


def test_memory_notifier_invoke_goes_through_the_bridge(qtbot: QtBot) -> None:
    fake = MemoryNotifier()
    bridge = NotifierBridge(fake)
    server_id = fake.notify("a", "b", actions=(("snooze", "Snooze"),)).server_id

    with qtbot.waitSignal(bridge.action_invoked, timeout=1000) as blocker:
        fake.invoke(server_id, "snooze")

    assert blocker.args == [server_id, "snooze"]
    assert fake.dispatch_pending() == []
    bridge.close()


# ------------------------------------------------------------------ slow servers (issue 8)


@e2e
@pytest.mark.parametrize("desktop", [{"with_dunst": False}], indirect=True)
def test_a_slow_refusal_returns_at_once_and_comes_back_as_a_report(
    desktop: DesktopSession, notifier: DBusNotifier, qtbot: QtBot
) -> None:
    from tests.faults.stalled_server import StalledServer

    server = StalledServer(desktop.bus_address, 0.5, refuse=True)
    bridge = NotifierBridge(notifier)
    try:
        started = time.monotonic()
        result = notifier.notify("t", "b")
        assert time.monotonic() - started < 0.4
        assert result.ok and result.token
        with qtbot.waitSignal(bridge.delivery_reported, timeout=3000) as blocker:
            pass
        report = blocker.args[0]
        assert report.token == result.token
        assert not report.result.ok and report.result.refused
        assert "org.example.Refused" in report.result.error
    finally:
        bridge.close()
        server.close()


@e2e
@pytest.mark.parametrize("desktop", [{"with_dunst": False}], indirect=True)
def test_app_name_icon_and_extra_hints_reach_the_server_and_urgency_stays_ours(
    desktop: DesktopSession, notifier: DBusNotifier
) -> None:
    from tests.faults.stalled_server import StalledServer

    server = StalledServer(desktop.bus_address, 0.0)
    try:
        result = notifier.notify(
            "t\x00itle", "b", urgency=Urgency.CRITICAL, app_name="Chat",
            app_icon="chat-icon", extra_hints={"urgency": ("y", 0), "x-extra": ("s", "v")},
        )
        assert result.ok and result.server_id == 1
        assert server.calls == ["title"]  # NUL dropped: it would make the bus hang up
        assert server.app_names == ["Chat"]
        hints = server.hints[0]
        assert "x-extra" in hints and "desktop-entry" not in hints
        assert hints["urgency"][1] == 2  # type: ignore[index]
    finally:
        server.close()


@e2e
@pytest.mark.parametrize("desktop", [{"with_dunst": False}], indirect=True)
def test_a_server_that_appears_is_reported_through_the_bridge(
    desktop: DesktopSession, notifier: DBusNotifier, qtbot: QtBot
) -> None:
    bridge = NotifierBridge(notifier)
    try:
        assert not notifier.notify("lost", "b").ok  # connects; no server yet
        with qtbot.waitSignal(bridge.server_appeared, timeout=5000):
            desktop.start_dunst()
    finally:
        bridge.close()
