"""Small widget helpers every page shares."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def plain_label(text: str = "", style: str = "", *, wrap: bool = True) -> QLabel:
    """A label that never reads its text as rich text (it may be a sender's or the user's).

    Qt guesses rich text from anything that looks like a tag, so "<b>Bob</b>" from a
    notification would be drawn bold and "a <script>" would vanish.

    Args:
        text: The text, shown literally.
        style: A style sheet for the label ("" for none), e.g. the help text's colour.
        wrap: Wrap long text onto more lines.
    """
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    if style:
        label.setStyleSheet(style)
    return label


__all__ = ["plain_label"]
