"""A notification server that is slow, silent or refusing, for tests (jeepney, a thread)."""

from __future__ import annotations

import threading
import time

from jeepney import (  # type: ignore[import-untyped]
    HeaderFields,
    MessageType,
    new_error,
    new_method_return,
)
from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]


class StalledServer:
    """Owns org.freedesktop.Notifications on ``bus`` and answers ``Notify`` its own way.

    Args:
        bus: The bus address.
        delay: Seconds before each answer; ``None`` never answers.
        refuse: Answer with an error reply (``org.example.Refused``) instead of an id.

    ``calls`` lists the summaries of every ``Notify`` received, in order.
    """

    def __init__(self, bus: str, delay: float | None, *, refuse: bool = False) -> None:
        self.calls: list[str] = []
        self.hints: list[dict[str, object]] = []
        self.app_names: list[str] = []
        self._delay = delay
        self._refuse = refuse
        self._stop = threading.Event()
        self._conn = open_dbus_connection(bus)
        reply = self._conn.send_and_get_reply(
            message_bus.RequestName("org.freedesktop.Notifications"), timeout=5
        )
        assert reply.body[0] == 1, reply.body
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        next_id = 1
        while not self._stop.is_set():
            try:
                msg = self._conn.receive(timeout=0.2)
            except TimeoutError:
                continue
            except OSError:
                return
            if msg.header.message_type is not MessageType.method_call:
                continue
            if msg.header.fields.get(HeaderFields.member) != "Notify":
                continue
            self.app_names.append(str(msg.body[0]))
            self.calls.append(str(msg.body[3]))
            self.hints.append(dict(msg.body[6]))
            if self._delay is None:
                continue
            time.sleep(self._delay)
            if self._refuse:
                self._conn.send(new_error(msg, "org.example.Refused", "s", ("not this one",)))
            else:
                self._conn.send(new_method_return(msg, "u", (next_id,)))
                next_id += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._conn.close()
