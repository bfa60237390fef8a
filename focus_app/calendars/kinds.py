"""Which kind of block a calendar event becomes: one rule, written down in one place.

In order, the first that applies decides:

1. ``X-FOCUS-APP-KIND`` (our own export; the older ``X-FOCUS-KIND`` too):
   ``focus``, ``available`` or ``off``.
2. A ``CATEGORIES`` value ``focus``, ``available`` or ``off`` (any case; also
   ``focus time``, ``out of office``).
3. The event's type from its calendar: Google's focus-time events (``EVENT-TYPE`` /
   ``X-GOOGLE-EVENT-TYPE`` / ``eventType`` ``focusTime``) become focus blocks, its
   out-of-office events (``outOfOffice``) and Outlook's
   ``X-MICROSOFT-CDO-BUSYSTATUS:OOF`` off blocks. Working-location and other typed
   events are skipped.
4. An event marked free (``TRANSP:TRANSPARENT``, Outlook ``FREE``) blocks no time: skipped.
5. Any other event (a meeting, a plain busy event) takes the kind chosen for this
   import (``--kind``); without one it is skipped with the reason. A plain event is
   never silently a focus block.
"""

from __future__ import annotations

from icalendar import Event

from focus_app.core.model import BlockKind

KIND_PROPERTIES = ("X-FOCUS-APP-KIND", "X-FOCUS-KIND")
EVENT_TYPE_PROPERTIES = ("X-GOOGLE-EVENT-TYPE", "EVENT-TYPE", "X-EVENT-TYPE", "EVENTTYPE")

_CATEGORY_KINDS = {
    "focus": BlockKind.FOCUS,
    "focustime": BlockKind.FOCUS,
    "available": BlockKind.AVAILABLE,
    "availability": BlockKind.AVAILABLE,
    "off": BlockKind.OFF,
    "outofoffice": BlockKind.OFF,
}
_EVENT_TYPE_KINDS = {"focustime": BlockKind.FOCUS, "outofoffice": BlockKind.OFF}


class NoKind(Exception):
    """The event maps to no kind; the message says why, for a person."""


def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _text(event: Event, name: str) -> str:
    value = event.get(name)
    if value is None:
        return ""
    if isinstance(value, list):  # a property given more than once
        value = value[0]
    return str(value).strip()


def kind_of(event: Event, chosen: BlockKind | None) -> BlockKind:
    """The kind ``event`` maps to under the rule above.

    Args:
        event: The VEVENT.
        chosen: The kind chosen for events without one (``--kind``), or ``None``.

    Raises:
        NoKind: The event is free time, of a type we do not import, or has no kind
            and none was chosen.
    """
    for name in KIND_PROPERTIES:
        own = _text(event, name).lower()
        if own in BlockKind._value2member_map_:
            return BlockKind(own)
    for category in event.categories:
        kind = _CATEGORY_KINDS.get(_squash(str(category)))
        if kind is not None:
            return kind
    for name in EVENT_TYPE_PROPERTIES:
        typed = _squash(_text(event, name))
        if typed:
            kind = _EVENT_TYPE_KINDS.get(typed)
            if kind is None:
                raise NoKind(f"a {_text(event, name)} event, not time to block")
            return kind
    busy = _text(event, "X-MICROSOFT-CDO-BUSYSTATUS").upper()
    if busy == "OOF":
        return BlockKind.OFF
    if _text(event, "TRANSP").upper() == "TRANSPARENT" or busy == "FREE":
        raise NoKind("marked free (TRANSP:TRANSPARENT): it blocks no time")
    if chosen is not None:
        return chosen
    raise NoKind(
        "no kind: give it CATEGORIES focus, available or off, "
        "or choose one for such events with --kind"
    )
