"""``import`` through the command layer with a real engine and SQLite file: preview,
re-import by UID, one transaction, and the stored source columns (migration 5)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from focus_app.commands import Commands
from focus_app.engine import Engine
from focus_app.store import Store, StoreError
from tests.ui.ui_engine import clock, engine, notifier

__all__ = ["clock", "engine", "notifier"]

DATA = Path(__file__).parent.parent / "data" / "ics"
GOOGLE = str(DATA / "google_focus_time.ics")


def run(engine: Engine, **request: object) -> dict[str, object]:
    answer = Commands(engine).handle({"cmd": "import", **request})
    assert answer["ok"], answer
    result: dict[str, object] = answer["result"]
    return result


def test_dry_run_previews_kinds_range_and_skips_and_stores_nothing(engine: Engine) -> None:
    result = run(engine, path=GOOGLE, dry_run=True)
    assert result["dry_run"] is True
    assert len(result["added"]) == 6  # type: ignore[arg-type]
    assert result["kinds"] == {"available": 3, "focus": 1, "off": 2}
    assert (result["first"], result["last"]) == ("2025-03-03", None)
    assert len(result["skipped"]) == 2  # type: ignore[arg-type]
    assert engine.blocks() == []


def test_importing_the_same_file_twice_updates_instead_of_duplicating(engine: Engine) -> None:
    first = run(engine, path=GOOGLE)
    assert len(first["added"]) == 6  # type: ignore[arg-type]
    second = run(engine, path=GOOGLE)
    assert (second["added"], second["updated"], second["unchanged"]) == ([], [], 6)
    assert len(engine.blocks()) == 6
    assert {b.source_calendar for b in engine.blocks()} == {"file"}


def test_kind_option_imports_plain_events_with_the_chosen_kind(engine: Engine) -> None:
    result = run(engine, path=GOOGLE, kind="off")
    titles = {b["title"]: b["kind"] for b in result["added"]}  # type: ignore[attr-defined]
    assert titles["Standup"] == "off"
    assert Commands(engine).handle({"cmd": "import", "path": GOOGLE, "kind": "busy"}) == {
        "ok": False,
        "error": "unknown kind 'busy': use focus, available or off",
    }


def test_blocks_keep_their_event_uid_across_a_restart(tmp_path: Path) -> None:
    store, _ = Store.open(tmp_path / "db.sqlite3")
    from dataclasses import replace
    from datetime import date, time

    from focus_app.core.model import Block, BlockKind

    block = Block(BlockKind.FOCUS, time(9), time(10), on_date=date(2025, 1, 1),
                  source_uid="a@x", source_calendar="file")
    [stored] = store.import_blocks([block], [], [])
    store.close()
    store, _ = Store.open(tmp_path / "db.sqlite3")
    assert store.list_blocks() == [stored]
    # The unique index refuses a second block for one event of one calendar.
    with pytest.raises((sqlite3.IntegrityError, StoreError)):
        store.import_blocks([replace(block, title="copy")], [], [])
    assert len(store.list_blocks()) == 1
    store.close()
