"""Test setup shared by every test: no real user data, no real screen."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# CI must not fail on a case it happened to find today and miss tomorrow: in CI, property
# tests run the same examples every time (a developer's run still explores). No deadline
# anywhere: on a busy 2-core machine one example can take 250 ms for no reason of its own
# (speed has its benchmarks), and hypothesis then fails the run as "unreliable timings".
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", derandomize=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Widget tests never need a screen; e2e tests start their own Xvfb and pass DISPLAY on.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
# Set before anything imports platformdirs: the whole session runs in a throwaway home.
_SESSION_ROOT = Path(tempfile.mkdtemp(prefix="focus-app-tests-"))
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = str(_SESSION_ROOT / _name.lower())
os.environ["XDG_RUNTIME_DIR"] = str(_SESSION_ROOT / "runtime")
(_SESSION_ROOT / "runtime").mkdir(mode=0o700)


@pytest.fixture(autouse=True)
def isolated_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every XDG folder at a fresh temporary folder for each test."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        folder = tmp_path / "xdg" / name.lower()
        folder.mkdir(parents=True)
        monkeypatch.setenv(name, str(folder))
    # A short path of its own: AF_UNIX socket paths must stay under 108 bytes.
    runtime = Path(tempfile.mkdtemp(prefix="fa-rt-"))
    runtime.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    yield tmp_path / "xdg"
    shutil.rmtree(runtime, ignore_errors=True)
