"""Where the app keeps its files, all from platformdirs (app name ``focus-app``).

Everything is a function rather than a module constant: the XDG variables are read at
call time, so a test (or a user with ``XDG_DATA_HOME=...``) relocates every file without
re-importing anything. The folders follow the freedesktop split:

* data: the database (what the user would back up),
* config: ``settings.toml`` (what the user edits),
* state: remembered UI state and the log (safe to delete),
* runtime: the IPC socket (per login session, private to the user).

Only :func:`runtime_dir` creates its folder: the socket must live in a folder nobody
else can enter, so it is made with mode 0700 on first use. The others are created by
whoever writes there (the store, the settings loader).
"""

from __future__ import annotations

import os
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


def runtime_dir() -> Path:
    """The per-session runtime folder, created private (0700) if it is missing.

    The IPC socket lives here; a folder only the user can enter means no other local
    user can even reach the socket to try it.
    """
    folder = Path(platformdirs.user_runtime_dir(APP_NAME, appauthor=False))
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkdir's mode is filtered by the umask; make sure it is exactly 0700.
        folder.chmod(0o700)
    return folder


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
