"""The Qt binding we ship must not leak references to ``True`` / ``None``.

PySide6 6.12.0 drops a reference to the returned ``True``/``None`` on every call; on
Python 3.11 (no immortal objects) a long-running app then dies with "bool_dealloc" or
"none_dealloc" after some hundred thousand calls (the IPC benchmark hit it in seconds).
pyproject.toml keeps PySide6 below 6.12; this test fails if a bad build comes back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(object)


def test_qt_calls_do_not_consume_references_to_true_or_none(qapp: object) -> None:
    emitter = _Emitter()
    before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(2_000):
        emitter.fired.emit(i)  # returns True from C++
        emitter.setObjectName("x")  # returns None
    after = sys.getrefcount(True), sys.getrefcount(None)
    assert after[0] >= before[0] - 10
    assert after[1] >= before[1] - 10
