"""What the command line prints: one safe line per item, faithful JSON, clear refusals."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from focus_app import cli
from focus_app.paths import database_path
from focus_app.status_text import MARKER, format_status, printable

NASTY = "a\nb \x1b[31mRED\x1b[0m \x9b2J \x07 \u202egnp.exe \udcff"


def _ns(**kwargs: object) -> argparse.Namespace:
    return argparse.Namespace(**{"json": False, **kwargs})


def _assert_terminal_safe(text: str) -> None:
    for char in text.rstrip("\n"):
        assert char.isprintable() or char == " " or char == "\n", repr(char)


def test_printable_replaces_every_control_character_and_keeps_the_rest() -> None:
    shown = printable(NASTY)
    assert "\x1b" not in shown and "\x9b" not in shown and "\n" not in shown
    assert "\u202e" not in shown and "\udcff" not in shown
    assert shown.startswith("a b ") and MARKER + "[31mRED" in shown
    assert printable("Müller · 10:00 – 11:00 ✓") == "Müller · 10:00 – 11:00 ✓"


def test_held_lines_are_sanitised(capsys: pytest.CaptureFixture[str]) -> None:
    item = {"id": 7, "sender": "bot\x1b]0;title\x07", "source": "chat",
            "title": NASTY, "received_at": "2026-11-26T10:00:00+01:00"}
    cli._print_result("held", _ns(), [item])
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    _assert_terminal_safe(out)
    assert "RED" in out and "bot" in out


def test_status_line_is_sanitised() -> None:
    status = {"mode": "focus", "label": "Deep\x1b[2Jwork\nnow", "source": "override",
              "until": None, "held": 2, "next_transition": None}
    line = format_status(status)
    _assert_terminal_safe(line)
    assert "\n" not in line and "Deep" in line and "work now" in line


def test_block_and_rule_lists_are_sanitised(capsys: pytest.CaptureFixture[str]) -> None:
    block = {"id": 1, "kind": "focus", "date": None, "days": "mon", "every_weeks": 1,
             "start": "09:00", "end": "10:00", "title": "x\x1b[31my"}
    cli._print_result("block.list", _ns(), [block])
    cli._print_result("rule.list", _ns(), [{"id": 2, "description": "allow \x1b[5mboss"}])
    out = capsys.readouterr().out
    assert out.count("\n") == 2
    _assert_terminal_safe(out)


def test_json_output_stays_faithful_but_escapes_what_a_terminal_acts_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    value = [{"title": NASTY, "sender": "Zoë"}]
    cli._print_result("held", _ns(json=True), value)
    out = capsys.readouterr().out
    _assert_terminal_safe(out)
    assert "Zoë" in out  # still readable, not \\u-escaped
    assert json.loads(out) == value


@pytest.mark.parametrize(
    ("start", "end", "span"),
    [
        ("09:00", "11:00", "09:00–11:00."),
        ("19:00", "07:00", "19:00–07:00 (ends the next day)."),
        ("10:00", "09:00", "10:00–09:00 (ends the next day)."),
        ("22:00", "00:00", "22:00–24:00."),
    ],
)
def test_added_block_line_says_when_it_ends_the_next_day(
    capsys: pytest.CaptureFixture[str], start: str, end: str, span: str
) -> None:
    result = {"id": 3, "kind": "focus", "date": None, "days": "mon,tue", "start": start,
              "end": end, "title": ""}
    cli._print_result("block.add", _ns(), result)
    assert capsys.readouterr().out == f"Added #3: focus mon,tue {span}\n"


def test_an_argument_that_is_not_utf8_is_refused_before_anything_is_queued() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "focus_app", "send", "caf\udce9", "--sender", "x"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == cli.EXIT_USAGE
    assert done.stderr == "focus-app: argument is not valid UTF-8: caf\\xe9; pass text in UTF-8\n"
    assert not database_path().exists()


def test_an_export_that_cannot_be_written_says_why_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "missing-folder" / "week.ics"
    code = cli._print_result("export", _ns(file=target), {"ics": "BEGIN:VCALENDAR", "blocks": 1})
    err = capsys.readouterr().err
    assert code == cli.EXIT_REFUSED
    assert err.startswith(f"focus-app: cannot write {target}: ") and err.count("\n") == 1


def test_with_the_app_down_an_empty_title_is_refused_and_nothing_is_queued() -> None:
    from focus_app.cli import main
    from focus_app.paths import database_path

    assert main(["send", "\x00"]) == 1
    assert not database_path().exists() or _queued() == []


def test_with_the_app_down_a_huge_body_is_cut_and_control_characters_dropped() -> None:
    from focus_app.cli import main

    assert main(["send", "hi", "--body", "x" * 120_000, "--sender", "bad\x00sender"]) == 0
    [(body, sender)] = _queued()
    assert len(body) <= 8192 and body.endswith(" KiB more)")
    assert sender == "badsender"


def _queued() -> list[tuple[str, str]]:
    from focus_app.paths import database_path
    from focus_app.store import Store

    store, _ = Store.open(database_path())
    try:
        return [(n.body, n.sender) for n in store.take_queued()]
    finally:
        store.close()


def test_block_list_shows_each_skipped_and_moved_occurrence_under_its_series(
    capsys: pytest.CaptureFixture[str],
) -> None:
    block = {"id": 4, "kind": "focus", "date": None, "days": "mon,thu", "every_weeks": 1,
             "start": "09:00", "end": "11:00", "title": "Deep work", "exceptions": [
                 {"date": "2026-12-03", "skip": False, "start": "2026-12-03T13:00:00",
                  "end": "2026-12-03T15:00:00"},
                 {"date": "2026-11-30", "skip": True, "start": None, "end": None},
                 {"date": "2026-12-07", "skip": False, "start": "2026-12-08T09:00:00",
                  "end": "2026-12-08T11:00:00"},
             ]}
    cli._print_result("block.list", _ns(), [block])
    assert capsys.readouterr().out.splitlines() == [
        "#4    focus     mon,thu 09:00-11:00  Deep work",
        "      mon 2026-11-30 skipped",
        "      thu 2026-12-03 moved to 13:00-15:00",
        "      mon 2026-12-07 moved to tue 2026-12-08 09:00-11:00",
    ]


@pytest.mark.parametrize(
    ("start", "end", "overnight"),
    [("11:00", "11:00", []), ("11:00", "11:00", ["--overnight"]), ("00:00", "24:00", [])],
)
def test_block_add_with_the_end_equal_to_the_start_is_bad_usage_that_says_so(
    capsys: pytest.CaptureFixture[str], start: str, end: str, overnight: list[str]
) -> None:
    """A block of no length is bad usage either way; --overnight would not help, so the
    line must not suggest it (it did, and the retry was then refused with status 1)."""
    code = cli.main(["block", "add", "--kind", "focus", "--days", "mon",
                     "--start", start, "--end", end, *overnight])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert err.count("\n") == 1 and "--overnight" not in err
    assert f"--start {start} and --end {end} are the same time of day" in err


def test_python_m_focus_app_cli_runs_the_command_line_not_nothing() -> None:
    """``python -m focus_app.cli status`` printed nothing and exited 0 (the module had
    no main guard), which reads as success to a script."""
    done = subprocess.run([sys.executable, "-m", "focus_app.cli", "focus", "banana"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == cli.EXIT_USAGE
    assert "bad duration 'banana'" in done.stderr


@pytest.mark.parametrize(
    "args",
    [["--since", "banana"], ["--since", ""], ["--until", "9999-12-31"], ["--since", "25:00"]],
)
def test_history_with_a_when_that_cannot_be_right_is_bad_usage_before_asking_the_app(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Used to reach the app and come back refused (exit 1), or as "internal error".
    with pytest.raises(SystemExit) as info:
        cli.main(["history", *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"argument {args[0]}" in err


@pytest.mark.parametrize(
    ("decision", "breakthrough", "status", "shown"),
    [
        ("delivered", False, "delivered", "delivered"),
        ("delivered", True, "delivered", "broke through"),
        ("held", False, "released", "held → released"),
        ("held", False, "held", "held"),
        # The desktop refused it; the engine kept it for the next digest.
        ("delivered", False, "held", "delivered → held again"),
        ("delivered", True, "held", "broke through → held again"),
        ("queued", False, "queued", "queued"),
    ],
)
def test_a_history_line_names_the_decision_as_the_windows_history_does(
    decision: str, breakthrough: bool, status: str, shown: str
) -> None:
    item = {
        "id": 7, "received_at": "2026-11-26T09:41:00+01:00", "title": "Lunch?", "body": "",
        "sender": "Alice", "source": "", "program": "Mail", "origin": "caught",
        "decision": decision, "breakthrough": breakthrough, "reason": "why", "status": status,
        "feedback": None,
    }
    line = cli._history_line(item)
    assert line == f"#7     2026-11-26 09:41  Mail · Alice: Lunch?  {shown} (why)"


@pytest.mark.parametrize("args", [["export", ""], ["import", ""], ["import", " ", "--dry-run"]])
def test_an_empty_file_name_is_bad_usage_before_asking_the_app(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # "export ''" ended in a traceback; "import ''" read the current folder.
    with pytest.raises(SystemExit) as info:
        cli.main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty" in err
