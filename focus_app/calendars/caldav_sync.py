"""CalDAV (issue 12, item 4): publish availability to a CalDAV calendar, or keep the
person's blocks in step between their machines through one, with the ``caldav`` library.

:func:`sync_with_server` runs on a worker thread (network I/O never on the GUI thread) and
works on its own arguments only; it answers an :class:`Outcome` the GUI thread applies in
one transaction. Each event is one block, ``UID`` stable, written through
:func:`~focus_app.calendars.export_ics` and read back through
:func:`~focus_app.calendars.reading.import_calendars`.

What it costs (``docs/benchmarks.md``): the server's events are listed with their ETags
only (one REPORT); those whose ETag is the agreed one are neither fetched nor parsed, the
others come in one ``calendar-multiget``. Writes go out :data:`PUT_THREADS` at a time.

Sync is a three-way merge per UID against what was last agreed with the server
(:class:`~focus_app.core.subscriptions.SyncedItem`: its ETag and the block's digest then).
Changed on one side only: that side's version goes to the other. Changed on both: the
later edit wins (the event's ``DTSTAMP`` is when the other machine's block was edited; a
local edit's time is known while the app runs, else taken as older) and the other version
is kept as a new block titled "… (conflict copy from <host>)", which syncs like any other.
An edit beats a delete. Writes are conditional (``If-Match``), so an event changed on the
server meanwhile is never overwritten: it is merged on the next sync.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

from focus_app.calendars.plan import FILE_CALENDAR
from focus_app.calendars.reading import ImportOptions, import_calendars, parse_ics
from focus_app.calendars.vtimezones import VTIMEZONE, iana_names
from focus_app.calendars.writing import _uid, export_ics
from focus_app.core.model import Block, BlockKind
from focus_app.core.subscriptions import CalDavLink, SyncedItem

if TYPE_CHECKING:
    from caldav.davclient import DAVClient

TIMEOUT_S = 20
PUT_THREADS = 4
"""Writes in flight at once, each thread with its own connection: the client builds the
next events while the server stores the last ones (a first sync writes every block)."""
HOST_PROPERTY = "X-FOCUS-APP-HOST"
CONFLICT_SUFFIX = " (conflict copy from {host})"
_CONTENT_TYPE = "text/calendar; charset=utf-8"
_XML_TYPE = "application/xml; charset=utf-8"
_ETAGS_QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/></D:prop>"
    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/>'
    "</C:comp-filter></C:filter></C:calendar-query>"
)
_MULTIGET = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/><C:calendar-data/></D:prop>{hrefs}</C:calendar-multiget>"
)
_MULTIGET_BATCH = 200
_DAV = "{DAV:}"
_CALDAV = "{urn:ietf:params:xml:ns:caldav}"


class CalDavError(Exception):
    """The server could not be used; the message says why and what to do (one line)."""


def block_digest(block: Block) -> str:
    """The block's content (what an edit changes), without its ids."""
    plain = replace(block, id=None, source_uid=None, source_calendar=None)
    return hashlib.sha256(repr(plain).encode()).hexdigest()[:32]


def in_scope(block: Block, link: CalDavLink) -> bool:
    """Whether ``block`` goes to the link's calendar: the person's own blocks (typed in or
    imported from a file, not a followed calendar's); publishing: availability windows,
    and focus blocks when chosen."""
    if block.source_calendar not in (None, FILE_CALENDAR):
        return False
    if link.mode == "sync":
        return True
    return block.kind is BlockKind.AVAILABLE or (
        link.focus_as_busy and block.kind is BlockKind.FOCUS
    )


def block_event(block: Block, uid: str, tz: tzinfo, *, stamp: datetime, host: str) -> str:
    """One calendar object (VCALENDAR with its VTIMEZONE) for ``block`` under ``uid``.

    ``stamp`` (the DTSTAMP) is when the block was last edited: the other machines order
    edits by it.
    """
    unsaved = replace(block, id=None)
    text = export_ics([unsaved], tz, now=stamp)  # its VTIMEZONE in yearly rules
    text = text.replace(f"UID:{_uid(unsaved, 0)}", f"UID:{uid}")
    return text.replace("END:VEVENT", f"{HOST_PROPERTY}:{_ical_text(host)}\r\nEND:VEVENT", 1)


def published_block(block: Block) -> Block:
    """What colleagues see: an availability window as it is, a focus block as "Busy"."""
    if block.kind is BlockKind.FOCUS:
        return replace(block, title="Busy")
    return block


