"""A real engine for widget tests: fake clock, memory notifier, SQLite in ``tmp_path``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from focus_app.clock import FakeClock
from focus_app.core.model import Notification
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store

BERLIN = ZoneInfo("Europe/Berlin")
# Thursday 2026-11-26, 10:00 in Berlin.
START = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def notifier() -> MemoryNotifier:
    return MemoryNotifier()


@pytest.fixture
def engine(
    qapp: object, tmp_path: Path, clock: FakeClock, notifier: MemoryNotifier
) -> Iterator[Engine]:
    """Default mode available, no heads-up, no escalation: only what a test sets happens."""
    store, warning = Store.open(tmp_path / "focus.sqlite3")
    assert warning is None
    settings = Settings(
        timezone="Europe/Berlin", heads_up_minutes=0, repeat_escalation_minutes=0
    )
    engine = Engine(store, settings, notifier, clock)
    engine.start()
    yield engine
    engine.shutdown()
    store.close()


def hold_some(engine: Engine, clock: FakeClock, count: int) -> None:
    """Start a focus override and send ``count`` notifications, which are held."""
    from datetime import timedelta

    from focus_app.core.model import Mode

    if engine.state().mode is not Mode.FOCUS:
        engine.start_override(Mode.FOCUS, timedelta(hours=1))
    for i in range(count):
        engine.ingest(Notification(title=f"ping {i}", sender="Bob", received_at=clock.now()))
