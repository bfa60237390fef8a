"""The weekly breakthrough allowance against a real engine and SQLite file (issue 11, item 5).

The week is the schedule's local week (Monday 00:00 in Berlin here); its count comes
from the store once, at start and when a new week begins, and the gate adds to it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from focus_app.clock import FakeClock
from focus_app.core.model import Decision, Mode, Notification, Outcome
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store
from tests.integration import engines
from tests.ui.ui_engine import BERLIN, START

NEXT_MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)

SETTINGS = Settings(
    timezone="Europe/Berlin",
    heads_up_minutes=0,
    repeat_escalation_minutes=0,
    breakthrough_people=("alice",),
    priority_people=("boss",),
    breakthrough_budget=-1,
    weekly_breakthroughs=3,
)


def open_engine(path: Path, clock: FakeClock, settings: Settings = SETTINGS) -> Engine:
    return engines.open_engine(path, clock, settings)


close = engines.close_engine


def send(engine: Engine, clock: FakeClock, sender: str = "alice") -> Decision:
    n = Notification(title="ping", sender=sender, received_at=clock.now())
    return engine.ingest(n).decision


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)  # Thursday 2026-11-26 10:00 in Berlin


@pytest.fixture
def engine(qapp: object, tmp_path: Path, clock: FakeClock) -> Iterator[Engine]:
    engine = open_engine(tmp_path / "focus.sqlite3", clock)
    engine.start_override(Mode.FOCUS, timedelta(hours=2))
    yield engine
    close(engine)


def test_the_fourth_breakthrough_of_the_week_waits_and_the_meter_says_so(
    engine: Engine, clock: FakeClock
) -> None:
    assert [send(engine, clock).outcome for _ in range(3)] == [Outcome.DELIVERED] * 3
    held = send(engine, clock)
    assert held.outcome is Outcome.HELD
    assert held.reason == (
        "held: this week's breakthroughs are used (3 of 3); "
        "a short rule lets alice through but it waits until 12:00"
    )
    assert engine.week_budget().text() == (
        "0 of 5 h committed, 3 of 3 breakthroughs, the rest wait"
    )
    boss = send(engine, clock, "boss")
    assert boss.outcome is Outcome.DELIVERED and boss.breakthrough
    assert engine.week_budget().breakthroughs == 4  # priority counts, like the meter


def test_a_restart_counts_the_week_s_breakthroughs_from_the_store(
    qapp: object, tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "focus.sqlite3"
    engine = open_engine(path, clock)
    engine.start_override(Mode.FOCUS, timedelta(hours=2))
    assert send(engine, clock, "boss").outcome is Outcome.DELIVERED
    assert send(engine, clock).outcome is Outcome.DELIVERED
    close(engine)
    # The next day, a new focus session: a fresh per-block budget, but the same week.
    clock.advance(timedelta(days=1))
    engine = open_engine(path, clock)
    engine.start_override(Mode.FOCUS, timedelta(hours=2))
    assert send(engine, clock).outcome is Outcome.DELIVERED
    held = send(engine, clock)
    assert held.outcome is Outcome.HELD
    assert "this week's breakthroughs are used (3 of 3)" in held.reason
    close(engine)
    # Next Monday (30 Nov) the allowance starts again, a restart in between or not.
    clock.advance(NEXT_MONDAY_9 - clock.now())
    engine = open_engine(path, clock)
    engine.start_override(Mode.FOCUS, timedelta(hours=2))
    assert send(engine, clock).outcome is Outcome.DELIVERED
    assert engine.week_budget().breakthroughs == 1
    close(engine)


def test_the_store_is_asked_once_a_week_not_per_notification(
    engine: Engine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[datetime, datetime]] = []
    count = Store.breakthroughs_between

    def counting(store: Store, since: datetime, until: datetime) -> int:
        asked.append((since, until))
        return count(store, since, until)

    monkeypatch.setattr(Store, "breakthroughs_between", counting)
    for _ in range(50):
        batch = [
            Notification(title="x", sender=s, received_at=clock.now())
            for s in ("alice", "bob", "boss")
        ]
        engine.ingest_many(batch)
        clock.advance(timedelta(seconds=1))
    for _ in range(50):
        send(engine, clock)
    this_monday = datetime(2026, 11, 23, tzinfo=BERLIN)
    assert asked == [(this_monday, this_monday + timedelta(days=7))]
    clock.advance(NEXT_MONDAY_9 - clock.now())
    engine.start_override(Mode.FOCUS, timedelta(hours=2))
    for _ in range(20):
        send(engine, clock)
    assert [since for since, _ in asked] == [this_monday, this_monday + timedelta(days=7)]


@pytest.mark.parametrize(
    ("monday_utc", "offset"),
    [
        # Monday 30 March 2026 00:00 CEST: Berlin sprang forward the day before.
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), "+02:00"),
        # Monday 26 October 2026 00:00 CET: Berlin fell back the day before.
        (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), "+01:00"),
    ],
)
def test_the_week_turns_at_local_monday_midnight_after_a_daylight_saving_change(
    qapp: object, tmp_path: Path, monday_utc: datetime, offset: str
) -> None:
    clock = FakeClock(monday_utc - timedelta(hours=1))  # Sunday 23:00 in Berlin
    engine = open_engine(tmp_path / "focus.sqlite3", clock)
    engine.start_override(Mode.FOCUS, timedelta(hours=3))
    assert [send(engine, clock).outcome for _ in range(3)] == [Outcome.DELIVERED] * 3
    clock.advance(timedelta(minutes=59, seconds=59))  # Sunday 23:59:59
    assert send(engine, clock).outcome is Outcome.HELD
    clock.advance(timedelta(seconds=1))  # Monday 00:00 on Berlin's wall clock
    assert engine.week_budget().week.start.isoformat().endswith(f"T00:00:00{offset}")
    decision = send(engine, clock)
    assert decision.outcome is Outcome.DELIVERED and decision.breakthrough
    assert engine.week_budget().breakthroughs == 1
    close(engine)


def test_a_new_time_zone_moves_monday_midnight_and_the_week_is_counted_again(
    qapp: object, tmp_path: Path
) -> None:
    clock = FakeClock(datetime(2026, 11, 29, 22, 30, tzinfo=UTC))  # Sunday 23:30 in Berlin
    engine = open_engine(tmp_path / "focus.sqlite3", clock)
    engine.start_override(Mode.FOCUS, timedelta(hours=3))
    assert [send(engine, clock).outcome for _ in range(3)] == [Outcome.DELIVERED] * 3
    clock.advance(timedelta(hours=1))  # Monday 00:30 in Berlin: a new week
    assert send(engine, clock).outcome is Outcome.DELIVERED
    # In London it is still Sunday 23:30: the week of the first three, now four.
    engine.update_settings(dataclasses.replace(SETTINGS, timezone="Europe/London"))
    held = send(engine, clock)
    assert held.outcome is Outcome.HELD
    assert "this week's breakthroughs are used (4 of 3)" in held.reason
    close(engine)
