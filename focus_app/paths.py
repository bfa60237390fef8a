"""Where the app keeps its files, all from platformdirs (app name ``focus-app``).

Everything is a function rather than a module constant: the XDG variables are read at
call time, so a test (or a user with ``XDG_DATA_HOME=...``) relocates every file without
re-importing anything. The folders follow the freedesktop split:

* data: the database (what the user would back up),
* config: ``settings.toml`` (what the user edits),
* state: remembered UI state and the log (safe to delete),
* runtime: the IPC socket (per login session, private to the user).

Only :func:`runtime_dir` creates its folder: the socket must live in a folder nobody
else can enter, so it is made with mode 0700 on first use, and a runtime folder that is
a symlink, belongs to someone else or that others may write to is refused. The others
are created by whoever writes there (the store, the settings loader, the log) through
:func:`private_dir` and :func:`private_file`: what the app stores (held messages, who
sent them, the log of decisions) is nobody else's business, whatever the umask says.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import platformdirs

from focus_app import APP_NAME

DATABASE_NAME = "focus-app.sqlite3"
SETTINGS_NAME = "settings.toml"
SOCKET_NAME = "focus-app.sock"


def data_dir() -> Path:
    """The user data folder, e.g. ``~/.local/share/focus-app``."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def database_path() -> Path:
    """The one SQLite database holding blocks, rules, overrides and notifications."""
    return data_dir() / DATABASE_NAME


def config_dir() -> Path:
    """The user config folder, e.g. ``~/.config/focus-app``."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def settings_path() -> Path:
    """The human-editable settings file."""
    return config_dir() / SETTINGS_NAME


def state_dir() -> Path:
    """Remembered UI state (window geometry, last tab) and the log.

    Kept apart from settings on purpose: deleting it must never lose a preference.
    """
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


class UnsafeRuntimeDir(OSError):
    """The runtime folder could let someone else reach the socket or the lock file."""


def runtime_dir() -> Path:
    """The per-session runtime folder, created private (0700) if it is missing.

    The IPC socket lives here; a folder only the user can enter means no other local
    user can even reach the socket to try it. So an existing folder must be a real
    folder (not a symlink, which could point into a folder others control), owned by
    the user and writable by nobody else.

    Raises:
        UnsafeRuntimeDir: The folder is a symlink, someone else's, or group/other
            writable (the message says which and what to do); nothing is created in it.
    """
    folder = Path(platformdirs.user_runtime_dir(APP_NAME, appauthor=False))
    try:
        folder.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        pass
    else:
        # mkdir's mode is filtered by the umask; make sure it is exactly 0700.
        folder.chmod(0o700)
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeRuntimeDir(
            f"the runtime folder {folder} is a symlink (to {os.readlink(folder)}); "
            f"remove it (rm {folder}) and start again"
        )
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeRuntimeDir(f"{folder} is not a folder; remove it and start again")
    if info.st_uid != os.getuid():
        raise UnsafeRuntimeDir(
            f"the runtime folder {folder} belongs to user id {info.st_uid}, not you; "
            "remove it (as that user or root) and start again"
        )
    if info.st_mode & 0o022:
        raise UnsafeRuntimeDir(
            f"the runtime folder {folder} can be written by other users "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); fix with: chmod 700 {folder}"
        )
    return folder


def private_dir(folder: Path) -> Path:
    """Create ``folder`` (and parents) as 0700, or tighten it to 0700 if it is ours.

    A folder of someone else's is left alone (chmod would fail anyway); the permission
    check where a file is opened names it. A symlinked folder (a user moving their data
    elsewhere on purpose) is followed, and its target tightened.

    Raises:
        OSError: The folder cannot be created.
    """
    created = False
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=PRIVATE_DIR_MODE, parents=True)
        created = True
    # Only the app's own folders (or one just made) are tightened: a database or settings
    # file kept elsewhere must never change its folder (root running a test with a file
    # in /tmp once made /tmp 0700 for every other user).
    if created or _is_app_folder(folder):
        tighten(folder, PRIVATE_DIR_MODE)
    return folder


def _is_app_folder(folder: Path) -> bool:
    """Whether ``folder`` is the app's data, config or state folder (by path)."""
    try:
        resolved = folder.resolve()
        return any(resolved == own().resolve() for own in (data_dir, config_dir, state_dir))
    except OSError:
        return False


def tighten(path: Path, mode: int = PRIVATE_FILE_MODE) -> None:
    """Take group and other permissions away from ``path`` if it exists and is ours.

    Never loosens anything and never follows a symlink for a file (a link planted in our
    folder must not get its target's mode changed); folders are followed, see
    :func:`private_dir`.
    """
    try:
        info = path.stat() if mode == PRIVATE_DIR_MODE else path.lstat()
    except OSError:
        return
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
        return
    current = stat.S_IMODE(info.st_mode)
    if current & ~mode & 0o077:
        try:
            path.chmod(current & mode)
        except OSError:
            return


def private_file(path: Path, flags: int = os.O_WRONLY | os.O_APPEND) -> int:
    """Open (creating as 0600) a file in one of our folders, never through a symlink.

    Returns:
        The descriptor (the caller closes it).

    Raises:
        OSError: The file cannot be opened, or is a symlink (``ELOOP``).
    """
    fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    try:
        info = os.fstat(fd)
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
            os.fchmod(fd, stat.S_IMODE(info.st_mode) & PRIVATE_FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


def socket_path() -> Path:
    """The local socket the running app listens on and the CLI talks to."""
    return runtime_dir() / SOCKET_NAME


def autostart_dir() -> Path:
    """The freedesktop autostart folder (``$XDG_CONFIG_HOME/autostart``).

    Not app-specific: the ``.desktop`` file goes straight into the shared folder that
    desktop sessions scan at login.
    """
    # The XDG spec says a relative value is invalid and must be ignored.
    config_home = os.environ.get("XDG_CONFIG_HOME", "").strip()
    base = Path(config_home) if os.path.isabs(config_home) else Path.home() / ".config"
    return base / "autostart"
