"""The engine's side of the local socket.

Non-blocking Unix sockets on the GUI thread, so requests reach the engine without threads. Frames
are newline-delimited JSON of at most 64 KiB; a bad frame gets an error answer and the
connection keeps being served. ``send`` requests that arrive together (many clients at
once) are decided and committed as one batch, one transaction, before any of them is
answered: every held item is durable before its sender hears back, without paying one
commit per notification.

Limits, so no client can hurt the app or the other clients:

- Each client's pending output is bounded (``MAX_OUTBOX``): a client that sends
  requests and never reads the answers is no longer read from until it drains.
- Idle connections close after ``IDLE_TIMEOUT_S`` without a request; one timer, armed
  only while connections exist (no wake-ups at all while nobody is connected).
- At most ``MAX_CONNECTIONS`` at once. One more closes the longest-idle connection that
  has nothing in flight (its client is between requests; ``focus-app send`` retries with
  its key), so 1,100 idle connections cannot lock ``status`` out; if every connection is
  busy, the newcomer gets one error line and is closed.
- Out of file descriptors (``EMFILE``), accepting pauses for ``ACCEPT_BACKOFF_MS``
  instead of spinning on a listener that stays readable.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

from focus_app.desktop.instance import InstanceLock
from focus_app.faults import fault_point
from focus_app.ipc_client import MAX_FRAME, encode
from focus_app.store import StoreError

log = logging.getLogger(__name__)

MAX_OUTBOX = 1024 * 1024
"""Bytes of answers a client may leave unread before we stop reading its requests."""
MAX_CONNECTIONS = 256
IDLE_TIMEOUT_S = 60.0
ACCEPT_BACKOFF_MS = 250
_OUT_OF_FDS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)

Request = dict[str, Any]
Answer = dict[str, Any]


class AlreadyRunning(Exception):
    """This process does not hold the instance lock, so it must not touch the socket."""


class _Connection:
    """One client: its socket, what it sent so far, and what we still have to write."""

    def __init__(self, sock: socket.socket, reader: QSocketNotifier, writer: QSocketNotifier):
        self.sock = sock
        self.reader = reader
        self.writer = writer
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.discarding = False
        self.closed = False
        self.last_request = time.monotonic()


class IpcServer(QObject):
    """Serves requests on ``path`` (created 0600 in the user's runtime dir).

    Plain non-blocking Unix sockets watched by ``QSocketNotifier``s: no threads, and no
    per-request calls into Qt's socket classes (PySide6 6.12 corrupted a refcount in those
    under load: "bool_dealloc" crashes at a few thousand requests a second).

    Args:
        path: The socket path.
        handle: Answers one request (not ``send``).
        handle_batch: Answers a list of ``send`` requests, in order, at once.
        lock: The instance lock this process holds (``focus_app.desktop.instance``). Only its
            holder may remove a socket left behind by a crash and bind a new one; a
            socket that does not answer may belong to a live but busy app.
    """

    def __init__(
        self,
        path: Path,
        handle: Callable[[Request], Answer],
        handle_batch: Callable[[list[Request]], list[Answer]],
        lock: InstanceLock,
    ) -> None:
        super().__init__()
        self._path = path
        self._handle = handle
        self._handle_batch = handle_batch
        self._lock = lock
        self._listener: socket.socket | None = None
        self._accept_notifier: QSocketNotifier | None = None
        self._connections: dict[int, _Connection] = {}
        self._pending: list[tuple[_Connection, Request]] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush)
        self._idle_timer = QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.timeout.connect(self._close_idle)
        self._accept_again = QTimer(self)
        self._accept_again.setSingleShot(True)
        self._accept_again.setInterval(ACCEPT_BACKOFF_MS)
        self._accept_again.timeout.connect(self._resume_accepting)
        self.idle_timeout_s = IDLE_TIMEOUT_S
        self.max_connections = MAX_CONNECTIONS

    @property
    def connection_count(self) -> int:
        """How many clients are connected now."""
        return len(self._connections)
    def listen(self) -> None:
        """Start serving.

        Raises:
            AlreadyRunning: The instance lock is not held (another instance runs).
            OSError: The socket cannot be created (the message says where and why).
        """
        if not self._lock.held:
            raise AlreadyRunning(str(self._path))
        if self._path.exists() or self._path.is_symlink():
            # We hold the instance lock, so no live app owns it: left behind by a crash.
            self._path.unlink()
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # never visible with looser permissions, not even briefly
        try:
            listener.bind(str(self._path))
        except OSError as exc:
            listener.close()
            raise OSError(f"cannot listen on {self._path}: {exc.strerror}") from exc
        finally:
            os.umask(old_umask)
        os.chmod(self._path, 0o600)
        listener.listen(128)
        listener.setblocking(False)
        self._listener = listener
        self._accept_notifier = QSocketNotifier(listener.fileno(), QSocketNotifier.Type.Read, self)
        self._accept_notifier.activated.connect(self._accept)
        log.info("listening on %s", self._path)

    def close(self) -> None:
        self._idle_timer.stop()
        self._accept_again.stop()
        for conn in list(self._connections.values()):
            self._drop(conn)
        if self._accept_notifier is not None:
            self._accept_notifier.setEnabled(False)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
            if self._path.exists():
                self._path.unlink()

    # ----------------------------------------------------------------- connections

    def _accept(self, *_args: object) -> None:
        assert self._listener is not None
        while True:
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _OUT_OF_FDS and self._accept_notifier is not None:
                    # The listener stays readable: without a pause this would spin.
                    log.warning("cannot accept a connection (%s); pausing %d ms",
                                exc.strerror, ACCEPT_BACKOFF_MS)
                    self._accept_notifier.setEnabled(False)
                    self._accept_again.start()
                else:
                    log.warning("cannot accept a connection: %s", exc)
                return
            if len(self._connections) >= self.max_connections and not self._evict_idlest():
                sock.setblocking(False)
                with contextlib.suppress(OSError):
                    sock.send(encode(_error(
                        f"too many connections (at most {self.max_connections}); "
                        "close idle ones and try again"
                    )))
                sock.close()
                continue
            sock.setblocking(False)
            reader = QSocketNotifier(sock.fileno(), QSocketNotifier.Type.Read, self)
            writer = QSocketNotifier(sock.fileno(), QSocketNotifier.Type.Write, self)
            writer.setEnabled(False)
            conn = _Connection(sock, reader, writer)
            reader.activated.connect(lambda *_a, c=conn: self._read(c))
            writer.activated.connect(lambda *_a, c=conn: self._write(c))
            self._connections[sock.fileno()] = conn
            if not self._idle_timer.isActive():
                self._arm_idle_timer()

    def _evict_idlest(self) -> bool:
        """Close the longest-idle connection with nothing in flight; ``False`` if none."""
        busy = {id(conn) for conn, _ in self._pending}
        idle = [
            conn
            for conn in self._connections.values()
            if not conn.inbox and not conn.outbox and id(conn) not in busy
        ]
        if not idle:
            return False
        victim = min(idle, key=lambda conn: conn.last_request)
        log.info("at %d connections: closing the longest idle one", len(self._connections))
        self._drop(victim)
        return True

    def _resume_accepting(self) -> None:
        if self._accept_notifier is not None and self._listener is not None:
            self._accept_notifier.setEnabled(True)
            self._accept()

    def _arm_idle_timer(self) -> None:
        """One timer for all connections, set for the oldest idle one; none if none."""
        if not self._connections:
            self._idle_timer.stop()
            return
        oldest = min(conn.last_request for conn in self._connections.values())
        due_in = oldest + self.idle_timeout_s - time.monotonic()
        self._idle_timer.start(max(0, int(due_in * 1000)) + 10)

    def _close_idle(self) -> None:
        now = time.monotonic()
        for conn in list(self._connections.values()):
            if now - conn.last_request >= self.idle_timeout_s:
                self._drop(conn)
        self._arm_idle_timer()

    def _drop(self, conn: _Connection) -> None:
        if conn.closed:
            return
        conn.closed = True
        conn.reader.setEnabled(False)
        conn.writer.setEnabled(False)
        conn.reader.deleteLater()
        conn.writer.deleteLater()
        self._connections.pop(conn.sock.fileno(), None)
        conn.sock.close()

    def _read(self, conn: _Connection) -> None:
        while not conn.closed:
            try:
                chunk = conn.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                chunk = b""
            if not chunk:
                self._drop(conn)
                return
            conn.last_request = time.monotonic()
            conn.inbox += chunk
            self._take_frames(conn)
            if len(conn.outbox) > MAX_OUTBOX and not conn.closed:
                # It does not read its answers: stop reading (and answering) until it does.
                conn.reader.setEnabled(False)
                return

    def _take_frames(self, conn: _Connection) -> None:
        buffer = conn.inbox
        while not conn.closed and len(conn.outbox) <= MAX_OUTBOX:
            newline = buffer.find(b"\n")
            if newline < 0:
                if len(buffer) > MAX_FRAME and not conn.discarding:
                    conn.discarding = True
                    self._answer(conn, _error(f"frame over {MAX_FRAME // 1024} KiB refused"))
                if conn.discarding:
                    buffer.clear()
                return
            line = bytes(buffer[:newline])
            del buffer[: newline + 1]
            if conn.discarding:
                conn.discarding = False  # the end of the oversized frame
                continue
            if len(line) > MAX_FRAME:
                self._answer(conn, _error(f"frame over {MAX_FRAME // 1024} KiB refused"))
                continue
            self._dispatch(conn, line)

    def _dispatch(self, conn: _Connection, line: bytes) -> None:
        try:
            self._dispatch_one(conn, line)
        except Exception:  # a bug must not leave the client waiting for an answer
            log.exception("request failed")
            self._answer(conn, _error("internal error; see the log"))

    def _dispatch_one(self, conn: _Connection, line: bytes) -> None:
        if not line.strip():
            return
        try:
            request = json.loads(line)
        except json.JSONDecodeError as exc:
            self._answer(conn, _error(f"malformed JSON: {exc.msg} at character {exc.pos}"))
            return
        except UnicodeDecodeError:
            self._answer(conn, _error("malformed JSON: not UTF-8"))
            return
        except ValueError:  # the int-to-str digit limit, the only other ValueError
            self._answer(conn, _error("malformed JSON: a number with more than 4300 digits"))
            return
        except RecursionError:
            self._answer(conn, _error("malformed JSON: nested too deeply"))
            return
        if not isinstance(request, dict) or not isinstance(request.get("cmd"), str):
            self._answer(conn, _error('a request is a JSON object with a "cmd" string'))
            return
        if request["cmd"] == "send":
            self._pending.append((conn, request))
            self._flush_timer.start()
            return
        # Keep each connection's answers in order: earlier sends go first.
        if any(c is conn for c, _ in self._pending):
            self._flush()
        self._answer(conn, self._safe(lambda: self._handle(request)))

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            answers = self._handle_batch([request for _, request in pending])
        except StoreError as exc:  # disk full, locked, damaged: the store's own line
            log.warning("batch of %d sends failed: %s", len(pending), exc)
            answers = [_error(str(exc))] * len(pending)
        except Exception:  # a bug must not take the server down
            log.exception("batch of %d sends failed", len(pending))
            answers = [_error("internal error; see the log")] * len(pending)
        fault_point("after-commit-before-answer")
        for (conn, _), answer in zip(pending, answers, strict=True):
            self._answer(conn, answer)

    def _safe(self, call: Callable[[], Answer]) -> Answer:
        try:
            return call()
        except StoreError as exc:  # disk full, locked, damaged: the store's own line
            log.warning("request failed: %s", exc)
            return _error(str(exc))
        except Exception:
            log.exception("request failed")
            return _error("internal error; see the log")

    def _answer(self, conn: _Connection, answer: Answer) -> None:
        if conn.closed:
            return
        try:
            frame = encode(answer)
        except (TypeError, ValueError, RecursionError):  # a bug: still answer something
            log.exception("cannot encode an answer")
            frame = encode(_error("internal error; see the log"))
        conn.outbox += frame
        self._write(conn)

    def _write(self, conn: _Connection) -> None:
        while conn.outbox and not conn.closed:
            try:
                sent = conn.sock.send(conn.outbox)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._drop(conn)
                return
            del conn.outbox[:sent]
        if not conn.closed:
            conn.writer.setEnabled(bool(conn.outbox))
            if not conn.reader.isEnabled() and len(conn.outbox) <= MAX_OUTBOX // 2:
                conn.reader.setEnabled(True)  # drained: read its requests again
                conn.last_request = time.monotonic()
                self._take_frames(conn)


def _error(message: str) -> Answer:
    return {"ok": False, "error": message}
