"""Tooltips that depend on where the pointer is inside one painted widget.

The week view, the today strip and the review charts draw their items themselves, so no
child widget carries a tooltip: each answers "what is under this point" and shares this
one handler for Qt's tooltip event.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QPointF
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QToolTip, QWidget


def show_tooltip_at(widget: QWidget, event: QEvent, text_at: Callable[[QPointF], str]) -> bool:
    """Handle ``event`` if it asks for a tooltip: show ``text_at(pos)`` or hide it.

    Args:
        widget: The widget the event was sent to.
        event: Any event from ``widget.event``.
        text_at: The full text under a point in widget coordinates ("" over nothing).

    Returns:
        Whether the event was a tooltip request (handled); else pass it on to Qt.
    """
    if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
        return False
    text = text_at(QPointF(event.pos()))
    if text:
        QToolTip.showText(event.globalPos(), text, widget)
    else:
        QToolTip.hideText()
        event.ignore()
    return True


__all__ = ["show_tooltip_at"]
