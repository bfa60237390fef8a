"""The entry point: starting the app takes a fast path, everything else the command line."""

from __future__ import annotations

import pytest

import focus_app.__main__ as entry


@pytest.mark.parametrize(("argv", "headless"), [([], False), (["--headless"], True)])
def test_starting_the_app_skips_the_command_line_parser(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], headless: bool
) -> None:
    import focus_app.app
    import focus_app.cli

    started: list[bool] = []
    monkeypatch.setattr("sys.argv", ["focus-app", *argv])
    def run_app(headless: bool = False) -> int:
        started.append(headless)
        return 0

    monkeypatch.setattr(focus_app.app, "run_app", run_app)
    monkeypatch.setattr(focus_app.cli, "build_parser", lambda: pytest.fail("parser built"))
    assert entry.main() == 0
    assert started == [headless]


def test_commands_go_to_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import focus_app.cli

    seen: list[list[str]] = []
    monkeypatch.setattr("sys.argv", ["focus-app", "status", "--json"])
    monkeypatch.setattr(focus_app.cli, "main", lambda argv: seen.append(list(argv)) or 0)
    assert entry.main() == 0
    assert seen == [["status", "--json"]]
