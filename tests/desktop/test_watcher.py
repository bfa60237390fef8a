"""The notification watcher against real buses: dbus-daemon, dunst, notify-send, GIO, gdbus.

Most tests use the e2e harness's desktop (Xvfb + a private dbus-daemon whose policy
allows monitoring + dunst). Buses with stricter policies come from ``buses.PrivateBus``.
"""

from __future__ import annotations

import select
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

from focus_app.clock import FakeClock
from focus_app.core.model import Urgency
from focus_app.desktop.notifier import DBusNotifier
from focus_app.desktop.watcher import (
    REFUSED_PREFIX,
    RESHOW_HINT,
    Caught,
    CaughtNotification,
    NotificationWatcher,
    ServerIdKnown,
    WatchEvent,
)
from tests.desktop.buses import (
    NO_MONITORING_POLICY,
    STRICT_POLICY,
    PrivateBus,
    StandInService,
    notify_call,
    start_flood,
)
from tests.e2e import conftest as e2e_fixtures
from tests.e2e.harness import DesktopSession

desktop = e2e_fixtures.desktop  # the e2e fixture, shared with this folder

pytestmark = pytest.mark.e2e

T0 = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


@pytest.fixture
def watcher(desktop: DesktopSession) -> Iterator[NotificationWatcher]:
    """A started watcher on the desktop's bus."""
    w = NotificationWatcher(FakeClock(T0), bus=desktop.bus_address)
    assert w.start(), w.problem
    yield w
    w.close()


def collect(
    watcher: NotificationWatcher,
    done: Callable[[list[WatchEvent]], bool],
    timeout: float = 5.0,
) -> list[WatchEvent]:
    """Read events until ``done(events)`` or the timeout; return them all."""
    events: list[WatchEvent] = []
    deadline = time.monotonic() + timeout
    while not done(events) and time.monotonic() < deadline:
        fd = watcher.fileno()
        assert fd is not None, watcher.problem
        if not watcher.has_pending:
            select.select([fd], [], [], 0.05)
        events += watcher.dispatch_pending()
    return events


def caught_of(events: list[WatchEvent]) -> list[CaughtNotification]:
    return [e.notification for e in events if isinstance(e, Caught)]


def run(desktop_env: dict[str, str], *argv: str) -> None:
    subprocess.run(argv, env=desktop_env, check=True, capture_output=True, timeout=20)


def send(address: str, message: object) -> None:
    """Send one call from a fresh connection (a program of its own) and wait for the bus."""
    with open_dbus_connection(address) as conn:
        conn.send_and_get_reply(message, timeout=5)


def test_notify_send_from_slack_is_caught_with_its_fields_and_the_server_id_paired(
    desktop: DesktopSession, watcher: NotificationWatcher
) -> None:
    run(desktop.env, "notify-send", "-a", "Slack", "-u", "critical",
        "-h", "string:desktop-entry:slack", "-h", "string:category:im.received",
        "-i", "slack", "Bob", "quick question?")

    events = collect(watcher, lambda ev: any(isinstance(e, ServerIdKnown) for e in ev))

    assert watcher.method == "monitor"
    [caught] = caught_of(events)
    assert caught.interface == "freedesktop"
    assert (caught.app_name, caught.desktop_entry, caught.app_icon) == ("Slack", "slack", "slack")
    assert (caught.summary, caught.body) == ("Bob", "quick question?")
    assert caught.urgency is Urgency.CRITICAL
    assert caught.category == "im.received"
    assert caught.received_at == T0
    assert caught.caller.startswith(":")
    [paired] = [e for e in events if isinstance(e, ServerIdKnown)]
    assert (paired.caller, paired.serial) == (caught.caller, caught.serial)
    [shown] = desktop.wait_for_notifications(1)
    assert paired.server_id == int(shown["id"])


