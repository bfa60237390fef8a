"""``BackgroundWork`` drives the scheduled refresh: worker steps off the GUI thread, the
rest on it, to the end (the same ``Pending`` steps the socket drives)."""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any

from pytestqt.qtbot import QtBot

from focus_app.calendars.background import BackgroundWork
from focus_app.commands import OffThread, Pending, Progress, Step


def test_worker_steps_run_off_the_gui_thread_and_the_answer_comes_back_on_it(
    qtbot: QtBot,
) -> None:
    gui = threading.get_ident()
    seen: list[tuple[str, bool]] = []

    def steps() -> Generator[Step, Any, dict[str, Any]]:
        worker_thread = yield OffThread(threading.get_ident)
        seen.append(("worker", worker_thread != gui))
        yield Progress(1, 2)
        seen.append(("after progress", threading.get_ident() == gui))
        try:
            yield OffThread(lambda: 1 // 0)
        except ZeroDivisionError:
            seen.append(("error sent back", threading.get_ident() == gui))
        return {"ok": True, "result": 42}

    work = BackgroundWork()
    with qtbot.waitSignal(work.finished, timeout=5000) as done:
        work.run(Pending(steps()))
    assert done.args == [{"ok": True, "result": 42}]
    assert seen == [("worker", True), ("after progress", True), ("error sent back", True)]
    assert work.running == 0
    work.close()
