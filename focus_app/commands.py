"""What each IPC command does: validate the arguments, call the engine, shape the answer.

The command line and any other client (mail filters, chat bridges, cron) speak this. Bad
input raises ``CommandError`` with one line a person can act on; the server turns it
into an error answer and keeps serving.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from focus_app.core.dates import check_block_dates, date_problem
from focus_app.core.model import (
    Block,
    BlockKind,
    Mode,
    Notification,
    Recurrence,
    Rule,
    RuleAction,
    RuleMatch,
    Urgency,
)
from focus_app.core.parsing import (
    format_weekdays,
    next_wall_time,
    parse_clock,
    parse_duration,
    parse_weekdays,
)
from focus_app.core.text import clean_text
from focus_app.store import (
    HeldItem,
    HistoryCursor,
    HistoryFilter,
    HistoryRow,
    StoreError,
    week_start,
)

if TYPE_CHECKING:  # the command line validates sends with this module and stays Qt-free
    from focus_app.calendars import ImportPlan
    from focus_app.calendars.following import Following
    from focus_app.calendars.linking import CalDavLinks
    from focus_app.core.schedule import Schedule
    from focus_app.core.subscriptions import Subscription
    from focus_app.desktop.secrets import Passwords
    from focus_app.engine import Engine, Ingested

Request = dict[str, Any]
Answer = dict[str, Any]

DEFAULT_DURATIONS = {
    Mode.FOCUS: timedelta(minutes=25),
    Mode.AVAILABLE: timedelta(minutes=30),
    Mode.PAUSED: timedelta(hours=1),
}
MAX_TEXT = 8 * 1024
MAX_NAME = 200
MAX_KEY = 128
MAX_ID = 2**63 - 1
"""SQLite's largest integer: a bigger id cannot exist and would not even bind."""
MAX_ICS_BYTES = 16 * 1024 * 1024
HISTORY_ANSWER_ROWS = 200
HISTORY_ANSWER_BYTES = 256 * 1024
"""A history answer stops near this size; the client asks for the next page."""


class CommandError(Exception):
    """Bad input: the message says what was wrong and what would be right."""


# --------------------------------------------------------------------- long work


@dataclass(frozen=True)
class OffThread:
    """A step of long work: run ``call`` on a worker thread.

    Its result (or the exception it raised) is sent back into the work on the GUI
    thread. ``call`` works on its own data only: never the engine, the store or Qt.
    ``progress``, if given, says how far ``call`` got while it runs (it is asked on the
    GUI thread, so it reads only what is safe to read from there).
    """

    call: Callable[[], Any]
    progress: Callable[[], Progress] | None = None


@dataclass(frozen=True)
class Progress:
    """A step of long work: how far it got. The work goes on in a later event-loop turn.

    Attributes:
        done: Items finished.
        total: Items in all; ``None`` while that is not known yet (still reading).
    """

    done: int
    total: int | None = None

    def describe(self) -> str:
        """``1,200 of 4,576 events`` (or ``reading the file``)."""
        if self.total is None:
            return "reading the file"
        return f"{self.done:,} of {self.total:,} events"

    def to_json(self) -> dict[str, int | None]:
        return {"done": self.done, "total": self.total}


Step = OffThread | Progress


class Pending:
    """An answer that comes later: long work as a generator of ``Step``s.

    The generator yields ``OffThread`` (run this on a worker thread and send me the
    result) and ``Progress`` (let other requests in, then resume me); its return value
    is the answer. The work itself (commands.py) stays free of Qt and threads; whoever
    drives it decides how: ``IpcServer`` on its event loop, ``run_inline`` right here.
    """

    def __init__(self, steps: Generator[Step, Any, Answer]) -> None:
        self._steps = steps
        self._started = False
        self._progress = Progress(0, None)
        self._live: Callable[[], Progress] | None = None
        self.answer: Answer | None = None

    @property
    def progress(self) -> Progress:
        """How far the work got: its last ``Progress`` step, or what the ``OffThread``
        step under way says of itself."""
        return self._live() if self._live is not None else self._progress

    def advance(self, value: Any = None, error: BaseException | None = None) -> Step | None:
        """Resume the work with a step's result (or its exception); the next step.

        Returns:
            The next step, or ``None`` when the work is done and ``answer`` is set.

        Raises:
            Exception: Whatever the work did not handle (a ``StoreError``, a bug); the
                work is over then.
        """
        try:
            if error is not None:
                step = self._steps.throw(error)
            elif not self._started:
                step = next(self._steps)
            else:
                step = self._steps.send(value)
        except StopIteration as done:
            self.answer = done.value
            return None
        finally:
            self._started = True
        if isinstance(step, Progress):
            self._progress, self._live = step, None
        elif step is not None:
            self._live = step.progress
        return step

    def close(self) -> None:
        """Abandon the work (the server is closing); its clean-up runs."""
        self._steps.close()

    def run_inline(self) -> Answer:
        """Drive the work to its end on this thread (no event loop needed)."""
        value: Any = None
        error: BaseException | None = None
        while (step := self.advance(value, error)) is not None:
            value, error = None, None
            if isinstance(step, OffThread):
                try:
                    value = step.call()
                except Exception as exc:  # sent back into the work, as the server does
                    error = exc
        assert self.answer is not None
        return self.answer


def _rebuilt(schedule: Schedule, blocks: Sequence[Block]) -> Schedule:
    """A schedule of ``blocks`` with ``schedule``'s default mode and zone.

    Pure: built on the worker thread from blocks read on the GUI thread.
    """
    from focus_app.core.schedule import Schedule  # the command line's queue needs none of it

    return Schedule(list(blocks), schedule.default_mode, tz=schedule.tz)


def _answered(steps: Generator[Step, Any, Any]) -> Generator[Step, Any, Answer]:
    """The work's result as an answer; its ``CommandError`` as an error answer."""
    try:
        result = yield from steps
    except CommandError as exc:
        return _error(str(exc))
    return {"ok": True, "result": result}


