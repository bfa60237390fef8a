"""What a started tray app keeps in memory while idle (issue 7: idle RSS at most +5 MB).

The app is started in a subprocess the way ``python -m focus_app`` starts it (engine, IPC
server, desktop gate, tray, APScheduler's deferred start, the settle step), so the
modules it has imported are exactly those of a real start, not those a test run has
accumulated. Heavy modules that only some users need load when they are used: the
calendar libraries when a calendar is imported, followed or synced, the main window when
it is opened.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from focus_app.pyside_sources import mentions_pyside

REPO = Path(__file__).resolve().parents[2]

_START = textwrap.dedent(
    """
    import json, linecache, sys
    from focus_app.pyside_sources import read_sources_uncached
    replaced = read_sources_uncached()  # what focus_app.__main__ does first
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from focus_app.app import start_runtime
    from focus_app.desktop.instance import acquire
    from focus_app.ui.shell import SETTLE_MS, start_ui

    from focus_app.ui.welcome_state import remember_welcome_done, welcome_state_path
    remember_welcome_done(welcome_state_path(), "finished")  # not the first start
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    runtime = start_runtime(acquire())
    ui = start_ui(runtime, tray_available=True)
    QTimer.singleShot(SETTLE_MS + 500, app.quit)  # past APScheduler's start and the settle
    app.exec()
    print(json.dumps({
        "replaced": replaced,
        "modules": sorted(sys.modules),
        "cached_sources": sorted(linecache.cache),
        "window": ui.window is not None,
    }))
    ui.shutdown()
    runtime.shutdown()
    """
)

ON_USE_ONLY = ("caldav", "icalendar", "recurring_ical_events", "lxml", "requests", "niquests")


@pytest.fixture(scope="module")
def started() -> dict[str, object]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    # No session bus here: without the desktop gate nothing reports a start-up problem,
    # which would open the window (the gate's modules are imported all the same).
    env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/focus-app-test-bus"
    env["FOCUS_APP_NO_DESKTOP_GATE"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", _START],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.slow
def test_a_started_tray_app_has_not_imported_the_calendar_libraries(
    started: dict[str, object],
) -> None:
    modules = started["modules"]
    assert isinstance(modules, list)
    assert "apscheduler.schedulers.qt" in modules  # looked at after the deferred start
    heavy = [m for m in modules if m.split(".")[0] in ON_USE_ONLY]
    assert heavy == []
    calendars = [m for m in modules if m.startswith("focus_app.calendars")]
    assert calendars == []


@pytest.mark.slow
def test_a_started_tray_app_has_not_built_its_window_or_pages(
    started: dict[str, object],
) -> None:
    modules = started["modules"]
    assert isinstance(modules, list)
    assert started["window"] is False
    assert "focus_app.ui.main_window" not in modules
    assert "focus_app.ui.welcome" not in modules  # the first-run guide was done before
    pages = [m for m in modules if m.endswith("_page") or m.endswith("_view")]
    assert pages == []


@pytest.mark.slow
def test_a_started_app_keeps_no_module_source_in_memory(started: dict[str, object]) -> None:
    assert started["replaced"] is True
    cached = started["cached_sources"]
    assert isinstance(cached, list)
    # Without the replaced check: ~220 files, every module imported after PySide6.
    assert len(cached) <= 5, cached


def _module(name: str, source: str | None, tmp_path: Path) -> ModuleType:
    path = tmp_path / f"{name}.py"
    if source is not None:
        path.write_text(source)
    module = ModuleType(name)
    module.__file__ = str(path)
    from importlib.machinery import SourceFileLoader

    module.__loader__ = SourceFileLoader(name, str(path))
    return module


def test_the_source_check_finds_pyside6_where_the_source_names_it(tmp_path: Path) -> None:
    uses = _module("uses_qt", "from PySide6.QtCore import QTimer\n", tmp_path)
    plain = _module("plain", "import json\n", tmp_path)
    assert mentions_pyside(uses) is True
    assert mentions_pyside(plain) is False


def test_the_source_check_answers_no_where_there_is_no_source(tmp_path: Path) -> None:
    missing = _module("gone", None, tmp_path)
    assert mentions_pyside(missing) is False
    assert mentions_pyside(sys) is False  # built in: no loader with a source
    assert mentions_pyside(ModuleType("bare")) is False
