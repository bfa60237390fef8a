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
  instead of spinning on a listener that stays readable; the log says so once per
  episode, not once per attempt.

Long work (an import) holds no one up: its command returns a ``Pending``
(``focus_app.commands``), and the server runs its ``OffThread`` steps on one worker
thread and resumes it after each ``Progress`` step on a later event-loop turn, so
``status`` and ``send`` from other clients are answered in between. Its client waits on
the connection (which serves nothing else meanwhile, to keep answers in order); if the
request asked with ``"progress": true``, it gets ``{"progress": {"done": N, "total": M}}``
lines every ``PROGRESS_INTERVAL_MS`` before the answer, so it can tell a live app busy
with a big file from a stuck one.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import logging
import os
import resource
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from focus_app.commands import OffThread, Pending
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
PROGRESS_INTERVAL_MS = 1000
"""How often a client waiting for long work (with ``"progress": true``) hears how far it got."""
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
        self.waiting: _Running | None = None
        """Long work this client waits for; its later requests wait their turn."""


class _Running:
    """A request answered later: its client, its work, and whether it wants progress."""

    def __init__(self, conn: _Connection, pending: Pending, cmd: str, progress: bool) -> None:
        self.conn = conn
        self.pending = pending
        self.cmd = cmd
        self.wants_progress = progress
        self.started = time.monotonic()
        self.over = False


