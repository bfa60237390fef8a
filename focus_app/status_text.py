"""The status in words: one formatter for the command line, the tray tooltip and the window.

Everything reads the same ``status`` dict (``Engine.status()``, which is also what
``focus-app status --json`` prints), so the command line, the tray and the Today page can
never disagree about how "Focus until 11:30 · 4 held · next: Office hours 16:00" is put.
No Qt here: the command line imports this and must start fast.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

Status = Mapping[str, Any]
"""The dict ``Engine.status()`` returns (ISO 8601 strings for instants)."""


MARKER = "\ufffd"
"""Shown where a control character was: visibly something, never an instruction."""

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """``text`` made safe for one terminal line.

    Notification titles and senders come from mail filters and chat bridges; an escape
    sequence in them must not recolour, move the cursor in, or retitle the user's
    terminal. Tabs and line breaks become spaces; other control characters (C0, DEL,
    C1), bidi overrides and lone surrogates (undecodable bytes) become ``MARKER``. What
    is stored and what ``--json`` prints stay as they were given.
    """
    if text.isprintable():
        return text
    return "".join(_printable_char(c) for c in text)


def _printable_char(c: str) -> str:
    if c in "\t\n\r\v\f":
        return " "
    if unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI_CONTROLS:
        return MARKER
    return c


def clock_text(iso: str, now: datetime | None = None) -> str:
    """``11:30`` for an instant today, ``Fri 27 Nov 08:00`` for any other day.

    Args:
        iso: An ISO 8601 instant with offset.
        now: What "today" is measured against; ``None`` means the real clock. The
            engine's clock is passed from the UI so tests with a fake clock agree.
    """
    t = datetime.fromisoformat(iso)
    today = (now.astimezone(t.tzinfo) if now is not None else datetime.now(t.tzinfo)).date()
    return f"{t:%H:%M}" if t.date() == today else f"{t:%a %d %b %H:%M}"


def mode_title(status: Status) -> str:
    """``Focus``, or ``Focus: Deep work`` when a block title or reason says more."""
    mode = str(status["mode"]).capitalize()
    label = status.get("label")
    if label and str(label).lower() != str(status["mode"]):
        return f"{mode}: {label}"
    return mode


def until_text(status: Status, now: datetime | None = None) -> str:
    """``until 11:30``, or ``""`` when the mode has no known end."""
    until = status.get("until")
    return f"until {clock_text(str(until), now)}" if until else ""


def next_text(status: Status, now: datetime | None = None) -> str:
    """``next: Office hours 16:00``, or ``""`` when nothing changes ahead."""
    at = status.get("next_transition")
    if not at:
        return ""
    what = status.get("next_label") or status.get("next_mode") or ""
    return f"next: {what} {clock_text(str(at), now)}".replace("  ", " ")


def held_text(status: Status) -> str:
    """``4 held``."""
    return f"{status.get('held', 0)} held"


def desktop_gate_text(status: Status) -> str:
    """One line when the desktop gate does not fully work here, else ``""``.

    ``status["dnd"]`` is a driver name when the desktop's do-not-disturb is driven, and
    ``"unsupported: <server>"``, ``"none: …"`` or ``"<driver>: <error>"`` when it is not;
    ``status["catching"]`` starts with ``"unavailable"`` when other programs'
    notifications cannot be caught. The app never pretends: both are said plainly.
    """
    parts = []
    dnd = str(status.get("dnd", ""))
    if ": " in dnd and not dnd.startswith("off"):
        parts.append(f"do-not-disturb not driven ({dnd})")
    catching = str(status.get("catching", ""))
    if catching.startswith("unavailable"):
        parts.append("other programs' notifications not caught")
    text = printable("; ".join(parts))
    return text[:1].upper() + text[1:]


SOURCE_WORDS = {"override": "manual", "schedule": "schedule", "default": "default"}
"""How a mode's origin is called to people. The engine's word for a mode set by hand is
"override"; the window says "manual", and so does every other place, in one word."""


def source_word(status: Status) -> str:
    """The origin of the current mode in the people's word: "manual", "schedule", "default"."""
    source = str(status.get("source", ""))
    return SOURCE_WORDS.get(source, source)


def format_status(status: Status, *, now: datetime | None = None, with_source: bool = True) -> str:
    """One line like ``Focus until 11:30 (manual) · 4 held · next: Available 11:30``.

    Args:
        status: What ``Engine.status()`` returns.
        now: The instant "today" is measured against (``None``: the real clock).
        with_source: Add ``(schedule)``/``(manual)``/``(default)``; the command line
            shows it, the tray tooltip leaves it out to stay short.
    """
    head = mode_title(status)
    until = until_text(status, now)
    if until:
        head += f" {until}"
    if with_source:
        head += f" ({source_word(status)})"
    parts = [head, held_text(status)]
    nxt = next_text(status, now)
    if nxt:
        parts.append(nxt)
    # The label and next label are block titles and reasons: typed text, made safe here.
    return printable(" · ".join(parts))
