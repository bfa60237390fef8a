"""Reading a followed calendar (an ``.ics`` file, an http(s) URL, or a CalDAV calendar
that needs a log-in) and planning the change it makes to its blocks.

Runs on a worker thread: everything here works on its own arguments (never the engine,
the store or Qt). The plan is :func:`~focus_app.calendars.plan_import` against the blocks
of the subscription's own ``source_calendar``, so a calendar that did not change plans
nothing and costs no writes. A CalDAV calendar is read with the ``caldav`` library's
client (:func:`fetch_caldav`: a PROPFIND for its change tag, then one REPORT for every
event) and planned the same way as a file (:func:`plan_events`).
"""

from __future__ import annotations

import hashlib
import os
import stat
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from focus_app import __version__
from focus_app.calendars.plan import ImportPlan, plan_import
from focus_app.calendars.reading import ImportOptions, import_calendars, parse_ics
from focus_app.core.model import Block
from focus_app.core.subscriptions import Subscription
from focus_app.core.text import clean_text

if TYPE_CHECKING:
    import icalendar

MAX_BYTES = 16 * 1024 * 1024
TIMEOUT_S = 20.0
MAX_TITLE = 200
_MIB = MAX_BYTES // (1024 * 1024)


class FetchError(Exception):
    """The calendar could not be read; the message says why and what to do (one line)."""


def check_source(text: str) -> str:
    """The source as it will be stored: an absolute file path or an http(s) URL.

    ``webcal://`` (what calendar apps hand out) is read as ``https://``.

    Raises:
        ValueError: Neither (one line a person can act on).
    """
    text = text.strip()
    if text.lower().startswith("webcal://"):
        text = "https://" + text[len("webcal://"):]
    parts = urlsplit(text)
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            raise ValueError(f"'{text}' has no host name; give the calendar's full address")
        return text
    if parts.scheme == "file":
        text = parts.path
    if text and os.path.isabs(text):
        if os.path.isdir(text):  # followed, it would fail at every refresh
            raise ValueError(f"{text} is a folder; give the .ics file to follow")
        return text
    raise ValueError(
        f"'{text}' is neither an http(s):// address nor an absolute path of an .ics file"
    )


def default_name(source: str) -> str:
    """A label for a subscription given none: the file name, or the host."""
    parts = urlsplit(source)
    if parts.scheme in ("http", "https"):
        return parts.hostname or source
    return Path(source).name


@dataclass(frozen=True)
class Fetched:
    """What reading a calendar gave.

    Attributes:
        text: The calendar text; ``None`` when the server said it did not change (304).
        etag: The server's ETag (for the next conditional request), or ``""``.
        digest: SHA-256 of the text: an unchanged text is not parsed again.
    """

    text: str | None
    etag: str = ""
    digest: str = ""


def fetch(source: str, etag: str = "", timeout: float = TIMEOUT_S) -> Fetched:
    """Read the calendar at ``source`` (blocking: call it on a worker thread).

    Args:
        source: What :func:`check_source` returned.
        etag: The ETag of the last read; a server that still has it answers 304.
        timeout: Seconds to wait for the server.

    Raises:
        FetchError: Not readable (one line saying why and what to do).
    """
    if urlsplit(source).scheme in ("http", "https"):
        data, new_etag = _fetch_url(source, etag, timeout)
        if data is None:
            return Fetched(None, etag)
    else:
        data, new_etag = _read_file(Path(source)), ""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FetchError(
            f"{source} is not UTF-8 text, so not an iCalendar file; check the address"
        ) from None
    return Fetched(text, new_etag, hashlib.sha256(data).hexdigest())


def _fetch_url(url: str, etag: str, timeout: float) -> tuple[bytes | None, str]:
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": f"focus-app/{__version__}",
            "Accept": "text/calendar, */*;q=0.5",
            **({"If-None-Match": etag} if etag else {}),
        },
    )
    host = urlsplit(url).hostname
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data: bytes = response.read(MAX_BYTES + 1)
            new_etag = response.headers.get("ETag", "") or ""
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the response (and its socket) open
        if exc.code == 304:
            return None, etag
        if exc.code in (401, 403):
            raise FetchError(
                f"{host} refused the calendar (HTTP {exc.code}): check that the address "
                "is the calendar's private or public link"
            ) from None
        if exc.code == 404:
            raise FetchError(
                f"{host} has no calendar at {url} (HTTP 404): check the address"
            ) from None
        raise FetchError(
            f"{host} answered HTTP {exc.code} ({exc.reason}); it is tried again later"
        ) from None
    except urllib.error.URLError as exc:
        reason = getattr(exc.reason, "strerror", None) or exc.reason
        raise FetchError(
            f"cannot reach {host}: {reason}; it is tried again later "
            "(check the network or the address)"
        ) from None
    except (TimeoutError, OSError) as exc:
        raise FetchError(
            f"{host} did not answer ({exc}); it is tried again later"
        ) from None
    if len(data) > MAX_BYTES:
        raise FetchError(f"{url} is over {_MIB} MiB: not a calendar of blocks")
    return data, new_etag


