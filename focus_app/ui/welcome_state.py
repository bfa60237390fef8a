"""Whether the first-run guide is due, without the guide's widgets.

Every start asks this; the guide itself (``focus_app.ui.welcome``, its wizard pages and the
``Qt`` namespace they touch, ~0.9 MB) is imported only on the one start that shows it.

Whether it was done is remembered UI state, not a preference (STYLE.md point 5): a small
file in :func:`focus_app.paths.state_dir`. Finishing or skipping both write it, so the
guide never comes back; deleting the state folder brings it back, and loses no setting.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from focus_app.paths import state_dir

if TYPE_CHECKING:
    from focus_app.engine import Engine

log = logging.getLogger(__name__)

WELCOME_FILE_NAME = "welcome.json"


def welcome_state_path() -> Path:
    """Where "the first-run guide was done or skipped" is remembered."""
    return state_dir() / WELCOME_FILE_NAME


def welcome_done(path: Path) -> bool:
    """Whether the guide was finished or skipped (an unreadable file counts as done)."""
    try:
        return bool(json.loads(path.read_text(encoding="utf-8")).get("welcome_done", True))
    except FileNotFoundError:
        return False
    except (OSError, ValueError, AttributeError):
        return True  # never nag because a file is damaged


def should_welcome(engine: Engine, path: Path) -> bool:
    """The guide is for a first start: nothing on the calendar and never done before."""
    return not engine.blocks() and not welcome_done(path)


def remember_welcome_done(path: Path, how: str) -> None:
    """Write the state file (``how``: "finished" or "skipped"); a failure is only logged."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(
            json.dumps({"welcome_done": True, "how": how,
                        "at": datetime.now().astimezone().isoformat(timespec="seconds")}),
            encoding="utf-8",
        )
        os.replace(temp, path)
    except OSError as exc:
        log.warning("cannot remember that the welcome guide was %s (%s): %s", how, path, exc)
