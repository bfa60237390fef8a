"""Helpers shared by the desktop-gate end-to-end tests (dunst, and the other servers)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from tests.e2e.app_process import cli, cli_json


def status(env: dict[str, str]) -> dict[str, object]:
    """``focus-app status --json``."""
    result: dict[str, object] = cli_json(env, "status")
    return result


def held(env: dict[str, str]) -> list[dict[str, object]]:
    """``focus-app held --json``."""
    done = cli(env, "held", "--json")
    assert done.returncode == 0, done.stderr
    result: list[dict[str, object]] = json.loads(done.stdout)
    return result


def wait(what: str, check: Callable[[], bool], timeout: float = 8.0) -> float:
    """Poll ``check`` every 50 ms; return the seconds it took, fail after ``timeout``."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - start