def _read_file(path: Path) -> bytes:
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block the worker
            raise FetchError(f"{path} is not a regular file; follow an .ics file")
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise FetchError(
            f"cannot read {path}: {exc.strerror or exc}; check the path and its permissions"
        ) from None
    if len(data) > MAX_BYTES:
        raise FetchError(f"{path} is over {_MIB} MiB: not a calendar of blocks")
    return data


def plan_refresh(
    subscription: Subscription, text: str, tz: tzinfo, existing: Sequence[Block]
) -> ImportPlan:
    """What the calendar's text changes in its blocks (pure; on the worker thread).

    Plain events take the subscription's ``busy_kind``; events that say their kind
    (Google's focus time, out of office, categories) keep theirs.

    Raises:
        FetchError: The text is not iCalendar (one line).
    """
    try:
        calendars = parse_ics(text)
    except ValueError as exc:
        raise FetchError(f"{subscription.label}: {exc}") from None
    return _plan(subscription, calendars, tz, existing)


def plan_events(
    subscription: Subscription, texts: Sequence[str], tz: tzinfo, existing: Sequence[Block]
) -> ImportPlan:
    """:func:`plan_refresh` of a CalDAV calendar: one iCalendar text per event (what
    :func:`fetch_caldav` read), planned together like one file.

    An object that is not iCalendar is skipped (and said in the plan's ``skipped``):
    one bad event on the server does not stop the others from being kept in step.
    """
    calendars: list[icalendar.Calendar] = []
    unreadable: list[str] = []
    for text in texts:
        try:
            calendars += parse_ics(text)
        except ValueError as exc:
            unreadable.append(f"an event on the server is not iCalendar ({exc})")
    plan = _plan(subscription, calendars, tz, existing)
    return replace(plan, skipped=[*unreadable, *plan.skipped]) if unreadable else plan


def _plan(
    subscription: Subscription,
    calendars: list[icalendar.Calendar],
    tz: tzinfo,
    existing: Sequence[Block],
) -> ImportPlan:
    """The one planning of every followed calendar, whatever it was read from."""
    try:
        result = import_calendars(calendars, tz, ImportOptions(kind=subscription.busy_kind))
    except ValueError as exc:
        raise FetchError(f"{subscription.label}: {exc}") from None
    result.blocks = [
        replace(block, title=clean_text(block.title, MAX_TITLE, one_line=True))
        for block in result.blocks
    ]
    # Every UID counts as read: an event gone from a followed calendar takes its blocks.
    stored = [b for b in existing if b.source_calendar == subscription.calendar]
    result.uids |= {b.source_uid.split("#", 1)[0] for b in stored if b.source_uid}
    plan = plan_import(result, stored, calendar=subscription.calendar)
    return plan


# ------------------------------------------------------------------ CalDAV calendars

_XML_TYPE = "application/xml; charset=utf-8"
_DAV = "{DAV:}"
_CALDAV = "{urn:ietf:params:xml:ns:caldav}"
_CS = "{http://calendarserver.org/ns/}"
_PROPFIND = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">'
    "<D:prop><D:resourcetype/><CS:getctag/><D:sync-token/></D:prop></D:propfind>"
)
_EVENTS_QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/>'
    "</C:comp-filter></C:filter></C:calendar-query>"
)


def check_caldav_source(text: str) -> str:
    """A CalDAV calendar's address as it will be stored (http(s), with a host).

    Raises:
        ValueError: Not one (one line a person can act on).
    """
    text = text.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"a CalDAV calendar is an http(s):// address with a host, not '{text[:80]}'"
        )
    return text


