"""Opening the database from many processes at once, and refusing one we cannot use."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from focus_app.paths import database_path
from focus_app.store import Store, schema_version


def _open_and_queue(path: str, barrier: object, results: object) -> None:
    """In a child process: wait for the others, then open (and migrate) the fresh file."""
    from datetime import UTC, datetime

    from focus_app.core.model import Notification

    barrier.wait()  # type: ignore[attr-defined]
    try:
        store, warning = Store.open(Path(path))
        try:
            store.add_queued(Notification(title="hi", received_at=datetime.now(UTC)))
        finally:
            store.close()
        results.put(("ok", warning))  # type: ignore[attr-defined]
    except Exception as exc:  # reported to the test, which shows it
        results.put(("error", repr(exc)))  # type: ignore[attr-defined]


@pytest.mark.parametrize("attempt", range(3))
def test_eight_processes_opening_a_fresh_file_all_succeed(tmp_path: Path, attempt: int) -> None:
    ctx = multiprocessing.get_context("spawn")  # no fork: the test process runs Qt
    path = tmp_path / f"fresh-{attempt}.sqlite3"
    barrier = ctx.Barrier(8)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_open_and_queue, args=(str(path), barrier, results))
        for _ in range(8)
    ]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(30)
    results.close()
    results.join_thread()
    assert outcomes == [("ok", None)] * 8
    assert not list(tmp_path.glob("*.corrupt-*"))
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema_version()
        assert db.execute("SELECT count(*) FROM notifications").fetchone()[0] == 8
    db.close()


def _newer_database() -> Path:
    path = database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {schema_version() + 1}")
    db.close()
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "focus_app", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_send_with_a_database_from_a_newer_version_says_so_in_one_line() -> None:
    path = _newer_database()
    before = path.read_bytes()
    done = _run("send", "hello")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert "newer version of focus-app" in done.stderr and str(path) in done.stderr
    assert path.read_bytes() == before


def test_headless_start_with_a_database_from_a_newer_version_says_so_in_one_line() -> None:
    _newer_database()
    done = _run("--headless")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if "newer version" in line]
    assert len(lines) == 1 and "update focus-app" in lines[0]
    assert len(done.stderr.strip().splitlines()) == 1