class Commands:
    """Dispatches requests to the engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._import_progress: Progress | None = None
        self._following: Following | None = None
        self._links: CalDavLinks | None = None
        self._awaiting_password: set[str] = set()
        """Sources of followed CalDAV calendars whose password is being stored: their
        scheduled refresh waits for it (else it would fail for want of a password)."""
        self.passwords: Passwords | None = None
        """The CalDAV passwords (links and followed calendars); made on first use (the
        desktop's Secret Service, memory without one). Tests give theirs."""
        self.run_in_background: Callable[[Pending], None] | None = None
        """Set by the app: drives scheduled calendar refreshes (``BackgroundWork.run``).
        Without it (tests, scripts) calendars refresh only on ``calendar.sync``."""
        self.window_state: Callable[[], dict[str, Any]] | None = None
        """Set by the desktop UI (``ui.shell.start_ui``): what the main window shows, for
        ``window``. Without it (``--headless``) ``window`` answers that there is no UI."""
        self._table: dict[str, Callable[[Request], Any]] = {
            "ping": lambda _r: "pong",
            "status": lambda _r: engine.status(),
            "focus": lambda r: self._override(Mode.FOCUS, r),
            "available": lambda r: self._override(Mode.AVAILABLE, r),
            "pause": lambda r: self._override(Mode.PAUSED, r),
            "resume": self._resume,
            "held": lambda _r: [held_to_json(item) for item in engine.held()],
            "history": self._history,
            "release": self._release,
            "dismiss": self._dismiss,
            "block.add": self._block_add,
            "block.list": lambda _r: [block_to_json(b) for b in engine.blocks()],
            "block.remove": self._block_remove,
            "rule.add": self._rule_add,
            "rule.list": lambda _r: [rule_to_json(r) for r in engine.rules()],
            "rule.remove": self._rule_remove,
            "export": self._export,
            "import": self._import,
            "calendar.add": self._calendar_add,
            "calendar.list": self._calendar_list,
            "calendar.remove": self._calendar_remove,
            "calendar.sync": self._calendar_sync,
            "calendar.password": self._calendar_password,
            "raise": self._raise,
            "window": self._window,
        }
        from focus_app import boundary_commands  # imports this module: loaded late

        self._table.update(boundary_commands.table(engine, self.following))

    @property
    def names(self) -> list[str]:
        return [*self._table, "send"]

    def handle(self, request: Request) -> Answer:
        """Answer one request (anything but ``send``) now, long work included.

        For callers without an event loop (tests, scripts): an import runs on the
        caller's thread. The socket uses ``serve``.
        """
        answer = self.serve(request)
        return answer.run_inline() if isinstance(answer, Pending) else answer

    def serve(self, request: Request) -> Answer | Pending:
        """Answer one request (anything but ``send``), or start long work answered later.

        ``import`` comes back as a ``Pending`` that the server drives (``IpcServer``), so
        no request holds the engine for long; everything else is answered at once.
        """
        cmd = request.get("cmd")
        action = self._table.get(str(cmd))
        if action is None:
            return _error(f"unknown command '{cmd}'; known: {', '.join(sorted(self.names))}")
        try:
            result = action(request)
        except CommandError as exc:
            return _error(str(exc))
        if isinstance(result, Pending):
            return result
        return {"ok": True, "result": result}

    @property
    def import_progress(self) -> Progress | None:
        """How far the running import got; ``None`` when none runs."""
        return self._import_progress

    def handle_sends(self, requests: list[Request]) -> list[Answer]:
        """Decide a batch of ``send`` requests at once (one transaction).

        A request may carry ``"key"``, a random id the client made for this send: a
        repeat of a key (the client retried because the app died before answering) is
        answered with the first decision and stored nothing.
        """
        answers: list[Answer | None] = []
        valid: list[Notification] = []
        keys: list[str | None] = []
        now = self._engine.clock.now()
        for request in requests:
            try:
                valid.append(notification_from_request(request, now))
                keys.append(send_key(request))
                answers.append(None)
            except CommandError as exc:
                answers.append(_error(str(exc)))
        results = iter(self._engine.ingest_many(valid, keys)) if valid else iter(())
        return [
            answer
            if answer is not None
            else {"ok": True, "result": ingested_to_json(next(results))}
            for answer in answers
        ]

    # ----------------------------------------------------------------- overrides

    def _override(self, mode: Mode, request: Request) -> dict[str, Any]:
        reason = _opt_str(request, "reason", limit=200, one_line=True)
        until_text = _opt_str(request, "until")
        duration_text = _opt_str(request, "duration")
        if until_text and duration_text:
            raise CommandError("give a duration or --until, not both")
        if until_text:
            try:
                wall = parse_clock(until_text)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            until = next_wall_time(wall, self._engine.clock.now(), self._engine.tz)
            self._engine.override_until(mode, until, reason)
        else:
            duration = DEFAULT_DURATIONS[mode]
            if duration_text:
                try:
                    duration = parse_duration(duration_text)
                except ValueError as exc:
                    raise CommandError(str(exc)) from None
            self._engine.start_override(mode, duration, reason)
        return self._engine.status()

    def _resume(self, _request: Request) -> dict[str, Any]:
        self._engine.resume_schedule()
        return self._engine.status()

    # ----------------------------------------------------------------- held

    def _release(self, request: Request) -> dict[str, Any]:
        ids = _opt_ids(request)
        if ids:
            known = {item.notification.id for item in self._engine.held()}
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise CommandError(
                    f"no held notification with id {', '.join(map(str, unknown))}; "
                    "see 'focus-app held'"
                )
        released = self._engine.release(ids or None)
        return {
            "released": released,
            "held": self._engine.held_count(),
            "problem": self._engine.last_release_problem,
        }

    def _dismiss(self, request: Request) -> dict[str, Any]:
        ids = _opt_ids(request)
        if not ids:
            raise CommandError("name the ids to dismiss")
        self._engine.dismiss(ids)
        return {"held": self._engine.held_count()}

    # ----------------------------------------------------------------- blocks

    def _block_add(self, request: Request) -> dict[str, Any]:
        block = block_from_request(request)
        return block_to_json(self._engine.add_block(block))

    def _block_remove(self, request: Request) -> dict[str, Any]:
        block_id = _int(request, "id")
        if not self._engine.remove_block(block_id):
            raise CommandError(f"no block with id {block_id}; see 'focus-app block list'")
        return {"removed": block_id}

    # ----------------------------------------------------------------- rules

    def _rule_add(self, request: Request) -> dict[str, Any]:
        rule = rule_from_request(request)
        position = request.get("position")
        if position is not None and (
            isinstance(position, bool) or not isinstance(position, int)
            or not 1 <= position <= MAX_ID
        ):
            raise CommandError("position must be a whole number from 1")
        stored = self._engine.add_rule(rule, None if position is None else position - 1)
        return rule_to_json(stored)

    def _rule_remove(self, request: Request) -> dict[str, Any]:
        rule_id = _int(request, "id")
        if not self._engine.remove_rule(rule_id):
            raise CommandError(f"no rule with id {rule_id}; see 'focus-app rule list'")
        return {"removed": rule_id}

    # ----------------------------------------------------------------- ICS

    def _export(self, _request: Request) -> dict[str, Any]:
        # Imported here, not at the top: icalendar costs every app start for a rare command.
        from focus_app.calendars import export_ics

        text = export_ics(self._engine.blocks(), self._engine.tz, now=self._engine.clock.now())
        return {"ics": text, "blocks": len(self._engine.blocks())}

    def _import(self, request: Request) -> Pending:
        """Add (or, by event UID, update) the blocks of an iCalendar file, answered later.

        The command line sends ``"path"`` (absolute; the engine reads the file, so its
        size is not bound by the 64 KiB frame limit); small clients may send the text as
        ``"ics"`` instead. ``"kind"`` is the kind for events that do not say theirs
        (otherwise they are skipped); ``"dry_run": true`` answers the same without
        storing anything (a preview). Reading, parsing and planning run off the GUI thread
        (a 2,000-event file took ~100 ms, every ``status`` and ``send`` waited behind it);
        see ``_import_steps``.
        """
        from focus_app.calendars import ImportOptions, import_ics, plan_import  # see _export

        if self._import_progress is not None:
            raise CommandError(
                f"an import is already running ({self._import_progress.describe()}); "
                "wait until it ends, then try again"
            )
        if request.get("path") is not None:
            if request.get("ics") is not None:
                raise CommandError('give "path" or "ics", not both')
            path_text = _opt_str(request, "path", limit=4096)
            read: Callable[[], str] = lambda: _read_ics(path_text)  # noqa: E731
        else:
            given = request.get("ics")
            if not isinstance(given, str):
                raise CommandError(
                    '"path" must be the absolute path of an iCalendar file '
                    '(or "ics" its text)'
                )
            _check_utf8("ics", given)
            read = lambda: given  # noqa: E731
        kind_text = _opt_str(request, "kind")
        try:
            kind = BlockKind(kind_text) if kind_text else None
        except ValueError:
            raise CommandError(f"unknown kind '{kind_text}': use focus, available or off") from None
        dry_run = request.get("dry_run") is True
        tz = self._engine.tz
        existing = self._engine.blocks()

        def parse() -> ImportPlan:
            # The worker thread: pure work on its own data, never the engine or the store.
            try:
                result = import_ics(read(), tz, ImportOptions(kind=kind))
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            # A calendar's SUMMARY may carry newlines or escape sequences; titles are one line.
            result.blocks = [
                replace(block, title=clean_text(block.title, MAX_NAME, one_line=True))
                for block in result.blocks
            ]
            return plan_import(result, existing)

        return Pending(_answered(self._import_steps(parse, dry_run=dry_run)))

    def _import_steps(
        self, parse: Callable[[], ImportPlan], *, dry_run: bool
    ) -> Generator[Step, Any, Any]:
        """Parse and plan off the GUI thread, store in one turn, rebuild off the thread.

        All blocks of one import are stored in one transaction (an import is all or
        nothing; ~70 ms for 2,000 blocks); the schedule is rebuilt on the worker from
        the stored blocks and swapped in, unless blocks were edited meanwhile.
        """
        self._import_progress = Progress(0, None)
        try:
            plan: ImportPlan = yield OffThread(parse)
            added = plan.new
            if not dry_run and (plan.new or plan.updated or plan.removed):
                self._import_progress = Progress(0, len(plan.new) + len(plan.updated))
                yield self._import_progress
                before = self._engine.schedule()
                added = self._engine.import_blocks(
                    plan.new,
                    plan.updated,
                    [b.id for b in plan.removed if b.id is not None],
                    rebuild=False,
                )
                self._import_progress = Progress(len(added), len(added) + len(plan.updated))
                stored = self._engine.store.list_blocks()
                built: Schedule = yield OffThread(lambda: _rebuilt(before, stored))
                if self._engine.schedule() is before:
                    self._engine.add_blocks([], schedule=built)
                else:  # blocks were edited meanwhile: the store knows best
                    self._engine.add_blocks([])
            first, last = plan.date_range()
            shaped: dict[str, Any] = yield OffThread(
                lambda: {
                    "added": [block_to_json(b) for b in added],
                    "updated": [block_to_json(b) for b in plan.updated],
                }
            )
            return {
                "dry_run": dry_run,
                **shaped,
                "unchanged": len(plan.unchanged),
                "removed": [b.id for b in plan.removed],
                "kinds": plan.kinds(),
                "first": first.isoformat() if first else None,
                "last": last.isoformat() if last else None,
                "skipped": list(plan.skipped),
                "problems": list(plan.problems),
            }
        finally:
            self._import_progress = None

    # ----------------------------------------------------------------- calendars

    def following(self) -> Following:
        """The followed calendars; made on first use, when it also starts the engine
        planning their refreshes (so an app that follows none never imports icalendar)."""
        if self._following is None:
            from focus_app.calendars.following import Following
            from focus_app.desktop.secrets import subscription_key

            self._passwords()  # made here, on the GUI thread; looked up on the worker
            self._following = Following(
                self._engine,
                lambda sub: self._passwords().lookup(subscription_key(sub.id or 0)),
            )
            self._plan_calendars()
        return self._following

    def caldav(self) -> CalDavLinks:
        """The CalDAV links; made on first use, like :meth:`following` (their syncs join
        the engine's wake-ups; every block edit is noted for "the later edit wins")."""
        if self._links is None:
            from focus_app.calendars.linking import CalDavLinks

            passwords = self._passwords()
            self._links = CalDavLinks(
                self._engine, lambda link: passwords.lookup(link.id or 0)
            )
            self._engine.blocks_changed.connect(self._links.note_edits)
            self._plan_calendars()
        return self._links

    def _passwords(self) -> Passwords:
        if self.passwords is None:
            from focus_app.desktop.secrets import Passwords, SecretService

            self.passwords = Passwords(SecretService())
        return self.passwords

    def _plan_calendars(self) -> None:
        self._engine.calendar_refresh_at = self._calendar_due_at
        self._engine.calendar_refresh_due = self._refresh_due

    def _calendar_due_at(self) -> datetime | None:
        candidates = [
            t
            for t in (
                self._following.next_refresh_at() if self._following else None,
                self._links.next_sync_at() if self._links else None,
            )
            if t is not None
        ]
        return min(candidates, default=None)

    def _refresh_due(self, now: datetime) -> None:
        if self.run_in_background is None:
            return
        following, links = self._following, self._links
        if following is not None and not following.running:
            due = following.due(now)
            if self._awaiting_password:
                held = {s.id for s in following.subscriptions()
                        if s.source in self._awaiting_password}
                due = [i for i in due if i not in held]
            contacts = following.due_contacts(now)
            if due or contacts:
                steps = following.refresh_steps(due, contacts=contacts)
                self.run_in_background(Pending(_answered(steps)))
        if links is not None and not links.running:
            due = links.due(now)
            if due:
                self.run_in_background(Pending(_answered(links.sync_steps(due))))

    def _calendar_add(self, request: Request) -> dict[str, Any] | Pending:
        if request.get("caldav") is True:
            if request.get("mode") == "follow":
                return self._caldav_follow(request)
            return self._caldav_add(request)
        from focus_app.calendars.subscriptions import check_source, default_name
        from focus_app.core.subscriptions import Subscription

        try:
            source = check_source(_opt_str(request, "source", limit=4096, one_line=True))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        busy, every, name = _following_choices(request)
        sub = Subscription(
            source=source, busy_kind=busy, every_minutes=every, name=name or default_name(source)
        )
        try:
            stored = self.following().add(sub)
        except StoreError as exc:
            raise CommandError(str(exc)) from None
        return self.following().summary(stored)

    def _caldav_follow(self, request: Request) -> Pending:
        """Follow a CalDAV calendar as busy time (read only); with ``password``, keep it.

        Its first refresh waits until the password is stored (off the GUI thread), then
        is due at once.
        """
        from focus_app.calendars.subscriptions import caldav_name, check_caldav_source
        from focus_app.core.subscriptions import Subscription

        try:
            source = check_caldav_source(
                _opt_str(request, "source", limit=4096, one_line=True)
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        user = _opt_str(request, "user", limit=256, one_line=True).strip()
        if not user:
            raise CommandError("a CalDAV calendar needs --user NAME (the server's user name)")
        busy, every, name = _following_choices(request)
        password = _password(request, required=False)
        sub = Subscription(
            source=source, busy_kind=busy, every_minutes=every,
            name=name or caldav_name(source, user), user=user,
        )
        if password is not None:  # before add(): it makes the calendar due at once
            self._awaiting_password.add(source)
        try:
            stored = self.following().add(sub)
        except StoreError as exc:
            self._awaiting_password.discard(source)
            raise CommandError(str(exc)) from None
        assert stored.id is not None
        return Pending(_answered(self._keep_follow_password(stored, password)))

    def _keep_follow_password(
        self, sub: Subscription, password: str | None
    ) -> Generator[Step, Any, dict[str, Any]]:
        """Store a followed CalDAV calendar's password off the GUI thread; its refresh
        is held back meanwhile (``_awaiting_password``) and due at once after."""
        from focus_app.desktop.secrets import subscription_key

        assert sub.id is not None
        sub_id = sub.id
        following = self.following()
        where = ""
        try:
            if password is not None:
                self._awaiting_password.add(sub.source)
                label = f"Focus & Boundaries: {sub.user} at {sub.source}"
                passwords = self._passwords()
                where = yield OffThread(
                    lambda: passwords.store(subscription_key(sub_id), label, password)
                )
        finally:
            self._awaiting_password.discard(sub.source)
        current = next((s for s in following.subscriptions() if s.id == sub_id), None)
        if current is None:
            raise CommandError(f"calendar {sub_id} was removed meanwhile")
        if password is not None:
            following.due_now(sub_id)
        return {**following.summary(current), "password": where}

    def _caldav_add(self, request: Request) -> Pending:
        """Link a CalDAV calendar (``mode`` sync or publish); with ``password``, keep it."""
        from focus_app.core.subscriptions import CalDavLink

        url = _opt_str(request, "source", limit=4096, one_line=True).strip()
        if not url.startswith(("http://", "https://")):
            raise CommandError(
                f"a CalDAV calendar is an http(s):// address, not '{url[:80]}'"
            )
        user = _opt_str(request, "user", limit=256, one_line=True).strip()
        if not user:
            raise CommandError("a CalDAV calendar needs --user NAME (the server's user name)")
        mode = _opt_str(request, "mode") or "sync"
        if mode not in ("sync", "publish"):
            raise CommandError(f"unknown CalDAV mode '{mode}': use sync or publish")
        busy = request.get("focus_as_busy", False)
        if not isinstance(busy, bool):
            raise CommandError('"focus_as_busy" must be true or false')
        password = _password(request, required=False)
        try:
            stored = self.caldav().add(
                CalDavLink(url=url, user=user, mode=mode, focus_as_busy=busy)
            )
        except StoreError as exc:
            raise CommandError(str(exc)) from None
        assert stored.id is not None
        return Pending(_answered(self._keep_password(stored.id, url, user, password)))

    def _keep_password(
        self, link_id: int, url: str, user: str, password: str | None
    ) -> Generator[Step, Any, dict[str, Any]]:
        """Store the password off the GUI thread (the Secret Service may be slow)."""
        links = self.caldav()
        where = ""
        if password is not None:
            passwords = self._passwords()
            where = yield OffThread(
                lambda: passwords.store(link_id, f"Focus & Boundaries: {user} at {url}", password)
            )
        link = next((k for k in links.links() if k.id == link_id), None)
        if link is None:
            raise CommandError(f"calendar c{link_id} was removed meanwhile")
        return {**links.summary(link), "password": where}

    def _calendar_password(self, request: Request) -> Pending:
        """Keep the password of a CalDAV link or a followed CalDAV calendar (Secret
        Service, or memory for the session)."""
        kind, link_id = _calendar_ref(request.get("id"))
        if kind == "subscription":
            sub = next((s for s in self.following().subscriptions() if s.id == link_id), None)
            if sub is not None and sub.is_caldav:
                password = _password(request, required=True)
                return Pending(_answered(self._keep_follow_password(sub, password)))
        has_links = self._links is not None or bool(self._engine.store.list_caldav_links())
        link = next((k for k in self.caldav().links() if k.id == link_id), None) if (
            has_links and kind == "caldav") else None
        if link is None:
            raise CommandError(
                f"no CalDAV calendar {_ref_text(request.get('id'))}; "
                "see 'focus-app calendar list' (CalDAV ones are c1, c2, … and followed "
                "ones with a user)"
            )
        password = _password(request, required=True)
        return Pending(_answered(self._keep_password(link_id, link.url, link.user, password)))

    def _calendar_list(self, _request: Request) -> list[dict[str, Any]]:
        following = self.following()
        listed = [following.summary(s) for s in following.subscriptions()]
        if self._links is not None or self._engine.store.list_caldav_links():
            links = self.caldav()
            listed += [links.summary(k) for k in links.links()]
        return listed

    def _calendar_remove(self, request: Request) -> dict[str, Any]:
        kind, item_id = _calendar_ref(request.get("id"))
        if kind == "caldav":
            if not self.caldav().remove(item_id):
                raise CommandError(
                    f"no calendar c{item_id}; see 'focus-app calendar list'"
                )
            passwords = self._passwords()
            passwords.forget(item_id)
            return {"removed": f"c{item_id}", "blocks": 0}
        following = self.following()
        was_caldav = any(s.is_caldav for s in following.subscriptions() if s.id == item_id)
        removed = following.remove(item_id)
        if removed is None:
            raise CommandError(
                f"no calendar with id {item_id}; see 'focus-app calendar list'"
            )
        if was_caldav:
            from focus_app.desktop.secrets import subscription_key

            self._passwords().forget(subscription_key(item_id))
        return {"removed": item_id, "blocks": removed}

    def _calendar_sync(self, request: Request) -> Pending:
        """Refresh followed calendars and sync CalDAV links now (all, or ``"ids"``: numbers
        for subscriptions, ``"c3"`` for links), answered when done."""
        raw = request.get("ids") or []
        if not isinstance(raw, list):
            raise CommandError('"ids" must be a list of calendar ids')
        refs = [_calendar_ref(i) for i in raw]
        sub_ids = [i for kind, i in refs if kind == "subscription"]
        link_ids = [i for kind, i in refs if kind == "caldav"]
        following = self.following()
        has_links = self._links is not None or bool(self._engine.store.list_caldav_links())
        links = self.caldav() if has_links else None
        unknown = [str(i) for i in sub_ids if i not in {s.id for s in following.subscriptions()}]
        known_links = {k.id for k in links.links()} if links else set()
        unknown += [f"c{i}" for i in link_ids if i not in known_links]
        if unknown:
            raise CommandError(
                f"no calendar with id {', '.join(unknown)}; see 'focus-app calendar list'"
            )
        if following.running or (links is not None and links.running):
            raise CommandError("calendars are being refreshed right now; try again in a moment")
        everything = not refs
        return Pending(_answered(self._sync_steps(
            sub_ids if sub_ids or everything else None,
            link_ids if link_ids or everything else None,
        )))

    def _sync_steps(
        self, sub_ids: list[int] | None, link_ids: list[int] | None
    ) -> Generator[Step, Any, list[dict[str, Any]]]:
        done: list[dict[str, Any]] = []
        if sub_ids is not None:
            done += yield from self.following().refresh_steps(sub_ids or None)
        if link_ids is not None and self._links is not None:
            done += yield from self._links.sync_steps(link_ids or None)
        return done

    def _history(self, request: Request) -> dict[str, Any]:
        """One page of the history, newest first; ``next`` continues it (``None``: done).

        Request: ``since`` / ``until`` (WHEN: ``today``, ``week``, ``2d``, ``3h``,
        ``YYYY-MM-DD``, ``HH:MM``), ``after`` (the previous answer's ``next``).
        """
        now = self._engine.clock.now()
        tz = self._engine.tz
        since_text = _opt_str(request, "since")
        until_text = _opt_str(request, "until")
        since = parse_when(since_text, now, tz, "since") if since_text else None
        until = parse_when(until_text, now, tz, "until") if until_text else None
        after = request.get("after")
        cursor: HistoryCursor | None = None
        if after is not None:
            if (
                not isinstance(after, list)
                or len(after) != 2
                or not isinstance(after[0], int | float)
                or isinstance(after[1], bool)
                or not isinstance(after[1], int)
            ):
                raise CommandError('"after" must be the "next" of the previous answer')
            cursor = HistoryCursor(float(after[0]), after[1])
        rows = self._engine.store.history_page(
            HistoryFilter(since=since, until=until), after=cursor, limit=HISTORY_ANSWER_ROWS
        )
        items: list[dict[str, Any]] = []
        size = 0
        for row in rows:
            item = history_to_json(row)
            items.append(item)
            size += len(str(item))
            if size > HISTORY_ANSWER_BYTES:
                break
        more = len(items) < len(rows) or len(rows) == HISTORY_ANSWER_ROWS
        last = rows[len(items) - 1].cursor if items else None
        return {
            "items": items,
            "next": [last.received_ts, last.id] if more and last is not None else None,
        }

    def _window(self, _request: Request) -> dict[str, Any]:
        """What the main window shows: its page and the ids it lists (see ``NO_WINDOW``).

        Read-only and cheap (nothing is loaded for it): for scripts, and for end-to-end
        tests that check what a notification's action opened without reading pixels.
        """
        if self.window_state is None:
            return {**NO_WINDOW, "ui": False}
        return self.window_state()

    def _raise(self, _request: Request) -> dict[str, Any]:
        self._engine.request_raise()
        return {"raised": True}


NO_WINDOW: dict[str, Any] = {
    "ui": True,
    "open": False,
    "page": None,
    "digest": None,
    "items": [],
    "more": False,
}
"""The ``window`` answer while no window is on screen (a public format: only add keys).

``ui``: a desktop UI runs (false with ``--headless``); ``open``: the main window is on
screen; ``page``: the key of its current page (``today``, ``calendar``, ``inbox``,
``history``, ``review``, ``requests``, ``settings``); ``digest``: the digest or pacing
summary whose items the History page shows ("Open inbox"), else null; ``items``: the
notification ids the inbox or History page lists, in row order (History: the rows
loaded so far, newest first); ``more``: History has more rows to load on scrolling."""


# --------------------------------------------------------------------- conversions


def notification_from_request(request: Request, now: datetime) -> Notification:
    """The notification a ``send`` request describes, its text cleaned at the door.

    Used by the socket and by the command line's queue (app not running) alike, so
    both take the same text: control characters (NUL first: it makes D-Bus drop the
    connection, so one such item blocked every digest) are dropped, lone surrogates
    replaced, over-long text cut with a note (``focus_app.core.text.clean_text``).

    Raises:
        CommandError: A field has the wrong type, or the title is empty once cleaned.
    """
    title = clean_text(_any_str(request, "title"), MAX_TEXT, one_line=True)
    if not title:
        raise CommandError("a notification needs a title (of printable text)")
    urgency_text = _opt_str(request, "urgency") or "normal"
    try:
        urgency = Urgency(urgency_text)
    except ValueError:
        raise CommandError(
            f"unknown urgency '{urgency_text}': use low, normal or critical"
        ) from None
    time_sensitive = request.get("time_sensitive", False)
    if not isinstance(time_sensitive, bool):
        raise CommandError('"time_sensitive" must be true or false')
    return Notification(
        title=title,
        body=clean_text(_any_str(request, "body"), MAX_TEXT),
        sender=clean_text(_any_str(request, "sender"), MAX_NAME, one_line=True),
        source=clean_text(_any_str(request, "source"), MAX_NAME, one_line=True),
        urgency=urgency,
        time_sensitive=time_sensitive,
        received_at=now,
    )


def send_key(request: Request) -> str | None:
    """The send's idempotency key (``"key"``), if the client gave one."""
    key = request.get("key")
    if key is None:
        return None
    if not isinstance(key, str) or not key or len(key) > MAX_KEY or not key.isprintable():
        raise CommandError(
            f'"key" must be a non-empty printable string of at most {MAX_KEY} characters '
            "(e.g. a random UUID)"
        )
    _check_utf8("key", key)
    return key


def ingested_to_json(result: Ingested) -> dict[str, Any]:
    d = result.decision
    return {
        "id": result.id,
        "decision": d.outcome.value,
        "release_at": _iso(d.release_at),
        "reason": d.reason,
        "breakthrough": d.breakthrough,
    }


def held_to_json(item: HeldItem) -> dict[str, Any]:
    n = item.notification
    return {
        "id": n.id,
        "title": n.title,
        "body": n.body,
        "sender": n.sender,
        "source": n.source,
        "urgency": n.urgency.value,
        "time_sensitive": n.time_sensitive,
        "received_at": _iso(n.received_at),
        "release_at": _iso(item.release_at),
        "reason": item.reason,
    }


def history_to_json(row: HistoryRow) -> dict[str, Any]:
    """One history row for ``focus-app history --json`` (a public format: only add keys)."""
    n = row.notification
    return {
        "id": n.id,
        "received_at": _iso(n.received_at),
        "title": n.title,
        "body": n.body,
        "sender": n.sender,
        "source": n.source,
        "program": n.program,
        "origin": n.origin,
        "decision": row.outcome.value if row.outcome is not None else "queued",
        "breakthrough": row.breakthrough,
        "reason": row.reason,
        "status": row.status.value,
        "feedback": row.feedback.value if row.feedback is not None else None,
    }


_AGO = re.compile(r"^(\d{1,4})([dhm])$")


def parse_when(text: str, now: datetime, tz: tzinfo, option: str) -> datetime:
    """An instant from the command line's WHEN, in the calendar's time zone.

    ``today`` and ``week`` mean the start of today / this week (Monday); ``2d``, ``3h``,
    ``90m`` that long ago; ``YYYY-MM-DD`` that day's midnight (for ``--until``, the end
    of that day, so ``--until 2026-11-26`` includes it); ``HH:MM`` the latest such time
    not in the future.

    Raises:
        CommandError: ``text`` is none of these.
    """
    word = text.strip().lower()
    local_now = now.astimezone(tz)
    if word == "today":
        start = datetime.combine(local_now.date(), time(0), tzinfo=tz)
        return start + timedelta(days=1) if option == "until" else start
    if word == "week":
        start = week_start(now, tz)
        return start + timedelta(days=7) if option == "until" else start
    match = _AGO.match(word)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        units = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
        return now - amount * units[unit]
    try:
        day = date.fromisoformat(word)
    except ValueError:
        pass
    else:
        # 9999-12-31 for --until would overflow a day later ("internal error"): the
        # dates a block may use are the dates a search may name.
        problem = date_problem(day, f"--{option}")
        if problem is not None:
            raise CommandError(problem)
        if option == "until":
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=tz)
    try:
        clock = parse_clock(word)
    except ValueError:
        raise CommandError(
            f"bad time '{text}' for --{option}: use today, week, 2d, 3h, YYYY-MM-DD or HH:MM"
        ) from None
    at = datetime.combine(local_now.date(), clock, tzinfo=tz)
    return at - timedelta(days=1) if at > local_now else at


def block_from_request(request: Request) -> Block:
    kind_text = _opt_str(request, "kind")
    try:
        kind = BlockKind(kind_text)
    except ValueError:
        raise CommandError(f"unknown kind '{kind_text}': use focus, available or off") from None
    try:
        start = parse_clock(_opt_str(request, "start"))
        end = parse_clock(_opt_str(request, "end"))
        on_date = _opt_date(request, "date")
        recurrence = None
        if on_date is None:
            days_text = _opt_str(request, "days")
            if not days_text:
                raise CommandError("give --days (e.g. mon,tue,fri or mon-fri) or --date")
            recurrence = Recurrence(
                weekdays=parse_weekdays(days_text),
                interval_weeks=_every_weeks(request),
                starts=_opt_date(request, "from"),
                until=_opt_date(request, "until"),
            )
        elif request.get("days"):
            raise CommandError("give --days or --date, not both")
        block = Block(
            kind=kind,
            start=start,
            end=end,
            title=_opt_str(request, "title", limit=200, one_line=True),
            recurrence=recurrence,
            on_date=on_date,
        )
        # Refused before it is stored: a date the schedule cannot use would stop every start.
        check_block_dates(block)
        return block
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def block_to_json(block: Block) -> dict[str, Any]:
    rec = block.recurrence
    return {
        "id": block.id,
        "kind": block.kind.value,
        "title": block.title,
        "start": f"{block.start:%H:%M}",
        "end": f"{block.end:%H:%M}",
        "days": format_weekdays(rec.weekdays) if rec else None,
        "every_weeks": rec.interval_weeks if rec else None,
        "from": rec.starts.isoformat() if rec and rec.starts else None,
        "until": rec.until.isoformat() if rec and rec.until else None,
        "date": block.on_date.isoformat() if block.on_date else None,
        "exceptions": [
            {
                "date": e.original_date.isoformat(),
                "skip": e.is_skip,
                "start": e.moved_start.isoformat() if e.moved_start else None,
                "end": e.moved_end.isoformat() if e.moved_end else None,
            }
            for e in block.exceptions
        ],
        "source_uid": block.source_uid,
        "source_calendar": block.source_calendar,
    }


def rule_from_request(request: Request) -> Rule:
    action_text = _opt_str(request, "action")
    try:
        action = RuleAction(action_text)
    except ValueError:
        raise CommandError(
            f"unknown action '{action_text}': use allow, priority, hold or mute"
        ) from None
    urgency_text = _opt_str(request, "urgency")
    try:
        urgency = Urgency(urgency_text) if urgency_text else None
    except ValueError:
        raise CommandError(
            f"unknown urgency '{urgency_text}': use low, normal or critical"
        ) from None
    keywords = request.get("keywords") or []
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
        raise CommandError('"keywords" must be a list of non-empty strings')
    for keyword in keywords:
        _check_utf8("keywords", keyword)
    time_sensitive = request.get("time_sensitive")
    if time_sensitive is not None and not isinstance(time_sensitive, bool):
        raise CommandError('"time_sensitive" must be true or false')
    match = RuleMatch(
        sender=_opt_str(request, "sender") or None,
        source=_opt_str(request, "source") or None,
        urgency=urgency,
        keywords=tuple(keywords),
        time_sensitive=time_sensitive,
    )
    if match.is_empty:
        raise CommandError(
            "a rule needs something to match: --sender, --source, --urgency, --keyword "
            "or --time-sensitive"
        )
    return Rule(
        match=match, action=action, name=_opt_str(request, "name", limit=200, one_line=True)
    )


def rule_to_json(rule: Rule) -> dict[str, Any]:
    from focus_app.core.rules import describe_rule

    m = rule.match
    return {
        "id": rule.id,
        "name": rule.name,
        "action": rule.action.value,
        "enabled": rule.enabled,
        "sender": m.sender,
        "source": m.source,
        "urgency": m.urgency.value if m.urgency else None,
        "keywords": list(m.keywords),
        "time_sensitive": m.time_sensitive,
        "description": describe_rule(rule),
    }


# --------------------------------------------------------------------- argument helpers


def _opt_str(request: Request, key: str, *, limit: int = 100, one_line: bool = False) -> str:
    """The string ``request[key]`` ("" when absent), checked.

    Args:
        limit: The most characters allowed.
        one_line: Refuse newlines and other control characters (a reason or a title is
            printed on one terminal line; an escape sequence there would repaint it).
    """
    value = request.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CommandError(f'"{key}" must be a string, got {type(value).__name__}')
    if len(value) > limit:
        raise CommandError(f'"{key}" is too long ({len(value)} characters; at most {limit})')
    _check_utf8(key, value)
    if one_line:
        bad = next((c for c in value if unicodedata.category(c) == "Cc"), None)
        if bad is not None:
            raise CommandError(
                f'"{key}" must be one line of text without control characters '
                f"(found U+{ord(bad):04X}); remove it"
            )
    return value


def _any_str(request: Request, key: str) -> str:
    """``request[key]`` ("" when absent) if it is a string; any length, any characters."""
    value = request.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CommandError(f'"{key}" must be a string, got {type(value).__name__}')
    return value


def _check_utf8(key: str, value: str) -> None:
    """Refuse lone surrogates.

    ``"\\ud800"`` is valid JSON but no text: SQLite and D-Bus would fail on it later, far
    from the request that brought it.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CommandError(
            f'"{key}" is not valid UTF-8 text (it has a lone surrogate such as \\ud800); '
            "send text, not half of a character"
        ) from None


def _int(request: Request, key: str) -> int:
    value = request.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise CommandError(f'"{key}" must be a whole number')
    if not 0 <= value <= MAX_ID:
        raise CommandError(f'"{key}" is out of range: ids go from 1 to {MAX_ID}')
    return value


def _every_weeks(request: Request) -> int:
    value = request.get("every_weeks")
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 52:
        raise CommandError("--every-weeks must be a whole number from 1 to 52")
    return value


def _opt_ids(request: Request) -> list[int]:
    ids = request.get("ids") or []
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise CommandError('"ids" must be a list of whole numbers')
    if not all(0 <= i <= MAX_ID for i in ids):
        raise CommandError(f'"ids" out of range: ids go from 1 to {MAX_ID}')
    return ids


def _calendar_ref(value: Any) -> tuple[str, int]:
    """A calendar id of a request: ``3`` (a subscription) or ``"c3"`` (a CalDAV link)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID:
        return "subscription", value
    if isinstance(value, str):
        text = value.strip().lower()
        digits = text[1:] if text.startswith("c") else text
        if digits.isdecimal() and len(digits) < 19:
            return ("caldav" if text.startswith("c") else "subscription"), int(digits)
    raise CommandError(
        f"{_ref_text(value)} is no calendar id: use a number (a followed calendar) or "
        "c1, c2, … (a CalDAV calendar); see 'focus-app calendar list'"
    )


def _ref_text(value: Any) -> str:
    return repr(value)[:40] if not isinstance(value, str) else f"'{value[:40]}'"


def _following_choices(request: Request) -> tuple[BlockKind, int, str]:
    """A subscription's ``busy`` kind, ``every_minutes`` and ``name``, checked."""
    from focus_app.core.subscriptions import (
        DEFAULT_EVERY_MINUTES,
        MAX_EVERY_MINUTES,
        MIN_EVERY_MINUTES,
    )

    kind_text = _opt_str(request, "busy") or "off"
    try:
        busy = BlockKind(kind_text)
    except ValueError:
        raise CommandError(
            f"unknown kind '{kind_text}' for busy time: use off, available or focus"
        ) from None
    every = request.get("every_minutes", DEFAULT_EVERY_MINUTES)
    if (
        isinstance(every, bool) or not isinstance(every, int)
        or not MIN_EVERY_MINUTES <= every <= MAX_EVERY_MINUTES
    ):
        raise CommandError(
            f"refresh every {MIN_EVERY_MINUTES} minutes to 7 days "
            f"(a whole number of minutes from {MIN_EVERY_MINUTES} to {MAX_EVERY_MINUTES})"
        )
    name = clean_text(_opt_str(request, "name", limit=MAX_NAME), MAX_NAME, one_line=True)
    return busy, every, name


def _password(request: Request, *, required: bool) -> str | None:
    """The request's ``password`` (one line, 1 to 1024 characters)."""
    value = request.get("password")
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > 1024 or "\n" in value:
        raise CommandError(
            "the password must be one line of 1 to 1024 characters (give it on standard "
            "input with --password-stdin)"
        )
    return value


def _read_ics(path_text: str) -> str:
    """The text of the iCalendar file at ``path_text``, or one line saying why not."""
    if not path_text or not os.path.isabs(path_text):
        raise CommandError(f'"path" must be an absolute path, got \'{path_text}\'')
    path = Path(path_text)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block the engine
            raise CommandError(f"{path} is not a regular file; give an .ics file")
        with path.open("rb") as file:
            data = file.read(MAX_ICS_BYTES + 1)
    except OSError as exc:
        raise CommandError(
            f"cannot read {path}: {exc.strerror or exc}; check the path and its permissions"
        ) from None
    if len(data) > MAX_ICS_BYTES:
        raise CommandError(
            f"{path} is over {MAX_ICS_BYTES // (1024 * 1024)} MiB: not an iCalendar file "
            "of blocks; export fewer events"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(
            f"{path} is not UTF-8 text, so not an iCalendar file; "
            "export it again as .ics (UTF-8)"
        ) from None


def _opt_date(request: Request, key: str) -> date | None:
    text = _opt_str(request, key)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"bad date '{text}' for --{key}: use YYYY-MM-DD") from None


def _iso(t: datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t is not None else None


def _error(message: str) -> Answer:
    return {"ok": False, "error": message}
