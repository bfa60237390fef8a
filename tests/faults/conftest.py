"""A private XDG home for the real ``focus-app`` and a way to run it as another user.

The fault tests start the real program (``python -m focus_app``) so that what they pin is
what a user sees: the exit code and the one line on stderr. Permission faults need a
user the kernel checks permissions for; tests running as root (containers) run the
program as ``nobody`` through ``setpriv``, in a folder tree that user owns.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import focus_app

NOBODY = 65534
SOURCE_ROOT = str(Path(focus_app.__file__).resolve().parent.parent)


@dataclass
class Home:
    """An isolated set of XDG folders and the environment that points at them."""

    root: Path
    as_nobody: bool = False
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("XDG_", "DBUS_")) and key != "PYTHONPATH"
        }
        env.update(
            XDG_DATA_HOME=str(self.root / "data"),
            XDG_CONFIG_HOME=str(self.root / "config"),
            XDG_STATE_HOME=str(self.root / "state"),
            XDG_CACHE_HOME=str(self.root / "cache"),
            XDG_RUNTIME_DIR=str(self.root / "rt"),
            HOME=str(self.root),
            PYTHONPATH=SOURCE_ROOT,
            PYTHONDONTWRITEBYTECODE="1",
            QT_QPA_PLATFORM="offscreen",
            TZ="UTC",
        )
        return env

    @property
    def db(self) -> Path:
        return self.root / "data" / "focus-app" / "focus-app.sqlite3"

    @property
    def data_dir(self) -> Path:
        return self.root / "data" / "focus-app"

    @property
    def runtime(self) -> Path:
        return self.root / "rt" / "focus-app"

    def command(self, *args: str) -> list[str]:
        prefix: list[str] = []
        if self.as_nobody:
            prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        return [*prefix, sys.executable, "-m", "focus_app", *args]

    def run(
        self, *args: str, umask: int | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
        )

    def start(self, *args: str, umask: int | None = None) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            self.command(*args),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
        )
        self.procs.append(proc)
        return proc

    def start_headless(self, umask: int | None = None) -> subprocess.Popen[bytes]:
        """Start ``focus-app --headless`` and wait until ``status`` answers."""
        proc = self.start("--headless", umask=umask)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                _, err = proc.communicate()
                raise AssertionError(f"focus-app exited {proc.returncode}: {err.decode()}")
            if self.run("status").returncode == 0:
                return proc
            time.sleep(0.1)
        raise AssertionError("focus-app --headless did not answer within 20 s")

    def give_to_nobody(self) -> None:
        """Hand the whole tree to ``nobody`` (when running as root)."""
        if not self.as_nobody:
            return
        for folder, dirs, files in os.walk(self.root):
            for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
                os.lchown(name, NOBODY, NOBODY)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def _make_home(as_nobody: bool) -> Home:
    # Not under pytest's tmp_path: that is 0700 root, which nobody cannot enter; and a
    # short path keeps the socket under the 108-byte AF_UNIX limit.
    root = Path(tempfile.mkdtemp(prefix="fa-f-"))
    root.chmod(0o755)
    for name in ("data", "config", "state", "cache"):
        (root / name).mkdir()
    (root / "rt").mkdir(mode=0o700)
    home = Home(root, as_nobody=as_nobody)
    home.give_to_nobody()
    return home


@pytest.fixture
def home() -> Iterator[Home]:
    """A fresh home for the program running as the test's own user."""
    made = _make_home(as_nobody=False)
    yield made
    made.stop_all()
    shutil.rmtree(made.root, ignore_errors=True)


@pytest.fixture
def user_home() -> Iterator[Home]:
    """A fresh home for the program running as a user whose permissions are checked.

    As root that is ``nobody`` (through setpriv); otherwise the test's own user.
    """
    as_nobody = os.geteuid() == 0
    if as_nobody and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be checked")
    made = _make_home(as_nobody=as_nobody)
    yield made
    made.stop_all()
    shutil.rmtree(made.root, ignore_errors=True)
