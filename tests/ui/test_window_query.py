"""``focus-app window``: what the main window shows, read from the widgets, for scripts."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from focus_app import cli
from focus_app.clock import FakeClock
from focus_app.commands import NO_WINDOW, Commands
from focus_app.core.model import Notification
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import ACTION_OPEN_INBOX, Engine
from focus_app.ui.shell import Shell
from tests.ui.ui_engine import clock, engine, hold_some, notifier

__all__ = ["clock", "engine", "notifier"]  # fixtures used by name

# The offscreen platform cannot raise windows; which page shows what is tested here.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture
def shell(engine: Engine, tmp_path: Path) -> Iterator[Shell]:
    shell = Shell(engine, state_file=tmp_path / "window.json")
    yield shell
    if shell.window is not None:
        shell.window.quit_on_close = False  # closing it must not quit the test run
        shell.window.close()
        shell.window.deleteLater()


def _window(commands: Commands) -> dict[str, object]:
    answer = commands.handle({"cmd": "window"})
    assert answer["ok"], answer
    result: dict[str, object] = answer["result"]
    return result


def test_headless_the_window_command_answers_that_there_is_no_ui(engine: Engine) -> None:
    assert _window(Commands(engine)) == {**NO_WINDOW, "ui": False}


def test_a_window_nobody_opened_is_reported_closed_and_is_not_built_for_the_answer(
    engine: Engine, shell: Shell
) -> None:
    commands = Commands(engine)
    commands.window_state = shell.window_state

    assert _window(commands) == NO_WINDOW
    assert shell.window is None


def test_after_open_inbox_on_a_digest_it_lists_exactly_that_digests_ids(
    engine: Engine, clock: FakeClock, notifier: MemoryNotifier, shell: Shell
) -> None:
    commands = Commands(engine)
    commands.window_state = shell.window_state
    hold_some(engine, clock, 3)
    ids = sorted(item.notification.id or 0 for item in engine.held())
    engine.resume_schedule()  # available: the three go out as one digest
    digest = notifier.sent[-1]
    engine.ingest(Notification(title="after the digest", received_at=clock.now()))

    engine.on_notification_action(ACTION_OPEN_INBOX, digest.result.server_id)

    state = _window(commands)
    assert state["open"] and state["page"] == "history" and state["more"] is False
    assert isinstance(state["items"], list) and sorted(state["items"]) == ids
    record = engine.store.digest_for_server_id(digest.result.server_id)
    assert record is not None and state["digest"] == record.id


def test_on_the_inbox_it_lists_what_the_search_leaves(
    engine: Engine, clock: FakeClock, shell: Shell
) -> None:
    from focus_app.ui.inbox_page import InboxPage
    from focus_app.ui.pages import LazyPage

    hold_some(engine, clock, 2)
    engine.ingest(Notification(title="from Carol", sender="Carol", received_at=clock.now()))
    carol = next(i.notification.id for i in engine.held() if i.notification.sender == "Carol")
    shell.open_page("inbox")
    assert {*shell.window_state()["items"]} == {i.notification.id for i in engine.held()}

    assert shell.window is not None
    lazy = shell.window.page("inbox")
    assert isinstance(lazy, LazyPage) and isinstance(lazy.content, InboxPage)
    lazy.content.filter_edit.setText("Carol")

    state = shell.window_state()
    assert (state["page"], state["digest"], state["items"]) == ("inbox", None, [carol])


def test_the_text_form_names_the_page_the_digest_and_the_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = argparse.Namespace(json=False)
    digest = {**NO_WINDOW, "open": True, "page": "history", "digest": 4, "items": [9, 8]}
    for state in (
        {**NO_WINDOW, "ui": False},
        NO_WINDOW,
        digest,
        {**digest, "digest": None, "items": [9], "more": True},
        {**NO_WINDOW, "open": True, "page": "today"},
    ):
        assert cli._print_result("window", args, state) == 0
    assert capsys.readouterr().out.splitlines() == [
        "No window: focus-app runs headless.",
        "The window is closed.",
        "Showing history: the 2 item(s) of digest #4: #9 #8",
        "Showing history: 1+ item(s): #9",
        "Showing today",
    ]
