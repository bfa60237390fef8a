"""Start the app at login through an XDG autostart entry.

The freedesktop autostart spec is the one mechanism GNOME, KDE, Xfce, LXQt and most
tiling setups share: a ``.desktop`` file in ``$XDG_CONFIG_HOME/autostart``. Its name is
the app id, so a packaged system-wide entry in ``/etc/xdg/autostart`` with the same name
is overridden (and can be switched off) by the user's file.

No Qt here: the settings window, the command line and tests all use this module, and
none of them should need a display to flip a file.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from focus_app import APP_ID, APP_NAME, DISPLAY_NAME

_COMMENT = "Start Focus & Boundaries in the tray at login"

_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
"""Characters that force quoting of an ``Exec`` argument (desktop entry spec, "Exec key")."""


def autostart_path() -> Path:
    """Where the user's autostart entry lives: ``$XDG_CONFIG_HOME/autostart/<APP_ID>.desktop``.

    ``XDG_CONFIG_HOME`` is read at call time and, per the basedir spec, ignored unless
    it is an absolute path, in which case ``~/.config`` is used.
    """
    config = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(config) if config and os.path.isabs(config) else Path.home() / ".config"
    return base / "autostart" / f"{APP_ID}.desktop"


def is_enabled() -> bool:
    """Whether the app will start at login.

    A user may keep the file but switch it off from their desktop's settings, which set
    ``Hidden=true`` or ``X-GNOME-Autostart-enabled=false``; both count as disabled.
    """
    try:
        text = autostart_path().read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return False
    keys = _desktop_entry_keys(text)
    if keys.get("Hidden", "false").strip().lower() == "true":
        return False
    return keys.get("X-GNOME-Autostart-enabled", "true").strip().lower() != "false"


def enable(exec_command: str | None = None) -> Path:
    """Write the autostart entry, replacing any previous one atomically.

    Args:
        exec_command: The ``Exec`` line to run at login, already quoted per the desktop
            entry spec. ``None`` means this installation: the bundled executable when
            frozen by PyInstaller, else ``focus-app`` found on ``PATH``, else the
            current interpreter with ``-m focus_app``.

    Returns:
        The path written.

    Raises:
        ValueError: If ``exec_command`` is empty or spans several lines.
        OSError: If the autostart folder cannot be written.
    """
    command = default_exec_command() if exec_command is None else exec_command.strip()
    if not command or "\n" in command or "\r" in command:
        raise ValueError(
            f"autostart command must be one non-empty line, got {exec_command!r}; "
            "pass the command that starts the app, e.g. 'focus-app'"
        )
    _write_atomically(autostart_path(), _entry_text(command))
    return autostart_path()


def disable() -> None:
    """Remove the autostart entry; doing so when there is none is not an error."""
    autostart_path().unlink(missing_ok=True)


def default_exec_command() -> str:
    """The ``Exec`` value that starts this very installation of the app.

    An absolute path is used so login does not depend on the session's ``PATH``
    (a virtualenv or ``~/.local/bin`` is often missing from it at login).
    """
    if getattr(sys, "frozen", False):
        return quote_exec_args([sys.executable])
    found = shutil.which(APP_NAME)
    if found:
        return quote_exec_args([str(Path(found).absolute())])
    return quote_exec_args([sys.executable, "-m", "focus_app"])


def quote_exec_args(args: list[str]) -> str:
    r"""Join arguments into an ``Exec`` value, quoting as the desktop entry spec asks.

    An argument with a reserved character (space, quote, ``$``, ...) is put in double
    quotes, with double quote, backtick, ``$`` and ``\`` backslash-escaped inside; ``%``
    is doubled so it is not read as a field code. The whole value is then escaped once
    more as a desktop-file string, so each backslash is written twice.
    """
    quoted = []
    for arg in args:
        arg = arg.replace("%", "%%")
        if arg and not _EXEC_RESERVED.intersection(arg):
            quoted.append(arg)
            continue
        inner = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
        quoted.append(f'"{inner}"')
    return " ".join(quoted).replace("\\", "\\\\")


def _entry_text(command: str) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={DISPLAY_NAME}\n"
        f"Comment={_COMMENT}\n"
        f"Exec={command}\n"
        f"Icon={APP_NAME}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def _desktop_entry_keys(text: str) -> dict[str, str]:
    """The ``key=value`` pairs of the ``[Desktop Entry]`` group (other groups ignored)."""
    keys: dict[str, str] = {}
    in_entry = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            in_entry = line == "[Desktop Entry]"
            continue
        if in_entry and "=" in line:
            key, _, value = line.partition("=")
            keys[key.strip()] = value
    return keys


def _write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename it into place.

    A crash or a full disk leaves either the old entry or the new one, never half a
    file that a session manager would choke on at the next login.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
