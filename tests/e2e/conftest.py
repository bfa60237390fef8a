"""Fixtures for tests that run against a real (throwaway) desktop.

``desktop`` gives a started ``DesktopSession``; ask for a tray with
``@pytest.mark.parametrize("desktop", [{"with_tray": True}], indirect=True)``.
When a test using it fails, a screenshot is saved next to the test's ``tmp_path``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import REQUIRED_PROGRAMS, DesktopSession, missing_programs

_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether the test body failed, so the fixture can take a screenshot."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report


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
    with DesktopSession(**options) as session:
        yield session
        if request.node.stash.get(_FAILED, False):
            try:
                shot = session.screenshot(tmp_path / "failure.png")
                print(f"screenshot of the failed test's desktop: {shot}")
            except Exception as exc:  # a missing screenshot must not hide the real failure
                print(f"could not take a screenshot: {exc}")
