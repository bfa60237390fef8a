"""An engine on a real SQLite file that a test can close and open again (a restart)."""

from __future__ import annotations

from pathlib import Path

from focus_app.clock import FakeClock
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store


def open_engine(
    path: Path, clock: FakeClock, settings: Settings, notifier: MemoryNotifier | None = None
) -> Engine:
    """Open (or reopen) the store at ``path`` and start an engine on it."""
    store, _ = Store.open(path)
    engine = Engine(store, settings, notifier or MemoryNotifier(), clock)
    engine.start()
    return engine


def close_engine(engine: Engine) -> None:
    """Stop the engine and close its store, as a quit does."""
    engine.shutdown()
    engine.store.close()
