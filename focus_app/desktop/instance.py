"""One app per user session: an exclusive lock on a file in the runtime dir.

Who runs is decided by ``flock``, never by asking the socket: a running app that is busy
(stopped in a debugger, swapping, ``kill -STOP``) does not answer a ping, and treating that
silence as "stale" would let a second engine delete the live socket and write to the same
database. The kernel drops the lock when its holder exits, however it exits (``kill -9``
included), so a crash never leaves a lock behind.

The lock file is never deleted: unlinking it would let two processes lock two different
files of the same name. It holds the holder's pid as text, for messages only.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from focus_app.paths import runtime_dir

LOCK_NAME = "focus-app.lock"


def lock_path() -> Path:
    """The lock file next to the socket (``$XDG_RUNTIME_DIR/focus-app/focus-app.lock``)."""
    return runtime_dir() / LOCK_NAME


class InstanceLock:
    """The held lock; keep it for the life of the process (or call :meth:`release`).

    Create one with :func:`acquire`.
    """

    def __init__(self, fd: int, path: Path) -> None:
        self._fd: int | None = fd
        self.path = path

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Give the lock up (tests; a running app keeps it until it exits)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None


def acquire(path: Path | None = None) -> InstanceLock | None:
    """Take the instance lock without waiting.

    Returns:
        The lock, or ``None`` when another process holds it (see :func:`holder_pid`).

    Raises:
        OSError: The lock file cannot be created or locked (the message says where).
    """
    path = lock_path() if path is None else path
    try:
        # O_CLOEXEC: a child process never inherits the lock. O_NOFOLLOW: a symlink
        # planted here must not get its target truncated by the pid we write.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(
                f"the lock file {path} is a symlink; remove it (rm {path}) and start again"
            ) from exc
        raise OSError(f"cannot create the lock file {path}: {exc.strerror}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError as exc:
        os.close(fd)
        raise OSError(f"cannot lock {path}: {exc.strerror}") from exc
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return InstanceLock(fd, path)


def holder_pid(path: Path | None = None) -> int | None:
    """The pid the lock holder wrote, if it is readable (for messages; may be stale)."""
    path = lock_path() if path is None else path
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        try:
            text = os.read(fd, 64).decode("ascii", errors="replace").strip()
        finally:
            os.close(fd)
    except OSError:
        return None
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 12 else None


def is_held(path: Path | None = None) -> bool:
    """Whether some process holds the instance lock right now.

    Asks for a shared lock without waiting: it is refused exactly while a holder has
    the exclusive one. Used by a second start to tell "the winner is still starting" from
    "the winner is gone".
    """
    path = lock_path() if path is None else path
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # also drops the shared lock if we got it
    return False
