"""A watcher process that gives the user's do-not-disturb back if the app dies.

The app cannot restore anything after ``kill -9``, so before it switches do-not-disturb
on it starts this small process and tells it, over the guardian's stdin (JSON lines),
what to restore: ``{"op": "arm", "spec": {...}, "restore": false}`` or
``{"op": "disarm"}``. The app holds the only write end of that pipe, so when the app
exits in any way the guardian reads EOF. Armed at EOF, it rebuilds the driver from the
spec and writes the state back (within about a second), then exits; disarmed, it just
exits. It runs in its own session (a Ctrl+C or hang-up sent to the app's process group
does not reach it) and inherits no descriptor but its stdio (so it never keeps the app's
instance lock or sockets alive).

Run as ``python -m focus_app.desktop.dnd.guardian``, or ``focus-app --dnd-guardian`` in a
PyInstaller bundle.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import IO, Protocol

from focus_app.desktop.dnd.base import DndDriver, DndError
from focus_app.desktop.notifier import one_line

RESTORE_DEADLINE_S = 3.0
"""How long the guardian keeps retrying the give-back (a bus briefly busy, a restart)."""


class GuardianLink(Protocol):
    """The app's side of the guardian, as ``DndController`` uses it."""

    def arm(self, spec: dict[str, str], restore: bool) -> None:
        """From now on, if the app dies, set the driver of ``spec`` to ``restore``.

        Raises ``DndError`` when the guardian cannot be started or told.
        """
        ...

    def disarm(self) -> None:
        """Nothing to restore any more (raises ``DndError`` like ``arm``)."""
        ...

    def close(self) -> None:
        """Let the guardian go: it restores if still armed, then exits."""
        ...


def guardian_command() -> list[str]:
    """How to start the guardian: the module, or the bundle's early ``--dnd-guardian``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--dnd-guardian"]
    return [sys.executable, "-m", "focus_app.desktop.dnd.guardian"]


class GuardianProcess:
    """Starts the guardian on the first ``arm`` and talks to it through its stdin.

    Args:
        log_path: Where the guardian writes its one-line complaints (appended); ``None``
            discards them. Not the app's stderr: a pipe there would stay open as long as
            the guardian lives.
        command: The command line (tests may override); default ``guardian_command()``.
    """

    def __init__(self, *, log_path: Path | None = None, command: list[str] | None = None) -> None:
        self._log_path = log_path
        self._command = command if command is not None else guardian_command()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The running guardian's pid (``None`` before the first ``arm``)."""
        return self._proc.pid if self._proc is not None else None

    def arm(self, spec: dict[str, str], restore: bool) -> None:
        """Start the guardian if needed and tell it what to restore."""
        self._send({"op": "arm", "spec": spec, "restore": restore}, start=True)

    def disarm(self) -> None:
        """Tell a running guardian there is nothing to restore."""
        self._send({"op": "disarm"}, start=False)

    def close(self, timeout_s: float = 3.0) -> None:
        """Close the pipe and wait for the guardian to exit (it restores first if armed)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()  # only the process we started, and only if it hangs
            proc.wait(timeout=timeout_s)

    def _send(self, message: dict[str, object], *, start: bool) -> None:
        if self._proc is not None and self._proc.poll() is not None:
            self.close()  # it died (killed by someone): start a fresh one when arming
        if self._proc is None:
            if not start:
                return
            self._proc = self._spawn()
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(message).encode() + b"\n")
            self._proc.stdin.flush()
        except OSError as exc:
            self.close()
            raise DndError(one_line(f"the do-not-disturb guardian is gone: {exc}")) from None

    def _spawn(self) -> subprocess.Popen[bytes]:
        log: IO[bytes] | int = subprocess.DEVNULL
        try:
            if self._log_path is not None:
                log = open(self._log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
            return subprocess.Popen(
                self._command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=log,
                close_fds=True,
                start_new_session=True,
            )
        except OSError as exc:
            raise DndError(
                one_line(f"cannot start the do-not-disturb guardian ({self._command[0]}): {exc}")
            ) from None
        finally:
            if not isinstance(log, int):
                log.close()


class MemoryGuardian:
    """A ``GuardianLink`` fake that records what the app told it."""

    def __init__(self) -> None:
        self.messages: list[dict[str, object]] = []
        self.closed = False

    @property
    def armed(self) -> bool:
        """Whether the last message was an ``arm``."""
        return bool(self.messages) and self.messages[-1]["op"] == "arm"

    def arm(self, spec: dict[str, str], restore: bool) -> None:
        """Record an ``arm``."""
        self.messages.append({"op": "arm", "spec": spec, "restore": restore})

    def disarm(self) -> None:
        """Record a ``disarm``."""
        self.messages.append({"op": "disarm"})

    def close(self) -> None:
        """Record the close."""
        self.closed = True


class _Terminated(Exception):
    """SIGTERM arrived: treat it like EOF (restore if armed, then exit)."""


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise _Terminated


def _restore(driver: DndDriver, on: bool) -> bool:
    """Write ``on`` back, retrying until ``RESTORE_DEADLINE_S``; ``False`` if it never took."""
    deadline = time.monotonic() + RESTORE_DEADLINE_S
    while True:
        try:
            driver.set_on(on)
            return True
        except DndError as exc:
            if time.monotonic() >= deadline:
                print(
                    f"focus-app dnd guardian: could not give do-not-disturb back: {exc}",
                    file=sys.stderr,
                )
                return False
            time.sleep(0.2)
        finally:
            driver.close()


def serve(stream: IO[bytes]) -> int:
    """Follow the app's instructions on ``stream`` until EOF; restore if still armed."""
    from focus_app.desktop.dnd.registry import driver_from_spec

    driver: DndDriver | None = None
    restore = False
    try:
        for raw in stream:
            try:
                message = json.loads(raw)
                if message["op"] == "arm":
                    spec = {str(k): str(v) for k, v in dict(message["spec"]).items()}
                    driver = driver_from_spec(spec)  # built now: EOF only has to call it
                    restore = bool(message["restore"])
                elif message["op"] == "disarm":
                    driver = None
            except (ValueError, KeyError, TypeError, DndError) as exc:
                print(f"focus-app dnd guardian: ignoring a bad instruction: {exc}", file=sys.stderr)
    except _Terminated:
        pass
    if driver is None:
        return 0
    return 0 if _restore(driver, restore) else 1


def main() -> int:
    """Entry point of the guardian process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    return serve(sys.stdin.buffer)


if __name__ == "__main__":
    sys.exit(main())
