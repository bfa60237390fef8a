"""Storage and file faults, seen through the real ``focus-app`` (issue 8, storage half).

Each test pins what the user gets when something goes wrong with the files: one line
that says what to do, the right exit code, and nothing lost or renamed that should not
be. See docs/reliability.md, "Storage and files".
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults.conftest import NOBODY, Home

pytestmark = pytest.mark.e2e


def one_line(text: str) -> str:
    """The program's stderr must be exactly one line, never a traceback."""
    lines = text.strip().splitlines()
    assert "Traceback" not in text, text
    assert len(lines) == 1, text
    return lines[0]


def status(home: Home) -> dict[str, object]:
    done = home.run("status", "--json")
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def send(home: Home, title: str) -> subprocess.CompletedProcess[str]:
    return home.run("send", title, "--json")


def stored_titles(db: Path) -> list[str]:
    with sqlite3.connect(db) as connection:
        return [r[0] for r in connection.execute("SELECT title FROM notifications ORDER BY id")]


# Item 1: nothing stored can stop the app from starting ------------------------------------


@pytest.mark.slow
def test_a_block_in_year_9999_is_refused_and_nothing_is_stored(home: Home) -> None:
    home.start_headless()
    done = home.run(
        "block", "add", "--kind", "focus", "--date", "9999-12-28", "--start", "09:00",
        "--end", "10:00",
    )
    assert done.returncode != 0
    line = one_line(done.stderr)
    assert "9999-12-28 is outside the supported dates" in line
    assert "internal error" not in line
    listed = home.run("block", "list", "--json")
    assert json.loads(listed.stdout) == []


@pytest.mark.slow
def test_an_imported_rrule_until_year_9999_or_dtstart_year_1_is_skipped_not_stored(
    home: Home,
) -> None:
    home.start_headless()
    calendar = home.root / "in.ics"
    calendar.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Forever\r\nDTSTART:20260105T090000Z\r\n"
        "DTEND:20260105T100000Z\r\nRRULE:FREQ=WEEKLY;UNTIL=99991231T000000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Ancient\r\nDTSTART:00010101T090000Z\r\n"
        "DTEND:00010101T100000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:c\r\nSUMMARY:Late count\r\nDTSTART:89991229T090000Z\r\n"
        "DTEND:89991229T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=1000\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n",
        encoding="utf-8",
    )
    done = home.run("import", str(calendar), "--kind", "focus")
    assert "Traceback" not in done.stdout + done.stderr
    assert (done.stdout + done.stderr).count("outside the supported dates") == 3
    assert json.loads(home.run("block", "list", "--json").stdout) == []
    home.stop_all()
    home.start_headless()  # and the app still starts


@pytest.mark.slow
def test_a_stored_block_in_year_9999_is_skipped_reported_listed_and_removable(
    home: Home,
) -> None:
    home.start_headless()
    home.stop_all()
    with sqlite3.connect(home.db) as connection:
        for day in ("9999-12-28", "0001-01-01"):
            connection.execute(
                "INSERT INTO blocks (kind, start_time, end_time, on_date)"
                " VALUES ('focus', '09:00', '10:00', ?)",
                (day,),
            )
    proc = home.start_headless()  # used to die: "year 10000 is out of range"
    problems = status(home)["problems"]
    assert isinstance(problems, list) and len(problems) == 2
    assert "block 1 (Focus) is skipped: the date 9999-12-28" in problems[0]
    assert "focus-app block remove 1" in problems[0]
    listed = json.loads(home.run("block", "list", "--json").stdout)
    assert [b["date"] for b in listed] == ["9999-12-28", "0001-01-01"]
    assert home.run("block", "remove", "1").returncode == 0
    assert home.run("block", "remove", "2").returncode == 0
    assert status(home)["problems"] == []
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert b"block 1 (Focus) is skipped" in err  # the problem line at start


# Item 5: private files whatever the umask ---------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_every_file_and_folder_is_private_whatever_the_umask(home: Home, umask: int) -> None:
    home.start_headless(umask=umask)
    assert send(home, "secret").returncode == 0
    home.stop_all()
    done = home.run("send", "queued while down", umask=umask)  # the queued-send path
    assert done.returncode == 0, done.stderr
    folders = [home.root / p / "focus-app" for p in ("data", "state", "config", "rt")]
    files = [
        home.db,
        home.db.with_name(home.db.name + "-wal"),
        home.db.with_name(home.db.name + "-shm"),
        home.root / "state" / "focus-app" / "focus-app.log",
        home.root / "config" / "focus-app" / "settings.toml",
    ]
    for folder in folders:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for file in files:
        if file.exists():
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


