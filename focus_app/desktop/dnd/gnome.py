"""GNOME Shell: the GSettings key ``org.gnome.desktop.notifications show-banners``.

GNOME's do-not-disturb *is* ``show-banners = false`` (the switch in its message tray
writes that key). It is written through the real ``gsettings`` command, so whatever
backend the session uses (dconf on every GNOME) is honoured without reimplementing its
wire format. dconf announces writes with its ``Notify`` signal on
``/ca/desrt/dconf/Writer/user``; that is the change source. GNOME Shell shows critical
notifications as banners even with banners off, so ``shows_critical`` is ``True``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping

from jeepney import MatchRule

from focus_app.desktop.dnd.base import DndDriver, DndError, probed
from focus_app.desktop.dnd.bus import BusLink
from focus_app.desktop.notifier import one_line

NAME = "gnome-shell"
SERVER_NAMES = ("gnome-shell",)
"""What GNOME Shell answers to ``GetServerInformation``."""

SCHEMA = "org.gnome.desktop.notifications"
KEY = "show-banners"
DCONF_KEY = "/org/gnome/desktop/notifications/show-banners"
DCONF_WRITER_PATH = "/ca/desrt/dconf/Writer/user"
DCONF_WRITER_INTERFACE = "ca.desrt.dconf.Writer"


class GnomeDnd:
    """``DndDriver`` for GNOME Shell through ``gsettings``.

    Args:
        bus: ``"SESSION"`` or a D-Bus address; ``gsettings`` runs with it as its session bus.
        env: The environment for ``gsettings`` (default: this process's); tests pass the
            private session's, whose ``XDG_CONFIG_HOME`` and ``XDG_RUNTIME_DIR`` match the
            ``dconf-service`` they started.
        timeout_s: Upper bound for each ``gsettings`` run and D-Bus call.
    """

    name = NAME
    shows_critical = True

    def __init__(
        self,
        bus: str = "SESSION",
        *,
        env: Mapping[str, str] | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        self._env = dict(os.environ if env is None else env)
        if bus != "SESSION":
            self._env["DBUS_SESSION_BUS_ADDRESS"] = bus
        self._timeout_s = timeout_s
        match = MatchRule(
            type="signal",
            interface=DCONF_WRITER_INTERFACE,
            member="Notify",
            path=DCONF_WRITER_PATH,
        )
        self._link = BusLink(bus, "dconf", match=match, timeout_s=min(timeout_s, 2.0))

    def is_on(self) -> bool:
        """Do-not-disturb is on when banners are off."""
        value = self._gsettings("get", SCHEMA, KEY).strip()
        if value not in ("true", "false"):
            raise DndError(f"gsettings returned {value!r} for {SCHEMA} {KEY}; expected true/false")
        return value == "false"

    def set_on(self, on: bool) -> None:
        """Switch banners off (do-not-disturb on) or back on."""
        self._gsettings("set", SCHEMA, KEY, "false" if on else "true")

    def fileno(self) -> int | None:
        """The socket dconf's ``Notify`` signals arrive on (connects on first use)."""
        if self._link.fileno() is None:
            try:
                self._link.connection()
            except DndError:
                return None
        return self._link.fileno()

    def dispatch_pending(self) -> bool:
        """``True`` if dconf announced a write touching ``show-banners``."""
        for msg in self._link.take_signals():
            prefix, changes = str(msg.body[0]), list(msg.body[1])
            for change in changes or [""]:
                path = prefix + str(change)
                if DCONF_KEY.startswith(path) or path.startswith(DCONF_KEY):
                    return True
        return False

    def close(self) -> None:
        """Close the signal connection."""
        self._link.close()

    def guardian_spec(self) -> dict[str, str] | None:
        """Enough for the guardian to run ``gsettings`` against the same bus."""
        return {"driver": NAME, "bus": self._link.bus}

    def _gsettings(self, *args: str) -> str:
        program = shutil.which("gsettings", path=self._env.get("PATH"))
        if program is None:
            raise DndError(
                "gsettings is not installed (Debian: libglib2.0-bin); cannot drive GNOME"
            )
        try:
            done = subprocess.run(
                [program, *args],
                env=self._env,
                capture_output=True,
                text=True,
                timeout=self._timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise DndError(
                f"gsettings {args[0]} did not finish within {self._timeout_s:g} s"
            ) from None
        except OSError as exc:
            raise DndError(one_line(f"cannot run gsettings: {exc}")) from None
        if done.returncode != 0:
            raise DndError(one_line(f"gsettings {' '.join(args)} failed: {done.stderr}"))
        return done.stdout


def open_driver(bus: str) -> DndDriver:
    """Check the key can be read; raise ``DndError``."""
    return probed(GnomeDnd(bus))


def driver_from_spec(spec: Mapping[str, str]) -> DndDriver:
    """Rebuild the driver in the guardian process."""
    return GnomeDnd(spec.get("bus", "SESSION"))
