"""Other programs' notifications, sent fast: the load test's and benchmark's sender.

``send_notifications`` sends ``Notify`` calls the way a chat program does (a reply is
expected, so the notification server answers with its id and the app can close its copy),
but pipelined: up to ``window`` calls are in flight before the sender waits for the
oldest answer. The default, ``WINDOW``, is small on purpose: dunst 1.9 (paused) stops
answering for good after a few thousand calls when 16 or more are in flight from one
connection (measured here: 5,000 answered, then nothing; with 8 in flight, 8,000 at
~1,700/s and no stall). ``window=0`` sends without expecting a reply (the
``NO_REPLY_EXPECTED`` flag, as a program that ignores the id): nothing waits for the
server, so the pace is the sender's own, but the app never learns the server's ids.

Run it as its own process (``start_sender``), so its pace does not depend on the app
under test sharing the interpreter:
``python -m tests.e2e.senders ADDRESS COUNT RATE APP [WINDOW]`` (``RATE`` 0 = no pacing).
It prints one JSON line at the end:
``{"sent": N, "answered": N, "errors": N, "seconds": S, "start": T}`` (``T``: the
first call's ``time.monotonic()``, comparable across processes on Linux).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import deque

from jeepney import (  # type: ignore[import-untyped]
    DBusAddress,
    MessageFlag,
    MessageType,
    new_method_call,
)
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

WINDOW = 8
"""Notify calls in flight at most, by default (see above; dbus-daemon itself refuses more
than 128 pending replies per connection)."""

NOTIFICATIONS = DBusAddress(
    "/org/freedesktop/Notifications",
    bus_name="org.freedesktop.Notifications",
    interface="org.freedesktop.Notifications",
)


def notify_message(app_name: str, sender: str, body: str) -> object:
    """A chat-sized ``Notify`` call: the sender as the summary, an action, the usual hints."""
    hints = {"urgency": ("y", 1), "category": ("s", "im.received")}
    return new_method_call(
        NOTIFICATIONS, "Notify", "susssasa{sv}i",
        (app_name, 0, "", sender, body, ["default", "Open"], hints, -1),
    )


def send_notifications(
    address: str, count: int, rate: float, app_name: str, window: int = WINDOW
) -> dict[str, float]:
    """Send ``count`` notifications from ``app_name`` at ``rate`` a second (0: no pacing).

    ``window`` calls at most are in flight; 0 sends them without expecting replies.

    Senders cycle through 50 names ("Bob 0" ... "Bob 49"); the body carries the number.
    Returns how many were sent, answered with an id, answered with an error, the
    seconds from the first call to the last answer, and the first call's monotonic time.
    """
    answered = errors = 0
    with open_dbus_connection(address) as conn:
        pending: deque[int] = deque()

        def take_one() -> None:
            nonlocal answered, errors
            reply = conn.receive(timeout=30)
            if reply.header.message_type is MessageType.method_return:
                answered += 1
                pending.popleft()
            elif reply.header.message_type is MessageType.error:
                errors += 1
                pending.popleft()

        start = time.monotonic()
        for i in range(count):
            while window and len(pending) >= window:
                take_one()
            msg = notify_message(app_name, f"Bob {i % 50}", f"message number {i}: free at 3?")
            if window:
                pending.append(i)
            else:
                msg.header.flags |= MessageFlag.no_reply_expected
            conn.send(msg)
            if rate:
                delay = start + (i + 1) / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        while pending:
            take_one()
        seconds = time.monotonic() - start
        if not window:
            # A round trip to the bus: everything sent before it has been routed.
            bus = DBusAddress(
                "/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus"
            )
            conn.send_and_get_reply(new_method_call(bus, "GetId"), timeout=60)
    return {
        "sent": count, "answered": answered, "errors": errors, "seconds": seconds, "start": start
    }


def start_sender(
    address: str, count: int, rate: float, app_name: str, window: int = WINDOW
) -> subprocess.Popen[str]:
    """Run ``send_notifications`` in its own process; read its JSON line from stdout."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.senders", address, str(count), str(rate), app_name,
         str(window)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )


def sender_result(proc: subprocess.Popen[str], timeout: float) -> dict[str, float]:
    """Wait for a sender started by ``start_sender``; its counts, or ``AssertionError``."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(
            f"the sender did not finish within {timeout:g} s (the server stopped answering?)"
        ) from None
    if proc.returncode != 0:
        raise AssertionError(f"the sender failed with status {proc.returncode}")
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    print(json.dumps(send_notifications(
        sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4],
        int(sys.argv[5]) if len(sys.argv) > 5 else WINDOW,
    )))
