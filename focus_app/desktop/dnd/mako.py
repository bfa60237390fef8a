"""mako do-not-disturb through its modes (``fr.emersion.Mako`` on D-Bus).

mako 1.7 has no do-not-disturb switch of its own: it has *modes* (``makoctl mode -a
do-not-disturb`` / ``-r do-not-disturb`` call ``ListModes() -> as`` and
``SetModes(as)`` on ``/fr/emersion/Mako``), and a mode only does something when the
user's config gives it a section. The documented recipe is::

    [mode=do-not-disturb]
    invisible=1

so this driver switches the ``do-not-disturb`` mode and, before it claims to work, reads
the config mako actually loaded (its ``-c``/``--config`` argument, else
``$HOME/.mako/config``, else ``$XDG_CONFIG_HOME/mako/config``, seen through mako's own
process) for that section. Without it the driver is unsupported with one line saying
what to add. Critical notifications are hidden too unless a later section such as
``[mode=do-not-disturb urgency=critical]`` sets ``invisible=0``. mako names itself
``mako`` in ``GetServerInformation``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jeepney import DBusAddress

from focus_app.desktop.dnd.base import DndError
from focus_app.desktop.dnd.bus import BusLink, resolve_bus
from focus_app.desktop.notifier import NOTIFICATIONS

NAME = "mako"
SERVER_NAME = "mako"
"""What mako answers as the name in ``GetServerInformation``."""

DND_MODE = "do-not-disturb"
MAKO = DBusAddress("/fr/emersion/Mako", NOTIFICATIONS.bus_name, "fr.emersion.Mako")

_SECTION = re.compile(r"^\[(.*)\]$")
_TRUE = {"1", "true"}
_FALSE = {"0", "false"}


@dataclass(frozen=True)
class DndModeSupport:
    """What a mako config says about the ``do-not-disturb`` mode.

    Attributes:
        hides: A ``[mode=do-not-disturb]`` section sets ``invisible=1``.
        shows_critical: A section for the mode and ``urgency=critical`` sets ``invisible=0``
            after it.
    """

    hides: bool
    shows_critical: bool


def _criteria(header: str) -> dict[str, str]:
    criteria: dict[str, str] = {}
    for part in header.split():
        key, _, value = part.partition("=")
        criteria[key.strip()] = value.strip().strip("\"'")
    return criteria


def parse_dnd_support(config: str) -> DndModeSupport:
    """Read a mako config's text for the do-not-disturb mode (later sections win)."""
    hides = False
    shows_critical = False
    criteria: dict[str, str] = {}
    for raw in config.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        section = _SECTION.match(line)
        if section:
            criteria = _criteria(section.group(1))
            continue
        key, _, value = line.partition("=")
        if key.strip() != "invisible" or criteria.get("mode") != DND_MODE:
            continue
        value = value.strip().lower()
        if value not in _TRUE | _FALSE:
            continue
        invisible = value in _TRUE
        others = {k: v for k, v in criteria.items() if k != "mode"}
        if not others:
            hides = invisible
            shows_critical = not invisible and shows_critical
        elif others == {"urgency": "critical"}:
            shows_critical = not invisible
    return DndModeSupport(hides=hides, shows_critical=hides and shows_critical)


def _read_proc(pid: int, what: str) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/{what}").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def config_path_of(pid: int | None, env: Mapping[str, str] | None = None) -> Path | None:
    """The config file mako (process ``pid``) loaded, or ``None`` when it has none.

    The command line's ``-c``/``--config`` wins; otherwise mako takes the first that
    exists of ``$HOME/.mako/config`` and ``$XDG_CONFIG_HOME/mako/config`` (default
    ``$HOME/.config``), read from mako's environment when this user may see it.
    """
    argv = _read_proc(pid, "cmdline") if pid else []
    for i, arg in enumerate(argv):
        if arg in ("-c", "--config") and i + 1 < len(argv):
            return Path(argv[i + 1])
        if arg.startswith("--config="):
            return Path(arg.split("=", 1)[1])
    their_env = (
        dict(part.split("=", 1) for part in _read_proc(pid, "environ") if "=" in part)
        if pid
        else {}
    )
    source = their_env or dict(env if env is not None else os.environ)
    home = source.get("HOME", str(Path.home()))
    config_home = source.get("XDG_CONFIG_HOME") or str(Path(home) / ".config")
    for candidate in (Path(home) / ".mako" / "config", Path(config_home) / "mako" / "config"):
        if candidate.is_file():
            return candidate
    return None