def _ical_text(value: str) -> str:
    return re.sub(r"[\r\n;,\\]", " ", value)


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class RemoteEvent:
    """One event on the server: where it is, its ETag, and the block it reads as."""

    href: str
    etag: str
    block: Block | None
    stamp: datetime | None = None
    host: str = ""
    unchanged: bool = False
    """Its ETag is the one last agreed: not read again (``block`` is ``None``)."""


def read_event(text: str, href: str, etag: str, tz: tzinfo) -> tuple[str, RemoteEvent] | None:
    """``(uid, event)`` of a calendar object; ``None`` when it is not one event of ours.

    The text is parsed once (UID, DTSTAMP and the block from the same calendar), without
    the VTIMEZONEs of IANA zones: ``icalendar`` reads those names from zoneinfo anyway,
    and their transition lists are most of the parsing time.
    """
    try:
        calendars = parse_ics(_without_known_zones(text))
    except ValueError:
        return None
    if len(calendars) != 1:
        return None
    masters = [e for e in calendars[0].walk("VEVENT") if "RECURRENCE-ID" not in e]
    if len(masters) != 1:
        return None
    master = masters[0]
    uid = str(master.get("UID", ""))
    if not uid:
        return None
    stamp_prop = master.get("DTSTAMP")
    stamp = stamp_prop.dt if stamp_prop is not None else None
    if not isinstance(stamp, datetime) or stamp.tzinfo is None:
        stamp = None
    host = str(master.get(HOST_PROPERTY, ""))
    try:
        result = import_calendars(calendars, tz, ImportOptions(kind=None))
    except ValueError:
        return None
    block = result.blocks[0] if len(result.blocks) == 1 else None
    return uid, RemoteEvent(href, etag, block, stamp, host)


def _without_known_zones(text: str) -> str:
    return VTIMEZONE.sub(lambda m: "" if m.group(1) in iana_names() else m.group(0), text)


@dataclass
class Outcome:
    """What one sync did on the server and asks of the local store.

    Attributes:
        new: Blocks to add locally (from the server, or conflict copies), each with the
            UID and agreed state it gets once stored (``None``: not agreed yet, pushed on
            the next sync).
        updated: Blocks to update in place, each with the digest it had when the sync
            began (not applied when the person edited it meanwhile).
        removed: Local block ids to remove, with their digest when the sync began.
        state: Agreed items to record (``None``: forget).
        pushed / pulled / conflicts / deleted: Counts for the summary line.
        error: Why some writes failed (one line; they are tried again on the next
            sync), or ``""``. What did get through is in the rest and is stored.
    """

    new: list[tuple[Block, str, SyncedItem | None]] = field(default_factory=list)
    updated: list[tuple[Block, str, str, SyncedItem]] = field(default_factory=list)
    removed: list[tuple[int, str, str]] = field(default_factory=list)
    state: dict[str, SyncedItem | None] = field(default_factory=dict)
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    deleted: int = 0
    deferred: int = 0
    error: str = ""

    def summary(self) -> str:
        parts = [f"{self.pushed} sent", f"{self.pulled} received"]
        if self.deleted:
            parts.append(f"{self.deleted} deleted")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflict copies")
        if self.deferred:
            parts.append(f"{self.deferred} changed on the server meanwhile (next sync)")
        return ", ".join(parts)


@dataclass(frozen=True)
class Put:
    """One write: ``text`` as the event ``uid``; over ``etag`` at ``href``, else new."""

    uid: str
    text: str
    href: str = ""
    etag: str = ""


