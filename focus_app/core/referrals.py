"""The referral directory: people the person can point others to, without overloading them.

"No, but I know someone" is kind only if that someone is not the answer to every
request. Each contact's recent referrals are counted over :data:`REFERRAL_WINDOW`; past
the person's limit the app warns, gently, and still lets them refer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

REFERRAL_WINDOW = timedelta(days=30)
"""How far back "referred recently" looks."""
MAX_NAME = 100
MAX_CONTACT = 300
MAX_NOTES = 2000
MAX_TOPICS = 20
MAX_CALENDAR = 4096


@dataclass(frozen=True)
class Contact:
    """Someone in the directory.

    Attributes:
        name: How the person calls them (unique, case-insensitive).
        contact: How to reach them (an address, a handle, a phone number).
        topics: What they know about.
        notes: Anything else (their hours, "prefers chat").
        id: The store's id (``None`` before it is stored).
        calendar: Their published availability calendar (an absolute ``.ics`` path or
            an http(s) URL, checked by the caller), or ``""``; see
            :mod:`focus_app.core.contact_availability`.
    """

    name: str
    contact: str = ""
    topics: tuple[str, ...] = field(default_factory=tuple)
    notes: str = ""
    id: int | None = None
    calendar: str = ""

    def __post_init__(self) -> None:
        problem = contact_problem(self.name, self.contact, self.topics, self.notes)
        if problem is None and len(self.calendar) > MAX_CALENDAR:
            problem = f"the calendar address is too long (at most {MAX_CALENDAR} characters)"
        if problem is not None:
            raise ValueError(problem)


def contact_problem(name: str, contact: str, topics: Sequence[str], notes: str) -> str | None:
    """Why these fields cannot make a directory entry (one line), or ``None``."""
    if not name.strip():
        return "the name is empty: give the person's name, e.g. Dana"
    if len(name) > MAX_NAME:
        return f"the name is too long ({len(name)} characters; at most {MAX_NAME})"
    if len(contact) > MAX_CONTACT:
        return f"the contact is too long ({len(contact)} characters; at most {MAX_CONTACT})"
    if len(notes) > MAX_NOTES:
        return f"the notes are too long ({len(notes)} characters; at most {MAX_NOTES})"
    if len(topics) > MAX_TOPICS:
        return f"too many topics ({len(topics)}; at most {MAX_TOPICS})"
    if any(c in name + contact for c in "\n\r\x00"):
        return "the name and contact must be one line of text"
    return None


def _control(text: str, allowed: str = "") -> str | None:
    """The first C0/C1 control character (or DEL) in ``text`` not in ``allowed``."""
    return next(
        (c for c in text if (c < " " or "\x7f" <= c <= "\x9f") and c not in allowed), None
    )


def typed_problem(contact: Contact) -> str | None:
    """Why typed-in fields cannot be stored (one line), or ``None``.

    Checked when a person adds or edits an entry, not when one is read back: an escape
    sequence in a topic would repaint the terminal of ``referral list``, and a newline
    breaks the one line a topic is shown on. Notes may hold lines and tabs.
    """
    for text in (contact.name, contact.contact, *contact.topics):
        bad = _control(text)
        if bad is not None:
            return (
                "the name, contact and topics must be one line of text without control "
                f"characters (found U+{ord(bad):04X}); remove it"
            )
    bad = _control(contact.notes, "\n\t")
    if bad is not None:
        return (
            "the notes may hold new lines and tabs but no other control characters "
            f"(found U+{ord(bad):04X}); remove it"
        )
    return None


def parse_topics(text: str) -> tuple[str, ...]:
    """``"design, slides ,,"`` -> ``("design", "slides")``."""
    return tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))


def find(contacts: Iterable[Contact], name: str) -> Contact:
    """The contact called ``name`` (case and surrounding spaces ignored).

    Raises:
        LookupError: No such contact; the message says how to add one.
    """
    key = name.strip().casefold()
    for c in contacts:
        if c.name.casefold() == key:
            return c
    shown = name.strip()[:40]
    raise LookupError(
        f"no one called '{shown}' in the referral directory: add them with "
        f"'focus-app referral add \"{shown}\" --contact ADDRESS', or pick a listed name"
    )


def recent_count(referred_at: Iterable[datetime], now: datetime) -> int:
    """How many referrals fall in the :data:`REFERRAL_WINDOW` before ``now``."""
    since = now - REFERRAL_WINDOW
    return sum(1 for t in referred_at if since < t <= now)


def overload_warning(name: str, recent: int, limit: int) -> str | None:
    """A gentle line when referring ``name`` once more goes past ``limit``, else ``None``.

    Args:
        recent: Referrals to them in the last 30 days, before this one.
        limit: The person's limit (0 = no limit).
    """
    if limit <= 0 or recent < limit:
        return None
    times = "once" if recent == 1 else f"{recent} times"
    return (
        f"{name} was already referred {times} in the last 30 days (your limit is {limit}): "
        "maybe ask someone else this time"
    )
