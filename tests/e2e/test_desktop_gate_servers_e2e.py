"""Every program's notifications through the gate, on the servers other than dunst.

The real app (``focus-app --headless``) runs against each server on a private session bus:

* **xfce4-notifyd** 0.7 with **xfconfd** under Xvfb (both real). What it shows is what is
  on the screen: its popup windows (``xdotool search --onlyvisible --class``); its
  do-not-disturb is read and switched with ``xfconf-query``.
* **swaync** 0.7 under headless sway (real, ``tests.e2e.wayland.WaylandSession``). Its
  do-not-disturb through ``swaync-client``; what it keeps through its D-Bus
  ``NotificationCount`` (its popups are layer-shell surfaces no tool here can list).
* **GNOME**: the setting is real (``gsettings`` with a real ``dconf-service``), the sender
  is a real GApplication (``Gio.Application.send_notification`` through python3-gi, which
  talks ``org.gtk.Notifications`` because someone owns that name). **GNOME Shell is a
  stand-in**: ``RecordingStandIn`` below answers ``GetServerInformation`` as
  "gnome-shell", owns ``org.gtk.Notifications`` and records what it is sent; it does not
  draw anything, so "shown" means "still open at the server".
* **KDE Plasma**: a **stand-in** too (``StandInServer(inhibit=True)`` from
  ``tests.desktop.dnd_support`` implements Plasma's ``Inhibit``/``UnInhibit``, the
  ``Inhibited`` property, and drops a client's inhibitions when it leaves the bus),
  recording ``Notify`` like the GNOME one; the sender is the real ``notify-send``.

Every scenario runs on every server (parametrized): held during focus and not shown;
a breakthrough shown under do-not-disturb; one digest on release and nothing replayed;
the user's own do-not-disturb kept; the user switching it off pauses the app; ``kill -9``
of the app gives it back within 5 s.
"""

from __future__ import annotations

import html
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jeepney import (  # type: ignore[import-untyped]
    HeaderFields,
    MessageType,
    new_method_call,
    new_method_return,
)
from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

from focus_app.desktop.notifier import NOTIFICATIONS
from tests.desktop.dnd_support import (
    DCONF_SERVICE,
    XFCE4_NOTIFYD,
    XFCONFD,
    StandInServer,
    daemon,
    wait_until,
)
from tests.e2e.app_process import AppProcess, cli
from tests.e2e.gate_support import held, status, wait
from tests.e2e.harness import REQUIRED_PROGRAMS, DesktopSession, missing_programs
from tests.e2e.wayland import SWAYNC, WaylandSession, wayland_missing_programs

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SERVERS = ("xfce4-notifyd", "swaync", "gnome-shell", "kde-plasma")

# A real GApplication: registers on the bus and sends one GNotification, as GNOME
# programs (Fractal, Geary, GNOME Calendar) do. Run with the system python3 (python3-gi).
_GAPPLICATION_SENDER = """
import sys
import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio
app = Gio.Application(application_id=sys.argv[1])
app.register(None)
notification = Gio.Notification.new(sys.argv[2])
notification.set_body(sys.argv[3])
app.send_notification(None, notification)
app.get_dbus_connection().flush_sync(None)
"""


