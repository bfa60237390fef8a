"""Fixtures for tests that run against a real (throwaway) desktop.

``desktop`` gives a started ``DesktopSession``; ask for a tray with
``@pytest.mark.parametrize("desktop", [{"with_tray": True}], indirect=True)``.
When a test using it fails, a screenshot is saved as ``failure.png`` in its ``tmp_path``.
Tests elsewhere reuse it with ``desktop = tests.e2e.conftest.desktop`` at module level.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import REQUIRED_PROGRAMS, DesktopSession, missing_programs


@pytest.fixture
def desktop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DesktopSession]:
    """A running Xvfb + private session bus + dunst; killed after the test.

    Fails (never skips) when a program is missing: CI installs them, and a silently
    skipped e2e suite would hide exactly the bugs it exists for.
    """
    options = dict(getattr(request, "param", {}))
    wanted = REQUIRED_PROGRAMS + (("trayer",) if options.get("with_tray") else ())
    missing = missing_programs(wanted)
    if missing:
        pytest.fail(
            f"e2e tests need {', '.join(missing)} on PATH "
            "(Debian/Ubuntu: apt install xvfb dbus dunst trayer imagemagick xdotool)",
            pytrace=False,
        )
    failures_before = request.session.testsfailed
    with DesktopSession(**options) as session:
        yield session
        # The call phase's report is logged before teardown, so a failed body shows here.
        if request.session.testsfailed > failures_before:
            try:
                shot = session.screenshot(tmp_path / "failure.png")
                print(f"screenshot of the failed test's desktop: {shot}")
            except Exception as exc:  # a missing screenshot must not hide the real failure
                print(f"could not take a screenshot: {exc}")
