"""The controller's give-back rules, against the in-memory driver and guardian."""

from __future__ import annotations

from focus_app.desktop.dnd.base import DndDriver, MemoryDnd
from focus_app.desktop.dnd.controller import DndController
from focus_app.desktop.dnd.detect import NoServer, Unsupported
from focus_app.desktop.dnd.guardian import MemoryGuardian


class SpecDnd(MemoryDnd):
    """A memory driver that asks for a guardian, like dunst, xfconf and GNOME do."""

    def guardian_spec(self) -> dict[str, str] | None:
        return {"driver": self.name}


def make(
    *, on: bool = False, shows_critical: bool = True
) -> tuple[DndController, SpecDnd, MemoryGuardian]:
    driver = SpecDnd(name="dunst", shows_critical=shows_critical)
    driver.on = on
    guardian = MemoryGuardian()
    return DndController(driver, guardian), driver, guardian


def test_memory_dnd_satisfies_the_port() -> None:
    driver: DndDriver = MemoryDnd()
    assert driver.is_on() is False


def test_block_switches_dnd_on_and_its_end_switches_it_off() -> None:
    controller, driver, _ = make()
    controller.want(True)
    assert driver.on and controller.engaged and controller.status == "dunst"
    controller.want(False)
    assert not driver.on and not controller.engaged
    assert driver.calls == [True, False]


def test_guardian_is_armed_before_dnd_goes_on_and_disarmed_after_it_goes_off() -> None:
    controller, driver, guardian = make()
    armed_when_switched: list[bool] = []
    original = driver.set_on

    def spy(on: bool) -> None:
        armed_when_switched.append(guardian.armed)
        original(on)

    driver.set_on = spy  # type: ignore[method-assign]
    controller.want(True)
    assert armed_when_switched == [True]
    assert guardian.messages[0] == {"op": "arm", "spec": {"driver": "dunst"}, "restore": False}
    controller.want(False)
    assert not guardian.armed


def test_users_own_dnd_before_a_block_is_left_on_after_it() -> None:
    controller, driver, guardian = make(on=True)
    controller.want(True)
    controller.want(False)
    assert driver.on
    assert driver.calls == []
    assert guardian.messages == []


def test_user_switching_dnd_off_during_a_block_releases_it_and_is_not_fought() -> None:
    controller, driver, guardian = make()
    controller.want(True)
    driver.user_sets(False)
    assert controller.dispatch_pending() is True
    assert controller.user_released and not controller.engaged
    assert not guardian.armed  # nothing of ours left to give back
    assert controller.dispatch_pending() is False
    controller.want(False)
    assert driver.calls == [True]  # never switched on again, nor "off" again
    assert not controller.user_released  # the next block starts fresh


def test_user_switching_their_own_dnd_off_during_a_block_also_releases_it() -> None:
    controller, driver, _ = make(on=True)
    controller.want(True)
    driver.user_sets(False)
    assert controller.dispatch_pending() is True
    assert controller.user_released


def test_repeated_want_is_idempotent() -> None:
    controller, driver, _ = make()
    controller.want(True)
    controller.want(True)
    controller.want(False)
    controller.want(False)
    assert driver.calls == [True, False]


def test_failure_is_reported_in_status_not_raised() -> None:
    controller, driver, guardian = make()
    driver.fail_with = "dunst did not answer within 2 s; try again"
    controller.want(True)
    assert controller.status == "dunst: dunst did not answer within 2 s; try again"
    assert not controller.engaged and not guardian.armed
    controller.want(False)
    driver.fail_with = ""
    controller.want(True)
    assert controller.status == "dunst" and controller.engaged


def test_breakthrough_lifts_dnd_on_a_server_hiding_criticals_and_reengages_it() -> None:
    controller, driver, _ = make(shows_critical=False)
    controller.want(True)
    assert controller.lift_for_breakthrough() is True
    assert not driver.on
    assert controller.dispatch_pending() is False and not controller.user_released
    controller.restore_after_breakthrough()
    assert driver.on and controller.engaged


def test_breakthrough_does_not_lift_on_a_server_that_shows_criticals() -> None:
    controller, driver, _ = make(shows_critical=True)
    controller.want(True)
    assert controller.lift_for_breakthrough() is False
    assert driver.on


def test_lifting_the_users_own_dnd_arms_the_guardian_to_put_it_back_on() -> None:
    controller, driver, guardian = make(on=True, shows_critical=False)
    controller.want(True)
    assert controller.lift_for_breakthrough() is True
    assert guardian.messages[-1]["restore"] is True and guardian.armed
    controller.restore_after_breakthrough()
    assert driver.on and not guardian.armed


def test_block_ending_during_a_breakthrough_leaves_the_users_own_dnd_on() -> None:
    controller, driver, _ = make(on=True, shows_critical=False)
    controller.want(True)
    controller.lift_for_breakthrough()
    controller.want(False)
    assert driver.on


def test_block_ending_during_a_breakthrough_leaves_our_dnd_off() -> None:
    controller, driver, _ = make(shows_critical=False)
    controller.want(True)
    controller.lift_for_breakthrough()
    controller.want(False)
    assert not driver.on and driver.calls == [True, False]


def test_give_back_on_quit_switches_off_and_closes_the_guardian() -> None:
    controller, driver, guardian = make()
    controller.want(True)
    controller.close()
    assert not driver.on and guardian.closed and driver.closed


def test_status_says_plainly_when_nothing_can_be_driven() -> None:
    unsupported = DndController(Unsupported("SwayNotificationCenter"))
    unsupported.want(True)
    assert unsupported.status == "unsupported: SwayNotificationCenter"
    assert not unsupported.engaged and unsupported.fileno() is None
    none = DndController(NoServer("no notification server answered"))
    none.want(True)
    assert none.status == "none: no notification server"