def test_markup_in_a_body_is_stripped_and_entities_decoded(
    desktop: DesktopSession, watcher: NotificationWatcher
) -> None:
    run(desktop.env, "notify-send", "-a", "Mail", "Ann",
        "<b>Lunch</b> &amp; <i>talk</i>?<br/>a &lt; b <a href='https://x.example'>link</a>")

    [caught] = caught_of(collect(watcher, lambda ev: bool(caught_of(ev))))

    assert caught.body == "Lunch & talk?\na < b link"


def test_a_100_kib_body_is_stored_cut_with_a_note(
    desktop: DesktopSession, watcher: NotificationWatcher
) -> None:
    send(desktop.bus_address, notify_call("Big", "log", "x" * (100 * 1024)))

    [caught] = caught_of(collect(watcher, lambda ev: bool(caught_of(ev))))

    assert len(caught.body) <= 64 * 1024
    assert caught.body.startswith("x" * 60_000)
    assert caught.body.endswith(" … (cut: 37 KiB more)")


def test_an_image_data_hint_is_ignored_and_not_copied(
    desktop: DesktopSession, watcher: NotificationWatcher
) -> None:
    pixels = bytes(range(256)) * 4096  # 1 MiB: a 512x512 RGBA picture
    hints = {
        "image-data": ("(iiibiiay)", (512, 512, 2048, True, 8, 4, pixels)),
        "icon_data": ("(iiibiiay)", (1, 1, 4, True, 8, 4, b"\x01\x02\x03\x04")),
        "x-vendor-blob": ("ay", pixels[:1000]),
        "urgency": ("y", 0),
    }
    send(desktop.bus_address, notify_call("Photos", "New photo", "from the beach", hints))

    [caught] = caught_of(collect(watcher, lambda ev: bool(caught_of(ev))))

    assert (caught.summary, caught.body, caught.urgency) == (
        "New photo", "from the beach", Urgency.LOW)
    assert caught.app_icon == ""
    text_size = sum(len(v) for v in vars(caught).values() if isinstance(v, str))
    assert text_size < 200  # nothing of the 1 MiB came along


@pytest.mark.parametrize(
    ("app_name", "expected_name", "expected_key"),
    [
        ("", "", "unknown"),
        ("A" * 10_240, None, None),
        ("Sl\x01ack\nbot\x7f\x1b[31m", "Slack bot[31m", "slack bot[31m"),
    ],
    ids=["empty", "10-KiB", "control-characters"],
)
def test_odd_app_names_are_caught_safely(
    desktop: DesktopSession,
    watcher: NotificationWatcher,
    app_name: str,
    expected_name: str | None,
    expected_key: str | None,
) -> None:
    send(desktop.bus_address, notify_call(app_name, "hi", "there"))

    [caught] = caught_of(collect(watcher, lambda ev: bool(caught_of(ev))))

    assert len(caught.app_name) <= 200
    assert "\n" not in caught.app_name
    assert all(ch.isprintable() for ch in caught.app_name)
    if expected_name is not None:
        assert caught.app_name == expected_name
        assert caught.program_key == expected_key
    else:
        assert caught.app_name.startswith("A" * 150)
        assert caught.app_name.endswith("(cut: 10 KiB more)")


def test_the_apps_own_notifier_is_never_caught_but_others_are(
    desktop: DesktopSession, watcher: NotificationWatcher
) -> None:
    # Another desktop entry, so only the unique-name guard can keep it out.
    notifier = DBusNotifier(bus=desktop.bus_address, desktop_entry="focus-app-test")
    try:
        assert notifier.notify("Digest", "7 held while you focused").ok
        watcher.ignore_senders.add(notifier.unique_name)
        assert notifier.unique_name.startswith(":")
        assert notifier.notify("Second", "also ours").ok
        run(desktop.env, "notify-send", "-a", "Other", "from someone else", "hi")

        events = collect(watcher, lambda ev: bool(caught_of(ev)))
        events += collect(watcher, lambda ev: False, timeout=0.3)
    finally:
        notifier.close()

    assert [c.app_name for c in caught_of(events)] == ["Other"]
    assert len(desktop.wait_for_notifications(3)) == 3  # all three were shown


