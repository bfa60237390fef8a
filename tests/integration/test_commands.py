"""IPC commands against a real engine: arguments are checked, errors are one clear line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from focus_app.clock import FakeClock
from focus_app.commands import Commands
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store
from tests.ui.ui_engine import START


@pytest.fixture
def commands(qapp: object, tmp_path: Path) -> Iterator[Commands]:
    store, _ = Store.open(tmp_path / "db.sqlite3")
    engine = Engine(store, Settings(timezone="Europe/Berlin"), MemoryNotifier(), FakeClock(START))
    engine.start()
    yield Commands(engine)
    engine.shutdown()
    store.close()


BLOCK = {"cmd": "block.add", "kind": "focus", "days": "mon-fri", "start": "09:00", "end": "11:00"}


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({**BLOCK, "start": "25:00"}, "bad time '25:00'"),
        ({**BLOCK, "days": "funday"}, "unknown weekday 'funday'"),
        ({**BLOCK, "kind": "nap"}, "unknown kind 'nap'"),
        ({**BLOCK, "every_weeks": "two"}, "--every-weeks must be a whole number"),
        ({**BLOCK, "every_weeks": [2]}, "--every-weeks must be a whole number"),
        ({**BLOCK, "until": "2026-13-01"}, "bad date '2026-13-01'"),
        ({**BLOCK, "from": "2027-01-01", "until": "2026-01-01"}, "ends"),
        ({"cmd": "focus", "duration": "ten"}, "bad duration 'ten'"),
        ({"cmd": "focus", "duration": 25}, '"duration" must be a string'),
        ({"cmd": "pause", "until": "7pm"}, "bad time '7pm'"),
        ({"cmd": "release", "ids": ["a"]}, '"ids" must be a list of whole numbers'),
        ({"cmd": "rule.add", "action": "allow"}, "a rule needs something to match"),
        ({"cmd": "rule.add", "action": "shout", "sender": "x"}, "unknown action 'shout'"),
        ({"cmd": "import", "ics": "hello"}, "not an iCalendar file"),
        ({"cmd": "warp"}, "unknown command 'warp'"),
    ],
)
def test_bad_arguments_get_one_line_that_says_what_to_do(
    commands: Commands, request_: dict[str, object], message: str
) -> None:
    answer = commands.handle(request_)
    assert answer["ok"] is False
    assert message in answer["error"]
    assert "\n" not in answer["error"]


def test_a_bad_send_in_a_batch_does_not_spoil_the_others(commands: Commands) -> None:
    answers = commands.handle_sends(
        [
            {"cmd": "send", "title": "fine"},
            {"cmd": "send", "title": ""},
            {"cmd": "send", "title": "also fine", "urgency": "loud"},
            {"cmd": "send", "title": "third", "time_sensitive": "yes"},
            {"cmd": "send", "title": "last"},
        ]
    )
    assert [a["ok"] for a in answers] == [True, False, False, False, True]
    assert answers[0]["result"]["decision"] == "delivered"
    assert "unknown urgency 'loud'" in answers[2]["error"]


def test_block_add_then_export_and_import_round_trip(commands: Commands) -> None:
    added = commands.handle({**BLOCK, "title": "Deep work", "every_weeks": 2})["result"]
    assert added["days"] == "mon,tue,wed,thu,fri" and added["every_weeks"] == 2
    ics = commands.handle({"cmd": "export"})["result"]["ics"]
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2" in ics
    commands.handle({"cmd": "block.remove", "id": added["id"]})
    imported = commands.handle({"cmd": "import", "ics": ics})["result"]
    assert [(b["title"], b["start"], b["end"], b["every_weeks"]) for b in imported["added"]] == [
        ("Deep work", "09:00", "11:00", 2)
    ]