class RecordingStandIn(StandInServer):
    """A stand-in notification server that also records ``Notify`` and, optionally,
    ``org.gtk.Notifications.AddNotification`` (what GNOME Shell serves to GApplications).

    It answers ``Notify`` with a fresh id and forgets it on ``CloseNotification``, so
    ``open`` is what a real server would still show or list.
    """

    def __init__(self, bus_address: str, name: str, *, inhibit: bool = False, gtk: bool = False):
        super().__init__(bus_address, name, inhibit=inhibit)
        self.open: dict[int, dict[str, Any]] = {}
        self.gtk_added: list[dict[str, Any]] = []
        self._ids = iter(range(1, 1_000_000))
        self._records = threading.Lock()
        if gtk:
            # The serving thread reads this connection now: send, and let it drop the reply.
            self._conn.send(message_bus.RequestName("org.gtk.Notifications", 4))
            with open_dbus_connection(bus_address) as probe:
                wait_until(
                    "the stand-in to own org.gtk.Notifications",
                    lambda: probe.send_and_get_reply(
                        message_bus.NameHasOwner("org.gtk.Notifications"), timeout=2
                    ).body[0],
                )

    def _handle(self, msg: Any) -> None:
        fields = msg.header.fields
        member = fields.get(HeaderFields.member)
        if msg.header.message_type is MessageType.method_call:
            if member == "Notify":
                app_name, replaces, _icon, summary, body, _actions, hints, _timeout = msg.body
                with self._records:
                    nid = int(replaces) or next(self._ids)
                    urgency = hints.get("urgency", ("y", 1))[1]
                    self.open[nid] = {  # real GNOME and Plasma render body markup
                        "app": app_name, "summary": summary, "body": html.unescape(body),
                        "urgency": urgency,
                    }
                self._conn.send(new_method_return(msg, "u", (nid,)))
                return
            if member == "CloseNotification":
                with self._records:
                    self.open.pop(int(msg.body[0]), None)
                self._conn.send(new_method_return(msg))
                return
            if member == "AddNotification" and len(msg.body) == 3:
                app_id, _gtk_id, fields_ = msg.body
                with self._records:
                    self.gtk_added.append(
                        {"app": app_id, **{k: v[1] for k, v in fields_.items()}}
                    )
                self._conn.send(new_method_return(msg))
                return
        super()._handle(msg)

    def shown(self) -> list[dict[str, Any]]:
        with self._records:
            return list(self.open.values())


class Server:
    """One notification server in its session, as the scenarios see it."""

    driver = ""
    env: dict[str, str]
    stand_in: RecordingStandIn | None = None

    def dnd(self) -> bool:
        raise NotImplementedError

    def set_dnd(self, on: bool) -> None:
        """The user flips the desktop's own do-not-disturb."""
        raise NotImplementedError

    def shown(self) -> int:
        """How many notifications the server shows (or keeps to show) now."""
        raise NotImplementedError

    def send(self, summary: str, body: str) -> None:
        """Another program sends a notification (``notify-send -a Slack``)."""
        subprocess.run(
            ["notify-send", "-a", "Slack", summary, body], env=self.env, check=True, timeout=10
        )


def _run(env: dict[str, str], *argv: str) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=10, check=True)
    return done.stdout.strip()


