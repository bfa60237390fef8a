"""The e2e harness itself: dunst's -print parser and the optional tray."""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e.harness import DesktopSession, parse_dunst_print

PRINTED = """\
{
\tappname: 'Focus & Boundaries'
\tsummary: 'It's 'quoted''
\tbody: 'first
\tlooks: 'like a field'
last'
\turgency: LOW
\tformatted: '<b>x</b>'
\tid: 7
\tactions: {
\t\t"open": "Open inbox"
\t\t"snooze": "Snooze 10 m"
\t}
\tfuture_field: 42
}
some other log line
{
\tappname: 'other'
\tsummary: ''
\tbody: ''
\turgency: CRITICAL
\tactions: {
\t}
}
"""


def test_dunst_print_blocks_parse_into_fields() -> None:
    first, second = parse_dunst_print(PRINTED)

    assert first["appname"] == "Focus & Boundaries"
    assert first["summary"] == "It's 'quoted'"
    assert first["body"] == "first\n\tlooks: 'like a field'\nlast"
    assert first["urgency"] == "LOW"
    assert first["id"] == "7"
    assert first["actions"] == {"open": "Open inbox", "snooze": "Snooze 10 m"}
    assert first["future_field"] == "42"
    assert (second["summary"], second["body"], second["actions"]) == ("", "", {})


def test_an_unfinished_block_is_not_reported() -> None:
    assert parse_dunst_print("{\n\tsummary: 'half") == []


@pytest.mark.e2e
@pytest.mark.parametrize("desktop", [{"with_tray": True}], indirect=True)
def test_the_session_can_provide_a_system_tray(desktop: DesktopSession) -> None:
    owner = subprocess.run(
        ["xdotool", "search", "--classname", "trayer"],
        env=desktop.env,
        capture_output=True,
        text=True,
        timeout=5,
    )
    assert owner.stdout.strip()
    assert desktop.env["QT_QPA_PLATFORM"] == "xcb"
    assert desktop.env["DISPLAY"] == desktop.display
