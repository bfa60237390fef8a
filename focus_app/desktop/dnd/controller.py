"""When to switch the desktop's do-not-disturb, and how to always give it back.

The engine calls ``want(True)`` when the mode starts holding notifications and
``want(False)`` when it stops; this class turns that into driver calls with the rules the
user can rely on:

- **Additive.** Do-not-disturb that was already on when a block started is the user's
  own: it is left on at the end of the block.
- **No fight.** If do-not-disturb goes off during a block (the user switched it off in
  the desktop), it is not switched on again: ``user_released`` turns true and the engine
  treats it as "pause until the block ends".
- **Always give it back.** At the end of the block, on ``give_back`` (quit), and after a
  crash: before switching anything on, the guardian process is armed with the state to
  restore, so even ``kill -9`` of the app gives it back (KDE's server does it by itself).
- **Breakthroughs on servers that hide criticals too** (dunst): ``lift_for_breakthrough``
  switches do-not-disturb off while one shows, ``restore_after_breakthrough`` back on.

No Qt here: a ``QSocketNotifier`` on ``fileno()`` calling ``dispatch_pending()`` is the
caller's glue. Nothing raises: failures become ``error`` and show in ``status``.
"""

from __future__ import annotations

from focus_app.desktop.dnd.base import DndChangeSource, DndDriver, DndError
from focus_app.desktop.dnd.detect import Detection, NoServer, Unsupported
from focus_app.desktop.dnd.guardian import GuardianLink


class DndController:
    """Drives one server's do-not-disturb for the engine.

    Args:
        driver: What ``detect()`` found: a driver, ``Unsupported`` or ``NoServer`` (then
            every call is a no-op and ``status`` says why).
        guardian: Gives the state back if this process dies; ``None`` for none (tests,
            or a server that releases by itself).
    """

    def __init__(self, driver: Detection, guardian: GuardianLink | None = None) -> None:
        self._detection = driver
        self._driver: DndDriver | None = (
            None if isinstance(driver, Unsupported | NoServer) else driver
        )
        self._guardian = guardian
        self._wanted = False
        self._ours = False  # we switched it on and it is (as far as we know) still on
        self._users_own = False  # it was on already when the block started
        self._lifted = False  # switched off for a breakthrough, to come back on
        self._user_released = False
        self._armed = False
        self.error = ""
        """The last failure, one line (``""`` after a success)."""

    @property
    def driver(self) -> DndDriver | None:
        """The driver in use, or ``None`` when there is nothing to drive."""
        return self._driver

    @property
    def status(self) -> str:
        """For ``status --json``'s ``"dnd"``: ``"dunst"``, ``"unsupported: <server>"``,
        ``"none: no notification server"``, or ``"<driver>: <last error>"`` after a failure."""
        if self._driver is None:
            assert isinstance(self._detection, Unsupported | NoServer)
            return self._detection.status
        return f"{self._driver.name}: {self.error}" if self.error else self._driver.name

    @property
    def user_released(self) -> bool:
        """The user switched do-not-disturb off during this block; cleared when it ends."""
        return self._user_released

    @property
    def engaged(self) -> bool:
        """Do-not-disturb is on because of the app (not the user's own, not released)."""
        return self._ours and not self._lifted

    def want(self, on: bool) -> None:
        """Called on every mode change: ``True`` while the mode holds notifications."""
        if on == self._wanted or self._driver is None:
            return
        if on:
            self._start_block(self._driver)
        else:
            self._end_block(self._driver)

    def check(self) -> bool:
        """Read the server's state; ``True`` if the user just released the block.

        Call it after ``dispatch_pending`` reports a change, or now and then for a server
        without change signals.
        """
        if self._driver is None or not self._wanted or self._lifted or self._user_released:
            return False
        if not (self._ours or self._users_own):
            return False
        try:
            on = self._driver.is_on()
        except DndError as exc:
            self.error = str(exc)
            return False
        if on:
            return False
        self._user_released = True
        self._ours = self._users_own = False
        self._disarm()
        return True

    def fileno(self) -> int | None:
        """The driver's socket to watch (re-read after each ``dispatch_pending``)."""
        if isinstance(self._driver, DndChangeSource):
            return self._driver.fileno()
        return None

    def dispatch_pending(self) -> bool:
        """Read the driver's change signals; ``True`` if the user just released the block."""
        if isinstance(self._driver, DndChangeSource) and self._driver.dispatch_pending():
            return self.check()
        return False

    def lift_for_breakthrough(self) -> bool:
        """Let a breakthrough show on a server that hides criticals during do-not-disturb.

        Returns ``True`` if do-not-disturb was switched off (call
        ``restore_after_breakthrough`` once the breakthrough has been seen). On dunst,
        whatever waited in the server's queue shows too: close held ones first.
        """
        driver = self._driver
        if driver is None or driver.shows_critical or self._lifted or not self._wanted:
            return False
        if not (self._ours or self._users_own):
            return False
        try:
            spec = driver.guardian_spec()
            if self._users_own and spec is not None:
                self._arm(spec, restore=True)  # a crash now must give the user's own back
            driver.set_on(False)
        except DndError as exc:
            self.error = str(exc)
            return False
        self._lifted = True
        self.error = ""
        return True

    def restore_after_breakthrough(self) -> None:
        """Switch do-not-disturb back on after ``lift_for_breakthrough``."""
        driver = self._driver
        if driver is None or not self._lifted:
            return
        self._lifted = False
        try:
            driver.set_on(True)
            if self._users_own:
                self._disarm()
            self.error = ""
        except DndError as exc:
            self.error = str(exc)

    def give_back(self) -> None:
        """On quit: end the block's do-not-disturb and let the guardian go."""
        if self._driver is not None and self._wanted:
            self._end_block(self._driver)
        if self._guardian is not None:
            self._guardian.close()
            self._armed = False

    def close(self) -> None:
        """``give_back`` and close the driver's connection."""
        self.give_back()
        if self._driver is not None:
            self._driver.close()

    def _start_block(self, driver: DndDriver) -> None:
        self._wanted = True
        self._user_released = False
        try:
            if driver.is_on():
                self._users_own = True
                self.error = ""
                return
            spec = driver.guardian_spec()
            if spec is not None:
                self._arm(spec, restore=False)  # armed before it is on: no window to leak
            driver.set_on(True)
        except DndError as exc:
            self.error = str(exc)
            self._disarm()
            return
        self._ours = True
        self.error = ""

    def _end_block(self, driver: DndDriver) -> None:
        self._wanted = False
        try:
            if self._ours and not self._lifted:
                driver.set_on(False)
            elif self._users_own and self._lifted:
                driver.set_on(True)  # the user's own, lifted for a breakthrough: back on
            self.error = ""
        except DndError as exc:
            self.error = str(exc)
        finally:
            self._ours = self._users_own = self._lifted = self._user_released = False
            self._disarm()

    def _arm(self, spec: dict[str, str], *, restore: bool) -> None:
        if self._guardian is not None:
            self._guardian.arm(spec, restore)
            self._armed = True

    def _disarm(self) -> None:
        if self._guardian is not None and self._armed:
            self._armed = False
            try:
                self._guardian.disarm()
            except DndError as exc:
                self.error = str(exc)
