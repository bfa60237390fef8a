"""A real Radicale CalDAV server for the CalDAV tests: a free port on 127.0.0.1, its
storage in a temp folder, plain htpasswd users; started as its own process and stopped.

``RadicaleServer.calendar_url(name)`` makes a calendar (MKCALENDAR through ``caldav``)
and returns its address; ``stop()`` / ``start()`` take the server down and up again on
the same port and storage (the "server down" tests).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

USER = "alice"
PASSWORD = "correct horse"
TEST_STORAGE = {"_filesystem_fsync": "False", "use_mtime_and_size_for_item_cache": "True"}
"""Radicale's storage for tests: no fsync per write (a throw-away folder; by default every
PUT fsyncs its files) and the item cache checked by mtime and size instead of a SHA-256 of
each item (each new event's PUT reads every item of the calendar). Both are Radicale
options; ``_filesystem_fsync`` is an internal one it takes only from code (see
``_LAUNCH``). ``storage={}`` gives Radicale's defaults."""

_LAUNCH = """
import json, sys
from radicale import __main__ as main, config
internal = json.loads(sys.argv.pop(1))
load = config.load
def load_with_internal(paths=()):
    configuration = load(paths)
    if internal:
        configuration.update({"storage": internal}, "test storage", privileged=True)
    return configuration
config.load = load_with_internal
sys.argv[0] = "radicale"
main.run()
"""
"""``python -m radicale`` with Radicale's internal storage options (a JSON argument)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RadicaleServer:
    """One Radicale process (``python -m radicale``) and what it needs on disk."""

    def __init__(
        self, folder: Path, users: dict[str, str], storage: dict[str, str] | None = None
    ) -> None:
        self.folder = folder
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        htpasswd = folder / "users"
        htpasswd.write_text("".join(f"{u}:{p}\n" for u, p in users.items()))
        storage = TEST_STORAGE if storage is None else storage
        internal = {k: v for k, v in storage.items() if k.startswith("_")}
        options = [
            f"--storage-{k.replace('_', '-')}={v}" for k, v in storage.items() if k not in internal
        ]
        self._args = [
            sys.executable, "-c", _LAUNCH, json.dumps(internal), *options,
            "--server-hosts", f"127.0.0.1:{self.port}",
            "--storage-filesystem-folder", str(folder / "collections"),
            "--auth-type", "htpasswd",
            "--auth-htpasswd-filename", str(htpasswd),
            "--auth-htpasswd-encryption", "plain",
            "--auth-delay", "0",
            "--rights-type", "owner_only",
            "--logging-level", "warning",
        ]
        self._log = folder / "radicale.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and wait until it accepts connections (at most 20 s)."""
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                self._args, stdout=log, stderr=subprocess.STDOUT, env=env,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"radicale exited: {self._log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("radicale did not start within 20 s")

    def stop(self) -> None:
        """Stop it (the storage stays)."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def cpu_seconds(self) -> float:
        """CPU time the server process used so far (user + system; for the benchmark)."""
        assert self._process is not None
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def calendar_url(self, name: str, user: str = USER, password: str = PASSWORD) -> str:
        """Make the calendar ``/<user>/<name>/`` and return its address."""
        import caldav

        with caldav.DAVClient(url=self.url, username=user, password=password) as client:
            principal = client.principal()
            calendar = principal.make_calendar(name=name, cal_id=name)
            return str(calendar.url)


@pytest.fixture
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    """A running Radicale with the user ``alice`` (password ``correct horse``)."""
    server = RadicaleServer(tmp_path_factory.mktemp("radicale"), {USER: PASSWORD})
    server.start()
    try:
        yield server
    finally:
        server.stop()