def caldav_name(source: str, user: str) -> str:
    """A label for a followed CalDAV calendar given none: ``work (bob at dav.example.org)``."""
    parts = urlsplit(source)
    host = parts.hostname or source
    collection = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    return f"{collection} ({user} at {host})" if collection else f"{user} at {host}"


@dataclass(frozen=True)
class FetchedEvents:
    """What reading a CalDAV calendar gave.

    Attributes:
        texts: One iCalendar text per event; ``None`` when the calendar did not change
            since ``etag`` (nothing was read but its change tag).
        etag: The calendar's change tag (CalendarServer's ``getctag`` or the
            ``sync-token``), else a digest of what was read: given back next time.
    """

    texts: list[str] | None
    etag: str = ""


def fetch_caldav(
    subscription: Subscription, password: str, etag: str = "", timeout: float = TIMEOUT_S
) -> FetchedEvents:
    """Read every event of the CalDAV calendar ``subscription`` follows (blocking: call
    it on a worker thread). Read only: nothing is ever written to the server.

    One PROPFIND tells whether the address is a calendar at all (an account's or a
    server's root answers an empty event list: following it would remove every block)
    and gives its change tag; when that is ``etag``, nothing more is read. Else one
    REPORT brings every event with its data.

    Raises:
        FetchError: Wrong password, no calendar there, server down (one line).
    """
    # Imported late: niquests and lxml cost every app start otherwise.
    from caldav.davclient import DAVClient

    url = subscription.source
    base = url if url.endswith("/") else url + "/"
    client = DAVClient(
        url=url, username=subscription.user, password=password, timeout=int(timeout)
    )
    try:
        found = _caldav_call(subscription, lambda: client.request(
            base, "PROPFIND", _PROPFIND, {"Depth": "0", "Content-Type": _XML_TYPE}
        ))
        _caldav_status(subscription, found.status, "describe the calendar")
        tree = found.tree
        if tree is None or tree.find(f".//{_DAV}resourcetype/{_CALDAV}calendar") is None:
            raise FetchError(
                f"{url} is not a calendar (an account or a folder?): give the address of "
                "one calendar, as its CalDAV settings show it"
            )
        tag = (tree.findtext(f".//{_CS}getctag") or tree.findtext(f".//{_DAV}sync-token")
               or "").strip()
        if tag and tag == etag:
            return FetchedEvents(None, etag)
        listed = _caldav_call(subscription, lambda: client.request(
            base, "REPORT", _EVENTS_QUERY, {"Depth": "1", "Content-Type": _XML_TYPE}
        ))
        _caldav_status(subscription, listed.status, "list the events")
        texts = _event_texts(listed.tree)
    finally:
        client.close()
    if not tag:
        tag = "sha256:" + hashlib.sha256("\0".join(sorted(texts)).encode()).hexdigest()
        if tag == etag:
            return FetchedEvents(None, etag)
    return FetchedEvents(texts, tag)


def _event_texts(tree: Any) -> list[str]:
    """The calendar data of each event in a REPORT's multistatus."""
    if tree is None:
        return []
    texts: list[str] = []
    for response in tree.iter(f"{_DAV}response"):
        for propstat in response.iter(f"{_DAV}propstat"):
            if " 200 " not in (propstat.findtext(f"{_DAV}status") or " 200 "):
                continue
            data = propstat.findtext(f".//{_CALDAV}calendar-data") or ""
            if data.strip():
                texts.append(data)
    return texts


def _caldav_status(subscription: Subscription, status: int, what: str) -> None:
    host = urlsplit(subscription.source).hostname
    if status == 404:
        raise FetchError(
            f"{host} has no calendar at {subscription.source} (HTTP 404): check the address"
        )
    if status >= 400:
        raise FetchError(
            f"{host} refused to {what} (HTTP {status}); it is tried again later"
        )


def _caldav_call(subscription: Subscription, call: Any) -> Any:
    """``call()`` with the ``caldav`` library's errors as one line a person can act on."""
    from focus_app.calendars.caldav_sync import call_dav

    host = urlsplit(subscription.source).hostname
    return call_dav(
        call,
        host=host,
        url=subscription.source,
        wrong_password=(
            f"{host} refused the password of '{subscription.user}': give it again with "
            f"'focus-app calendar password {subscription.id} --password-stdin'; "
            "the blocks stay as they were"
        ),
        fail=FetchError,
    )
