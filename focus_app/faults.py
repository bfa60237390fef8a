"""Test-only fault points: the process kills itself (SIGKILL) at a chosen instant.

The crash-safety promises ("a send committed is never stored twice", "a digest is never
shown twice") are about what happens when the app dies at the worst moment. Tests start
the real program with ``FOCUS_APP_FAULT=<point>`` and it SIGKILLs itself the first time
it reaches that point, exactly like ``kill -9`` would, but at a deterministic place:

- ``after-commit-before-answer``: a batch of sends is committed, no answer written yet.
- ``during-release``: held items are marked released, ``Notify`` not sent yet.
- ``during-notify``: ``Notify`` was sent, its reply not read yet.

Unset (always, outside tests) it costs one dictionary lookup at import.
"""

from __future__ import annotations

import os
import signal

ENV = "FOCUS_APP_FAULT"
POINTS = ("after-commit-before-answer", "during-release", "during-notify")

_armed = os.environ.get(ENV, "")


def fault_point(name: str) -> None:
    """Die here (SIGKILL, no clean-up) if ``FOCUS_APP_FAULT`` names this point."""
    if _armed and _armed == name:
        os.kill(os.getpid(), signal.SIGKILL)