class WriteTally:
    """How many events a sync has written of how many it will write: counted by the
    writing threads, read by the GUI thread for the progress it shows."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = 0
        self._total: int | None = None

    def expect(self, count: int) -> None:
        """``count`` more writes are coming."""
        with self._lock:
            self._total = (self._total or 0) + count

    def one_done(self) -> None:
        with self._lock:
            self._done += 1

    def read(self) -> tuple[int, int | None]:
        """(written, to write in all); the total is ``None`` before the writes are known."""
        with self._lock:
            return self._done, self._total


class Server:
    """The calendar collection at ``link.url`` (blocking calls: a worker thread's)."""

    def __init__(
        self,
        link: CalDavLink,
        password: str,
        timeout: int = TIMEOUT_S,
        *,
        tally: WriteTally | None = None,
    ) -> None:
        self._tally = tally
        self._link = link
        self._password = password
        self._timeout = timeout
        self._host = urlsplit(link.url).hostname or link.url
        self._base = link.url if link.url.endswith("/") else link.url + "/"
        self._clients: list[DAVClient] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._client = self._new_client()

    def _new_client(self) -> DAVClient:
        # Imported late: niquests and lxml cost every app start otherwise.
        from caldav.davclient import DAVClient

        client = DAVClient(
            url=self._link.url, username=self._link.user, password=self._password,
            timeout=self._timeout,
        )
        with self._lock:
            self._clients.append(client)
        return client

    def _thread_client(self) -> DAVClient:
        """This thread's client: a connection (an HTTP session) is not shared by threads."""
        client: DAVClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._new_client()
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def etags(self) -> list[tuple[str, str]]:
        """``(href, etag)`` of every event: one REPORT, without the events' text."""
        return [(href, etag) for href, etag, _ in self._report(_ETAGS_QUERY, depth=1)]

    def fetch(self, hrefs: Sequence[str]) -> list[tuple[str, str, str]]:
        """``(href, etag, text)`` of the events at ``hrefs`` (calendar-multiget)."""
        found: list[tuple[str, str, str]] = []
        for at in range(0, len(hrefs), _MULTIGET_BATCH):
            batch = "".join(
                f"<D:href>{_xml_text(urlsplit(h).path)}</D:href>"
                for h in hrefs[at:at + _MULTIGET_BATCH]
            )
            found += [r for r in self._report(_MULTIGET.format(hrefs=batch), None) if r[2]]
        return found

    def _report(self, query: str, depth: int | None) -> Iterator[tuple[str, str, str]]:
        response = self._call(
            lambda: self._client.request(
                self._base, "REPORT", query,
                {"Content-Type": _XML_TYPE, **({"Depth": str(depth)} if depth is not None
                                                else {})},
            )
        )
        if response.status == 404:
            raise CalDavError(
                f"{self._host} has no calendar at {self._link.url}: check the address"
            )
        self._check(response.status, "list the events")
        tree = response.tree
        if tree is None:
            raise CalDavError(f"{self._host} answered no event list; it is tried again later")
        for item in tree.iter(f"{_DAV}response"):
            href = item.findtext(f"{_DAV}href") or ""
            if not href:
                continue
            etag = data = ""
            for propstat in item.iter(f"{_DAV}propstat"):
                if " 200 " not in (propstat.findtext(f"{_DAV}status") or " 200 "):
                    continue
                etag = etag or propstat.findtext(f".//{_DAV}getetag") or ""
                data = data or propstat.findtext(f".//{_CALDAV}calendar-data") or ""
            yield urljoin(self._base, href), etag, data

    def put(self, uid: str, text: str, *, href: str = "", etag: str = "") -> str | None:
        """Write an event; ``etag`` given: only over that version, else only a new one.

        Returns:
            The new ETag, or ``None`` when the server has another version (412).
        """
        href = href or self._base + quote(uid, safe="@.-_") + ".ics"
        condition = {"If-Match": etag} if etag else {"If-None-Match": "*"}
        client = self._thread_client()
        response = self._call(
            lambda: client.put(href, text, {"Content-Type": _CONTENT_TYPE, **condition})
        )
        if response.status == 412:
            return None
        self._check(response.status, "write an event")
        new_etag = response.headers.get("ETag") or ""
        return str(new_etag)

    def put_many(self, puts: Sequence[Put]) -> list[str | CalDavError | None]:
        """:meth:`put` each, :data:`PUT_THREADS` at once; each answer, or its error."""

        tally = self._tally
        if tally is not None:
            tally.expect(len(puts))

        def one(put: Put) -> str | CalDavError | None:
            try:
                return self.put(put.uid, put.text, href=put.href, etag=put.etag)
            except CalDavError as exc:
                return exc
            finally:
                if tally is not None:
                    tally.one_done()

        if len(puts) <= 1:
            return [one(p) for p in puts]
        with ThreadPoolExecutor(PUT_THREADS, thread_name_prefix="focus-caldav") as pool:
            return list(pool.map(one, puts))

    def delete(self, href: str, etag: str) -> bool:
        """Delete an event if it is still ``etag``; ``False`` when it changed (412)."""
        response = self._call(lambda: self._client.request(href, "DELETE", "", {"If-Match": etag}))
        if response.status == 412:
            return False
        if response.status != 404:
            self._check(response.status, "delete an event")
        return True

    def _check(self, status: int, what: str) -> None:
        if status >= 400:
            raise CalDavError(
                f"{self._host} refused to {what} (HTTP {status}); it is tried again later"
            )

    def _call(self, call: Callable[[], Any]) -> Any:
        return call_dav(
            call,
            host=self._host,
            url=self._link.url,
            wrong_password=(
                f"{self._host} refused the password of '{self._link.user}': set it again "
                "with 'focus-app calendar password ID --password-stdin'"
            ),
            fail=CalDavError,
        )


def call_dav(
    call: Callable[[], Any],
    *,
    host: str | None,
    url: str,
    wrong_password: str,
    fail: Callable[[str], Exception],
) -> Any:
    """``call()`` with the ``caldav`` library's errors as one line a person can act on,
    raised as ``fail(line)``: the sync's ``CalDavError`` and a followed calendar's
    ``FetchError`` say the same things. ``wrong_password`` names the command that helps."""
    from caldav.lib import error

    try:
        return call()
    except error.AuthorizationError:
        raise fail(wrong_password) from None
    except error.NotFoundError:
        raise fail(f"{host} has no calendar at {url}: check the address") from None
    except error.DAVError as exc:
        raise fail(f"{host} answered an error ({exc.reason}); it is tried again later") from None
    except OSError as exc:  # niquests' ConnectionError and Timeout are OSErrors
        raise fail(
            f"cannot reach {host} ({type(exc).__name__}); it is tried again later, "
            "nothing is lost (check the network or the address)"
        ) from None


def sync_with_server(
    link: CalDavLink,
    password: str,
    blocks: list[Block],
    base: Mapping[str, SyncedItem],
    edited_at: Mapping[int, datetime],
    *,
    tz: tzinfo,
    host: str,
    now: datetime,
    tally: WriteTally | None = None,
) -> Outcome:
    """Publish to, or sync with, the link's calendar (blocking: a worker thread).

    Args:
        link: The calendar and how it is used.
        password: Its password.
        blocks: Every local block (those out of the link's scope are left alone).
        base: What was last agreed, by UID.
        edited_at: When local blocks were edited, by block id, as far as known.
        tz: The schedule's zone (events are written in it).
        host: This machine's name (conflict copies say where they came from).
        now: The instant of the sync.
        tally: Counts the events written, for a progress display (a first push of
            hundreds takes seconds: Radicale spends ~20 ms on each new one).

    Raises:
        CalDavError: The server could not be used (one line); nothing was changed locally.
    """
    server = Server(link, password, tally=tally)
    try:
        remote = remote_events(server, base, tz)
        if link.mode == "publish":
            return _publish(server, link, blocks, base, remote, tz, host, now)
        return _sync(server, blocks, base, remote, edited_at, tz, host, now)
    finally:
        server.close()


def remote_events(
    server: Server, base: Mapping[str, SyncedItem], tz: tzinfo
) -> dict[str, RemoteEvent]:
    """The server's events by UID. Listed with their ETags only; an event whose ETag is
    the agreed one did not change and is not read (a sync that changes nothing is one
    REPORT); the others are read in one calendar-multiget and parsed once."""
    agreed = {item.etag: uid for uid, item in base.items() if item.etag}
    remote: dict[str, RemoteEvent] = {}
    unread: list[str] = []
    for href, etag in server.etags():
        uid = agreed.get(etag)
        if uid is not None:
            remote[uid] = RemoteEvent(href, etag, None, unchanged=True)
        else:
            unread.append(href)
    for href, etag, text in server.fetch(unread) if unread else []:
        read = read_event(text, href, etag, tz)
        if read is not None:
            remote[read[0]] = read[1]
    return remote


def _send(server: Server, out: Outcome, puts: list[tuple[Put, SyncedItem]]) -> None:
    """Write ``puts`` (in parallel) and record each: agreed, deferred (412) or failed."""
    answers = server.put_many([put for put, _ in puts])
    for (put, item), answer in zip(puts, answers, strict=True):
        if isinstance(answer, CalDavError):
            out.error = out.error or str(answer)
        elif answer is None:
            out.deferred += 1
        else:
            out.pushed += 1
            out.state[put.uid] = replace(item, etag=answer)


def _publish(
    server: Server,
    link: CalDavLink,
    blocks: list[Block],
    base: Mapping[str, SyncedItem],
    remote: Mapping[str, RemoteEvent],
    tz: tzinfo,
    host: str,
    now: datetime,
) -> Outcome:
    out = Outcome()
    by_block = {item.block_id: uid for uid, item in base.items()}
    seen: set[str] = set()
    puts: list[tuple[Put, SyncedItem]] = []
    for block in blocks:
        if block.id is None or not in_scope(block, link):
            continue
        shown = published_block(block)
        digest = block_digest(shown)
        uid = by_block.get(block.id) or f"{uuid.uuid4()}@focus-app"
        seen.add(uid)
        agreed = base.get(uid)
        there = remote.get(uid)
        if agreed and there and agreed.digest == digest and agreed.etag == there.etag:
            continue
        text = block_event(shown, uid, tz, stamp=now, host=host)
        puts.append((Put(uid, text, there.href if there else "", there.etag if there else ""),
                     SyncedItem(block.id, "", digest)))
    _send(server, out, puts)
    for uid in base.keys() - seen:
        there = remote.get(uid)
        if there is None or server.delete(there.href, there.etag):
            out.deleted += there is not None
            out.state[uid] = None
    return out


def _sync(
    server: Server,
    blocks: list[Block],
    base: Mapping[str, SyncedItem],
    remote: Mapping[str, RemoteEvent],
    edited_at: Mapping[int, datetime],
    tz: tzinfo,
    host: str,
    now: datetime,
) -> Outcome:
    sync_link = CalDavLink(url="", user="", mode="sync")
    out = Outcome()
    by_block = {item.block_id: uid for uid, item in base.items()}
    local: dict[str, Block] = {}
    for block in blocks:
        if block.id is not None and in_scope(block, sync_link):
            local[by_block.get(block.id) or f"{uuid.uuid4()}@focus-app"] = block
    puts: list[tuple[Put, SyncedItem]] = []

    def push(uid: str, block: Block, there: RemoteEvent | None) -> None:
        """Queue the write (sent in parallel once every UID is decided)."""
        assert block.id is not None
        stamp = edited_at.get(block.id, now)
        text = block_event(block, uid, tz, stamp=stamp, host=host)
        put = Put(uid, text, there.href if there else "", there.etag if there else "")
        puts.append((put, SyncedItem(block.id, "", block_digest(block))))

    def pull(uid: str, there: RemoteEvent, into: Block | None) -> None:
        assert there.block is not None
        incoming = replace(there.block, source_uid=uid, source_calendar=None)
        digest = block_digest(incoming)
        if into is None:
            out.new.append((incoming, uid, SyncedItem(None, there.etag, digest)))
        else:
            assert into.id is not None
            out.updated.append(
                (replace(incoming, id=into.id, source_uid=into.source_uid,
                         source_calendar=into.source_calendar),
                 block_digest(into), uid, SyncedItem(into.id, there.etag, digest))
            )
        out.pulled += 1

    def copy(block: Block, origin: str) -> None:
        title = block.display_title + CONFLICT_SUFFIX.format(host=origin or "another machine")
        out.new.append((replace(block, id=None, title=title, source_uid=None,
                                source_calendar=None), "", None))
        out.conflicts += 1

    for uid in local.keys() | remote.keys() | base.keys():
        mine = local.get(uid)
        there = remote.get(uid)
        if there is not None and there.block is None and not there.unchanged:
            continue  # an event that is not a block: not ours to touch
        agreed = base.get(uid)
        mine_changed = mine is not None and (agreed is None or block_digest(mine) != agreed.digest)
        there_changed = there is not None and (agreed is None or there.etag != agreed.etag)
        if mine is not None and there is not None:
            if not mine_changed and not there_changed:
                continue
            if mine_changed and not there_changed:
                push(uid, mine, there)
                continue
            assert there.block is not None  # changed there: read
            if not mine_changed:
                pull(uid, there, mine)
            elif block_digest(replace(there.block, source_uid=None)) == block_digest(mine):
                assert mine.id is not None
                out.state[uid] = SyncedItem(mine.id, there.etag, block_digest(mine))
            else:  # both edited: the later edit wins, the other is kept as a copy
                assert mine.id is not None
                mine_at = edited_at.get(mine.id)
                theirs_at = there.stamp
                if mine_at is not None and (theirs_at is None or mine_at > theirs_at):
                    copy(there.block, there.host)
                    push(uid, mine, there)
                else:
                    copy(mine, host)
                    pull(uid, there, mine)
        elif mine is not None:  # not on the server
            if agreed is None or mine_changed:
                push(uid, mine, None)  # new here, or edited here after it went there
            else:
                assert mine.id is not None
                out.removed.append((mine.id, block_digest(mine), uid))
        elif there is not None:  # not here
            if agreed is None or there_changed:
                pull(uid, there, None)  # new there, or edited there after it went here
            elif server.delete(there.href, there.etag):
                out.deleted += 1
                out.state[uid] = None
            else:
                out.deferred += 1
        else:
            out.state[uid] = None  # gone on both sides
    _send(server, out, puts)
    return out

