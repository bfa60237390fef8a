"""The engine's side of the local socket.

A ``QLocalServer`` on the GUI thread, so requests reach the engine without threads. Frames
are newline-delimited JSON of at most 64 KiB; a bad frame gets an error answer and the
connection keeps being served. ``send`` requests that arrive together (many clients at
once) are decided and committed as one batch, one transaction, before any of them is
answered: every held item is durable before its sender hears back, without paying one
commit per notification.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from focus_app.ipc_client import MAX_FRAME, encode

log = logging.getLogger(__name__)

Request = dict[str, Any]
Answer = dict[str, Any]


class AlreadyRunning(Exception):
    """Another engine answers on the socket."""


class IpcServer(QObject):
    """Serves requests on ``path`` (created 0600 in the user's runtime dir).

    Args:
        path: The socket path.
        handle: Answers one request (not ``send``).
        handle_batch: Answers a list of ``send`` requests, in order, at once.
        is_running: Tells whether another instance already answers on ``path``.
    """

    def __init__(
        self,
        path: Path,
        handle: Callable[[Request], Answer],
        handle_batch: Callable[[list[Request]], list[Answer]],
        is_running: Callable[[Path], bool],
    ) -> None:
        super().__init__()
        self._path = path
        self._handle = handle
        self._handle_batch = handle_batch
        self._is_running = is_running
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytearray] = {}
        self._discarding: set[QLocalSocket] = set()
        self._pending: list[tuple[QLocalSocket, Request]] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush)

    def listen(self) -> None:
        """Start serving.

        Raises:
            AlreadyRunning: Another instance answers on the socket.
            OSError: The socket cannot be created (the message says where and why).
        """
        if self._path.exists():
            if self._is_running(self._path):
                raise AlreadyRunning(str(self._path))
            self._path.unlink()  # stale: left behind by a crash
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        old_umask = os.umask(0o177)
        try:
            ok = self._server.listen(str(self._path))
        finally:
            os.umask(old_umask)
        if not ok:
            raise OSError(f"cannot listen on {self._path}: {self._server.errorString()}")
        os.chmod(self._path, 0o600)
        log.info("listening on %s", self._path)

    def close(self) -> None:
        self._server.close()
        for sock in list(self._buffers):
            sock.abort()
        if self._path.exists():
            self._path.unlink()

    # ----------------------------------------------------------------- connections

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            self._buffers[sock] = bytearray()
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(lambda s=sock: self._drop(s))

    def _drop(self, sock: QLocalSocket) -> None:
        self._buffers.pop(sock, None)
        self._discarding.discard(sock)
        sock.deleteLater()

    def _read(self, sock: QLocalSocket) -> None:
        buffer = self._buffers.get(sock)
        if buffer is None:
            return
        buffer += bytes(sock.readAll().data())
        while True:
            newline = buffer.find(b"\n")
            if newline < 0:
                if len(buffer) > MAX_FRAME and sock not in self._discarding:
                    self._discarding.add(sock)
                    self._answer(sock, _error(f"frame over {MAX_FRAME // 1024} KiB refused"))
                if sock in self._discarding:
                    buffer.clear()
                return
            line = bytes(buffer[:newline])
            del buffer[: newline + 1]
            if sock in self._discarding:
                self._discarding.discard(sock)  # the end of the oversized frame
                continue
            if len(line) > MAX_FRAME:
                self._answer(sock, _error(f"frame over {MAX_FRAME // 1024} KiB refused"))
                continue
            self._dispatch(sock, line)

    def _dispatch(self, sock: QLocalSocket, line: bytes) -> None:
        if not line.strip():
            return
        try:
            request = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._answer(sock, _error(f"malformed JSON: {exc.msg if hasattr(exc, 'msg') else exc}"))
            return
        if not isinstance(request, dict) or not isinstance(request.get("cmd"), str):
            self._answer(sock, _error('a request is a JSON object with a "cmd" string'))
            return
        if request["cmd"] == "send":
            self._pending.append((sock, request))
            self._flush_timer.start()
            return
        # Keep each connection's answers in order: earlier sends go first.
        if any(s is sock for s, _ in self._pending):
            self._flush()
        self._answer(sock, self._safe(lambda: self._handle(request)))

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            answers = self._handle_batch([request for _, request in pending])
        except Exception:  # a bug must not take the server down
            log.exception("batch of %d sends failed", len(pending))
            answers = [_error("internal error; see the log")] * len(pending)
        for (sock, _), answer in zip(pending, answers, strict=True):
            self._answer(sock, answer)

    def _safe(self, call: Callable[[], Answer]) -> Answer:
        try:
            return call()
        except Exception:
            log.exception("request failed")
            return _error("internal error; see the log")

    def _answer(self, sock: QLocalSocket, answer: Answer) -> None:
        if sock in self._buffers and sock.state() == QLocalSocket.LocalSocketState.ConnectedState:
            sock.write(encode(answer))
            sock.flush()


def _error(message: str) -> Answer:
    return {"ok": False, "error": message}