def test_notifications_marked_as_reshown_or_from_the_apps_desktop_entry_are_not_caught(
    desktop: DesktopSession, watcher: NotificationWatcher
) -> None:
    send(desktop.bus_address, notify_call("Slack", "Bob", "shown again by us",
                                          {RESHOW_HINT: ("b", True)}))
    send(desktop.bus_address, notify_call("Focus & Boundaries", "Digest", "ours",
                                          {"desktop-entry": ("s", "focus-app")}))
    send(desktop.bus_address, notify_call("Slack", "Carol", "a real one"))

    events = collect(watcher, lambda ev: bool(caught_of(ev)))
    events += collect(watcher, lambda ev: False, timeout=0.3)

    assert [c.summary for c in caught_of(events)] == ["Carol"]


_GIO_SENDER = """
import sys
from gi.repository import Gio, GLib
app = Gio.Application.new("org.example.Chat", Gio.ApplicationFlags.NON_UNIQUE)
app.register(None)
note = Gio.Notification.new("Dana")
note.set_body("are you free at 3?")
note.set_priority(Gio.NotificationPriority.HIGH)
app.send_notification("msg-7", note)
loop = GLib.MainLoop()
GLib.timeout_add(1500, loop.quit)
loop.run()
"""


def test_a_gapplication_notification_is_caught_as_gtk(
    desktop: DesktopSession, watcher: NotificationWatcher, tmp_path: Path
) -> None:
    # A stand-in for GNOME Shell's org.gtk.Notifications: GIO sends there when it is owned.
    shell = StandInService(desktop.bus_address, ("org.gtk.Notifications",))
    try:
        script = tmp_path / "gio_sender.py"
        script.write_text(_GIO_SENDER)
        env = {**desktop.env, "GNOTIFICATION_BACKEND": "gtk"}
        env.pop("PYTHONPATH", None)
        sender = subprocess.Popen(["/usr/bin/python3", str(script)], env=env,
                                  stderr=subprocess.PIPE)
        events = collect(watcher, lambda ev: bool(caught_of(ev)), timeout=10)
        _, stderr = sender.communicate(timeout=20)
    finally:
        shell.close()

    assert sender.returncode == 0, stderr.decode(errors="replace")
    assert "AddNotification" in shell.calls
    [caught] = caught_of(events)
    assert caught.interface == "gtk"
    assert (caught.desktop_entry, caught.app_name) == ("org.example.Chat", "org.example.Chat")
    assert (caught.summary, caught.body, caught.gtk_id) == ("Dana", "are you free at 3?", "msg-7")
    assert caught.time_sensitive
    assert caught.urgency is Urgency.NORMAL


