"""The guardian's instruction loop, fed through a real pipe, and its entry points."""

from __future__ import annotations

import io
import json
import sys

import pytest

import focus_app.__main__ as entry
from focus_app.desktop.dnd import guardian as guardian_module
from focus_app.desktop.dnd.guardian import guardian_command, serve


def lines(*messages: object) -> io.BytesIO:
    return io.BytesIO(b"".join(json.dumps(m).encode() + b"\n" for m in messages))


def test_disarmed_guardian_exits_quietly_at_eof() -> None:
    arm = {"op": "arm", "spec": {"driver": "dunst", "bus": "unix:path=/nonexistent"}}
    assert serve(lines({**arm, "restore": False}, {"op": "disarm"})) == 0


def test_armed_guardian_reports_a_give_back_it_could_not_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(guardian_module, "RESTORE_DEADLINE_S", 0.0)
    arm = {"op": "arm", "spec": {"driver": "dunst", "bus": "unix:path=/nonexistent"}}
    assert serve(lines({**arm, "restore": False})) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "could not give do-not-disturb back" in err[0]


def test_bad_instructions_are_skipped_with_one_line_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream = io.BytesIO(b"not json\n" + json.dumps({"op": "arm", "spec": {"driver": "x"}}).encode())
    assert serve(stream) == 0
    assert len(capsys.readouterr().err.strip().splitlines()) == 2


def test_bundle_starts_the_guardian_through_the_main_entry_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert guardian_command() == [sys.executable, "--dnd-guardian"]
    monkeypatch.setattr("sys.argv", ["focus-app", "--dnd-guardian"])
    monkeypatch.setattr(guardian_module, "main", lambda: 7)
    assert entry.main() == 7


def test_source_run_starts_the_guardian_as_a_module() -> None:
    assert guardian_command() == [sys.executable, "-m", "focus_app.desktop.dnd.guardian"]
