"""Installed programs' names and icons, from their ``.desktop`` files.

A caught notification names its program by a desktop entry id (``org.gnome.Fractal``,
``slack``) or only by an app name; the Programs list and the gate's ``source`` want the
name a person knows it by and its icon. Both come from the program's desktop entry
(freedesktop Desktop Entry spec), looked up in ``$XDG_DATA_HOME/applications`` and then
each ``$XDG_DATA_DIRS/applications``, the first found winning, as menus do.

Desktop entry ids map to paths with "-" for "/" (``kde-foo.desktop`` may be
``applications/kde/foo.desktop``). Lookups are cached (misses too), so a busy program
costs one dictionary lookup per notification. A broken file (unreadable, binary, huge,
no ``[Desktop Entry]`` group) is treated as missing, never as an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_MAX_FILE_BYTES = 256 * 1024
_MAX_CACHE = 2048
_DEFAULT_DATA_DIRS = "/usr/local/share:/usr/share"


@dataclass(frozen=True)
class AppInfo:
    """What a desktop entry says about a program.

    Attributes:
        entry_id: The desktop entry id without ``.desktop``.
        name: ``Name=`` (the localised ``Name[lang]`` for the current language if any).
        icon: ``Icon=``: an icon theme name or an absolute path; may be empty.
    """

    entry_id: str
    name: str
    icon: str


class DesktopEntries:
    """Looks up desktop entries by id; caches the answers.

    Args:
        data_home: ``$XDG_DATA_HOME`` (default: the environment, else ``~/.local/share``).
        data_dirs: ``$XDG_DATA_DIRS`` entries (default: the environment, else
            ``/usr/local/share:/usr/share``).
        language: The language for ``Name[lang]`` (default: from ``LC_ALL``,
            ``LC_MESSAGES`` or ``LANG``, e.g. ``de`` from ``de_DE.UTF-8``).
    """

    def __init__(
        self,
        *,
        data_home: Path | None = None,
        data_dirs: list[Path] | None = None,
        language: str | None = None,
    ) -> None:
        if data_home is None:
            env_home = os.environ.get("XDG_DATA_HOME", "")
            data_home = Path(env_home) if env_home else Path.home() / ".local" / "share"
        if data_dirs is None:
            env_dirs = os.environ.get("XDG_DATA_DIRS", "") or _DEFAULT_DATA_DIRS
            data_dirs = [Path(d) for d in env_dirs.split(":") if d]
        self._roots = [data_home / "applications"] + [d / "applications" for d in data_dirs]
        self._languages = _languages(language)
        self._cache: dict[str, AppInfo | None] = {}

    def lookup(self, entry_id: str) -> AppInfo | None:
        """The entry for ``entry_id`` (with or without ``.desktop``), or ``None``.

        Ids are tried as given, then lower-cased (``Slack`` finds ``slack.desktop``, for
        programs known only by their app name). Path separators and ``..`` in an id
        never leave the applications folders.
        """
        entry_id = entry_id.removesuffix(".desktop")
        if entry_id in self._cache:
            return self._cache[entry_id]
        info = None
        if _safe_id(entry_id):
            for candidate in dict.fromkeys((entry_id, entry_id.lower())):
                info = self._find(candidate)
                if info is not None:
                    break
        if len(self._cache) >= _MAX_CACHE:
            self._cache.clear()
        self._cache[entry_id] = info
        return info

    def forget(self) -> None:
        """Drop the cache (after programs were installed or removed)."""
        self._cache.clear()

    def _find(self, entry_id: str) -> AppInfo | None:
        relatives = [f"{entry_id}.desktop"]
        parts = entry_id.split("-")
        relatives += [
            "/".join(parts[:i]) + "/" + "-".join(parts[i:]) + ".desktop"
            for i in range(1, len(parts))
        ]
        for root in self._roots:
            for relative in relatives:
                info = _read_entry(root / relative, entry_id, self._languages)
                if info is not None:
                    return info
        return None


def _safe_id(entry_id: str) -> bool:
    return (
        bool(entry_id)
        and len(entry_id) <= 255
        and "/" not in entry_id
        and "\x00" not in entry_id
        and entry_id not in (".", "..")
        and not entry_id.startswith(".")
    )


def _languages(language: str | None) -> list[str]:
    if language is None:
        for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
            language = os.environ.get(name, "")
            if language:
                break
    language = (language or "").split(".")[0].split("@")[0]
    if not language or language in ("C", "POSIX"):
        return []
    short = language.split("_")[0]
    return list(dict.fromkeys((language, short)))


def _read_entry(path: Path, entry_id: str, languages: list[str]) -> AppInfo | None:
    try:
        if not path.is_file():
            return None
        with path.open("rb") as file:
            raw = file.read(_MAX_FILE_BYTES + 1)
    except OSError:
        return None
    if len(raw) > _MAX_FILE_BYTES or b"\x00" in raw:
        return None
    text = raw.decode("utf-8", "replace")
    values: dict[str, str] = {}
    in_group = False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            in_group = line == "[Desktop Entry]"
            continue
        if in_group and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), value.strip())
    name = next(
        (values[f"Name[{lang}]"] for lang in languages if values.get(f"Name[{lang}]")),
        values.get("Name", ""),
    )
    if not name:
        return None
    name = " ".join(name.split())[:200]
    icon = " ".join(values.get("Icon", "").split())[:1024]
    return AppInfo(entry_id=entry_id, name=name, icon=icon)