def test_a_portal_notification_sent_with_gdbus_is_caught_as_portal(
    desktop: DesktopSession, watcher: NotificationWatcher
) -> None:
    # The portal's reply is held so gdbus is still on the bus when the watcher asks who it is.
    portal = StandInService(desktop.bus_address, ("org.freedesktop.portal.Desktop",), hold=True)
    try:
        gdbus = subprocess.Popen(
            ["gdbus", "call", "--session", "--dest", "org.freedesktop.portal.Desktop",
             "--object-path", "/org/freedesktop/portal/desktop",
             "--method", "org.freedesktop.portal.Notification.AddNotification", "chat-1",
             "{'title': <'Eve'>, 'body': <'<b>not</b> markup here'>, 'priority': <'urgent'>,"
             " 'icon': <('themed', <['chat-symbolic']>)>}"],
            env=desktop.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        events = collect(watcher, lambda ev: bool(caught_of(ev)), timeout=10)
        portal.release()
        _, stderr = gdbus.communicate(timeout=20)
    finally:
        portal.close()

    assert gdbus.returncode == 0, stderr.decode(errors="replace")
    [caught] = caught_of(events)
    assert caught.interface == "portal"
    assert (caught.summary, caught.body, caught.gtk_id) == ("Eve", "<b>not</b> markup here",
                                                           "chat-1")
    assert caught.urgency is Urgency.CRITICAL
    assert caught.app_name == "gdbus"  # its command: gdbus is not a Flatpak


def test_a_bus_that_refuses_monitoring_falls_back_to_eavesdropping() -> None:
    with PrivateBus(NO_MONITORING_POLICY) as bus:
        server = StandInService(bus.address, ("org.freedesktop.Notifications",),
                                answer=lambda _msg: ("u", (42,)))
        watcher = NotificationWatcher(FakeClock(T0), bus=bus.address)
        try:
            assert watcher.start(), watcher.problem
            method = watcher.method
            send(bus.address, notify_call("Signal", "Frank", "on my way"))
            events = collect(watcher, lambda ev: any(isinstance(e, ServerIdKnown) for e in ev))
        finally:
            watcher.close()
            server.close()

    assert method == "eavesdrop"
    [caught] = caught_of(events)
    assert (caught.app_name, caught.summary) == ("Signal", "Frank")
    [paired] = [e for e in events if isinstance(e, ServerIdKnown)]
    assert (paired.caller, paired.serial, paired.server_id) == (caught.caller, caught.serial, 42)


def test_a_bus_that_refuses_monitoring_and_eavesdropping_gives_one_clear_line() -> None:
    with PrivateBus(STRICT_POLICY) as bus:
        watcher = NotificationWatcher(FakeClock(T0), bus=bus.address, timeout_s=0.5)
        started = watcher.start()
        events = watcher.dispatch_pending()
        started_again = watcher.start()  # asking again is as safe

    assert not started and not started_again and not watcher.available
    assert watcher.problem.startswith(REFUSED_PREFIX)
    assert "AccessDenied" in watcher.problem
    assert "\n" not in watcher.problem
    assert watcher.fileno() is None
    assert events == []


def test_without_a_session_bus_the_watcher_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    watcher = NotificationWatcher(FakeClock(T0))

    assert not watcher.start()
    assert watcher.problem == (
        f"{REFUSED_PREFIX}: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
    )


def test_a_dying_bus_makes_the_watcher_unavailable_without_raising() -> None:
    with PrivateBus() as bus:
        watcher = NotificationWatcher(FakeClock(T0), bus=bus.address)
        assert watcher.start(), watcher.problem
    deadline = time.monotonic() + 5
    while watcher.fileno() is not None and time.monotonic() < deadline:
        select.select([watcher.fileno()], [], [], 0.1)
        assert watcher.dispatch_pending() == []

    assert watcher.fileno() is None and not watcher.available
    assert "lost the session bus connection" in watcher.problem


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.slow
def test_a_flood_of_1000_notifications_a_second_for_10_s_is_caught_whole_in_bounded_memory(
) -> None:
    with PrivateBus() as bus:
        # A server that owns the name and drains what it gets (calls expect no reply).
        server = StandInService(bus.address, ("org.freedesktop.Notifications",))
        watcher = NotificationWatcher(FakeClock(T0), bus=bus.address, max_batch=256)
        try:
            assert watcher.start(), watcher.problem
            rss_before = _rss_kib()
            rss_peak = rss_before
            flood = start_flood(bus.address, 10_000, 1_000.0)
            serials: set[int] = set()
            others = 0
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                fd = watcher.fileno()
                assert fd is not None, watcher.problem
                if not watcher.has_pending:
                    select.select([fd], [], [], 0.05)
                for event in watcher.dispatch_pending():
                    if isinstance(event, Caught) and event.notification.app_name == "Flood":
                        serials.add(event.notification.serial)
                    else:
                        others += 1
                rss_peak = max(rss_peak, _rss_kib())
                if flood.poll() is not None and len(serials) >= 10_000:
                    break
            flood.wait(30)
        finally:
            watcher.close()
            server.close()

    assert flood.returncode == 0
    assert len(serials) == 10_000
    assert others == 0
    assert rss_peak - rss_before < 20 * 1024, f"RSS grew {rss_peak - rss_before} KiB"

