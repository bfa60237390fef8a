"""Cleaning text that comes from outside before it is stored or shown.

Anyone can send a notification (a script, a mail filter, another program through the
desktop's notification service), and what they send ends up in SQLite, in D-Bus messages
and on a terminal. A NUL makes the bus drop the whole connection (so one bad item would
block every digest after it), a lone surrogate cannot be encoded at all, an escape
sequence repaints a terminal, and a 120 kB body fills the screen. :func:`clean_text` is
the one door all such text goes through: the socket's ``send``, the command line's queue,
calendar titles and caught notifications.
"""

from __future__ import annotations

import unicodedata

CUT_NOTE = "… (cut)"
"""Appended to text that was cut to its limit, so the reader knows there was more."""

_KEPT_IN_BODIES = frozenset("\n\t")


def clean_text(text: str, limit: int, *, one_line: bool = False) -> str:
    """``text`` made safe to store, send over D-Bus and print.

    - NUL and every other C0/C1 control character (and DEL) are dropped; in multi-line
      text newlines and tabs stay (``\\r\\n`` and a lone ``\\r`` become ``\\n``).
    - ``one_line``: every run of whitespace (newlines and tabs too) becomes one space, and the
      ends are stripped (titles, senders and names are printed on one line).
    - Lone surrogates (``"\\ud800"`` is valid JSON but no text) become U+FFFD.
    - Text longer than ``limit`` characters is cut and ends with ``"… (cut)"``; the
      result is never longer than ``limit``.

    Args:
        text: Anything a sender gave us.
        limit: The most characters the result may have (at least ``len(CUT_NOTE)``).
        one_line: Whether the text is a single line (title, sender, source).

    Returns:
        The cleaned text; ``""`` when nothing printable was left.
    """
    if limit < len(CUT_NOTE):
        raise ValueError(f"limit must be at least {len(CUT_NOTE)}, got {limit}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []
    for char in text:
        if char in _KEPT_IN_BODIES:
            kept.append(" " if one_line else char)
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            continue
        if category == "Cs":  # a lone surrogate: half of a character
            kept.append("\ufffd")
            continue
        kept.append(char)
    cleaned = "".join(kept)
    if one_line:
        cleaned = " ".join(cleaned.split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - len(CUT_NOTE)].rstrip() + CUT_NOTE
    return cleaned


__all__ = ["CUT_NOTE", "clean_text"]
