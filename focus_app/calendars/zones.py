"""Naming the zone of a TZID that ``icalendar`` could not resolve by itself.

``icalendar`` already resolves IANA names, Windows names ("Eastern Standard Time") and
any TZID the file defines with a VTIMEZONE (Outlook's "(UTC-03:00) Brasília" or
"Customized Time Zone"). What it leaves naive is a TZID that is none of those; we try
the IANA name in another case ("Europe/lisbon"), a Windows name in another case, and the
tail of a path ("/mozilla.org/20050126_1/Europe/Berlin"). A TZID that still names no
zone is not guessed: the event is skipped with the reason, never read in the user's zone.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import tzinfo


@functools.cache
def _iana_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


@functools.cache
def _windows_by_lower_name() -> dict[str, str]:
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    return {name.lower(): olson for name, olson in WINDOWS_TO_OLSON.items()}


@functools.cache
def resolve_tzid(tzid: str) -> tzinfo | None:
    """The zone a TZID names, or ``None`` when it names none we know.

    Args:
        tzid: The TZID parameter as written in the file.
    """
    text = tzid.strip().strip('"')
    lower = text.lower()
    names = _iana_by_lower_name()
    segments = [s for s in lower.split("/") if s]
    candidates = [lower, *("/".join(segments[-k:]) for k in (3, 2) if len(segments) >= k)]
    for candidate in candidates:
        if candidate in names:
            return zoneinfo.ZoneInfo(names[candidate])
    windows = _windows_by_lower_name().get(lower)
    if windows is not None:
        try:
            return zoneinfo.ZoneInfo(windows)
        except (KeyError, ValueError, OSError):
            return None
    return None


def zone_name(tz: tzinfo) -> str:
    """A zone's IANA name when it has one, else what it prints as."""
    key = getattr(tz, "key", None)
    return key if isinstance(key, str) and key else str(tz)
