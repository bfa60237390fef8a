"""Starting the real ``focus-app`` (headless or with its tray) and driving its command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def cli(env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run ``focus-app ARGS`` as a user would (same interpreter, the given environment)."""
    return subprocess.run(
        [sys.executable, "-m", "focus_app", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_json(env: dict[str, str], *args: str) -> Any:
    done = cli(env, *args, "--json")
    assert done.returncode == 0, f"focus-app {' '.join(args)} failed: {done.stderr}"
    return json.loads(done.stdout)


def socket_path(env: dict[str, str]) -> Path:
    return Path(env["XDG_RUNTIME_DIR"]) / "focus-app" / "focus-app.sock"


class AppProcess:
    """A running ``focus-app`` process; stopped (SIGTERM, then SIGKILL) on ``stop``."""

    def __init__(
        self, env: dict[str, str], *args: str, log: Path, first_run: bool = False
    ) -> None:
        """Start it; unless ``first_run``, as a returning user (welcome guide done)."""
        self.env = env
        self.log = log
        if not first_run and "XDG_STATE_HOME" in env:
            done = Path(env["XDG_STATE_HOME"]) / "focus-app" / "welcome.json"
            done.parent.mkdir(parents=True, exist_ok=True)
            done.write_text('{"welcome_done": true, "how": "skipped"}')
        self._log_file = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "focus_app", *args],
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Wait until ``focus-app status`` answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"focus-app exited with {self.proc.returncode}:\n{self.log.read_text()}"
                )
            if cli(self.env, "status").returncode == 0:
                return
            time.sleep(0.1)
        raise AssertionError(
            f"focus-app did not answer within {timeout} s:\n{self.log.read_text()}"
        )

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log_file.close()
        return self.proc.returncode