class Xfce(Server):
    driver = "xfce4-notifyd"

    def __init__(self, desktop: DesktopSession) -> None:
        self.env = desktop.env

    def dnd(self) -> bool:
        done = subprocess.run(
            ["xfconf-query", "-c", "xfce4-notifyd", "-p", "/do-not-disturb"],
            env=self.env, capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        return done.returncode == 0 and done.stdout.strip() == "true"

    def set_dnd(self, on: bool) -> None:
        _run(
            self.env, "xfconf-query", "-c", "xfce4-notifyd", "-p", "/do-not-disturb",
            "-n", "-t", "bool", "-s", "true" if on else "false",
        )  # fmt: skip

    def shown(self) -> int:
        done = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--class", "xfce4-notifyd"],
            env=self.env, capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        return len(done.stdout.split())


class Swaync(Server):
    driver = "swaync"

    def __init__(self, session: WaylandSession) -> None:
        self.env = session.env
        self._session = session

    def dnd(self) -> bool:
        return _run(self.env, "swaync-client", "--get-dnd") == "true"

    def set_dnd(self, on: bool) -> None:
        _run(self.env, "swaync-client", "--dnd-on" if on else "--dnd-off")

    def shown(self) -> int:
        return int(self._session.call(SWAYNC, "NotificationCount")[0])


class Gnome(Server):
    driver = "gnome-shell"

    def __init__(self, desktop: DesktopSession, stand_in: RecordingStandIn) -> None:
        self.env = desktop.env
        self.stand_in = stand_in

    def dnd(self) -> bool:
        keys = ("org.gnome.desktop.notifications", "show-banners")
        return _run(self.env, "gsettings", "get", *keys) == "false"

    def set_dnd(self, on: bool) -> None:
        keys = ("org.gnome.desktop.notifications", "show-banners")
        _run(self.env, "gsettings", "set", *keys, "false" if on else "true")

    def shown(self) -> int:
        assert self.stand_in is not None
        return len(self.stand_in.shown())

    def send(self, summary: str, body: str) -> None:
        """A real GApplication sends it through ``org.gtk.Notifications``."""
        subprocess.run(
            ["/usr/bin/python3", "-c", _GAPPLICATION_SENDER, "org.example.Chat", summary, body],
            env=self.env, check=True, timeout=20,
        )  # fmt: skip


class Kde(Server):
    driver = "kde-plasma"

    def __init__(self, desktop: DesktopSession, stand_in: RecordingStandIn) -> None:
        self.env = desktop.env
        self.stand_in = stand_in
        self._bus = desktop.bus_address
        self._users: Any = None  # the connection holding the user's own inhibition

    def dnd(self) -> bool:
        assert self.stand_in is not None
        return self.stand_in.inhibited

    def set_dnd(self, on: bool) -> None:
        assert self.stand_in is not None
        if on:  # the user's applet inhibits from its own connection
            self._users = open_dbus_connection(self._bus)
            self._users.send_and_get_reply(
                new_method_call(NOTIFICATIONS, "Inhibit", "ssa{sv}", ("plasmashell", "", {})),
                timeout=2,
            )
        else:
            self.stand_in.user_clears_inhibitions()

    def close(self) -> None:
        if self._users is not None:
            self._users.close()

    def shown(self) -> int:
        assert self.stand_in is not None
        return len(self.stand_in.shown())


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """The server's session, its daemons and (for GNOME and KDE) the stand-in."""
    name = request.param
    if name == "swaync":
        missing = wayland_missing_programs("swaync") + missing_programs(("swaync-client",))
        if missing:
            pytest.fail(f"these tests need {', '.join(missing)} on PATH", pytrace=False)
        with WaylandSession(server="swaync") as session:
            yield Swaync(session)
        return
    missing = missing_programs((*REQUIRED_PROGRAMS, "notify-send", "xdotool", "gsettings"))
    if missing:
        pytest.fail(f"these tests need {', '.join(missing)} on PATH", pytrace=False)
    with DesktopSession(with_dunst=False) as desktop:
        if name == "xfce4-notifyd":
            with daemon([XFCONFD], desktop.env):
                wait_until("xfconfd", lambda: desktop.name_has_owner("org.xfce.Xfconf"))
                with daemon([XFCE4_NOTIFYD], desktop.env):
                    wait_until(
                        "xfce4-notifyd",
                        lambda: desktop.name_has_owner("org.freedesktop.Notifications"),
                    )
                    yield Xfce(desktop)
        elif name == "gnome-shell":
            desktop.env["GSETTINGS_BACKEND"] = "dconf"
            with daemon([DCONF_SERVICE], desktop.env):
                wait_until("dconf-service", lambda: desktop.name_has_owner("ca.desrt.dconf"))
                stand_in = RecordingStandIn(desktop.bus_address, "gnome-shell", gtk=True)
                try:
                    yield Gnome(desktop, stand_in)
                finally:
                    stand_in.stop()
        else:
            stand_in = RecordingStandIn(desktop.bus_address, "Plasma", inhibit=True)
            kde = Kde(desktop, stand_in)
            try:
                yield kde
            finally:
                kde.close()
                stand_in.stop()


@pytest.fixture
def app(server: Server, tmp_path: Path) -> Iterator[AppProcess]:
    # Two messages from one sender within minutes would escalate; this is about holding.
    settings = Path(server.env["XDG_CONFIG_HOME"]) / "focus-app" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("[gate]\nrepeat_escalation_minutes = 0\n")
    started = AppProcess(server.env, "--headless", log=tmp_path / "focus-app.log")
    driver = server.driver
    try:
        started.wait_ready()
        wait(f"the gate to drive {server.driver}", lambda: status(server.env)["dnd"] == driver)
        yield started
    finally:
        started.stop()


def _focus(server: Server) -> None:
    assert cli(server.env, "focus", "25m").returncode == 0
    wait("do-not-disturb on for the focus block", server.dnd)


def test_held_during_focus_and_not_shown_by_the_server(server: Server, app: AppProcess) -> None:
    assert not server.dnd()
    _focus(server)
    assert status(server.env)["catching"] in ("monitor", "eavesdrop")

    server.send("Bob", "quick question?")

    wait("the caught notification to be held", lambda: len(held(server.env)) == 1)
    (item,) = held(server.env)
    assert item["body"] == "quick question?"
    time.sleep(0.5)  # time for a popup (or the server's copy) to appear, if it would
    assert server.shown() == 0
    if isinstance(server, Gnome):
        assert server.stand_in is not None
        assert [n["app"] for n in server.stand_in.gtk_added] == ["org.example.Chat"]
    assert status(server.env)["problems"] == []


def test_a_breakthrough_is_shown_under_do_not_disturb(server: Server, app: AppProcess) -> None:
    done = cli(server.env, "rule", "add", "--keyword", "server is down", "--action", "priority")
    assert done.returncode == 0, done.stderr
    _focus(server)

    server.send("Alice", "the server is down")

    wait("the breakthrough to be shown", lambda: server.shown() == 1)
    time.sleep(0.5)
    assert server.shown() == 1, "the original is closed, only the re-shown one stays"
    assert server.dnd() and held(server.env) == []
    if server.stand_in is not None:
        (shown,) = server.stand_in.shown()
        assert shown["urgency"] == 2, shown  # critical: what passes their do-not-disturb
        assert "Let through by Focus & Boundaries" in shown["body"], shown


def test_release_sends_one_digest_and_the_server_replays_nothing(
    server: Server, app: AppProcess
) -> None:
    _focus(server)
    for who in ("Bob", "Carol", "Dan"):
        server.send(who, f"ping from {who}")
    wait("three held", lambda: len(held(server.env)) == 3)
    time.sleep(0.5)
    assert server.shown() == 0

    assert cli(server.env, "resume").returncode == 0

    wait("do-not-disturb off", lambda: not server.dnd())
    wait("the digest", lambda: server.shown() >= 1)
    time.sleep(1.0)
    assert server.shown() == 1, "one digest, not three replayed popups"
    if server.stand_in is not None:
        (digest,) = server.stand_in.shown()
        assert digest["summary"] == "3 held while you focused" and digest["urgency"] == 1


def test_the_users_own_do_not_disturb_stays_on_after_the_block(
    server: Server, app: AppProcess
) -> None:
    server.set_dnd(True)
    wait("the user's do-not-disturb", server.dnd)
    assert cli(server.env, "focus", "25m").returncode == 0
    time.sleep(0.5)
    assert cli(server.env, "resume").returncode == 0
    time.sleep(0.5)
    assert server.dnd()
    assert status(server.env)["mode"] != "paused"


def test_switching_do_not_disturb_off_during_a_block_pauses_the_app(
    server: Server, app: AppProcess
) -> None:
    _focus(server)

    server.set_dnd(False)

    wait("the app to pause", lambda: status(server.env)["mode"] == "paused")
    time.sleep(0.5)
    assert not server.dnd(), "the app does not fight the user"


def test_after_kill_9_do_not_disturb_is_given_back_within_5_s(
    server: Server, app: AppProcess
) -> None:
    _focus(server)

    app.kill9()

    took = wait("do-not-disturb given back", lambda: not server.dnd(), timeout=5.0)
    print(f"{server.driver}: do-not-disturb back {took:.2f} s after kill -9")