class IpcServer(QObject):
    """Serves requests on ``path`` (created 0600 in the user's runtime dir).

    Plain non-blocking Unix sockets watched by ``QSocketNotifier``s: no threads, and no
    per-request calls into Qt's socket classes (PySide6 6.12 corrupted a refcount in those
    under load: "bool_dealloc" crashes at a few thousand requests a second).

    Args:
        path: The socket path.
        handle: Answers one request (not ``send``), or returns a ``Pending`` for long work
            (``Commands.serve``).
        handle_batch: Answers a list of ``send`` requests, in order, at once.
        lock: The instance lock this process holds (``focus_app.desktop.instance``). Only its
            holder may remove a socket left behind by a crash and bind a new one; a
            socket that does not answer may belong to a live but busy app.
    """

    _worker_done = Signal(object, object)
    """(``_Running``, ``Future``): an ``OffThread`` step ended; emitted on the worker thread."""

    def __init__(
        self,
        path: Path,
        handle: Callable[[Request], Answer | Pending],
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
        self._out_of_fds_since: float | None = None
        self._refused_while_out = 0
        self._running: list[_Running] = []
        self._ready: list[_Running] = []
        self._resume_timer = QTimer(self)
        self._resume_timer.setSingleShot(True)
        self._resume_timer.setInterval(0)
        self._resume_timer.timeout.connect(self._resume_ready)
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(PROGRESS_INTERVAL_MS)
        self._progress_timer.timeout.connect(self._tell_progress)
        self._worker: ThreadPoolExecutor | None = None
        # Queued: the slot runs on this object's (the GUI) thread, whoever emits.
        self._worker_done.connect(self._on_worker_done)
        self.idle_timeout_s = IDLE_TIMEOUT_S
        self.max_connections = MAX_CONNECTIONS
        self.progress_interval_ms = PROGRESS_INTERVAL_MS

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

    @property
    def running(self) -> int:
        """How many requests with long work are waiting for their answer."""
        return len(self._running)

    def close(self) -> None:
        self._idle_timer.stop()
        self._accept_again.stop()
        self._resume_timer.stop()
        self._progress_timer.stop()
        for run in list(self._running):
            self._end(run)
            with contextlib.suppress(Exception):  # its clean-up only; nobody is waiting
                run.pending.close()
        if self._worker is not None:
            # A parse under way finishes in the background; its result is dropped.
            self._worker.shutdown(wait=False, cancel_futures=True)
            self._worker = None
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
                if self._out_of_fds_since is not None:
                    # Every waiting client got in: the episode is over.
                    log.info(
                        "accepting connections again after %.1f s",
                        time.monotonic() - self._out_of_fds_since,
                    )
                    self._out_of_fds_since = None
                return
            except OSError as exc:
                if exc.errno in _OUT_OF_FDS and self._accept_notifier is not None:
                    # The listener stays readable: without a pause this would spin.
                    self._out_of_fds(exc)
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

    def _out_of_fds(self, exc: OSError) -> None:
        """Say once per episode why accepting pauses (every 250 ms would flood the log).

        The episode ends when the backlog is empty, not at the first accept that works:
        while clients queue up, accepting frees nothing and runs out again at once.
        """
        if self._out_of_fds_since is not None:
            return
        self._out_of_fds_since = time.monotonic()
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        log.warning(
            "cannot accept connections: %s (%d connections open, this process may open %d "
            "files); pausing accepts %d ms at a time until some close. If this is not an "
            "attack, raise the limit (ulimit -n)",
            exc.strerror, len(self._connections), soft, ACCEPT_BACKOFF_MS,
        )

    def _evict_idlest(self) -> bool:
        """Close the longest-idle connection with nothing in flight; ``False`` if none."""
        busy = {id(conn) for conn, _ in self._pending}
        idle = [
            conn
            for conn in self._connections.values()
            if not conn.inbox and not conn.outbox and id(conn) not in busy
            and conn.waiting is None
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
        """One timer for all connections, set for the oldest idle one; none if none.

        A client waiting for long work is not idle; it counts from when its answer goes.
        """
        idle = [conn for conn in self._connections.values() if conn.waiting is None]
        if not idle:
            self._idle_timer.stop()
            return
        oldest = min(conn.last_request for conn in idle)
        due_in = oldest + self.idle_timeout_s - time.monotonic()
        self._idle_timer.start(max(0, int(due_in * 1000)) + 10)

    def _close_idle(self) -> None:
        now = time.monotonic()
        for conn in list(self._connections.values()):
            if conn.waiting is None and now - conn.last_request >= self.idle_timeout_s:
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
        if not self._connections:
            # The last one went (most often: a command finished and hung up): no idle
            # timer left to fire for nothing, a minute later, in an idle app.
            self._idle_timer.stop()

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
            if conn.waiting is not None and not conn.closed:
                # Its next requests wait for the long work's answer (answers stay in
                # order); unread, they stay in the socket, not in our memory.
                conn.reader.setEnabled(False)
                return

    def _take_frames(self, conn: _Connection) -> None:
        buffer = conn.inbox
        while not conn.closed and conn.waiting is None and len(conn.outbox) <= MAX_OUTBOX:
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
        answer = self._safe(lambda: self._handle(request))
        if isinstance(answer, Pending):
            run = _Running(conn, answer, request["cmd"], request.get("progress") is True)
            conn.waiting = run
            self._running.append(run)
            if run.wants_progress and not self._progress_timer.isActive():
                self._progress_timer.start(self.progress_interval_ms)
            self._advance(run)
            return
        self._answer(conn, answer)

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

    # ----------------------------------------------------------------- long work

    def _advance(
        self, run: _Running, value: Any = None, error: BaseException | None = None
    ) -> None:
        """Take the work one step further: until it waits for the worker or yields a turn."""
        if run.over:
            return
        try:
            step = run.pending.advance(value, error)
        except StoreError as exc:
            log.warning("%s failed: %s", run.cmd, exc)
            self._finish(run, _error(str(exc)))
            return
        except Exception:  # a bug must not leave the client waiting for an answer
            log.exception("%s failed", run.cmd)
            self._finish(run, _error("internal error; see the log"))
            return
        if step is None:
            assert run.pending.answer is not None
            self._finish(run, run.pending.answer)
        elif isinstance(step, OffThread):
            if self._worker is None:
                self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="focus-work")
            future: Future[Any] = self._worker.submit(step.call)
            future.add_done_callback(functools.partial(self._from_worker, run))
        else:  # Progress: let the requests that came meanwhile in, then go on
            self._ready.append(run)
            self._resume_timer.start()

    def _from_worker(self, run: _Running, future: Future[Any]) -> None:
        """On the worker thread: hand the result to the GUI thread (STYLE.md point 4)."""
        with contextlib.suppress(RuntimeError):  # the server is gone (the app quit)
            self._worker_done.emit(run, future)

    def _on_worker_done(self, run: _Running, future: Future[Any]) -> None:
        if future.cancelled():
            return
        error = future.exception()
        self._advance(run, None if error is not None else future.result(), error)

    def _resume_ready(self) -> None:
        ready, self._ready = self._ready, []
        for run in ready:
            self._advance(run)

    def _finish(self, run: _Running, answer: Answer) -> None:
        self._end(run)
        log.info(
            "%s answered after %.2f s (%s)",
            run.cmd, time.monotonic() - run.started, "ok" if answer.get("ok") else "refused",
        )
        conn = run.conn
        self._answer(conn, answer)
        if not conn.closed:
            conn.last_request = time.monotonic()
            if not self._idle_timer.isActive():
                self._arm_idle_timer()
            if len(conn.outbox) <= MAX_OUTBOX // 2:
                conn.reader.setEnabled(True)
                self._take_frames(conn)  # what it sent while it waited

    def _end(self, run: _Running) -> None:
        run.over = True
        run.conn.waiting = None
        self._running = [r for r in self._running if r is not run]
        if not any(r.wants_progress for r in self._running):
            self._progress_timer.stop()

    def _tell_progress(self) -> None:
        for run in self._running:
            if run.wants_progress:
                self._answer(run.conn, {"progress": run.pending.progress.to_json()})

    def _safe(self, call: Callable[[], Answer | Pending]) -> Answer | Pending:
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
            if (
                not conn.reader.isEnabled()
                and conn.waiting is None
                and len(conn.outbox) <= MAX_OUTBOX // 2
            ):
                conn.reader.setEnabled(True)  # drained: read its requests again
                conn.last_request = time.monotonic()
                self._take_frames(conn)


def _error(message: str) -> Answer:
    return {"ok": False, "error": message}
