"""Boundaries against a real engine and SQLite file: ask, triage, replies, referrals, budget.

The clock is Thursday 2026-11-26 10:00 in Berlin, inside a focus block 09:00-11:30, with
availability windows 11:30-12:30 and 16:00-17:00 on weekdays.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest

from focus_app.cli import main
from focus_app.clock import FakeClock
from focus_app.commands import Commands
from focus_app.core.model import Block, BlockKind, Notification, Outcome, Recurrence
from focus_app.engine import Engine
from focus_app.settings import Settings
from tests.integration import engines
from tests.ui.ui_engine import START

WEEKDAYS = Recurrence(frozenset(range(5)))
BLOCKS = [
    Block(BlockKind.FOCUS, time(9), time(11, 30), "Deep work", recurrence=WEEKDAYS),
    Block(BlockKind.AVAILABLE, time(11, 30), time(12, 30), "Office hours", recurrence=WEEKDAYS),
    Block(BlockKind.AVAILABLE, time(16), time(17), "Inbox", recurrence=WEEKDAYS),
]
SETTINGS = Settings(
    timezone="Europe/Berlin", heads_up_minutes=0, repeat_escalation_minutes=0, budget_hours=2,
    referral_limit=1, breakthrough_people=("alice",),
)


def open_engine(path: Path, clock: FakeClock, settings: Settings = SETTINGS) -> Engine:
    return engines.open_engine(path, clock, settings)


close = engines.close_engine


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def engine(qapp: object, tmp_path: Path, clock: FakeClock) -> Iterator[Engine]:
    engine = open_engine(tmp_path / "focus.sqlite3", clock)
    engine.add_blocks(BLOCKS)
    yield engine
    close(engine)


@pytest.fixture
def commands(engine: Engine) -> Commands:
    return Commands(engine)


def ok(commands: Commands, cmd: str, **args: object) -> object:
    answer = commands.handle({"cmd": cmd, **args})
    assert answer["ok"], answer
    return answer["result"]


def ask(commands: Commands, what: str = "Review the deck", estimate: str = "30m") -> int:
    result = ok(commands, "ask", what=what, estimate=estimate, due="fri", **{"from": "Dana"})
    assert isinstance(result, dict)
    return int(result["id"])


def test_an_ask_is_stored_open_with_its_fields(commands: Commands) -> None:
    rid = ask(commands)
    [listed] = ok(commands, "request.list")  # type: ignore[misc]
    assert listed["id"] == rid
    assert (listed["what"], listed["from"], listed["estimate_minutes"]) == (
        "Review the deck", "Dana", 30)
    assert (listed["due"], listed["status"], listed["origin"]) == ("2026-11-27", "open", "bridge")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ({"what": "", "from": "Dana"}, "the request is empty"),
        ({"what": "x" * 600, "from": "Dana"}, "too long"),
        ({"what": "Review", "from": ""}, "who asks is empty"),
        ({"what": "Review", "from": "Dana", "estimate": "0m"}, "longer than zero"),
        ({"what": "Review", "from": "Dana", "estimate": "-5m"}, "longer than zero"),
        ({"what": "Review", "from": "Dana", "estimate": "1000h"}, "at most 40h"),
        ({"what": "Review", "from": "Dana", "due": "someday"}, "bad due date"),
        ({"what": "Review\x1b[2J", "from": "Dana"}, "one line"),
    ],
)
def test_bad_asks_get_one_line_and_store_nothing(
    commands: Commands, args: dict[str, object], said: str
) -> None:
    answer = commands.handle({"cmd": "ask", **args})
    assert answer["ok"] is False and said in answer["error"] and "\n" not in answer["error"]
    assert ok(commands, "request.list") == []


def test_an_ask_linked_to_an_unknown_notification_says_so_and_stores_nothing(
    commands: Commands,
) -> None:
    answer = commands.handle(
        {"cmd": "ask", "what": "Review", "from": "Dana", "notification_id": 999}
    )
    assert answer["ok"] is False
    assert answer["error"] == "no notification #999: see 'focus-app held' or 'focus-app history'"
    assert ok(commands, "request.list") == []


def test_accepting_books_the_next_window_with_room_never_a_focus_block(
    commands: Commands,
) -> None:
    first = ok(commands, "request.accept", id=ask(commands, estimate="45m"))
    second = ok(commands, "request.accept", id=ask(commands, estimate="30m"))
    assert isinstance(first, dict) and isinstance(second, dict)
    assert (first["booked_start"], first["booked_end"]) == (
        "2026-11-26T11:30:00+01:00", "2026-11-26T12:15:00+01:00")
    # 15 minutes are left before 12:30: the next room is the 16:00 window.
    assert second["booked_start"] == "2026-11-26T16:00:00+01:00"
    assert "Hi Dana" in second["reply"] and "16:00" in second["reply"]


def test_accepting_past_the_budget_asks_what_makes_room_or_to_defer(
    commands: Commands, engine: Engine
) -> None:
    ok(commands, "request.accept", id=ask(commands, estimate="1h"))
    big = ask(commands, estimate="30m")
    ok(commands, "request.accept", id=big)
    late = ask(commands, estimate="45m")
    answer = commands.handle({"cmd": "request.accept", "id": late})
    assert answer["ok"] is False
    assert "goes past the week's budget (1.5 of 2 h committed)" in answer["error"]
    assert "--instead ID" in answer["error"] and f"#{big}" in answer["error"]
    assert engine.request(late).status.value == "open"
    made_room = ok(commands, "request.accept", id=late, instead=big)
    assert isinstance(made_room, dict) and made_room["status"] == "accepted"
    moved = engine.request(big)
    assert moved.status.value == "deferred" and str(moved.defer_until) == "2026-11-30"
    assert engine.week_budget().text() == "1.8 of 2 h committed, 0 of 10 breakthroughs"


def test_refer_needs_a_known_name_and_warns_gently_past_the_limit(commands: Commands) -> None:
    rid = ask(commands)
    answer = commands.handle({"cmd": "request.refer", "id": rid, "to": "Sam"})
    assert answer["ok"] is False and "no one called 'Sam'" in answer["error"]
    assert ok(commands, "request.list")[0]["status"] == "open"  # type: ignore[index]
    ok(commands, "referral.add", name="Sam", contact="sam@example.org", topics="design, slides")
    first = ok(commands, "request.refer", id=rid, to="sam")
    assert isinstance(first, dict) and first["warning"] is None
    assert "Sam" in first["reply"] and "sam@example.org" in first["reply"]
    second = ok(commands, "request.refer", id=ask(commands), to="Sam")
    assert isinstance(second, dict)
    assert "Sam was already referred once in the last 30 days" in second["warning"]
    [entry] = ok(commands, "referral.list")  # type: ignore[misc]
    assert entry["referred_recently"] == 2 and entry["topics"] == ["design", "slides"]


def test_a_duplicate_or_empty_contact_is_refused_in_one_line(commands: Commands) -> None:
    ok(commands, "referral.add", name="Sam")
    for args, said in (({"name": "sam"}, "already in the referral directory"),
                       ({"name": " "}, "the name is empty")):
        answer = commands.handle({"cmd": "referral.add", **args})
        assert answer["ok"] is False and said in answer["error"]
    assert len(ok(commands, "referral.list")) == 1  # type: ignore[arg-type]
    bad = commands.handle({"cmd": "referral.remove", "name": "Kim"})
    assert bad["ok"] is False and "no one called 'Kim'" in bad["error"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ({"topics": "design,\x1b[2Jslides"}, "topics must be one line"),
        ({"topics": "design,sli\ndes"}, "topics must be one line"),
        ({"notes": "prefers chat\x1b[31m"}, "notes may hold new lines and tabs"),
        ({"notes": "ring\x07"}, "found U+0007"),
    ],
)
def test_control_characters_in_a_contact_s_topics_or_notes_store_nothing(
    commands: Commands, engine: Engine, args: dict[str, str], said: str
) -> None:
    answer = commands.handle({"cmd": "referral.add", "name": "Sam", **args})
    assert answer["ok"] is False and said in answer["error"] and "\n" not in answer["error"]
    assert engine.store.list_referrals() == []
    ok(commands, "referral.add", name="Sam", notes="Mornings\n\tonly")  # lines and tabs: fine
    edited = commands.handle({"cmd": "referral.edit", "name": "Sam", **args})
    assert edited["ok"] is False and said in edited["error"]
    [kept] = engine.store.list_referrals()
    assert (kept.topics, kept.notes) == ((), "Mornings\n\tonly")


def test_a_request_typed_in_the_window_with_a_control_character_is_refused(
    engine: Engine,
) -> None:
    # The socket's door refuses these already; the window's form reaches the engine.
    with pytest.raises(ValueError, match="found U\\+001B"):
        engine.ask("Review\x1b[2J the deck", "Dana", timedelta(minutes=30))
    with pytest.raises(ValueError, match="found U\\+0009"):
        engine.ask("Review the deck", "Da\tna", timedelta(minutes=30))
    assert engine.requests() == []


def test_decline_and_defer_give_kind_replies_with_the_date(commands: Commands) -> None:
    declined = ok(commands, "request.decline", id=ask(commands), tone="formal")
    assert isinstance(declined, dict) and declined["reply"].startswith("Dear Dana, thank you")
    deferred = ok(commands, "request.defer", id=ask(commands), until="2026-12-07")
    assert isinstance(deferred, dict) and "Mon 7 Dec" in deferred["reply"]
    past = commands.handle({"cmd": "request.defer", "id": ask(commands), "until": "today"})
    assert past["ok"] is False and "a day after today" in past["error"]


def test_deferring_to_today_s_weekday_means_next_week_and_today_is_refused_with_a_fix(
    commands: Commands, clock: FakeClock
) -> None:
    # The clock's day is a Thursday: "thu" is a week on, not today.
    deferred = ok(commands, "request.defer", id=ask(commands), until="thu")
    assert isinstance(deferred, dict) and deferred["defer_until"] == "2026-12-03"
    today = commands.handle({"cmd": "request.defer", "id": ask(commands), "until": "today"})
    assert today["ok"] is False and "e.g. --until tomorrow" in today["error"]


def test_status_text_names_the_mode_and_when_messages_are_read(commands: Commands) -> None:
    assert ok(commands, "status.text") == {
        "text": "Focusing until 11:30; I read messages at 11:30 and 16:00; "
        "for urgent things call."
    }


@pytest.mark.parametrize(
    ("hours", "said"),
    [
        (3, "Available until Fri 09:00; I read messages at 16:00; "),
        (6.5, "Available until Fri 09:00; I read messages at Fri 11:30; "),
    ],
)
def test_status_text_between_windows_names_the_next_window_today_not_tomorrows(
    commands: Commands, clock: FakeClock, hours: float, said: str
) -> None:
    # 13:00 lies between today's windows (the default mode is available): 16:00 is next.
    # 16:30 lies inside the 16:00 window: the line names the ones after it.
    clock.advance(timedelta(hours=hours))
    text = ok(commands, "status.text")
    assert isinstance(text, dict) and text["text"] == f"{said}for urgent things call."


def test_a_restart_inside_a_focus_block_keeps_the_spent_breakthrough_budget(
    qapp: object, tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "focus.sqlite3"
    engine = open_engine(path, clock)
    engine.add_blocks(BLOCKS)

    def alice() -> Outcome:
        return engine.ingest(
            Notification(title="ping", sender="alice", received_at=clock.now())
        ).decision.outcome

    assert [alice() for _ in range(3)] == [Outcome.DELIVERED] * 3
    close(engine)
    clock.advance(timedelta(minutes=5))
    engine = open_engine(path, clock)
    decision = engine.ingest(Notification(title="ping", sender="alice", received_at=clock.now()))
    assert decision.decision.outcome is Outcome.HELD
    assert "spent (3 of 3)" in decision.decision.reason
    assert engine.week_budget().breakthroughs == 3
    close(engine)


@pytest.mark.parametrize("estimate", ["0m", "-5m", "1000h", "soon"])
def test_the_command_line_refuses_a_bad_estimate_as_bad_usage(
    estimate: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["ask", "Review the deck", "--from", "Dana", f"--estimate={estimate}"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "estimate" in err


@pytest.mark.parametrize("argv", [["--estimate", "-5m"], ["--estimate", "-1h30m"]])
def test_a_negative_estimate_typed_with_a_space_is_refused_as_a_negative_estimate(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # argparse alone reads "-5m" as an unknown option ("expected one argument").
    with pytest.raises(SystemExit) as info:
        main(["ask", "Review the deck", "--from", "Dana", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "it must be longer than zero" in err


def test_referral_ask_words_a_message_for_the_contact_and_refuses_an_unknown_name(
    commands: Commands,
) -> None:
    ok(commands, "referral.add", name="Sam Lee", contact="sam@example.org")
    result = ok(commands, "referral.ask", name="sam lee", about="the Q3 slides")
    assert result == {
        "name": "Sam Lee",
        "contact": "sam@example.org",
        "availability": None,
        "next_available": None,
        "text": "Hi Sam, could we find some time for the Q3 slides? When would suit you?",
    }
    answer = commands.handle({"cmd": "referral.ask", "name": "Kim"})
    assert answer["ok"] is False and "no one called 'Kim'" in answer["error"]
