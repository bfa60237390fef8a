"""Talking to a running engine over its local socket (no Qt: the command line stays fast).

The protocol is newline-delimited JSON. A request is ``{"cmd": NAME, ...arguments}``; the
answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "one line"}``. A frame
(one line) is at most ``MAX_FRAME`` bytes; the server refuses longer ones and keeps serving.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

MAX_FRAME = 64 * 1024
CONNECT_TIMEOUT = 2.0
ANSWER_TIMEOUT = 10.0


class NotRunning(Exception):
    """No engine answers on the socket."""


class ConnectionLost(NotRunning):
    """The engine went away after the request was (perhaps) written: it may have acted.

    Unlike a failed connect, the request may have been committed before the engine died,
    so a retry must carry the same idempotency key (``send``'s ``"key"``).
    """


class NotAnswering(TimeoutError):
    """The engine accepted the connection but did not answer in time (busy or stopped)."""


class RemoteError(Exception):
    """The engine answered with an error (bad input, unknown id, ...)."""


def encode(message: dict[str, Any]) -> bytes:
    """One frame: compact JSON and a newline.

    A string with a lone surrogate (``"\\ud800"`` arrived escaped in a request and is
    echoed in the error) has no UTF-8 form; such a message goes out with every non-ASCII
    character escaped, which JSON allows, so an answer can always be sent.
    """
    text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode() + b"\n"
    except UnicodeEncodeError:
        return json.dumps(message, separators=(",", ":")).encode("ascii") + b"\n"


class Client:
    """A connection to the engine; one request at a time, reusable for many requests."""

    def __init__(self, path: Path, timeout: float = ANSWER_TIMEOUT) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(CONNECT_TIMEOUT)
        try:
            self._sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError, TimeoutError) as exc:
            self._sock.close()
            raise NotRunning(str(exc)) from exc
        self._sock.settimeout(timeout)
        self._buffer = b""

    def call(self, cmd: str, **args: Any) -> Any:
        """Send one request and return its result.

        Raises:
            RemoteError: The engine refused the request; the message says why.
            ConnectionLost: The engine went away after the request was sent.
            NotAnswering: It did not answer in time.
        """
        answer = self.raw(encode({"cmd": cmd, **args}))
        if not answer.get("ok"):
            raise RemoteError(str(answer.get("error", "unknown error")))
        return answer.get("result")

    def raw(self, frame: bytes) -> dict[str, Any]:
        """Send bytes as they are and read one answer line (tests use this for bad frames)."""
        try:
            self._sock.sendall(frame)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ConnectionLost(str(exc)) from exc
        except TimeoutError as exc:
            raise self._not_answering() from exc
        return self.read()

    def read(self) -> dict[str, Any]:
        """Read one more line (long work sends progress lines before its answer)."""
        try:
            while b"\n" not in self._buffer:
                chunk = self._sock.recv(65536)
                if not chunk:
                    raise ConnectionLost("the engine closed the connection")
                self._buffer += chunk
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ConnectionLost(str(exc)) from exc
        except TimeoutError as exc:
            raise self._not_answering() from exc
        line, _, self._buffer = self._buffer.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _not_answering(self) -> NotAnswering:
        return NotAnswering(
            f"focus-app is running but did not answer within {self._sock.gettimeout():.0f} s "
            "(busy, or stopped); try again, or restart it"
        )

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
