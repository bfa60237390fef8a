"""Passwords in the Secret Service: a real ``gnome-keyring-daemon`` (secrets component,
unlocked with a piped password) on a private ``dbus-daemon``; and the memory path when
no service answers. Never the settings file or the database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import open_dbus_connection

from focus_app.desktop.secrets import (
    IN_MEMORY_NOTE,
    Passwords,
    SecretService,
    subscription_key,
)

pytestmark = pytest.mark.skipif(
    shutil.which("gnome-keyring-daemon") is None or shutil.which("dbus-daemon") is None,
    reason="gnome-keyring-daemon and dbus-daemon are needed (scripts/bootstrap.sh)",
)


@pytest.fixture
def keyring(tmp_path: Path) -> Iterator[str]:
    """A private bus with an unlocked gnome-keyring; yields the bus address."""
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE, text=True,
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "HOME": str(tmp_path),
           "XDG_RUNTIME_DIR": str(runtime), "XDG_DATA_HOME": str(tmp_path / "data")}
    subprocess.run(
        ["gnome-keyring-daemon", "--daemonize", "--components=secrets", "--unlock"],
        input="keyring password", env=env, check=True, timeout=20, capture_output=True,
        text=True,
    )
    # --daemonize returns before the daemon owns its bus name; on a loaded machine the
    # first call could find no Secret Service yet.
    bus_daemon = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus",
                             "org.freedesktop.DBus")
    deadline = time.monotonic() + 10
    with open_dbus_connection(address) as conn:
        while True:
            owned = conn.send_and_get_reply(new_method_call(
                bus_daemon, "NameHasOwner", "s", ("org.freedesktop.secrets",)
            ), timeout=5).body[0]
            if owned or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert owned, "gnome-keyring-daemon did not claim org.freedesktop.secrets within 10 s"
    try:
        yield address
    finally:
        with open_dbus_connection(address) as conn:  # the daemon's pid, from the bus
            reply = conn.send_and_get_reply(new_method_call(
                DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus",
                            "org.freedesktop.DBus"),
                "GetConnectionUnixProcessID", "s", ("org.freedesktop.secrets",),
            ), timeout=5)
        if reply.body:
            os.kill(reply.body[0], signal.SIGTERM)
        bus.terminate()
        bus.wait(timeout=10)
        assert bus.stdout is not None
        bus.stdout.close()


def test_a_password_stored_in_gnome_keyring_is_found_again_by_link_and_removed(
    keyring: str, tmp_path: Path
) -> None:
    passwords = Passwords(SecretService(keyring))
    where = passwords.store(3, "Focus & Boundaries: alice at https://dav/cal/", "hunter2")
    assert where == "stored in the desktop's Secret Service"
    fresh = Passwords(SecretService(keyring))  # a new session: not from our memory
    assert fresh.lookup(3) == "hunter2"
    assert fresh.lookup(4) is None
    fresh.forget(3)
    assert Passwords(SecretService(keyring)).lookup(3) is None


def test_a_followed_calendars_password_has_its_own_key_beside_the_link_of_that_number(
    keyring: str,
) -> None:
    passwords = Passwords(SecretService(keyring))
    passwords.store(1, "Focus & Boundaries: alice at https://dav/sync/", "link pw")
    passwords.store(subscription_key(1), "Focus & Boundaries: alice at https://dav/work/",
                    "follow pw")
    fresh = Passwords(SecretService(keyring))
    assert (fresh.lookup(1), fresh.lookup(subscription_key(1))) == ("link pw", "follow pw")
    fresh.forget(subscription_key(1))
    assert (fresh.lookup(1), fresh.lookup(subscription_key(1))) == ("link pw", None)


def test_a_second_password_for_one_link_replaces_the_first(keyring: str) -> None:
    service = SecretService(keyring)
    service.store(1, "label", "old")
    service.store(1, "label", "new")
    assert service.lookup(1) == "new"


def test_without_a_secret_service_the_password_is_kept_in_memory_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert bus.stdout is not None
        passwords = Passwords(SecretService(bus.stdout.readline().strip()))
        assert passwords.store(2, "label", "pw") == IN_MEMORY_NOTE
        assert passwords.lookup(2) == "pw"
        assert Passwords(SecretService(f"unix:path={tmp_path}/none")).lookup(2) is None
    finally:
        bus.terminate()
        bus.wait(timeout=10)
        assert bus.stdout is not None
        bus.stdout.close()
    assert "no Secret Service" in caplog.text
