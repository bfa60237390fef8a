"""Detection when no driver applies: a server nobody drives, and no server at all."""

from __future__ import annotations

import pytest

from focus_app.desktop.dnd.controller import DndController
from focus_app.desktop.dnd.detect import NoServer, Unsupported, detect, server_information
from tests.desktop.dnd_support import StandInServer
from tests.e2e import conftest as e2e_fixtures
from tests.e2e.harness import DesktopSession

desktop = e2e_fixtures.desktop

without_dunst = pytest.mark.parametrize("desktop", [{"with_dunst": False}], indirect=True)


@pytest.mark.e2e
@without_dunst
def test_a_server_without_a_driver_is_reported_unsupported_by_name(
    desktop: DesktopSession,
) -> None:
    server = StandInServer(desktop.bus_address, "Some Notifier")
    try:
        assert server_information(desktop.bus_address).name == "Some Notifier"
        found = detect(desktop.bus_address)
        assert found == Unsupported("Some Notifier")
        assert DndController(found).status == "unsupported: Some Notifier"
    finally:
        server.stop()


@pytest.mark.e2e
@without_dunst
def test_no_server_on_the_bus_is_reported_as_none(desktop: DesktopSession) -> None:
    found = detect(desktop.bus_address)
    assert isinstance(found, NoServer)
    assert "ServiceUnknown" in found.reason
    assert DndController(found).status == "none: no notification server"


def test_no_session_bus_is_reported_as_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    found = detect()
    assert isinstance(found, NoServer) and "DBUS_SESSION_BUS_ADDRESS" in found.reason
