"""Deferred requests come back on their day: a planned wake-up, one notification, once.

The clock is Thursday 2026-11-26 10:00 in Berlin, inside a focus block 09:00-11:30, with
availability windows 11:30-12:30 and 16:00-17:00 on weekdays (none at weekends).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from focus_app import DISPLAY_NAME, boundaries
from focus_app.clock import FakeClock
from focus_app.core.model import Mode
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from tests.integration import engines
from tests.integration.test_boundaries import BLOCKS, SETTINGS
from tests.ui.ui_engine import BERLIN, clock, notifier

__all__ = ["clock", "notifier"]  # fixtures used by name

SATURDAY = date(2026, 11, 28)
MONDAY = date(2026, 11, 30)


def open_engine(path: Path, clock: FakeClock, notifier: MemoryNotifier) -> Engine:
    return engines.open_engine(path, clock, SETTINGS, notifier)


@pytest.fixture
def engine(
    qapp: object, tmp_path: Path, clock: FakeClock, notifier: MemoryNotifier
) -> Iterator[Engine]:
    engine = open_engine(tmp_path / "focus.sqlite3", clock, notifier)
    engine.add_blocks(BLOCKS)
    yield engine
    engine.shutdown()
    engine.store.close()


def deferred(engine: Engine, what: str, until: date, who: str = "Dana") -> int:
    request = engine.ask(what, who, timedelta(minutes=30))
    assert request.id is not None
    engine.defer_request(request.id, until)
    return request.id


def returns(notifier: MemoryNotifier) -> list[str]:
    return [n.title for n in notifier.sent if "back for triage" in n.title.lower()]


def move(clock: FakeClock, when: datetime) -> None:
    clock.advance(when - clock.now())


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def test_a_request_deferred_to_a_weekday_returns_at_its_first_window(engine: Engine) -> None:
    assert boundaries.return_at(engine.schedule(), date(2026, 11, 27)) == at(
        date(2026, 11, 27), 11, 30
    )


def test_a_request_deferred_to_a_weekend_returns_at_mondays_first_window(
    engine: Engine,
) -> None:
    assert boundaries.return_at(engine.schedule(), SATURDAY) == at(MONDAY, 11, 30)


def test_deferring_plans_a_wake_up_at_the_return_and_it_is_announced_once(
    engine: Engine, clock: FakeClock, notifier: MemoryNotifier
) -> None:
    move(clock, at(date(2026, 11, 26), 17, 30))  # after the last window: nothing else today
    engine.reconcile()
    deferred(engine, "Review the deck", date(2026, 11, 27))
    assert engine._wakeup.wake_at == at(date(2026, 11, 27), 9)  # the focus block comes first
    move(clock, at(date(2026, 11, 27), 9))
    engine.reconcile()
    assert returns(notifier) == []
    assert engine._wakeup.wake_at == at(date(2026, 11, 27), 11, 30)
    move(clock, at(date(2026, 11, 27), 11, 30))
    engine.reconcile()  # what the scheduler does at 11:30
    [sent] = [n for n in notifier.sent if n.title.startswith("Back for triage")]
    assert sent.title == "Back for triage: Review the deck"
    assert sent.body == "Dana asked; you deferred it to today."
    engine.reconcile()
    clock.advance(timedelta(hours=5))
    engine.reconcile()
    assert len(returns(notifier)) == 1


def test_several_returns_on_one_day_are_one_notification(
    engine: Engine, clock: FakeClock, notifier: MemoryNotifier
) -> None:
    for what in ("Deck", "Budget", "Hiring plan", "Offsite"):
        deferred(engine, what, date(2026, 11, 27))
    move(clock, at(date(2026, 11, 27), 11, 30))
    engine.reconcile()
    [sent] = [n for n in notifier.sent if "back for triage" in n.title]
    assert sent.title == "4 requests are back for triage"
    assert sent.body == "Deck (Dana); Budget (Dana); Hiring plan (Dana) and 1 more."


def test_a_return_during_manual_focus_waits_for_the_digest(
    engine: Engine, clock: FakeClock, notifier: MemoryNotifier
) -> None:
    deferred(engine, "Review the deck", date(2026, 11, 27))
    move(clock, at(date(2026, 11, 27), 11, 20))
    engine.reconcile()
    engine.start_override(Mode.FOCUS, timedelta(hours=1))
    move(clock, at(date(2026, 11, 27), 11, 30))
    engine.reconcile()
    assert returns(notifier) == []
    [held] = [h for h in engine.held() if h.notification.sender == DISPLAY_NAME]
    assert held.notification.title == "Back for triage: Review the deck"
    assert held.held_in is Mode.FOCUS


def test_a_restart_after_the_return_does_not_announce_it_again(
    tmp_path: Path, clock: FakeClock, notifier: MemoryNotifier, qapp: object
) -> None:
    path = tmp_path / "focus.sqlite3"
    engine = open_engine(path, clock, notifier)
    engine.add_blocks(BLOCKS)
    deferred(engine, "Review the deck", date(2026, 11, 27))
    move(clock, at(date(2026, 11, 27), 12))
    engine.reconcile()
    assert len(returns(notifier)) == 1
    engine.shutdown()
    engine.store.close()
    again = open_engine(path, clock, notifier)
    try:
        assert len(returns(notifier)) == 1
    finally:
        again.shutdown()
        again.store.close()


def test_a_return_missed_while_the_app_was_stopped_is_announced_at_start(
    tmp_path: Path, clock: FakeClock, notifier: MemoryNotifier, qapp: object
) -> None:
    path = tmp_path / "focus.sqlite3"
    engine = open_engine(path, clock, notifier)
    engine.add_blocks(BLOCKS)
    deferred(engine, "Review the deck", date(2026, 11, 27))
    engine.shutdown()
    engine.store.close()
    move(clock, at(date(2026, 11, 27), 16, 10))  # inside the afternoon window
    again = open_engine(path, clock, notifier)
    try:
        assert returns(notifier) == ["Back for triage: Review the deck"]
    finally:
        again.shutdown()
        again.store.close()


def test_deferring_again_to_a_later_day_announces_the_new_return(
    engine: Engine, clock: FakeClock, notifier: MemoryNotifier
) -> None:
    rid = deferred(engine, "Review the deck", date(2026, 11, 27))
    move(clock, at(date(2026, 11, 27), 11, 45))
    engine.reconcile()
    engine.defer_request(rid, MONDAY)
    move(clock, at(MONDAY, 11, 30))
    engine.reconcile()
    assert len(returns(notifier)) == 2
