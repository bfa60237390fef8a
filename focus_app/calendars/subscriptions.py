"""Reading a followed calendar (an ``.ics`` file or an http(s) URL) and planning the
change it makes to its blocks.

Runs on a worker thread: everything here works on its own arguments (never the engine,
the store or Qt). The plan is :func:`~focus_app.calendars.plan_import` against the blocks
of the subscription's own ``source_calendar``, so a calendar that did not change plans
nothing and costs no writes.
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
from urllib.parse import urlsplit

from focus_app import __version__
from focus_app.calendars.plan import ImportPlan, plan_import
from focus_app.calendars.reading import ImportOptions, import_ics
from focus_app.core.model import Block
from focus_app.core.subscriptions import Subscription
from focus_app.core.text import clean_text

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
        result = import_ics(text, tz, ImportOptions(kind=subscription.busy_kind))
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
