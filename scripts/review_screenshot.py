"""Render docs/review.png: the Review page over a realistic generated month (offscreen).

Run from the repository root: ``python scripts/review_screenshot.py [OUT.png] [--dark]``.
"""

from __future__ import annotations

import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from benchmarks.review_data import FOCUS_BLOCKS, write_history
from focus_app.clock import FakeClock
from focus_app.core.model import Mode, Override
from focus_app.desktop.notifier import MemoryNotifier
from focus_app.engine import Engine
from focus_app.settings import Settings
from focus_app.store import Store
from focus_app.ui.review_page import ReviewPage

TZ = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#2b2b2e"), (QPalette.ColorRole.WindowText, "#e8e8ea"),
        (QPalette.ColorRole.Base, "#1f1f22"), (QPalette.ColorRole.AlternateBase, "#29292d"),
        (QPalette.ColorRole.Text, "#e8e8ea"), (QPalette.ColorRole.Button, "#35353a"),
        (QPalette.ColorRole.ButtonText, "#e8e8ea"), (QPalette.ColorRole.Highlight, "#4c8dff"),
    ):
        palette.setColor(role, QColor(color))
    return palette


def main(argv: list[str]) -> int:
    out = Path(next((a for a in argv if not a.startswith("--")), "docs/review.png"))
    app = QApplication.instance() or QApplication([])
    if "--dark" in argv:
        app.setPalette(dark_palette())  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory() as folder:
        store, _ = Store.open(Path(folder) / "focus.sqlite3")
        clock = FakeClock(datetime.combine(MONDAY + timedelta(days=5), time(17), tzinfo=TZ))
        settings = Settings(timezone="Europe/Berlin", breakthrough_people=("Bob", "Alice"))
        engine = Engine(store, settings, MemoryNotifier(), clock)
        for block in FOCUS_BLOCKS:
            engine.add_block(block)
        first = MONDAY - timedelta(weeks=3)
        write_history(store.connection, first, 4, TZ, seed=3)
        for k in range(4):
            tue = first + timedelta(weeks=k, days=1)
            store.set_override(Override(
                Mode.AVAILABLE, datetime.combine(tue, time(10), tzinfo=TZ),
                datetime.combine(tue, time(12), tzinfo=TZ)))
            store.clear_override(datetime.combine(tue, time(10, 20), tzinfo=TZ))
        fri = MONDAY + timedelta(days=4)
        store.set_override(Override(
            Mode.FOCUS, datetime.combine(fri, time(14), tzinfo=TZ),
            datetime.combine(fri, time(15, 30), tzinfo=TZ), "Report"))
        store.clear_override(datetime.combine(fri, time(15, 30), tzinfo=TZ))
        asks = [engine.ask(what, who, timedelta(minutes=30)).id or 0 for what, who in (
            ("Review the deck", "Dana"), ("Coffee chat", "Sam"), ("Tax form", "Kim"),
            ("Interview panel", "Lee"))]
        engine.accept_request(asks[0])
        engine.defer_request(asks[1], MONDAY + timedelta(weeks=1))
        engine.decline_request(asks[2])
        engine.accept_request(asks[3])
        page = ReviewPage(engine)
        page.resize(1200, 1180)
        page.show()
        app.processEvents()  # type: ignore[union-attr]
        page.export_png(out)
        print(f"wrote {out}")
        page.close()
        engine.shutdown()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
