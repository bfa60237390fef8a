"""Receiving D-Bus signals on a jeepney blocking connection without blocking the GUI.

``DBusNotifier`` (``ActionInvoked``) and ``LogindSleepSource`` (``PrepareForSleep``)
share the same pattern: a match rule whose signals jeepney files into a queue, the
connection's socket watched by a ``QSocketNotifier``, and a non-blocking read of what
arrived. These helpers are that pattern; the callers keep their own error handling.
"""

from __future__ import annotations

from collections import deque

# jeepney ships no type information; its few names used here are wrapped in typed functions.
from jeepney import HeaderFields, MatchRule, Message
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection


def subscribe(
    conn: DBusConnection, rule: MatchRule, queue: deque[Message], timeout_s: float
) -> Message:
    """Queue the signals matching ``rule`` into ``queue`` and ask the bus for them.

    Returns the bus's reply to ``AddMatch`` (an error reply is the caller's to judge);
    ``OSError``, ``TimeoutError`` and ``ValueError`` from the bus call propagate.
    """
    conn.filter(rule, queue=queue)
    reply: Message = conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=timeout_s)
    return reply


def socket_fd(conn: DBusConnection | None) -> int | None:
    """The connection's socket for a ``QSocketNotifier``; ``None`` without a connection."""
    return conn.sock.fileno() if conn is not None else None


def read_available(conn: DBusConnection) -> bool:
    """Read every message available now, without blocking; ``False`` if the connection broke.

    Matching signals land in their filters' queues; anything else is dropped.
    """
    try:
        while True:
            conn.recv_messages(timeout=0)
    except TimeoutError:
        return True
    except (OSError, ValueError):
        return False


def take_signals(queue: deque[Message], member: str) -> list[Message]:
    """Empty ``queue``; return its signals named ``member``, oldest first."""
    taken: list[Message] = []
    while queue:
        msg = queue.popleft()
        if msg.header.fields.get(HeaderFields.member) == member:
            taken.append(msg)
    return taken
