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

import re

CUT_NOTE = "… (cut)"
"""Ends text that was cut where the room left no space to say how much was cut."""

# C0 and C1 controls and DEL; tab and newline are kept where lines are allowed.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_NOTE_ROOM = 32  # " … (cut: N KiB more)" is at most 30 characters for any real N


def clean_text(text: str, limit: int, *, one_line: bool = False, more_bytes: int = 0) -> str:
    """``text`` made safe to store, send over D-Bus and print.

    - NUL and every other C0/C1 control character (and DEL) are dropped; in multi-line
      text newlines and tabs stay (``\\r\\n`` and a lone ``\\r`` become ``\\n``).
    - ``one_line``: every run of whitespace (newlines and tabs too) becomes one space, and the
      ends are stripped (titles, senders and names are printed on one line).
    - Lone surrogates (``"\\ud800"`` is valid JSON but no text) become U+FFFD.
    - Text longer than ``limit`` characters is cut and ends with a note saying how much
      was cut (" … (cut: 37 KiB more)", counting UTF-8 bytes, rounded up, plus
      ``more_bytes``); where the room is too small for that note (under 64 characters), the
      short ``"… (cut)"``. The result is never longer than ``limit``.

    Regular expressions rather than a loop over characters: a caught 64 KiB body is
    cleaned on the bus thread, thousands a second in a flood.

    Args:
        text: Anything a sender gave us.
        limit: The most characters the result may have (at least ``len(CUT_NOTE)``).
        one_line: Whether the text is a single line (title, sender, source).
        more_bytes: Bytes the caller already dropped before decoding (a huge body is not
            decoded whole); they count towards the note and force one.

    Returns:
        The cleaned text; ``""`` when nothing printable was left.
    """
    if limit < len(CUT_NOTE):
        raise ValueError(f"limit must be at least {len(CUT_NOTE)}, got {limit}")
    text = _SURROGATES.sub("\ufffd", text)
    if one_line:
        text = _SPACES.sub(" ", _CONTROLS_ONE_LINE.sub(_one_line_control, text)).strip()
    else:
        text = _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) <= limit and more_bytes <= 0:
        return text
    if limit < 2 * _NOTE_ROOM:
        return text[: limit - len(CUT_NOTE)].rstrip() + CUT_NOTE
    keep = limit - _NOTE_ROOM
    cut_bytes = len(text[keep:].encode("utf-8")) + max(more_bytes, 0)
    return f"{text[:keep].rstrip()} … (cut: {-(-cut_bytes // 1024)} KiB more)"


def _one_line_control(match: re.Match[str]) -> str:
    """Whitespace controls (newline, tab, CR, FS..US) separate words; the rest vanish."""
    return " " if match.group(0).isspace() else ""


__all__ = ["CUT_NOTE", "clean_text"]