@pytest.mark.slow
def test_loose_existing_folders_and_files_are_tightened_at_start(home: Home) -> None:
    home.start_headless()
    home.stop_all()
    log = home.root / "state" / "focus-app" / "focus-app.log"
    rotated = log.with_name("focus-app.log.1")
    rotated.write_text("old\n")
    settings = home.root / "config" / "focus-app" / "settings.toml"
    backup = settings.with_name("settings.toml.before-20260101-000000")
    backup.write_text("")
    for path in (home.db, log, rotated, settings, backup):
        path.chmod(0o644)
    for folder in (home.data_dir, log.parent, settings.parent):
        folder.chmod(0o755)
    home.start_headless()
    for path in (home.db, log, rotated, settings, backup):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (home.data_dir, log.parent, settings.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


# Item 6: permission problems are not corruption ---------------------------------------------


def _make_database(user_home: Home) -> None:
    user_home.start_headless()
    assert send(user_home, "keep me").returncode == 0
    user_home.stop_all()


@pytest.mark.slow
@pytest.mark.parametrize("mode", [0o000, 0o444])
def test_an_unreadable_or_read_only_database_is_named_and_left_in_place(
    user_home: Home, mode: int
) -> None:
    _make_database(user_home)
    user_home.db.chmod(mode)
    before = sorted(p.name for p in user_home.data_dir.iterdir())
    done = user_home.run("--headless", timeout=30)
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert f"cannot write {user_home.db} (permission denied); fix with: chmod 600" in line
    assert sorted(p.name for p in user_home.data_dir.iterdir()) == before  # nothing renamed
    user_home.db.chmod(0o600)
    assert stored_titles(user_home.db) == ["keep me"]


@pytest.mark.slow
def test_a_database_owned_by_root_after_sudo_says_chown_and_is_left_in_place(
    user_home: Home,
) -> None:
    if not user_home.as_nobody:
        pytest.skip("needs root to give the file to another owner")
    _make_database(user_home)
    for path in user_home.data_dir.iterdir():
        os.chown(path, 0, 0)
        path.chmod(0o644)
    done = user_home.run("--headless")
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert f"sudo chown nobody: {user_home.db}" in line or "sudo chown nobody: " in line
    assert not [p for p in user_home.data_dir.iterdir() if ".corrupt-" in p.name]


@pytest.mark.slow
def test_a_read_only_data_folder_is_named_not_called_unusable(user_home: Home) -> None:
    _make_database(user_home)
    user_home.data_dir.chmod(0o500)
    done = user_home.run("--headless")
    user_home.data_dir.chmod(0o700)
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert f"cannot write the folder {user_home.data_dir} (permission denied)" in line
    assert "chmod 700" in line
    assert "unusable" not in line
    assert stored_titles(user_home.db) == ["keep me"]


@pytest.mark.slow
def test_a_really_damaged_database_is_still_moved_aside(home: Home) -> None:
    _make_database(home)
    for companion in ("-wal", "-shm"):
        home.db.with_name(home.db.name + companion).unlink(missing_ok=True)
    home.db.write_bytes(b"this is not a database at all" * 200)
    proc = home.start_headless()
    assert [p for p in home.data_dir.iterdir() if ".corrupt-" in p.name]
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert b"was damaged" in err


@pytest.mark.slow
def test_send_with_the_app_down_and_no_data_folder_is_one_line(home: Home) -> None:
    (home.root / "data").rmdir()
    (home.root / "data").write_text("a file where the folder should be")
    done = home.run("send", "hello")
    assert done.returncode != 0
    line = one_line(done.stderr)
    assert str(home.root / "data") in line


# Item 9: one clear line -----------------------------------------------------------------------


@pytest.mark.slow
def test_a_locked_database_answers_one_line_within_a_second_and_the_app_recovers(
    home: Home,
) -> None:
    home.start_headless()
    assert send(home, "before").returncode == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({str(home.db)!r}, isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); sys.stdin.readline()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        done = send(home, "while locked")
        took = time.monotonic() - started
        assert done.returncode != 0
        line = one_line(done.stderr)
        assert f"the database {home.db} is locked by another program (pid {holder.pid})" in line
        assert took < 1.5, f"the answer took {took:.2f} s"
        print(f"locked answer after {took:.2f} s")
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
    assert send(home, "after").returncode == 0
    assert stored_titles(home.db) == ["before", "after"]


@pytest.fixture
def small_disk(home: Home) -> Path:
    """The data folder on a 2 MiB tmpfs (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = home.root / "data"
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount  # type: ignore[misc]
    home.stop_all()
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_a_full_disk_answers_one_line_and_loses_nothing_acknowledged(
    home: Home, small_disk: Path
) -> None:
    home.start_headless()
    acknowledged = []
    for n in range(5):
        if send(home, f"ok {n}").returncode == 0:
            acknowledged.append(f"ok {n}")
    filler = small_disk / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    answers = [send(home, "x" * 3000 + f" {n}") for n in range(20)]
    failed = [a for a in answers if a.returncode != 0]
    assert failed, "the disk never filled up"
    line = one_line(failed[0].stderr)
    assert "is full" in line and "free some space" in line
    acknowledged += [f"{'x' * 3000} {n}" for n, a in enumerate(answers) if a.returncode == 0]
    filler.unlink()
    assert send(home, "after").returncode == 0
    assert stored_titles(home.db) == [*acknowledged, "after"]


# Item 11: links ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_symlink_planted_as_the_lock_file_does_not_truncate_its_target(home: Home) -> None:
    victim = home.root / "victim.txt"
    victim.write_text("precious\n")
    home.runtime.mkdir(mode=0o700)
    (home.runtime / "focus-app.lock").symlink_to(victim)
    done = home.run("--headless")
    assert done.returncode == 1
    assert "is a symlink" in one_line(done.stderr)
    assert victim.read_text() == "precious\n"


@pytest.mark.slow
def test_a_runtime_folder_that_is_a_symlink_to_an_open_folder_is_refused(home: Home) -> None:
    open_folder = home.root / "everyone"
    open_folder.mkdir()
    open_folder.chmod(0o777)
    home.runtime.symlink_to(open_folder)
    done = home.run("--headless")
    assert done.returncode == 1
    assert f"the runtime folder {home.runtime} is a symlink" in one_line(done.stderr)
    assert list(open_folder.iterdir()) == []


@pytest.mark.slow
def test_a_group_writable_runtime_folder_is_refused(home: Home) -> None:
    home.runtime.mkdir()
    home.runtime.chmod(0o770)
    done = home.run("--headless")
    assert done.returncode == 1
    assert f"fix with: chmod 700 {home.runtime}" in one_line(done.stderr)


@pytest.mark.slow
def test_a_runtime_folder_of_another_user_is_refused(home: Home) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the folder to another owner")
    home.runtime.mkdir(mode=0o700)
    os.chown(home.runtime, NOBODY, NOBODY)
    done = home.run("--headless")
    assert done.returncode == 1
    assert f"belongs to user id {NOBODY}" in one_line(done.stderr)


# Item 12a: racing starts ------------------------------------------------------------------------


@pytest.mark.slow
def test_twenty_racing_tray_starts_give_one_app_and_nineteen_show_its_window(
    home: Home,
) -> None:
    starts = [home.start() for _ in range(20)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(p.poll() is not None for p in starts) < 19:
        time.sleep(0.2)
    running = [p for p in starts if p.poll() is None]
    finished = [
        (p.returncode, *(s.decode() for s in p.communicate())) for p in starts if p not in running
    ]
    assert len(running) == 1, [err for _, _, err in finished]
    for code, out, err in finished:
        assert code == 0, err
        assert "already running; showing its window" in out, (out, err)


@pytest.mark.slow
def test_a_log_folder_that_cannot_be_written_costs_the_log_not_the_start(
    user_home: Home,
) -> None:
    folder = user_home.root / "state" / "focus-app"
    folder.mkdir(mode=0o500)
    user_home.give_to_nobody()
    proc = user_home.start_headless()
    assert status(user_home)["mode"]
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert b"cannot write the log" in err and b"Traceback" not in err