class MakoDnd:
    """The ``DndDriver`` for mako: the ``do-not-disturb`` mode on or off.

    Build it with :func:`open_driver`, which checks the config first.

    Args:
        bus: ``"SESSION"`` or a D-Bus address.
        shows_critical: Whether the user's config lets criticals through the mode.
        timeout_s: Upper bound for connecting and for each call.
    """

    name = NAME

    def __init__(
        self, bus: str = "SESSION", *, shows_critical: bool = False, timeout_s: float = 2.0
    ) -> None:
        self._bus = bus
        self.shows_critical = shows_critical
        self._link = BusLink(bus, NAME, timeout_s=timeout_s)

    def modes(self) -> list[str]:
        """mako's active modes (``ListModes``), e.g. ``["default"]``."""
        (modes,) = self._call("ListModes", None, ())
        assert isinstance(modes, list)
        return [str(mode) for mode in modes]

    def is_on(self) -> bool:
        """Whether the ``do-not-disturb`` mode is active."""
        return DND_MODE in self.modes()

    def set_on(self, on: bool) -> None:
        """Add or remove the ``do-not-disturb`` mode, keeping the user's other modes."""
        modes = self.modes()
        if (DND_MODE in modes) == on:
            return
        wanted = [*modes, DND_MODE] if on else [mode for mode in modes if mode != DND_MODE]
        self._call("SetModes", "as", (wanted,))

    def close(self) -> None:
        """Close the bus connection (idempotent); a later call reconnects."""
        self._link.close()

    def guardian_spec(self) -> dict[str, str] | None:
        """mako keeps its modes after we die: a guardian must switch the mode back."""
        return {"driver": NAME, "bus": resolve_bus(self._bus)}

    def _call(
        self, method: str, signature: str | None, body: tuple[object, ...]
    ) -> tuple[object, ...]:
        try:
            return self._link.checked(MAKO, method, signature, body)
        except DndError:
            self.close()
            raise


def check_config(link: BusLink) -> DndModeSupport:
    """Find the running mako's config and check it has a hiding do-not-disturb mode.

    Raises:
        DndError: No config, or no ``[mode=do-not-disturb]`` section with ``invisible=1``.
    """
    pid = link.owner_pid(NOTIFICATIONS.bus_name)
    path = config_path_of(pid)
    fix = (
        "add a [mode=do-not-disturb] section with invisible=1 to mako's config"
        f" ({path or '~/.config/mako/config'}) and run 'makoctl reload'"
    )
    if path is None:
        raise DndError(f"mako has no config file, so it has no do-not-disturb mode: {fix}")
    try:
        support = parse_dnd_support(path.read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        raise DndError(f"cannot read mako's config {path}: {exc.strerror}") from None
    if not support.hides:
        raise DndError(f"mako's config has no do-not-disturb mode that hides notifications: {fix}")
    return support


def open_driver(bus: str = "SESSION") -> MakoDnd:
    """Connect to mako on ``bus`` and check its config; raise ``DndError`` if unsupported."""
    link = BusLink(bus, NAME)
    try:
        link.checked(MAKO, "ListModes")
        support = check_config(link)
    finally:
        link.close()
    return MakoDnd(bus, shows_critical=support.shows_critical)


def driver_from_spec(spec: Mapping[str, str]) -> MakoDnd:
    """Rebuild the driver from ``guardian_spec`` (in the guardian process)."""
    return MakoDnd(spec.get("bus", "SESSION"))
